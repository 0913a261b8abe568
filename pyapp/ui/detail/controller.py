"""The detail dialog: a subscriber of the session that shows its open view, and the controls
and keys that change it.

One ``<dialog>`` for the page (``showModal``: the rest of the page is inert, focus stays in
it), opened in place: a transparent backdrop, the network dimmed but on screen, and the
dialog fixed beside the overview column it explains (:mod:`pyapp.views.placement` chooses
the box from the columns' measured rectangles; a bottom sheet on a phone).  A click on the
dimmed page closes it, as Esc, the close button and Back do.

A click or key asks the session to open a view; the session's snapshot names the view and the
dialog shows it (the address bar follows, see :mod:`pyapp.ui.address`, so Back returns to the
previous view).  When the image, model or range mode changes while a view is open, the
view is rebuilt from the new snapshot at the same position.  Closing goes back to the previous
entry, and focus goes back to the element that opened the view (found again by its
``data-opens`` hash or its overview id, so it also works after a deep link or a rebuilt parent
view).  A click or tap on a map jumps there (and stays); "skip to the end" shows the whole map
computed.

The dialog exposes ``data-view`` (the view's 1-based hash), ``data-position`` (the position as
people read it, ``"row,column"`` 1-based, as in the URL), ``data-step`` (the 0-based position
index) and ``data-version`` (the snapshot it shows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from pyapp import links
from pyapp.i18n import tr
from pyapp.render.overview_html import neuron_id
from pyapp.session import Session, Snapshot
from pyapp.ui.animation import SCHEDULER, reduced_motion
from pyapp.ui.errors import guarded
from pyapp.ui.events import Bindings
from pyapp.views.placement import MAX_WIDTH, Spread, band_move, edge_maps, place, spread
from pyapp.views.route import ViewRef, ref_for
from pyapp.views.stepper import Stepper

from .markup import ICONS, dialog_html
from .panels import make_panel

TICK_KEY = "detail"
LAYOUT_KEY = "detail-layout"
PANEL_INSET = 20.0  # px: a column's heading is wider than the column
TYPING = ("INPUT", "SELECT", "TEXTAREA")


class DetailController:
    def __init__(self, session: Session, address: Any = None) -> None:
        self.session = session
        self.address = address
        self.snap: Snapshot = session.snapshot
        self.ref: ViewRef | None = None
        self.panel: Any = None
        self.stepper: Stepper | None = None
        self.dialog: Any = None
        self.bindings = Bindings("the detail view")
        self._unsubscribe: Callable[[], None] | None = None
        self._unidle: Callable[[], None] = lambda: None
        self._resume = False
        self._esc_at = -1.0
        # the map views' colour range (render.ranges.MAP_RANGES), kept while the page is open
        self.maps = "map"
        self._resizes: Any = None

    # --- setup ----------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        d = doc.createElement("dialog")
        d.id = "dv"
        d.className = "dv"
        d.setAttribute("aria-labelledby", "dv-title")
        d.setAttribute("aria-describedby", "dv-record")
        d.innerHTML = dialog_html()
        doc.body.appendChild(d)
        self.dialog = d
        self.body = d.querySelector(".dv-body")
        self.title = d.querySelector(".dv-title")
        self.caption = d.querySelector(".dv-caption")
        self.record = d.querySelector(".dv-record")
        self.pos = d.querySelector(".dv-pos")
        self.play_btn = d.querySelector(".dv-play")
        self.speed = d.querySelector("select")
        self.data = d.dataset
        self._listen(d, "click", self._on_click)
        self._listen(d, "keydown", self._on_keydown)
        self._listen(d, "cancel", self._on_cancel)
        self._listen(d, "close", self._on_close)
        self._listen(d, "pointermove", self._on_pointer)
        self._listen(d, "pointerleave", self._on_leave)
        self._listen(self.speed, "change", self._on_speed)
        self._listen(d, "change", self._on_maps)
        self._listen(d.querySelector(".dv-copy-link"), "click", self._on_copy)
        self._listen(js.window, "resize", lambda _e: self._place())
        self._listen(js.window, "hashchange", lambda _e: self.sync())
        # Back across entries whose query differs (e.g. ?edit=) fires only popstate
        self._listen(js.window, "popstate", lambda _e: self.sync())
        self._listen(doc, "click", self._on_page_click)
        # what a panel draws from the page's layout (its arrows) follows that layout: after
        # the slide-in, a scroll inside the view (captured: scroll does not bubble), a resize
        self._listen(d, "animationend", self._layout_soon)
        self._listen(d, "transitionend", self._layout_soon)
        self._scroll_proxy = create_proxy(guarded(self._layout_soon, where="the detail view"))
        d.addEventListener("scroll", self._scroll_proxy, True)
        self._resize_proxy = create_proxy(guarded(self._layout_soon, where="the detail view"))
        self._resizes = js.ResizeObserver.new(self._resize_proxy)
        self._resizes.observe(self.body)
        SCHEDULER.expose_stats()
        self._unsubscribe = self.session.subscribe(self.paint, key="detail")
        self._unidle = self.session.when_painted(self._settled)
        self.dialog.dataset.version = str(self.session.snapshot.version)
        self.sync()

    def _listen(self, target: Any, event: str, fn: Callable[[Any], Any]) -> None:
        self.bindings.listen(target, event, fn)

    def close_all(self) -> None:
        """Release everything (listeners, the animation, the subscription)."""
        self._stop()
        SCHEDULER.unsubscribe(LAYOUT_KEY)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unidle()
        self.bindings.close()
        if self._resizes is not None:
            self._resizes.disconnect()
            self.dialog.removeEventListener("scroll", self._scroll_proxy, True)
            self._resize_proxy.destroy()
            self._scroll_proxy.destroy()
            self._resizes = None

    def _layout_soon(self, *_args: Any) -> None:
        """Redraw the panel's layout-bound parts once, in the next frame (many events of one
        layout change arrive together)."""
        if self.panel is not None:
            SCHEDULER.subscribe(LAYOUT_KEY, self._layout_now)

    def _layout_now(self, _dt: float) -> None:
        SCHEDULER.unsubscribe(LAYOUT_KEY)
        if self.panel is not None and self.dialog.open:
            self.panel.layout()

    # --- opening and closing --------------------------------------------------------------
    def open(self, layer: str, index: int, channel: int | None = None) -> bool:
        """Open the view of neuron ``index`` of ``layer`` (a user action)."""
        ref = ref_for(self.session.model, layer, index, channel)
        if ref is None:
            return False
        self.open_ref(ref)
        return True

    def open_hash(self, hash_: str) -> None:
        """Open the view a ``data-opens`` hash names (either counting form)."""
        snap = self.session.snapshot
        ref, pos = links.resolve(links.parse_view_hash(hash_), snap.model, snap.predicted)
        if ref is not None:
            self.open_ref(ref, pos)

    def open_ref(self, ref: ViewRef, position: int | None = None) -> None:
        if ref != self.ref:
            self.session.open_view(ref, position)

    def close(self) -> None:
        """Close button / Esc: back to the previous entry (the parent view or the page)."""
        state = js.history.state
        if self.ref is not None and state is not None and bool(getattr(state, "dv", False)):
            js.history.back()  # hashchange -> sync
        else:  # a deep link: there is no entry of ours to go back to
            self.session.close_view()

    def sync(self) -> None:
        """The address bar changed (Back, Forward, a typed or linked hash): tell the session."""
        snap = self.session.snapshot
        ref, pos = links.resolve(links.parse_view_hash(str(js.location.hash)), snap.model,
                                 snap.predicted)
        self.session.open_view(ref, pos, origin="url")

    def paint(self, snap: Snapshot) -> Iterator[None] | None:
        """Show what ``snap`` says: the open view (rebuilt when its numbers changed)."""
        old_ref, prev, self.snap = self.ref, self.snap, snap
        self.dialog.dataset.version = str(snap.version)
        if snap.view is None:
            if old_ref is not None:
                self._hide()
                self._restore_focus(old_ref)
            return
        rebuilt = snap.changed & {"model", "image", "range"}
        in_place = (snap.view == old_ref and "model" in rebuilt and "range" not in rebuilt
                    and np.array_equal(prev.image, snap.image))
        if in_place and self.session.in_burst:  # a drag: its numbers, then its markup
            return self._refresh_steps(snap)
        if in_place and self._refresh(snap):
            pass  # the same image through an edited network (tinkering): in place
        elif snap.view != old_ref or rebuilt:
            self._rebuild(snap, old_ref)
        elif "position" in snap.changed and snap.position is not None and self.stepper:
            if snap.position != self.stepper.position:
                self.stepper.seek(snap.position)
                self.render()
                self._sync_play()

    def _show(self, ref: ViewRef, position: int | None = None,
              playing: bool | None = None) -> None:
        snap = self.snap
        self._stop()
        self.ref = ref
        self.panel = make_panel(ref, snap.model, snap.acts, snap.range_mode, self.maps)
        self.title.textContent = self.panel.title
        self.dialog.dataset.kind = ref.kind
        self.dialog.dataset.hash = ref.to_hash()
        self.dialog.dataset.view = links.view_hash(ref, snap.model)
        self.dialog.removeAttribute("data-inplace")
        self.panel.mount(self.body)
        pinned = position is not None
        self.stepper = Stepper(self.panel.count,
                               position=self.panel.start if position is None else position,
                               playing=(self.panel.autoplay and not reduced_motion()
                                        and not pinned) if playing is None else playing,
                               interval_ms=self.panel.interval_ms,
                               sweep_ms=self.panel.sweep_ms,
                               speed=float(self.speed.value))
        self.render()
        self._mark_anchor(ref)
        self._place()
        if not self.dialog.open:
            js.document.documentElement.classList.add("dv-open")
            self.dialog.showModal()
        self.dialog.querySelector(".dv-close").focus()
        self._sync_play()

    def _settled(self) -> None:
        """Every view shows the latest snapshot: once a drag is over, the maps it repainted
        as canvases become images again (rastered once, while the sweep animates)."""
        if self.panel is not None and not self.panel.maps_as_images and not self.session.in_burst:
            self.panel.freeze_maps()

    def _rebuild(self, snap: Snapshot, old_ref: ViewRef | None) -> None:
        keep = self.stepper.position if (self.stepper and snap.view == old_ref) else None
        playing = self.stepper.playing if (self.stepper and snap.view == old_ref) else None
        self._show(snap.view, keep if snap.position is None else snap.position, playing)
        if old_ref is not None and snap.view != old_ref:
            self._restore_focus(old_ref)

    def _same_positions(self, snap: Snapshot) -> Any:
        """The view model of ``snap``'s open view; None when its positions changed."""
        if self.panel is None or self.stepper is None:
            return None
        panel = make_panel(snap.view, snap.model, snap.acts, snap.range_mode, self.maps)
        if panel.count != self.panel.count or panel.title != self.panel.title:
            return None
        return panel

    def _mount_in_place(self, panel: Any) -> None:
        self.panel = panel
        panel.maps_as_images = not self.session.in_burst
        # the same view with new numbers: no entry animation (a drag would replay its
        # slide-in every frame, the maps faded the whole drag; see www/tinker.css)
        self.dialog.dataset.inplace = "true"
        panel.mount(self.body)
        self.render()

    def _refresh(self, snap: Snapshot) -> bool:
        """The open view's numbers from ``snap`` in place (tinkering): the dialog, its place,
        its focus and its stepper stay; False when the view's positions changed (rebuild)."""
        panel = self._same_positions(snap)
        if panel is None:
            return False
        self._mount_in_place(panel)
        return True

    def _refresh_steps(self, snap: Snapshot) -> Iterator[None]:
        """:meth:`_refresh` in two steps of a burst (a frame apart: two ~half-size frames of
        a drag, not one): the view model's numbers, then the markup and maps."""
        old_ref = self.ref
        panel = self._same_positions(snap)
        yield
        if panel is None:
            self._rebuild(snap, old_ref)
        else:
            self._mount_in_place(panel)

    def _on_maps(self, event: Any) -> None:
        """The colour-range switch: the same view at the same position, its maps and
        legends recomputed by the view model on the other range."""
        t = event.target
        if str(getattr(t, "name", "")) != "dv-maps" or self.ref is None or not self.stepper:
            return
        self.maps = str(t.value)
        self._show(self.ref, self.stepper.position, self.stepper.playing)
        radio = self.body.querySelector(f'input[name="dv-maps"][value="{self.maps}"]')
        if radio is not None:
            radio.focus()

    def _hide(self) -> None:
        self._stop()
        self.ref = None
        self.panel = None
        self.stepper = None
        self.body.innerHTML = ""
        self._mark_anchor(None)
        self._spread(list(js.document.querySelectorAll(".ov-net > .ov-col")), 0.0, 0.0)
        js.document.documentElement.classList.remove("dv-open")
        if self.dialog.open:
            self.dialog.close()

    # --- in place ---------------------------------------------------------------------------
    def _columns(self, ref: ViewRef) -> list[Any]:
        """The overview columns a view explains: its layer's and that layer's input's (the
        nearest layer before it with a column: the output's input is flatten, drawn as no
        column of its own, of max_pool_2's maps)."""
        doc = js.document
        if ref.kind == "softmax":
            return [c for c in [doc.querySelector(".ov-col.ov-k-output")] if c is not None]
        return [c for c in [self._column_of(ref.layer), self._source_of(ref.layer)]
                if c is not None]

    def _column_of(self, name: str) -> Any:
        return js.document.querySelector(f'.ov-col[data-l="{name}"]')

    def _source_of(self, layer: str) -> Any:
        """The column of the nearest activation before ``layer`` that has one."""
        model = self.snap.model
        name = layer
        while name != "input":
            name = model.input_of(name)
            col = self._column_of(name)
            if col is not None:
                return col
        return None

    def _beside(self, ref: ViewRef) -> list[Any]:
        """Columns the network keeps at their natural distance from the explained ones
        (dimmed, their edges drawn): the softmax's, the layer that feeds the output column
        (the edges into the answer stay on screen as in every other view)."""
        if ref.kind != "softmax":
            return []
        out = js.document.querySelector(".ov-col.ov-k-output")
        src = self._source_of(str(out.dataset.l)) if out is not None else None
        return [src] if src is not None else []

    def _mark_anchor(self, ref: ViewRef | None) -> None:
        """Keep the explained columns bright while the rest of the network is dimmed."""
        for node in list(js.document.querySelectorAll(".ov-col.dv-anchor, .ov-col.dv-beside")):
            node.classList.remove("dv-anchor")
            node.classList.remove("dv-beside")
        for node in self._columns(ref) if ref is not None else []:
            node.classList.add("dv-anchor")
        for node in self._beside(ref) if ref is not None else []:
            node.classList.add("dv-beside")

    def _place(self) -> None:
        """Open the network around the columns the view explains and put the view in the
        gap (the output column left in view); where no gap opens, beside the columns."""
        if self.ref is None:
            return
        doc = js.document
        cols = self._columns(self.ref)
        root = doc.documentElement
        vw, vh = float(root.clientWidth), float(js.window.innerHeight)
        anchor = None
        if cols:
            box = cols[0].getBoundingClientRect()
            if float(box.top) < 0 or float(box.top) > vh / 2:  # bring the network into view
                js.window.scrollBy(0, float(box.top) - 8)
                box = cols[0].getBoundingClientRect()
            # the layer and its input: the view stands beside both
            boxes = [c.getBoundingClientRect() for c in cols]
            anchor = (min(float(b.left) for b in boxes), float(box.top),
                      max(float(b.right) for b in boxes), float(box.bottom))
        every = list(doc.querySelectorAll(".ov-net > .ov-col"))
        opened = self._spread(every, vw, vh)
        if opened is not None:
            spot = opened.placement
        else:
            out = doc.querySelector(".ov-col.ov-k-output")
            output = None
            if out is not None and self.ref.kind != "softmax" and self.ref.kind != "logit":
                o = out.getBoundingClientRect()
                output = (float(o.left), float(o.top), float(o.right), float(o.bottom))
            spot = place((vw, vh), anchor, output)
        self.dialog.style.cssText = spot.style()
        self.dialog.dataset.side = spot.side
        if self.panel is not None:
            self.panel.layout()

    def _spread(self, every: list[Any], vw: float, vh: float) -> Spread | None:
        """Slide the overview's columns apart around the explained ones (a transform each,
        which the style sheet animates; None and no move where no gap opens)."""
        anchors = [i for i, c in enumerate(every)
                   if c.classList.contains("dv-anchor") or c.classList.contains("dv-beside")]
        opened = None
        if anchors and every:
            # natural places: offsets ignore the transforms of an earlier spread
            net = every[0].offsetParent.getBoundingClientRect()
            x0 = float(net.left)
            natural = [(x0 + float(c.offsetLeft), x0 + float(c.offsetLeft + c.offsetWidth))
                       for c in every]
            out = [i for i, c in enumerate(every) if c.classList.contains("ov-k-output")]
            wide = float(self.panel.max_width) if self.panel is not None else MAX_WIDTH
            # the columns may use the network's panel, less room for a heading's overhang
            panel = every[0].offsetParent.parentElement.getBoundingClientRect()
            within = (float(panel.left) + PANEL_INSET, float(panel.right) - PANEL_INSET)
            opened = spread((vw, vh), natural, (anchors[0], anchors[-1]),
                            out[0] if out else None, within=within, max_width=wide)
        for i, c in enumerate(every):
            dx = opened.shifts[i] if opened is not None else 0.0
            c.style.transform = f"translateX({dx}px)" if dx else ""
            k = opened.scales[i] if opened is not None else 1.0
            if k != 1.0:  # a deck's maps, smaller about their centres (detail.css)
                c.style.setProperty("--dv-s", f"{k}")
            else:
                c.style.removeProperty("--dv-s")
            c.classList.toggle("dv-packed", opened is not None and opened.packed[i])
        js.document.documentElement.classList.toggle("dv-spread", opened is not None)
        if every:
            self._follow(every, natural if opened is not None else [], opened)
        return opened

    def _follow(self, every: list[Any], natural: list[tuple[float, float]],
                opened: Spread | None) -> None:
        """The edges and the legends follow the moved columns (dimmed, as the reference
        keeps them): each column's incoming edges get the map ``placement.edge_maps``
        gives, each legend the band ``placement.band_move`` gives; None puts them back."""
        net = every[0].offsetParent
        svg = net.querySelector(".ov-edges")
        if svg is not None:
            maps = []
            if opened is not None:
                box = net.getBoundingClientRect()
                unit = float(box.width) / max(float(svg.viewBox.baseVal.width), 1.0)
                maps = edge_maps(natural, opened, float(box.left), unit)
            for i, c in enumerate(every):
                m = maps[i] if maps else (1.0, 0.0)
                name = str(c.dataset.l)
                for g in list(svg.querySelectorAll(f'g[data-t^="{name}:"]')):
                    if m is None:
                        g.style.transform, g.style.opacity = "", "0"
                    else:
                        g.style.opacity = ""
                        g.style.transform = ("" if m == (1.0, 0.0)
                                             else f"matrix({m[0]},0,0,1,{m[1]},0)")
        index = {str(c.dataset.l): i for i, c in enumerate(every)}
        for leg in list(net.querySelectorAll(".ov-legend")):
            leg.style.transform = ""
            leg.classList.remove("dv-tight")
            w0 = leg.getAttribute("data-w0")  # its own width (a share of the network)
            if w0 is not None:
                leg.style.width = w0
            names = [index.get(n) for n in str(leg.getAttribute("data-layers") or "").split()]
            if opened is None or not names or None in names:
                continue
            if w0 is None:
                leg.setAttribute("data-w0", str(leg.style.width))
            x0 = float(net.getBoundingClientRect().left) + float(leg.offsetLeft)
            band = (x0, x0 + self._natural_width(leg, w0 or str(leg.style.width)))
            lo, hi, tight = band_move(band, names[0], names[-1], natural, opened)
            leg.style.transform = f"translateX({lo - band[0]:.1f}px)"
            leg.style.width = f"{hi - lo:.1f}px"
            leg.classList.toggle("dv-tight", tight)

    @staticmethod
    def _natural_width(leg: Any, w0: str) -> float:
        """A legend's own width in px: its share of the legends' band (the overview writes
        a percentage), not ``offsetWidth``, which a running width transition (from the
        spread before a resize) still holds at its old value."""
        if w0.endswith("%") and leg.offsetParent is not None:  # (None: legends not shown)
            return float(w0[:-1]) / 100.0 * float(leg.offsetParent.clientWidth)
        return float(leg.offsetWidth)

    def _pin(self) -> None:
        """Tell the session where the view stands (the link then opens it there), or that
        it is playing."""
        s = self.stepper
        if s is not None:
            self.session.set_position(None if s.playing else s.position)

    def _on_copy(self, _event: Any) -> None:
        if self.address is not None:
            self._pin()
            self.address.copy(self.dialog.querySelector(".dv-copy-link"))

    def _restore_focus(self, old: ViewRef) -> None:
        """Focus the element that opens ``old``: in the view now shown, or on the page."""
        doc = js.document
        target = doc.querySelector(f'[data-opens="{old.to_hash()}"]')
        if target is None and old.kind == "softmax":
            target = doc.querySelector(".dv-softmax-btn")
        if target is None and old.kind != "softmax":
            target = doc.getElementById(neuron_id(old.layer, old.index))
        if target is not None and (self.ref is None or self.dialog.contains(target)):
            target.focus()

    # --- animation ------------------------------------------------------------------------
    def _stop(self) -> None:
        SCHEDULER.unsubscribe(TICK_KEY)

    def _tick(self, dt: float) -> None:
        if self.stepper is not None and self.stepper.tick(dt):
            self.render()

    def _sync_play(self) -> None:
        s = self.stepper
        playing = s is not None and s.playing
        if playing:
            SCHEDULER.subscribe(TICK_KEY, self._tick)
        else:
            self._stop()
        self.play_btn.innerHTML = ICONS["pause" if playing else "play"]
        self.play_btn.setAttribute("aria-label", tr("Pause") if playing else tr("Play"))
        self.dialog.dataset.playing = "true" if playing else "false"
        self.record.setAttribute("aria-live", "off" if playing else "polite")

    def render(self) -> None:
        if self.stepper is None or self.panel is None:
            return
        i = self.stepper.position
        caption, a11y = self.panel.draw(i)
        self.caption.textContent = caption
        self.record.textContent = a11y
        self.pos.textContent = self.panel.position_text(i)
        self.data.step = str(i)
        self.data.position = links.position_label(self.ref, self.snap.model, i)

    def act(self, action: str) -> None:
        s = self.stepper
        if s is None:
            return
        if action == "play":
            s.toggle()
            self._resume = False
        elif action == "back":
            s.step(-1)
        elif action == "fwd":
            s.step(1)
        elif action == "replay":
            s.replay()
        elif action == "end":
            s.end()
        self.render()
        self._sync_play()
        self._pin()

    def seek(self, index: int) -> None:
        s = self.stepper
        if s is None:
            return
        if s.playing:
            self._resume = True
        if index != s.position or s.playing:
            s.seek(index)
            self.render()
            self._sync_play()

    # --- events ---------------------------------------------------------------------------
    def _on_click(self, event: Any) -> None:
        t = event.target
        if t.isSameNode(self.dialog) and not self._inside(event):  # the dimmed page
            self.close()
            return
        if t.closest(".dv-close") is not None:
            self.close()
            return
        node = t.closest(".dv-map")
        if node is not None and not node.hasAttribute("data-opens") and self.panel is not None:
            box = node.getBoundingClientRect()
            index = self.panel.index_at(node, event.clientX - box.left, event.clientY - box.top,
                                        box.width, box.height)
            if index is not None:  # a click or tap on a map: the window jumps there, stays
                self._jump(index)
                return
        if self.panel is not None and not self.panel.hover_seeks:
            index = self.panel.item_at(t)
            if index is not None:
                self._jump(index)
                return
        btn = t.closest("button[data-act]")
        if btn is not None:
            self.act(str(btn.dataset.act))
            return
        opener = t.closest("[data-opens]")
        if opener is not None:
            self.open_hash(str(opener.dataset.opens))

    def _inside(self, event: Any) -> bool:
        box = self.dialog.getBoundingClientRect()
        x, y = float(event.clientX), float(event.clientY)
        return float(box.left) <= x <= float(box.right) and float(box.top) <= y <= float(box.bottom)

    def _jump(self, index: int) -> None:
        """Show position ``index`` and stay there (pinned: leaving the map does not resume)."""
        self._resume = False
        self.seek(index)
        if self.stepper is not None:
            self.stepper.pause()
        self._sync_play()
        self._pin()

    def _on_page_click(self, event: Any) -> None:
        t = event.target
        opener = t.closest(".dv-softmax-btn") if hasattr(t, "closest") else None
        if opener is not None:
            self.open_hash(str(opener.dataset.opens))

    def _on_keydown(self, event: Any) -> None:
        key = str(event.key)
        t = event.target
        tag = str(getattr(t, "tagName", "")).upper()
        if key == "Escape":
            event.preventDefault()
            self._esc_at = float(js.performance.now())
            self.close()
            return
        if tag in TYPING or self.stepper is None:
            return
        if key in ("Enter", " ") and tag != "BUTTON" and t.closest("[data-opens]") is not None:
            event.preventDefault()
            self.open_hash(str(t.closest("[data-opens]").dataset.opens))
            return
        if key == " " and tag != "BUTTON":
            event.preventDefault()
            self.act("play")
            return
        if key in ("End", "Home"):
            event.preventDefault()
            if key == "End":
                self.act("end")
            else:
                self._jump(0)
            return
        arrows = {"ArrowLeft": (0, -1), "ArrowRight": (0, 1), "ArrowUp": (-1, 0),
                  "ArrowDown": (1, 0)}
        if key not in arrows:
            return
        event.preventDefault()
        d_row, d_col = arrows[key]
        if t.closest(".dv-map") is not None:
            self._resume = False
            self.seek(self.panel.move(self.stepper.position, d_row, d_col))
            self.stepper.pause()
            self._sync_play()
            self._pin()
        elif d_row == 0:
            self.act("fwd" if d_col > 0 else "back")

    def _on_cancel(self, event: Any) -> None:
        event.preventDefault()
        if float(js.performance.now()) - self._esc_at > 200:
            self.close()

    def _on_close(self, _event: Any) -> None:
        # closed by the browser itself: follow it (a late event of our own close, after a new
        # view has already opened the dialog again, is ignored)
        if self.ref is not None and not self.dialog.open:
            self.close()

    def _on_pointer(self, event: Any) -> None:
        if self.panel is None or not self.panel.hover_seeks:
            return
        t = event.target
        node = t.closest(".dv-map") if hasattr(t, "closest") else None
        index = None
        if node is not None:
            box = node.getBoundingClientRect()
            index = self.panel.index_at(node, event.clientX - box.left, event.clientY - box.top,
                                        box.width, box.height)
        else:
            index = self.panel.item_at(t)
        if index is not None:
            self.seek(index)
        elif self._resume:
            self._on_leave(event)

    def _on_leave(self, _event: Any) -> None:
        if self._resume and self.stepper is not None:
            self._resume = False
            self.stepper.play()
            self._sync_play()

    def _on_speed(self, _event: Any) -> None:
        if self.stepper is not None:
            self.stepper.set_speed(float(self.speed.value))
