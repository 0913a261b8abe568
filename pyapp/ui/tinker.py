"""Tinker in the page (PyScript layer): change the network and watch every layer respond.

``install(session, container_id="tinker")`` mounts the controls into that element, adds the
"changed" banner above the network, an editable kernel inside the detail dialog (for
convolution views), marks on the overview (each bar's "before" value, each changed map), and
follows the ``?edit=`` link parameter both ways.  Every number comes from
:mod:`pyapp.tinkering` and :mod:`pyapp.edits`; this module inserts markup, toggles classes
and turns events into :class:`~pyapp.tinkering.Tinker` calls.

User Timing marks: ``tinker:edit-start`` (an edit begins), ``tinker:edit-drawn`` (this view
has painted the new snapshot) and ``tinker:edit-end`` (every view on screen has painted it);
each drag frame's Python work is a ``tinker:frame-work`` measure; the
container's ``data-version`` is the snapshot shown, ``data-settled`` the last snapshot every
view (on screen or not) has painted after an edit.

A drag is a burst of the session (:mod:`pyapp.paint_plan`): at most one edit per animation
frame and only once every view on screen shows the previous one; the views paint across
frames within :data:`FRAME_BUDGET_MS` (an edit's own forward pass counted in its frame), the
editor under the pointer first; views off screen (the playground scrolled away, the closed Why
panel) paint once the drag ends, and the detail view's sweep holds still until then.  A typed
edit paints every view on screen at once, those off screen in the next task.
"""

from __future__ import annotations

import io
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]

from pyapp import edits as E
from pyapp.cnn.formats import save_native
from pyapp.i18n import N_, tr
from pyapp.render.overview_html import neuron_id
from pyapp.session import Session, Snapshot
from pyapp.tinkering import (
    MAP_OFF,
    MAP_ON,
    Tinker,
    banner_text,
    changes_html,
    diff_note,
    edited_weights,
    explanation,
    history_text,
    kernel_editor_html,
    kernel_values,
    map_option,
    panel_html,
    panel_shell_html,
    panel_state,
)
from pyapp.ui import dom, errors
from pyapp.ui.animation import SCHEDULER
from pyapp.ui.detail.controller import TICK_KEY as SWEEP_KEY
from pyapp.ui.events import Bindings
from pyapp.ui.overview import paint
from pyapp.views.route import ref_for

PARAM = "edit"
DRAG_PX = 4
NUDGE = 0.1
FRAME_BUDGET_MS = 10.0  # Python work a drag frame starts, so that a frame stays near 16 ms


def frame_work(start: float) -> None:
    """A ``tinker:frame-work`` measure: the Python work of one drag frame (the benchmark)."""
    js.performance.measure("tinker:frame-work", to_js({"start": start,
                                                      "end": js.performance.now()},
                                                     dict_converter=js.Object.fromEntries))


def with_edit_param(search: str, text: str) -> str:
    """``location.search`` with ``edit=text`` (removed when ``text`` is empty)."""
    pairs = [(k, v) for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=True)
             if k != PARAM]
    if text:
        pairs.append((PARAM, text))
    return "?" + urlencode(pairs, safe="/,:") if pairs else ""


class TinkerView:
    def __init__(self, session: Session, root: Any) -> None:
        self.session = session
        self.tinker = Tinker(session)
        self.root = root
        self.bindings = Bindings("tinkering with the network")
        self.explain_text = ""
        self._editor_key: tuple | None = None
        self._panel_key: int | None = None
        self._bars_key: Any = None
        self._settle = False
        self._options = ""
        self._items = ""
        self._channel = 0
        self._ro_pin: tuple[str, int] | None = None  # the overview read-out's pinned neuron
        self._ro_channel = 0
        self._ro_key: tuple | None = None
        self._marked: set[tuple[str, int]] = set()
        self._drag: dict[str, Any] | None = None
        self._pending: tuple[E.Edit, bool] | None = None
        self._frame = False
        self._link_pending = False
        self._unsubscribe: Any = None
        self._in_flight = False  # an edit's snapshot is on its way to the views
        self._typed_burst = False

    # --- setup ------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        self.root.innerHTML = panel_shell_html()
        banner = doc.createElement("div")
        banner.id = "tk-banner"
        banner.className = "tk-banner"
        banner.setAttribute("role", "status")
        banner.hidden = True
        app = doc.getElementById("app")
        app.parentNode.insertBefore(banner, app)
        self.banner = banner
        dialog = doc.getElementById("dv")
        self.dv_box = None
        self._kernel_open = False  # the view's kernel editor: collapsed until opened
        if dialog is not None:
            box = doc.createElement("div")
            box.className = "tk-dv"
            dialog.insertBefore(box, dialog.querySelector(".dv-body").nextSibling)
            self.dv_box = box
            self._listen(box, "change", self._on_change)
            self._listen(box, "keydown", self._on_weight_key)
            self._listen(box, "pointerdown", self._on_pointerdown)
            self._listen(box, "pointermove", self._on_pointermove)
            self._listen(box, "pointerup", self._on_pointerup)
            self._listen(box, "pointercancel", self._on_pointerup)
            self._listen(box, "click", self._on_click)
        self.ro_el = doc.getElementById("ov-readout")
        if self.ro_el is not None:  # the read-out's editor (once pinned, see overview.py)
            for event, fn in (("change", self._on_change), ("keydown", self._on_weight_key),
                              ("pointerdown", self._on_pointerdown),
                              ("pointermove", self._on_pointermove),
                              ("pointerup", self._on_pointerup),
                              ("pointercancel", self._on_pointerup),
                              ("click", self._on_click)):
                self._listen(self.ro_el, event, fn)
            self._listen(doc, "ov:pin", self._on_pin)
        self._listen(self.root, "change", self._on_change)
        self._listen(self.root, "input", self._on_input)
        self._listen(self.root, "click", self._on_click)
        self._listen(doc, "keydown", self._on_shortcut)
        problem = ""
        text = dict(parse_qsl(str(js.location.search).lstrip("?"))).get(PARAM)
        self._unsubscribe = self.session.subscribe(self.paint, key="tinker")
        self._undrawn = self.session.subscribe(self._drawn, last=True)
        self._unidle = self.session.when_painted(self._painted)
        self.session.set_frames(self._next_frame)
        if text is not None:
            problem = self.tinker.load(text)
            if problem:
                errors.notify(problem, "warning")
                self._write_url("")
        self.paint(self.session.snapshot)

    def _listen(self, target: Any, event: str, fn: Any) -> None:
        self.bindings.listen(target, event, fn)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._undrawn()
            self._unidle()
            self.session.set_frames(None)
        SCHEDULER.hold(SWEEP_KEY, False)
        self.bindings.close()

    def _next_frame(self, fn: Any) -> None:
        """The session's frame callback: ``fn`` at the next animation frame, guarded."""
        def run(*_: Any) -> None:
            start = js.performance.now()
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - the boundary of a frame callback
                errors.report(exc, N_("drawing the changed network"))
            frame_work(start)
        js.requestAnimationFrame(create_once_callable(run))

    def _drawn(self, snap: Snapshot) -> None:
        """Last subscriber: every view on screen shows the edit's snapshot."""
        if self._in_flight and "model" in snap.changed:
            self._in_flight = False
            js.performance.mark("tinker:edit-end")

    def _painted(self) -> None:
        """Every view on screen shows the latest snapshot; once none waits (off screen ones
        included), say which snapshot that is."""
        if not self.session.stale:
            self.root.dataset.settled = str(self.session.snapshot.version)

    def _drag_burst(self) -> None:
        """A drag begins: the editor under the pointer first, then the view around it."""
        in_readout = self.ro_el is not None and self.ro_el.contains(self._drag["node"])
        first = ("tinker", "overview") if in_readout else ("tinker", "detail", "overview")
        self._typed_burst = False
        self.session.begin_burst(first, FRAME_BUDGET_MS)
        # the detail view's sweep waits where it is: its frames (the view re-laid out and
        # repainted each one) would share every drag frame with the edits
        SCHEDULER.hold(SWEEP_KEY)

    def _begin_typed(self) -> None:
        """A typed edit: views off screen paint in the next task (a drag owns its burst)."""
        if self._drag is not None:
            return
        self.session.begin_burst()
        if self._typed_burst:
            return
        self._typed_burst = True

        def end() -> None:
            self._typed_burst = False
            if self._drag is None or not self._drag["moved"]:
                self.session.end_burst()
        self.bindings.later(0, end)

    # --- changing ---------------------------------------------------------------------
    def push(self, edit: E.Edit, merge: bool = False) -> None:
        js.performance.mark("tinker:edit-start")
        focus = self._focused()
        self._begin_typed()
        self._in_flight = True
        try:
            self.tinker.push(edit, merge)
        except E.EditError as exc:
            self._in_flight = False
            self.explain_text = tr("That change could not be made: {reason}.", reason=exc)
            self._paint_explain()
            return
        self.explain_text = explanation(edit, self.tinker.base)
        self._paint_explain()
        self._refocus(focus)

    def _focused(self) -> str:
        """The id of the focused control of ours (the dialog moves focus when it rebuilds)."""
        active = js.document.activeElement
        if active is None or not active.id:
            return ""
        inside = (self.root.contains(active)
                  or any(b is not None and b.contains(active) for b in (self.dv_box, self.ro_el)))
        return str(active.id) if inside else ""

    def _refocus(self, focus: str) -> None:
        if focus:
            node = js.document.getElementById(focus)
            if node is not None and js.document.activeElement != node:
                node.focus()

    def _later(self, edit: E.Edit, merge: bool) -> None:
        """At most one edit per animation frame (dragging): the latest one wins."""
        self._pending = (edit, merge)
        if self._frame:
            return
        self._frame = True

        def run(*_: Any) -> None:
            if self.session.painting:  # the views still paint the previous edit
                js.requestAnimationFrame(create_once_callable(run))
                return
            self._frame = False
            pending, self._pending = self._pending, None
            if pending is not None:
                start = js.performance.now()
                self.session.frame_began()  # the edit's forward pass is this frame's too
                try:
                    self.push(*pending)
                except Exception as exc:  # noqa: BLE001 - the boundary of a frame callback
                    errors.report(exc, "changing the network")
                frame_work(start)
        js.requestAnimationFrame(create_once_callable(run))

    def history(self, action: str) -> None:
        js.performance.mark("tinker:edit-start")
        focus = self._focused()
        self._begin_typed()
        self._in_flight = True
        done = getattr(self.tinker, action)()
        self._refocus(focus)
        if done is None:
            self._in_flight = False
            return
        self.explain_text = history_text(action)
        self._paint_explain()

    # --- painting ---------------------------------------------------------------------
    def paint(self, snap: Snapshot) -> None:
        if not self.tinker.follows(snap):  # another model was loaded: start afresh
            self.tinker = Tinker(self.session, snap.model)
        dragging = self._drag is not None and self._drag["moved"]
        if snap.changed & {"model", "image"} or snap.version <= 1:
            cmp = self.tinker.compare(snap, maps=not dragging)
            self._paint_banner(cmp)
            self._paint_overview(snap, cmp, marks=not dragging)
            if dragging:  # the marks, the list and the difference map follow at its end
                self._settle = True
            else:
                self._paint_panel(snap, cmp)
        self._paint_editor(snap)
        self._paint_readout_editor(snap)
        self.root.dataset.version = str(snap.version)
        self._link_later()
        if "model" in snap.changed:
            js.performance.mark("tinker:edit-drawn")

    def _paint_explain(self) -> None:
        node = self.root.querySelector(".tk-explain")
        node.textContent = self.explain_text
        if self.dv_box is not None:
            box = self.dv_box.querySelector(".tk-dv-explain")
            if box is not None:
                box.textContent = self.explain_text

    def _paint_banner(self, cmp: Any) -> None:
        self.banner.hidden = not cmp.edited
        text = banner_text(cmp.banner) if cmp.edited else ""
        if self.banner.textContent != text:
            self.banner.textContent = text
        if self.dv_box is not None:
            line = self.dv_box.querySelector(".tk-dv-banner")
            if line is not None:
                line.textContent = text

    def _paint_overview(self, snap: Snapshot, cmp: Any, marks: bool = True) -> None:
        doc = js.document
        out = snap.layout.columns[-1]
        bars = (cmp.edited, cmp.before_widths)
        if bars == self._bars_key:  # the "before" bars change with the image only
            out = None
        self._bars_key = bars
        for j in range(out.count if out is not None else 0):
            node = doc.getElementById(neuron_id(out.name, j))
            if node is None:
                continue
            box = node.querySelector(".ov-barbox")
            mark = box.querySelector(".tk-before") if box is not None else None
            if cmp.edited and box is not None:
                if mark is None:
                    mark = doc.createElement("span")
                    mark.className = "tk-before"
                    mark.setAttribute("aria-hidden", "true")
                    box.appendChild(mark)
                mark.style.left = cmp.before_widths[j]
                mark.title = tr("before: {value}", value=cmp.before_widths[j])
                node.dataset.before = cmp.before_widths[j]
            elif mark is not None:
                mark.remove()
                node.removeAttribute("data-before")
        if not marks:
            return
        for key in self._marked - cmp.changed:
            node = doc.getElementById(neuron_id(*key))
            if node is not None:
                node.classList.remove("tk-changed")
        for key in cmp.changed - self._marked:
            node = doc.getElementById(neuron_id(*key))
            if node is not None:
                node.classList.add("tk-changed")
        self._marked = set(cmp.changed)

    def _paint_panel(self, snap: Snapshot, cmp: Any) -> None:
        controls = self.root.querySelector(".tk-controls")
        key = id(self.tinker.base)
        if key != self._panel_key:  # built once a model; then updated in place (a slider
            controls.innerHTML = panel_html(snap, self.tinker)  # being dragged stays)
            self._panel_key = key
        else:
            state = panel_state(snap, self.tinker)
            for i, (_layer, _what, kind) in enumerate(state.ops):
                node = controls.querySelector(f"#tk-op-{i}")
                if node is not None and str(node.value) != kind:
                    node.value = kind
            slider = controls.querySelector("#tk-t")
            if slider is not None and self._drag is None and js.document.activeElement != slider:
                slider.value = state.slider
            if slider is not None:
                slider.setAttribute("aria-valuetext", state.temperature)
                controls.querySelector("#tk-t-out").textContent = state.temperature
            for c in range(state.input_channels):
                node = controls.querySelector(f"#tk-in-{c}")
                if node is not None:
                    node.setAttribute("aria-pressed",
                                      "true" if c in state.inputs_off else "false")
        items = changes_html(self.tinker)
        if items != self._items:
            self.root.querySelector(".tk-list").innerHTML = items
            self._items = items
        edits = self.tinker.edits
        self.root.querySelector(".tk-undo").disabled = not edits.can_undo
        self.root.querySelector(".tk-redo").disabled = not edits.can_redo
        self.root.querySelector(".tk-reset").disabled = not self.tinker.current
        select = self.root.querySelector(".tk-diff-map")
        keys = sorted(cmp.changed, key=lambda k: ([c.name for c in snap.layout.columns]
                                                  .index(k[0]), k[1]))
        chosen = str(select.value)
        options = "".join(
            f'<option value="{escape(k[0])}|{k[1]}">{escape(map_option(*k))}</option>'
            for k in keys
        ) or f'<option value="">{escape(tr("no map has changed"))}</option>'
        if options != self._options:
            select.innerHTML = options
            self._options = options
        if chosen and any(f"{k[0]}|{k[1]}" == chosen for k in keys):
            select.value = chosen
        self._paint_diff(snap)

    def _paint_diff(self, snap: Snapshot) -> None:
        value = str(self.root.querySelector(".tk-diff-map").value)
        canvas = self.root.querySelector(".tk-diff-canvas")
        note = self.root.querySelector(".tk-diff-note")
        if not value:
            canvas.width = canvas.height = 1
            note.textContent = tr("Make a change to compare a map with the original.")
            return
        layer, ch = value.rsplit("|", 1)
        rgba, limit = self.tinker.difference(snap, layer, int(ch))
        canvas.width, canvas.height = rgba.shape[1], rgba.shape[0]
        paint(canvas.getContext("2d"), rgba)
        canvas.setAttribute("aria-label", tr("Difference map of {map}",
                                             map=map_option(layer, int(ch))))
        note.textContent = diff_note(layer, int(ch), limit)

    def _editor_ref(self, snap: Snapshot) -> tuple[str, int, int] | None:
        ref = snap.view
        if ref is None or ref.kind not in ("conv", "formula"):
            return None
        ch = ref.channel if ref.kind == "formula" else self._channel
        cin = snap.model.layer(ref.layer).weights["kernel"].shape[2]
        return ref.layer, ref.index, min(ch or 0, cin - 1)

    def _paint_editor(self, snap: Snapshot) -> None:
        if self.dv_box is None:
            return
        where = self._editor_ref(snap)
        if where is None:
            if self._editor_key is not None:
                self._editor_open()  # remember how it was left
                self.dv_box.innerHTML = ""
                self._editor_key = None
            return
        key = (id(self.tinker.base),) + where
        if key != self._editor_key:
            self.dv_box.innerHTML = (
                kernel_editor_html(snap.model, self.tinker.base, *where,
                                   open_=self._editor_open())
                + '<p class="tk-dv-banner"></p><p class="tk-dv-explain" aria-live="polite">'
                '</p>')
            self._editor_key = key
        else:
            self._update_editor(snap, where)
        layer, out, ch = where
        self._mark_kernels(snap, layer, out, ch)
        off = getattr(snap.model, "masks", {}).get(layer)
        button = self.dv_box.querySelector(".tk-mapoff")
        is_off = off is not None and off[out] == 0
        button.setAttribute("aria-pressed", "true" if is_off else "false")
        button.textContent = tr(MAP_ON) if is_off else tr(MAP_OFF)
        line = self.dv_box.querySelector(".tk-dv-banner")
        line.textContent = self.banner.textContent
        self.dv_box.querySelector(".tk-dv-explain").textContent = self.explain_text

    def _paint_readout_editor(self, snap: Snapshot) -> None:
        """The pinned read-out's kernel editor (while no detail view is open: one editor on
        screen at a time), written once per neuron and channel, then updated in place."""
        holder = self.ro_el.querySelector(".ov-ro-editor") if self.ro_el is not None else None
        pin = self._ro_pin
        if holder is None or pin is None or snap.view is not None:
            if holder is not None and self._ro_key is not None:
                holder.innerHTML = ""
            self._ro_key = None
            return
        layer, out = pin
        cin = snap.model.layer(layer).weights["kernel"].shape[2]
        where = (layer, out, min(self._ro_channel, cin - 1))
        key = (id(self.tinker.base),) + where
        if key != self._ro_key or holder.firstElementChild is None:
            holder.innerHTML = kernel_editor_html(snap.model, self.tinker.base, *where,
                                                  prefix="ro")
            self._ro_key = key
        else:
            self._update_editor(snap, where, holder)
        off = getattr(snap.model, "masks", {}).get(layer)
        button = holder.querySelector(".tk-mapoff")
        is_off = off is not None and off[out] == 0
        button.setAttribute("aria-pressed", "true" if is_off else "false")
        button.textContent = tr(MAP_ON) if is_off else tr(MAP_OFF)

    def _on_pin(self, event: Any) -> None:
        d = event.detail
        self._ro_pin = None if d is None else (str(d.layer), int(d.index))
        self._ro_channel = 0
        self._ro_key = None
        self._paint_readout_editor(self.session.snapshot)
        if self._ro_pin is not None and self.ro_el is not None:
            first = self.ro_el.querySelector(".tk-w")
            if first is not None:
                first.focus()

    def _editor_open(self) -> bool:
        """Collapsed at first (open, it pushed the drawing down: issue 15); then as people
        left it, across refreshes and views."""
        node = self.dv_box.querySelector(".tk-details") if self.dv_box is not None else None
        if node is not None:
            self._kernel_open = bool(node.open)
        return self._kernel_open

    def _mark_kernels(self, snap: Snapshot, layer: str, out: int, ch: int) -> None:
        """Mark the edited weights where the open view draws its kernels."""
        dialog = js.document.getElementById("dv")
        if dialog is None:
            return
        marks = edited_weights(snap.model, self.tinker.base, layer, out)
        if snap.view.kind == "formula":
            groups = [(list(dialog.querySelectorAll(".dv-body .dv-w")), marks[ch])]
        else:
            grids = list(dialog.querySelectorAll(".dv-body .dv-kernel"))
            groups = [(list(g.querySelectorAll(".dv-c")), m)
                      for g, m in zip(grids, marks, strict=False)]
        for nodes, flags in groups:
            if len(nodes) != len(flags):
                continue
            for node, flag in zip(nodes, flags, strict=True):
                node.classList.toggle("tk-edited", flag)

    def _update_editor(self, snap: Snapshot, where: tuple[str, int, int],
                       box: Any = None) -> None:
        """New values into the same inputs (a drag keeps its pointer capture)."""
        box = self.dv_box if box is None else box
        cells, (btext, bedited) = kernel_values(snap.model, self.tinker.base, *where)
        nodes = {(int(n.dataset.row), int(n.dataset.col)): n
                 for n in box.querySelectorAll(".tk-w")}
        for r, c, text, edited in cells:
            node = nodes[(r, c)]
            if str(node.value) != text and node is not self._typing():
                node.value = text
            node.classList.toggle("tk-edited", edited)
        bias = box.querySelector(".tk-b")
        if str(bias.value) != btext and bias is not self._typing():
            bias.value = btext
        bias.classList.toggle("tk-edited", bedited)

    def _typing(self) -> Any:
        """The weight being dragged (its text is what the pointer says)."""
        return self._drag["node"] if self._drag is not None else None

    def _link_later(self) -> None:
        """The address bar and ``data-edits`` after the frame (one write for a burst of
        edits: a drag's frames do not wait for the history API)."""
        if self._link_pending:
            return
        self._link_pending = True

        def run() -> None:
            self._link_pending = False
            if self._drag is not None and self._drag["moved"]:
                return  # written when the drag ends (the history API is slow per frame)
            self._write_url(self.tinker.link_text())
            self.root.dataset.edits = str(len(self.tinker.current))
        self.bindings.later(0, run)

    def _write_url(self, text: str) -> None:
        search = with_edit_param(str(js.location.search), text)
        if search != str(js.location.search):
            js.history.replaceState(js.history.state, "",
                                    str(js.location.pathname) + search + str(js.location.hash))

    # --- events -----------------------------------------------------------------------
    def _where(self, node: Any) -> tuple[str, int, int] | None:
        box = node.closest(".tk-kernel") if hasattr(node, "closest") else None
        if box is None:
            return None
        return str(box.dataset.layer), int(box.dataset.out), int(box.dataset.ch)

    def _weight_edit(self, node: Any, value: float) -> E.Edit | None:
        where = self._where(node)
        if where is None:
            return None
        layer, out, ch = where
        if node.classList.contains("tk-b"):
            return E.SetBias(layer, out, value)
        return E.SetWeight(layer, out, ch, int(node.dataset.row), int(node.dataset.col), value)

    def _on_change(self, event: Any) -> None:
        t = event.target
        cls = t.classList
        if cls.contains("tk-w") or cls.contains("tk-b"):
            try:
                value = E.f32(str(t.value))
            except E.EditError as exc:
                self.explain_text = tr("That weight was not changed: {reason}.", reason=exc)
                self._paint_explain()
                return
            edit = self._weight_edit(t, value)
            if edit is not None:
                self.push(edit)
        elif cls.contains("tk-classic") and str(t.value):
            layer, out, ch = self._where(t)
            self.push(E.SetKernel(layer, out, ch, str(t.value)))
        elif cls.contains("tk-ch"):
            layer, out, _ = self._where(t)
            ch = int(t.value)
            if self.ro_el is not None and self.ro_el.contains(t):
                self._ro_channel = ch
                self._paint_readout_editor(self.session.snapshot)
                focus = self.ro_el.querySelector(".tk-ch")
                if focus is not None:
                    focus.focus()
                return
            self._channel = ch
            snap = self.session.snapshot
            if snap.view is not None and snap.view.kind == "formula":
                ref = ref_for(snap.model, layer, out, ch)
                if ref is not None:
                    self.session.open_view(ref)
                    return
            self._editor_key = None
            self._paint_editor(snap)
        elif cls.contains("tk-act"):
            self.push(E.SwapActivation(str(t.dataset.layer), str(t.value)))
        elif cls.contains("tk-pool"):
            self.push(E.SwapPool(str(t.dataset.layer), str(t.value)))
        elif cls.contains("tk-diff-map"):
            self._paint_diff(self.session.snapshot)
        elif t.id == "tk-t":
            self.push(E.Temperature(self._temperature(t)), merge=True)

    def _temperature(self, slider: Any) -> float:
        t = min(E.T_MAX, max(E.T_MIN, 10.0 ** float(slider.value)))
        return float(f"{t:.2g}") if t < 1 else float(f"{t:.3g}")

    def _on_input(self, event: Any) -> None:
        t = event.target
        if t.id == "tk-t":
            t_value = self._temperature(t)
            self.root.querySelector("#tk-t-out").textContent = E.num_text(t_value)
            t.setAttribute("aria-valuetext", E.num_text(t_value))
            self._later(E.Temperature(t_value), True)

    def _on_click(self, event: Any) -> None:
        t = event.target
        button = t.closest("button") if hasattr(t, "closest") else None
        if button is None:
            return
        cls = button.classList
        if cls.contains("tk-undo"):
            self.history("undo")
        elif cls.contains("tk-redo"):
            self.history("redo")
        elif cls.contains("tk-reset"):
            self.history("reset")
        elif cls.contains("tk-save"):
            self.save()
        elif cls.contains("tk-mapoff"):
            layer, ch = str(button.dataset.layer), int(button.dataset.ch)
            off = button.getAttribute("aria-pressed") != "true"
            self.push(E.MapOff(layer, ch, off))
        elif cls.contains("tk-in"):
            ch = int(button.dataset.ch)
            off = button.getAttribute("aria-pressed") != "true"
            self.push(E.InputChannelOff(ch, off))

    def _on_weight_key(self, event: Any) -> None:
        t = event.target
        key = str(event.key)
        if key not in ("ArrowUp", "ArrowDown") or not (t.classList.contains("tk-w")
                                                       or t.classList.contains("tk-b")):
            return
        event.preventDefault()
        event.stopPropagation()
        step = (1.0 if event.shiftKey else NUDGE) * (1 if key == "ArrowUp" else -1)
        try:
            value = E.f32(float(str(t.value) or 0) + step)
        except (E.EditError, ValueError):
            return
        t.value = E.num_text(value)
        edit = self._weight_edit(t, value)
        if edit is not None:
            self.push(edit, merge=True)

    def _on_shortcut(self, event: Any) -> None:
        if not (event.ctrlKey or event.metaKey) or event.altKey:
            return
        key = str(event.key).lower()
        t = event.target
        if str(getattr(t, "type", "")) in ("text", "search", "textarea"):
            return
        if key == "z":
            event.preventDefault()
            self.history("redo" if event.shiftKey else "undo")
        elif key == "y":
            event.preventDefault()
            self.history("redo")

    def _on_pointerdown(self, event: Any) -> None:
        t = event.target
        if not (t.classList.contains("tk-w") or t.classList.contains("tk-b")):
            return
        try:
            start = float(str(t.value) or 0)
        except ValueError:
            return
        self._drag = {"node": t, "y": float(event.clientY), "start": start, "moved": False,
                      "id": event.pointerId}

    def _on_pointermove(self, event: Any) -> None:
        d = self._drag
        if d is None or event.pointerId != d["id"]:
            return
        dy = d["y"] - float(event.clientY)
        if not d["moved"]:
            if abs(dy) < DRAG_PX:
                return
            d["moved"] = True
            try:
                d["node"].setPointerCapture(event.pointerId)
            except Exception:  # noqa: BLE001, S110 - the pointer may already be gone
                pass
            d["node"].classList.add("tk-dragging")
            self._drag_burst()
        event.preventDefault()
        step = 0.1 if event.shiftKey else 0.01
        try:
            value = E.f32(round(d["start"] + (dy - DRAG_PX) * step, 4))
        except E.EditError:
            return
        d["node"].value = E.num_text(value)
        edit = self._weight_edit(d["node"], value)
        if edit is not None:
            self._later(edit, True)

    def _on_pointerup(self, event: Any) -> None:
        d, self._drag = self._drag, None
        if d is not None and d["moved"]:
            SCHEDULER.hold(SWEEP_KEY, False)
            d["node"].classList.remove("tk-dragging")
            event.preventDefault()
            self._later_settle()

    def _later_settle(self) -> None:
        """After a drag: the changed maps, the list and the difference map (next frame, after
        the drag's last edit)."""
        def run(*_: Any) -> None:
            if self._frame:  # the last edit is still waiting for its frame
                js.requestAnimationFrame(create_once_callable(run))
                return
            if self._drag is not None:
                return
            try:
                if self._settle:
                    self._settle = False
                    snap = self.session.snapshot
                    cmp = self.tinker.compare(snap)
                    self._paint_overview(snap, cmp)
                    self._paint_panel(snap, cmp)
                self.session.end_burst()  # the views off screen paint the last edit
                self._link_later()
            except Exception as exc:  # noqa: BLE001 - the boundary of a frame callback
                errors.report(exc, "marking the changed maps")
        js.requestAnimationFrame(create_once_callable(run))

    # --- saving -----------------------------------------------------------------------
    def save(self) -> None:
        """Download the edited network as a native ``.npz`` (a Blob, nothing leaves)."""
        try:
            model = E.baked(self.session.snapshot.model)
        except E.EditError as exc:
            errors.notify(tr("The edited network cannot be saved: {reason}.", reason=exc),
                          "warning")
            return
        buf = io.BytesIO()
        save_native(model, buf)
        data = buf.getvalue()
        dom.download(data, "edited-network.npz", "application/octet-stream", self.bindings)
        self.root.dataset.saved = str(len(data))


def install(session: Session, container_id: str = "tinker") -> TinkerView | None:
    root = js.document.getElementById(container_id)
    if root is None:
        return None
    view = TinkerView(session, root)
    view.install()
    return view
