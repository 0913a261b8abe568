"""The "Why?" region in the page: saliency views (Grad-CAM, gradient x input, occlusion) and
backpropagation through one neuron, for the predicted class or any class the student picks;
and the overview's "Show gradients" toggle.

It only paints: every number comes from :mod:`pyapp.views.saliency`,
:mod:`pyapp.views.backprop` and :mod:`pyapp.views.gradients`, computed from the session's
snapshot.  A subscriber of the session: a new image or model redraws the open view (a
running occlusion is dropped and starts again on the new image: the last action wins).
Occlusion fills in through the page's one animation loop, a few patch positions per frame
under a time budget, so clicks stay answered while it runs.

Opened by any ``.why-open`` button (beside the output column, in each detail view's header).
The region exposes ``data-method``, ``data-class`` (0-based), ``data-layer``, ``data-state``
(``drawn``, ``filling``, ``done``), ``data-computed`` (occlusion positions) and
``data-version`` (the snapshot painted).  User Timing marks: ``why:drawn`` (a view painted),
``why:occlusion-done``.

    install(session, overview_view, detail_controller) -> WhyPanel
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]

from pyapp import why_link
from pyapp.i18n import class_label, tr
from pyapp.session import Session, Snapshot
from pyapp.ui.animation import SCHEDULER
from pyapp.ui.events import Bindings
from pyapp.ui.overview import paint
from pyapp.views import backprop, gradients, why_html
from pyapp.views import saliency as sv

TICK_KEY = "why-occlusion"
#: Python work per frame for occlusion steps (ms); painting the partial map comes on top
FRAME_BUDGET_MS = 16.0


class WhyPanel:
    def __init__(self, session: Session, overview: Any = None, detail: Any = None) -> None:
        self.session = session
        self.overview = overview
        self.detail = detail
        self.bindings = Bindings(tr("the Why? views"))
        self.snap: Snapshot = session.snapshot
        self.is_open = False
        self.method = "gradcam"
        self.class_choice: int | None = None  # None: follow the predicted class
        self.layer: str | None = None
        self.patch, self.stride = sv.DEFAULT_PATCH, sv.DEFAULT_STRIDE
        self.bp_layer: str | None = None
        self.bp_neuron = 0
        self.run: sv.OcclusionRun | None = None
        self._grads: tuple[Any, int, Any] | None = None
        self._opener: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        self.gradients_on = False

    # --- setup ----------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        sec = doc.createElement("section")
        sec.id = "why"
        sec.className = "why"
        sec.setAttribute("aria-labelledby", "why-title")
        sec.hidden = True
        self.root = sec
        self._write_frame()
        anchor = doc.getElementById("app")
        if anchor is not None:
            anchor.after(sec)
        else:
            doc.body.appendChild(sec)
        self._add_buttons()
        self.bindings.listen(doc, "ov:rebuilt", lambda _e: self._add_buttons())  # new columns
        self.bindings.listen(doc, "click", self._on_page_click)
        self.bindings.listen(sec, "click", self._on_click)
        self.bindings.listen(sec, "change", self._on_change)
        self.bindings.listen(sec, "keydown", self._on_keydown)
        # closed (hidden), it waits out a drag's burst: it paints the last snapshot at its end
        self._unsubscribe = self.session.subscribe(self.paint, visible=lambda: not sec.hidden)
        asked = why_link.parse(str(js.location.search), self.snap.class_names)
        if asked is not None:  # a lesson link opens the views
            self.open(*asked)

    def _write_frame(self) -> None:
        snap = self.snap
        self.layers = sv.cam_layers(snap.model)
        self.bp_layers = backprop.bp_layers(snap.model)
        self.root.innerHTML = why_html.region_html(snap.class_names, [(v, t) for v, t
                                                                      in self.layers])
        root = self.root

        def q(sel: str) -> Any:
            return root.querySelector(sel)
        self.el = {k: q(f".why-{k}") for k in (
            "title", "sentence", "summary", "more", "extra", "legend", "lbar", "progress",
            "class", "layer", "patch", "stride", "bp-layer", "bp-neuron", "photo-img", "sub",
            "note")}
        self.ov_photo = q(".why-photo .why-ov")
        self.ov_input = q(".why-input .why-ov")
        self.base = q(".why-base")
        self.el["bp-layer"].innerHTML = "".join(
            f'<option value="{why_html._a(n)}">{why_html._a(t)}</option>'
            for n, t, _ in self.bp_layers)
        if self.bp_layers:
            self.bp_layer = self.bp_layers[-1][0]
            self.el["bp-layer"].value = self.bp_layer
            self._neuron_options()
        if self.layers and self.layer not in [v for v, _ in self.layers]:
            self.layer = self.layers[-1][0]

    def _neuron_options(self) -> None:
        n = next((k for name, _, k in self.bp_layers if name == self.bp_layer), 1)
        self.bp_neuron = min(self.bp_neuron, n - 1)
        self.el["bp-neuron"].innerHTML = "".join(
            f'<option value="{i}"{" selected" if i == self.bp_neuron else ""}>{i + 1}</option>'
            for i in range(n))

    def _add_buttons(self) -> None:
        doc = js.document
        col = doc.querySelector(".ov-col.ov-k-output")
        if col is not None and col.querySelector(".why-open") is None:
            holder = doc.createElement("div")
            holder.innerHTML = why_html.why_button_html("why-by-output")
            col.appendChild(holder.firstElementChild)
        opts = doc.querySelector(".ov-options")
        if opts is not None and opts.querySelector(".why-open") is None:
            # narrow screens: the output column has no room beside "softmax"; this one shows
            holder = doc.createElement("div")
            holder.innerHTML = why_html.why_button_html("why-in-options ov-btn")
            opts.appendChild(holder.firstElementChild)
        if opts is not None and doc.getElementById("ov-gradients") is None:
            b = doc.createElement("button")
            b.type = "button"
            b.id = "ov-gradients"
            b.className = "ov-btn"
            b.textContent = tr("Show gradients")
            b.setAttribute("aria-pressed", "false")
            b.title = tr("Colour the maps by the gradient of the predicted class's score")
            opts.insertBefore(b, doc.getElementById("ov-copy-link"))
            self.grad_btn = b
            self.bindings.listen(b, "click", self._on_gradients)

    def close_all(self) -> None:
        self._stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.bindings.close()

    # --- opening --------------------------------------------------------------------------
    def open(self, method: str | None = None, class_index: int | None = None) -> None:
        if method in why_html.METHOD_ORDER:
            self.method = method
        if class_index is not None and 0 <= class_index < len(self.snap.class_names):
            self.class_choice = class_index
        self.is_open = True
        self.root.hidden = False
        self.render()
        self.root.scrollIntoView()
        self.el["title"].focus()

    def close(self) -> None:
        self._stop()
        self.is_open = False
        self.root.hidden = True
        self.root.dataset.state = "closed"
        self._write_link()
        opener = self._opener or js.document.querySelector(".why-by-output")
        if opener is not None and opener.isConnected:
            opener.focus()

    def _write_link(self) -> None:
        """The address bar says which view is open (the session's parts are kept)."""
        loc = js.location
        search = why_link.with_why(str(loc.search), self.method if self.is_open else None,
                                   self.class_choice)
        if search != str(loc.search):
            js.history.replaceState(js.history.state, "",
                                    str(loc.pathname) + search + str(loc.hash))

    @property
    def class_index(self) -> int:
        c = self.class_choice
        return self.snap.predicted if c is None else c

    # --- painting -------------------------------------------------------------------------
    def paint(self, snap: Snapshot) -> None:
        changed = snap.changed & {"model", "image"}
        self.snap = snap
        if "model" in changed:
            self._stop()
            if self.class_choice is not None and self.class_choice >= len(snap.class_names):
                self.class_choice = None
            self._write_frame()
        if changed and self.is_open:
            self.render()

    def render(self) -> None:
        """Compute and paint the current method's view (occlusion: start filling)."""
        self._stop()
        snap, c = self.snap, self.class_index
        r = self.root
        r.dataset.method = self.method
        r.dataset.cls = str(c)
        r.dataset.version = str(snap.version)
        self._sync_controls()
        original = js.document.getElementById("ov-original")
        if original is not None and original.src:
            self.el["photo-img"].src = original.src
        paint(self.base.getContext("2d"), snap.input_rgba)
        self._note()
        if self.method == "occlusion":
            self.run = sv.OcclusionRun(snap.model, snap.acts, c, self.patch, self.stride,
                                       snap.predicted)
            r.dataset.state = "filling"
            self._write_link()
            self._paint_view(self.run.view(), True)
            SCHEDULER.subscribe(TICK_KEY, self._tick)
            return
        if self.method == "backprop":
            self._paint_backprop()
        else:
            view = sv.why_view(snap.model, snap.acts, c, self.method, layer=self.layer,
                               predicted=snap.predicted)
            self._paint_view(view, True)
        r.dataset.state = "drawn"
        self._write_link()
        js.performance.mark("why:drawn")

    def _note(self) -> None:
        """Say so when the example shown is one the network gets wrong (gallery flag)."""
        snap, note = self.snap, self.el["note"]
        gallery = getattr(self.overview, "gallery", None) or []
        i = snap.selected
        entry = gallery[i] if i is not None and 0 <= i < len(gallery) else None
        wrong = bool(entry and entry.get("mistake"))
        edited = sv.edited_note(snap.model)
        text = " ".join(t for t in (sv.mistake_note(str(entry["label"]),
                                                    snap.class_names[snap.predicted])
                                    if wrong and entry else "", edited) if t)
        note.hidden = not text
        note.textContent = text
        self.root.dataset.mistake = "true" if wrong else "false"
        self.root.dataset.edited = "true" if edited else "false"

    def _sync_controls(self) -> None:
        for b in self.root.querySelectorAll(".why-m"):
            b.setAttribute("aria-pressed", "true" if b.dataset.method == self.method else
                           "false")
        sel = self.el["class"]
        pred = self.snap.predicted
        for i, opt in enumerate(sel.options):
            name = class_label(self.snap.class_names[i])
            opt.textContent = tr("{name} (predicted)", name=name) if i == pred else name
        sel.value = str(self.class_index)
        if self.layer is not None:
            self.el["layer"].value = self.layer
        self.el["patch"].value = str(self.patch)
        self.el["stride"].value = str(self.stride)
        self.el["sub"].textContent = "\u2014 " + tr(why_html.LABELS[self.method])
        self.el["progress"].hidden = self.method != "occlusion"

    def _paint_legend(self, legend: sv.Legend) -> None:
        self.el["lbar"].style.background = legend.gradient
        for span, t in zip(self.el["legend"].querySelectorAll(".why-ticks span"),
                           legend.ticks, strict=False):
            span.textContent = t
        self.el["legend"].setAttribute("aria-label", legend.label)

    def _paint_view(self, view: sv.WhyView, rebuild: bool) -> None:
        self.el["sentence"].textContent = view.sentence
        self.el["summary"].textContent = view.summary
        self._paint_legend(view.legend)
        self.root.dataset.layer = view.layer or ""
        peak, pr, pc = view.peak
        self.root.dataset.peak = repr(peak)
        self.root.dataset.peakAt = f"{pr},{pc}"
        overlays = [f for f in view.figures if f.overlay]
        others = [f for f in view.figures if not f.overlay]
        if overlays:
            fig = overlays[0]
            for canvas in (self.ov_photo, self.ov_input):
                paint(canvas.getContext("2d"), fig.rgba)
                canvas.setAttribute("aria-label", fig.label)
        if rebuild:
            self.el["more"].innerHTML = why_html.figures_html(others)
            self.el["extra"].innerHTML = ""
        for f in others:
            canvas = self.el["more"].querySelector(f'[data-fig="{f.key}"] canvas')
            if canvas is not None:
                paint(canvas.getContext("2d"), f.rgba)
        if view.method == "occlusion" and self.run is not None:
            self.el["progress"].value = view.progress
            self.root.dataset.computed = str(int(round(view.progress * self.run.occ.total)))

    def _gradients(self) -> Any:
        snap, c = self.snap, self.class_index
        hit = self._grads
        if hit is None or hit[0] is not snap.acts or hit[1] != c:
            from pyapp.cnn import grads

            hit = (snap.acts, c, grads.backward(snap.model, snap.acts, ("logit", c),
                                                params=False))
            self._grads = hit
        return hit[2]

    def _paint_backprop(self) -> None:
        snap = self.snap
        if self.bp_layer is None:
            self.el["sentence"].textContent = tr("This model has no layer this view explains.")
            return
        v = backprop.backprop_view(snap.model, snap.acts, self.class_index, self.bp_layer,
                                   self.bp_neuron, self._gradients())
        self.el["sentence"].textContent = v.sentence
        self.el["summary"].textContent = v.summary
        self._paint_legend(v.legend)
        self.root.dataset.layer = v.layer
        self.el["more"].innerHTML = why_html.figures_html(v.figures)
        for f in v.figures:
            canvas = self.el["more"].querySelector(f'[data-fig="{f.key}"] canvas')
            paint(canvas.getContext("2d"), f.rgba)
        self.el["extra"].innerHTML = (
            why_html.grids_html(v.grids)
            + f'<p class="why-eq" data-arriving="{v.arriving!r}" data-passed="{v.passed!r}"'
            f' data-cell="{v.cell[0]},{v.cell[1]}">{why_html._a(v.equation)}</p>')

    # --- occlusion ------------------------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        run = self.run
        if run is None:
            self._stop()
            return
        run.advance(FRAME_BUDGET_MS, lambda: float(js.performance.now()))
        self._paint_view(run.view(), False)
        if run.done:
            self._stop()
            self.root.dataset.state = "done"
            js.performance.mark("why:occlusion-done")

    def _stop(self) -> None:
        SCHEDULER.unsubscribe(TICK_KEY)

    # --- events ---------------------------------------------------------------------------
    def _on_page_click(self, event: Any) -> None:
        t = event.target
        btn = t.closest(".why-open") if hasattr(t, "closest") else None
        if btn is None:
            return
        cls = None
        view = self.session.snapshot.view
        if view is not None:  # from a detail view: an output neuron's class, else predicted
            last = list(self.snap.model.layers)[-1].name
            if getattr(view, "kind", "") == "softmax" or getattr(view, "layer", "") == last:
                cls = int(view.index)
            self.session.close_view()
        self._opener = None if view is not None else btn
        self.open(None, cls)

    def _on_click(self, event: Any) -> None:
        t = event.target
        if t.closest(".why-close") is not None:
            self.close()
            return
        m = t.closest(".why-m")
        if m is not None:
            self.method = str(m.dataset.method)
            self.render()

    def _on_change(self, event: Any) -> None:
        t = event.target
        cls = str(t.className)
        value = str(t.value)
        if "why-class" in cls:
            c = int(value)
            self.class_choice = None if c == self.snap.predicted else c
        elif "why-layer" in cls:
            self.layer = value
        elif "why-patch" in cls:
            self.patch = int(value)
        elif "why-stride" in cls:
            self.stride = int(value)
        elif "why-bp-layer" in cls:
            self.bp_layer = value
            self._neuron_options()
        elif "why-bp-neuron" in cls:
            self.bp_neuron = int(value)
        else:
            return
        self.render()

    def _on_keydown(self, event: Any) -> None:
        if str(event.key) == "Escape" and self.is_open:
            event.preventDefault()
            self.close()

    # --- the overview's gradient toggle ---------------------------------------------------
    def _on_gradients(self, _event: Any) -> None:
        ov = self.overview
        if ov is None:
            return
        self.gradients_on = not self.gradients_on
        self.grad_btn.setAttribute("aria-pressed", "true" if self.gradients_on else "false")
        ov.root.dataset.maps = "gradients" if self.gradients_on else "activations"
        ov.maps_source = _gradient_source if self.gradients_on else None
        ov.draw()


def _gradient_source(snap: Snapshot) -> tuple[dict, str]:
    gm = gradients.for_snapshot(snap)
    return gm.rgba, why_html.gradient_legends_html(snap.layout, gm.legends, gm.input_limit,
                                                   gm.class_name)


def install(session: Session, overview: Any = None, detail: Any = None) -> WhyPanel:
    panel = WhyPanel(session, overview, detail)
    panel.install()
    return panel
