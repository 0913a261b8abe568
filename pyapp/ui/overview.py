"""The overview in the page: takes over the pre-rendered DOM (or writes it with the same
HTML generator), paints every map from numpy in one ``ImageData`` each, and handles hover,
focus, keyboard and touch.

Hook for detail views: ``view.on_neuron_activate(callback)``; ``callback(layer, index)`` runs
when a neuron is clicked, tapped a second time, or activated with Enter / Space (the tool
element also dispatches an ``ov:activate`` DOM event, ``detail = {layer, index}``).  Touch:
the first tap on a neuron highlights it like hover and says "Tap again to open" beside it
(``#ov-tap-hint``, a status; ``data-armed="layer:index"`` on the tool); a second tap
activates it.

The read-out of a convolution's neuron has an "Edit" button: it pins the read-out to that
neuron (hovering elsewhere then only highlights) until "Close"; the tool's ``data-pinned``
is ``"layer:index"`` and an ``ov:pin`` event on the document (``detail = {layer, index}`` or
null) tells the tinker view to put the editable kernel into the read-out's editor holder.

Maps as images: each map is painted into its ``<canvas>`` (the pixels' one store), and a map
whose pixels did not change is not painted again (``data-repainted`` on the tool: how many
were in the last paint).  Chromium makes every 2D canvas a compositor layer, pushed and
layerized on every frame that repaints anything (the detail view's sweep, 60 times a second);
so once the snapshots settle (:data:`SETTLE_MS` after the last, no burst running) each map is
shown as an ``<img class="ov-px">`` of the same pixels (an uncompressed BMP,
:mod:`pyapp.render.bmp`, drawn over its canvas) and the canvases are hidden
(class ``ov-img`` on the neuron, once the images have decoded; ``data-pixels="img"`` on the
tool when every map is one); a paint shows the canvases of the maps it repainted again (the
others stay images) and sets ``data-pixels="canvas"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]

from pyapp.i18n import tr
from pyapp.render.bmp import bmp_data_uri
from pyapp.render.overview_html import (
    answer_html,
    legends_html,
    network_html,
    output_label,
    tool_html,
)
from pyapp.render.readout import editable, info_html, readout_html
from pyapp.session import Session, Snapshot
from pyapp.ui.errors import guarded
from pyapp.ui.events import Bindings

Key = tuple[str, int]
ActivateHook = Callable[[str, int], Any]
SETTLE_MS = 250  # no new snapshot for this long (and no burst): the maps become images
PRERENDER_URL_PREFIX = "data:image/png;base64,"  # the build's pictures (pyapp.render.png)


def paint(ctx: Any, rgba: np.ndarray, img: Any = None) -> Any:
    """Put an ``(H, W, 4)`` uint8 image into a 2D context in one step; ``img``: an
    ``ImageData`` of that size to reuse (returns the one used)."""
    h, w = rgba.shape[:2]
    if img is None:
        img = ctx.createImageData(w, h)
    img.data.assign(np.ascontiguousarray(rgba, dtype=np.uint8).reshape(-1))
    ctx.putImageData(img, 0, 0)
    return img


def _shape(snap: Snapshot) -> list[tuple[str, int]]:
    """The overview's structure: each column's name and count."""
    return [(c.name, c.count) for c in snap.layout.columns]


class OverviewView:
    """The network view of ``session`` (it paints each snapshot it is given, and asks the
    session for range and detail changes); ``container`` is where the tool lives."""

    def __init__(self, session: Session, gallery: Sequence[dict], container: Any) -> None:
        self.session = session
        self.snap: Snapshot = session.snapshot
        self.bindings = Bindings("the overview")
        self.gallery = list(gallery)
        self.container = container
        self._hooks: list[ActivateHook] = []
        self._shown: Key | None = None
        self._focused: Key | None = None
        self._pointer_type = "mouse"
        self._armed: Key | None = None  # touch: the neuron a first tap highlighted
        self._pinned: Key | None = None  # the read-out's neuron while its kernel is edited
        self.root: Any = None
        self._selected: Any = ()  # the gallery entry marked pressed (() before the first)
        # maps_source(snapshot) -> ({column: (C, H, W, 4)}, legend band HTML), e.g. gradients
        self.maps_source: Callable[[Snapshot], tuple[dict, str]] | None = None

    # --- public API -------------------------------------------------------------------
    def on_neuron_activate(self, callback: ActivateHook) -> None:
        """Register ``callback(layer, index)`` for clicks / Enter on a neuron."""
        self._hooks.append(callback)

    def mount(self) -> bool:
        """Bind to ``#ov-tool`` (pre-rendered) or write it; returns True if it was there."""
        doc = js.document
        self.root = doc.getElementById("ov-tool")
        prerendered = self.root is not None
        if not prerendered:
            self.container.innerHTML = tool_html(self.snap, self.gallery)
            self.root = doc.getElementById("ov-tool")
        self._collect()
        self._bind()
        return prerendered

    def close(self) -> None:
        self.bindings.close()

    def adopt(self, snap: Snapshot) -> None:
        """Take the pre-rendered tool as ``snap`` painted (the build drew this very snapshot:
        its maps stay the canvases' backgrounds until the next :meth:`paint`)."""
        self.snap = snap
        self._selected = snap.selected
        self.root.dataset.version = str(snap.version)
        self._adopt_images()

    def _adopt_images(self) -> None:
        """The build's pictures (the canvases' backgrounds) as the maps' images at once: the
        kept pre-render paints no canvas, so no settle would ever replace its 103 canvas
        layers; a later paint shows the canvases it repaints, as after any settle."""
        keys = []
        for key, canvas in self._canvas.items():
            url = str(canvas.style.backgroundImage)
            if url.startswith('url("') and url.endswith('")'):
                url = url[5:-2]
            if not url.startswith(PRERENDER_URL_PREFIX):
                continue  # only the build's own pictures (data: PNGs), nothing else
            self._image_of(key).src = url
            self._px_gen[key] = 0  # shows the canvas before its first paint
            keys.append(key)
        if keys:
            self._show_images(keys, "the overview (pre-rendered images)")

    def _image_of(self, key: Key) -> Any:
        """The ``<img class="ov-px">`` over map ``key``'s canvas (made the first time)."""
        px = self._px.get(key)
        if px is None:
            px = js.document.createElement("img")
            px.className = "ov-px"
            px.alt = ""
            px.setAttribute("aria-hidden", "true")
            px.draggable = False
            self._canvas[key].after(px)
            self._px[key] = px
        return px

    def paint(self, snap: Snapshot) -> None:
        """Paint ``snap``: every map, bar, legend, the input preview, the controls' state."""
        self.root.dataset.version = str(snap.version)
        if not snap.changed & {"model", "image", "range", "detail"}:
            return  # a view opened or moved: nothing of the overview changed
        if "model" in snap.changed and _shape(snap) != _shape(self.snap):
            self._rebuild(snap)  # another structure (e.g. a class added): new columns
        # an edited network sees the same picture: no fade (a dragged weight would flicker)
        new_image = "image" in snap.changed and not np.array_equal(self.snap.image, snap.image)
        self.snap = snap
        self.root.dataset.range = snap.range_mode
        self.root.dataset.detail = "on" if snap.detail else "off"
        self.root.querySelector("#ov-detail").setAttribute(
            "aria-pressed", "true" if snap.detail else "false")
        select = self.root.querySelector("#ov-range")
        if str(select.value) != snap.range_mode:
            select.value = snap.range_mode
        if snap.selected != self._selected:
            self.set_selected(snap.selected)
        self.draw(transition=new_image and snap.version > 1)

    def paint_steps(self, snap: Snapshot) -> Iterator[None]:
        """:meth:`paint` as the session's subscriber, in two steps: the maps' colours (the
        snapshot's ``overview_rgba``), then the page; during a drag the session runs them a
        frame apart (two short frames, not one long one), otherwise at once."""
        if self.maps_source is None and snap.changed & {"model", "image", "range"}:
            _ = snap.overview_rgba  # computed and kept by the snapshot
            yield
        self.paint(snap)

    def draw(self, transition: bool = False) -> None:
        """Paint every map, bar, legend and the input preview of the current snapshot."""
        st = self.snap
        maps, html = (self.maps_source(st) if self.maps_source is not None else
                      (st.overview_rgba, legends_html(st.layout, st.legends)))
        repainted = 0
        for name, maps_of in maps.items():
            stack = np.asarray(maps_of)
            old = self._stacks.get(name)
            # which maps have new pixels: one comparison of the whole column (upstream of an
            # edit, or a change that is not of the maps, none)
            new = (np.ones(len(stack), dtype=bool) if old is None or old.shape != stack.shape
                   else (old != stack).reshape(len(stack), -1).any(axis=1))
            self._stacks[name] = stack
            for j in np.flatnonzero(new).tolist():
                key, rgba = (name, j), stack[j]
                size, img = self._img.get(key, (None, None))
                if size != rgba.shape:
                    img = None  # a new size (another model): a new ImageData
                self._img[key] = (rgba.shape, paint(self._ctx[key], rgba, img))
                self._gen[key] = self._gen.get(key, 0) + 1
                if key in self._as_img:  # its image is behind now: the canvas shows
                    self._as_img.discard(key)
                    self._el[key].classList.remove("ov-img")
                repainted += 1
        self.root.dataset.repainted = str(repainted)
        for key, canvas in self._canvas.items():
            if key in self._bg:
                canvas.style.backgroundImage = "none"
        self._bg.clear()
        if repainted:
            self._live()
        self._draw_outputs()
        if html != self._legends_html:  # unchanged legends cost no layout
            self.legends_el.innerHTML = html
            self._legends_html = html
        self._draw_preview()
        if self._pinned is not None or self._shown is not None:
            self._readout(self._shown)
        if transition and not js.matchMedia("(prefers-reduced-motion: reduce)").matches:
            # a short fade-in of the new maps (Web Animations: no forced layout)
            frames = to_js([{"opacity": 0.35}, {"opacity": 1}],
                           dict_converter=js.Object.fromEntries)
            for layer in self._layers_el:
                layer.animate(frames, 260)

    def _rebuild(self, snap: Snapshot) -> None:
        """Write the network panel for ``snap``'s layout and bind it again; an ``ov:rebuilt``
        event on the document lets views that add to it (the Why? button) add again."""
        old = self.root.querySelector(".ov-net")
        holder = js.document.createElement("div")
        holder.innerHTML = network_html(snap.layout, snap.class_names, snap.bars,
                                        snap.predicted, snap.legends)
        old.replaceWith(holder.firstElementChild)
        self.bindings.close()
        self.snap = snap
        self._shown = self._focused = self._armed = None
        self.pin(None)
        self._collect()
        self._bind()
        js.document.dispatchEvent(js.CustomEvent.new("ov:rebuilt"))

    def set_selected(self, index: int | None) -> None:
        self._selected = index
        for b in self.root.querySelectorAll(".ov-thumb"):
            b.setAttribute("aria-pressed", "true" if index is not None and
                           int(b.dataset.index) == index else "false")

    # --- maps as images (see the module docstring) ----------------------------------------
    def _live(self) -> None:
        """Some canvas has new pixels: show the canvases, and make images of them once the
        snapshots settle."""
        self._token += 1
        self._painted_at = float(js.performance.now())
        self.root.dataset.pixels = "canvas"
        if self._settle_timer is None:
            self._settle_timer = self.bindings.later(SETTLE_MS, self._settle)

    def _settle(self) -> None:
        """Each map whose image is behind its canvas gets the canvas's pixels as its image;
        when every image has decoded (and nothing was painted meanwhile) they are shown."""
        self._settle_timer = None
        wait = SETTLE_MS - (float(js.performance.now()) - self._painted_at)
        if wait > 1 or self.session.in_burst or self.session.painting:
            self._settle_timer = self.bindings.later(max(int(wait), SETTLE_MS // 5), self._settle)
            return
        keys = []
        for key, gen in self._gen.items():
            if self._px_gen.get(key) == gen:
                continue
            keys.append(key)
            self._image_of(key).src = bmp_data_uri(self._stacks[key[0]][key[1]])
            self._px_gen[key] = gen
        self._show_images(keys, "the overview (maps as images)")

    def _show_images(self, keys: list[Key], where: str) -> None:
        """Once the images of ``keys`` have decoded, each that still shows what its canvas
        does replaces it; with no paint meanwhile, every map is an image."""
        token = self._token
        decodes = [self._px[key].decode() for key in keys]

        def show(*_args: Any) -> None:
            for key in keys:
                if self._px_gen.get(key) == self._gen.get(key, 0):
                    self._as_img.add(key)
                    self._el[key].classList.add("ov-img")
            if token == self._token:
                self.root.dataset.pixels = "img"
        js.Promise.all(to_js(decodes)).then(create_once_callable(guarded(show, where=where)))

    def message(self, text: str) -> None:
        self.root.querySelector("#ov-message").textContent = text

    # --- DOM --------------------------------------------------------------------------
    def _collect(self) -> None:
        r = self.root
        self.net = r.querySelector(".ov-net")
        self.svg = r.querySelector(".ov-edges")
        self.legends_el = r.querySelector(".ov-legends")
        self.readout_el = r.querySelector("#ov-readout")
        self.processed = r.querySelector("#ov-processed")
        self.answer_el = r.querySelector("#ov-answer")
        self.tap_hint = r.querySelector("#ov-tap-hint")
        self._layers_el = list(r.querySelectorAll(".ov-col"))
        self._legends_html = ""
        self._el: dict[Key, Any] = {}
        self._canvas: dict[Key, Any] = {}
        self._ctx: dict[Key, Any] = {}
        self._bg: set[Key] = set()
        self._img: dict[Key, tuple[Any, Any]] = {}  # (shape, ImageData) reused each paint
        self._stacks: dict[str, np.ndarray] = {}  # each column's maps, as last painted
        self._gen: dict[Key, int] = {}  # counts each canvas's paints
        self._px: dict[Key, Any] = {}  # each map's <img> (made when the maps first settle)
        self._px_gen: dict[Key, int] = {}  # the paint of its canvas each <img> shows
        self._as_img: set[Key] = set()  # the maps shown as their images (class ov-img)
        self._token = 0  # counts paints: images made before the latest are not shown
        self._settle_timer: Any = None
        self._painted_at = 0.0
        self.root.dataset.pixels = "canvas"
        self._bar: dict[int, tuple[Any, Any]] = {}
        self._bar_shown: dict[int, tuple[str, str, bool, str]] = {}  # what each bar shows
        self._answer_html = ""
        for node in r.querySelectorAll(".ov-n"):
            key = (str(node.dataset.l), int(node.dataset.i))
            self._el[key] = node
            canvas = node.querySelector("canvas")
            if canvas is not None:
                self._canvas[key] = canvas
                self._ctx[key] = canvas.getContext("2d")
                if canvas.style.backgroundImage:
                    self._bg.add(key)
        self._edges: dict[Key, Any] = {}
        for g in self.svg.querySelectorAll("g[data-t]"):
            name, idx = str(g.dataset.t).rsplit(":", 1)
            self._edges[(name, int(idx))] = g
        self._order = [c.name for c in self.snap.layout.columns]

    def _listen(self, target: Any, event: str, fn: Callable[[Any], Any]) -> None:
        self.bindings.listen(target, event, fn)

    def _bind(self) -> None:
        net = self.net
        self._listen(net, "pointerover", self._on_over)
        self._listen(net, "pointerleave", self._on_leave)
        self._listen(net, "pointerdown", self._on_pointerdown)
        self._listen(net, "focusin", self._on_focusin)
        self._listen(net, "keydown", self._on_keydown)
        self._listen(net, "click", self._on_click)
        self._listen(self.root.querySelector("#ov-detail"), "click", self._on_detail)
        self._listen(self.root.querySelector("#ov-range"), "change", self._on_range)
        self._listen(self.readout_el, "click", self._on_readout_click)

    def _key_of(self, event: Any) -> Key | None:
        target = event.target
        node = target.closest(".ov-n") if hasattr(target, "closest") else None
        if node is None:
            return None
        return (str(node.dataset.l), int(node.dataset.i))

    # --- highlight + read-out -----------------------------------------------------------
    def show(self, key: Key | None) -> None:
        """Highlight ``key``'s incoming edges and sources and show its read-out."""
        if key == self._shown:
            return
        if self._shown is not None:
            self._set_hl(self._shown, False)
        self._shown = key
        if key is None:
            return
        self._set_hl(key, True)
        if self._pinned is None:  # a pinned read-out stays (its kernel is being edited)
            self._readout(key)

    def _set_hl(self, key: Key, on: bool) -> None:
        node = self._el.get(key)
        if node is not None:
            node.classList.toggle("is-active", on)
        g = self._edges.get(key)
        if g is not None:
            g.classList.toggle("is-hl", on)
            if on:
                self.svg.appendChild(g)  # draw on top of the faint edges
        for src in self.snap.layout.sources_of(*key):
            s = self._el.get(src)
            if s is not None:
                s.classList.toggle("is-src", on)

    def _readout(self, key: Key | None) -> None:
        st = self.snap
        if self._pinned is not None:  # only the numbers: the editor in it keeps its focus
            info = self.readout_el.querySelector(".ov-ro-info")
            if info is not None:
                info.innerHTML = info_html(st.model, st.acts, st.layout, *self._pinned, True)
            return
        if key is not None:
            self.readout_el.innerHTML = readout_html(st.model, st.acts, st.layout, *key)

    def pin(self, key: Key | None) -> None:
        """Pin the read-out to ``key``'s kernel editor (None: unpin, the read-out follows the
        pointer and focus again)."""
        if key is not None and (key not in self._el or not editable(self.snap.model, key[0])):
            key = None
        if key == self._pinned:
            return
        self._pinned = key
        st = self.snap
        el = self.readout_el
        if key is None:
            self.root.removeAttribute("data-pinned")
            el.removeAttribute("data-pinned")
            el.setAttribute("aria-live", "polite")
            el.removeAttribute("role")
            el.removeAttribute("aria-label")
            el.innerHTML = (readout_html(st.model, st.acts, st.layout, *self._shown)
                            if self._shown is not None else "")
        else:
            self.root.dataset.pinned = el.dataset.pinned = f"{key[0]}:{key[1]}"
            el.setAttribute("aria-live", "off")  # typing into it is not news
            el.setAttribute("role", "region")
            el.setAttribute("aria-label", tr("Read-out of {layer} neuron {n}, pinned",
                                             layer=key[0], n=key[1] + 1))
            el.innerHTML = readout_html(st.model, st.acts, st.layout, *key, pinned=True)
        detail = None if key is None else to_js({"layer": key[0], "index": key[1]},
                                                dict_converter=js.Object.fromEntries)
        js.document.dispatchEvent(js.CustomEvent.new("ov:pin", to_js(
            {"detail": detail}, dict_converter=js.Object.fromEntries)))

    def _on_readout_click(self, event: Any) -> None:
        t = event.target
        button = t.closest("button") if hasattr(t, "closest") else None
        if button is None:
            return
        if button.classList.contains("ov-ro-edit"):
            self.pin((str(button.dataset.l), int(button.dataset.i)))
            first = self.readout_el.querySelector("input")
            if first is not None:
                first.focus()
        elif button.classList.contains("ov-ro-close"):
            key = self._pinned
            self.pin(None)
            if key is not None and key in self._el:
                self._el[key].focus()

    # --- events -----------------------------------------------------------------------
    def _on_over(self, event: Any) -> None:
        key = self._key_of(event)
        if key is not None and event.pointerType != "touch":
            self.show(key)

    def _on_leave(self, event: Any) -> None:
        if event.pointerType != "touch":
            self.show(self._focused)

    def _on_pointerdown(self, event: Any) -> None:
        self._pointer_type = str(event.pointerType or "mouse")

    def _on_focusin(self, event: Any) -> None:
        key = self._key_of(event)
        if key is None:
            return
        if self._focused is not None and self._focused != key:
            old = self._el.get(self._focused)
            if old is not None:
                old.setAttribute("tabindex", "-1")
        self._focused = key
        self._el[key].setAttribute("tabindex", "0")
        self.show(key)

    def _on_click(self, event: Any) -> None:
        key = self._key_of(event)
        if key is None:
            return
        if self._pointer_type == "touch" and self._armed != key:
            # first tap: behave like hover (highlight + read-out); a second tap activates
            self._arm(key)
            self._el[key].focus()
            self.show(key)
            return
        self._arm(None)
        self._activate(key)

    def _arm(self, key: Key | None) -> None:
        """Touch: mark ``key`` as chosen by a first tap and put the hint beside it (None:
        clear both)."""
        if self._armed is not None and self._armed in self._el:
            self._el[self._armed].classList.remove("is-armed")
        self._armed = key
        hint = self.tap_hint
        if hint is None:
            return
        if key is None:
            hint.hidden = True
            hint.textContent = ""
            self.root.removeAttribute("data-armed")
            return
        node = self._el[key]
        node.classList.add("is-armed")
        # geometry of the page, not of the model: below the neuron, kept inside the network
        box, net = node.getBoundingClientRect(), self.net.getBoundingClientRect()
        hint.textContent = tr("Tap again to open")
        hint.hidden = False
        left = box.left - net.left
        if left + hint.offsetWidth > net.width:
            left = max(0.0, box.right - net.left - hint.offsetWidth)
        hint.style.left = f"{left:.0f}px"
        hint.style.top = f"{box.bottom - net.top + 4:.0f}px"
        self.root.dataset.armed = f"{key[0]}:{key[1]}"

    def _activate(self, key: Key) -> None:
        self.show(key)
        detail = to_js({"layer": key[0], "index": key[1]}, dict_converter=js.Object.fromEntries)
        self.root.dispatchEvent(js.CustomEvent.new("ov:activate", to_js(
            {"detail": detail, "bubbles": True}, dict_converter=js.Object.fromEntries)))
        for hook in list(self._hooks):
            hook(*key)

    def _on_keydown(self, event: Any) -> None:
        key = self._key_of(event)
        if key is None:
            return
        k = str(event.key)
        if k in ("Enter", " "):
            event.preventDefault()
            self._activate(key)
            return
        target = self._neighbour(key, k)
        if target is None:
            return
        event.preventDefault()
        self._el[target].focus()

    def _neighbour(self, key: Key, k: str) -> Key | None:
        """The neuron an arrow / Home / End key moves to from ``key``."""
        layout = self.snap.layout
        ci = self._order.index(key[0])
        col = layout.columns[ci]
        if k == "ArrowUp":
            return (key[0], max(0, key[1] - 1))
        if k == "ArrowDown":
            return (key[0], min(col.count - 1, key[1] + 1))
        if k == "Home":
            return (key[0], 0)
        if k == "End":
            return (key[0], col.count - 1)
        if k in ("ArrowLeft", "ArrowRight"):
            cj = ci + (1 if k == "ArrowRight" else -1)
            if not 0 <= cj < len(layout.columns):
                return None
            other = layout.columns[cj]
            if other.count == col.count:
                return (other.name, key[1])
            # nearest row by position
            y = col.ys[key[1]]
            j = int(np.argmin([abs(oy - y) for oy in other.ys]))
            return (other.name, j)
        return None

    def _on_detail(self, _event: Any) -> None:
        self.session.set_detail(not self.session.snapshot.detail)

    def _on_range(self, event: Any) -> None:
        self.session.set_range(str(event.target.value))

    # --- outputs and preview ----------------------------------------------------------
    def _draw_outputs(self) -> None:
        st = self.snap
        out = st.layout.columns[-1]
        for j in range(out.count):
            node = self._el[(out.name, j)]
            bar = st.bars[j]
            if j not in self._bar:
                self._bar[j] = (node.querySelector(".ov-barfill"), node.querySelector(".ov-prob"))
            fill, prob = self._bar[j]
            label = output_label(out, j, st.model.class_names[j], bar.text, j == st.predicted)
            shown = (bar.width, bar.text, j == st.predicted, label)
            if self._bar_shown.get(j) == shown:
                continue  # the same bar (a drag moves a few of the ten): no DOM writes
            self._bar_shown[j] = shown
            fill.style.width = bar.width
            prob.textContent = bar.text
            node.classList.toggle("ov-pred", j == st.predicted)
            node.setAttribute("aria-label", label)
        if self.answer_el is not None:  # markup from the snapshot's texts (escaped there)
            html = answer_html(st.model.class_names[st.predicted], st.bars[st.predicted].text)
            if html != self._answer_html:
                self.answer_el.innerHTML = html
                self._answer_html = html

    def _draw_preview(self) -> None:
        rgba = self.snap.input_rgba
        self.processed.width, self.processed.height = rgba.shape[1], rgba.shape[0]
        paint(self.processed.getContext("2d"), rgba)
        self.processed.style.backgroundImage = "none"
