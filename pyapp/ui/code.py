"""The detail dialog's "Code" tab (PyScript layer): read the function a layer runs, write your
own, check it, and run the network on it (issue 19).

``install(session, dialog)`` adds a tab list ("View", "Code") under the dialog's header, the
Code panel, the page banner shown while the student's code is in use, and follows ``?code=``.
Every number and sentence comes from :mod:`pyapp.codelab`; this module moves text in and out
of the page and turns clicks into ``codelab`` calls and one ``Session.set_model``.

The student's code runs on the page's only thread, under the time limit of
:mod:`pyapp.codelab.runner`; each run starts one frame after "Running your code" is painted.
State for tests: the panel's ``data-state`` (``idle``, ``running``, ``passed``, ``failed``,
``error``, ``stopped``, ``in-use``), ``data-runs`` (runs finished), the dialog's
``data-tab``; User Timing marks ``code:run-start`` / ``code:run-end`` and ``code:use-start`` /
``code:use-drawn`` (after the student's layers, run in slices of :data:`SLICE_MS` with a
paint between, the session has repainted every view on the student's network) and
``code:use-painted`` (the next frame); ``data-student-ms``: the student's function's time in the
last "Use my code".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

from pyapp.codelab import exercises as EX
from pyapp.codelab import lab, link, markup, runner
from pyapp.codelab.swap import PROBABILITIES, StudentModel, layers_for
from pyapp.i18n import tr
from pyapp.session import Session, Snapshot
from pyapp.ui import dom, errors
from pyapp.ui.events import Bindings
from pyapp.views.route import SOFTMAX, ref_for

#: Longest stretch of the student's layers run without letting the page paint (ms).
SLICE_MS = 50.0

def with_param(search: str, value: str) -> str:
    """``location.search`` with ``code=value`` (removed when ``value`` is empty)."""
    pairs = [(k, v) for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=True)
             if k != link.PARAM]
    if value:
        pairs.append((link.PARAM, value))
    return "?" + urlencode(pairs, safe="/,:~") if pairs else ""


class CodeTab:
    def __init__(self, session: Session, dialog: Any) -> None:
        self.session = session
        self.dialog = dialog
        self.bindings = Bindings("the Code tab")
        self.texts: dict[str, str] = {}  # the editor's text per exercise
        self.linked: str | None = None  # the exercise whose code came with the link
        self.exercise: EX.Exercise | None = None
        self.offered: tuple[str, ...] = ()
        self.layer = ""
        self.code_tab = False
        self.jump: tuple[Any, int | None] | None = None  # the view a failed check opened
        self._preferred: str | None = None  # the exercise a link asked for
        self._unsubscribe: Any = None

    # --- setup ------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        d = self.dialog
        body = d.querySelector(".dv-body")
        single = d.querySelector(".dv-tabs")  # its one-tab strip: "View" / "Code" replace it
        if single is not None:
            single.remove()
        body.id = body.id or "dv-body"
        body.setAttribute("role", "tabpanel")  # the "View" tab's panel
        body.setAttribute("aria-labelledby", "cl-tab-view")
        holder = doc.createElement("div")
        holder.className = "cl-head"
        holder.innerHTML = markup.tabs_html()
        d.insertBefore(holder, body)
        self.jump_note = holder.querySelector(".cl-jump")
        self.in_use = holder.querySelector(".cl-inuse")
        panel = doc.createElement("section")
        panel.id = "cl-panel"
        panel.className = "cl-panel"
        panel.setAttribute("role", "tabpanel")
        panel.setAttribute("aria-labelledby", "cl-tab-code")
        panel.hidden = True
        panel.dataset.state = "idle"
        panel.dataset.runs = "0"
        d.insertBefore(panel, body)
        self.panel = panel
        banner = doc.createElement("div")
        banner.id = "cl-banner"
        banner.className = "cl-banner"
        banner.setAttribute("role", "status")
        banner.hidden = True
        banner.innerHTML = markup.banner_html()
        app = doc.getElementById("app")
        app.parentNode.insertBefore(banner, app)
        self.banner = banner
        self._listen(holder, "click", self._on_head_click)
        self._listen(holder, "keydown", self._on_tab_key)
        self._listen(panel, "click", self._on_click)
        self._listen(panel, "input", self._on_input)
        self._listen(panel, "change", self._on_change)
        self._listen(panel, "keydown", self._on_key)
        self._listen(banner, "click", self._on_click)
        self._read_link()
        self._unsubscribe = self.session.subscribe(self.paint)
        self.paint(self.session.snapshot)

    def _listen(self, target: Any, event: str, fn: Any) -> None:
        self.bindings.listen(target, event, fn)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.bindings.close()

    def _read_link(self) -> None:
        value = dict(parse_qsl(str(js.location.search).lstrip("?"))).get(link.PARAM)
        if value is None:
            return
        try:
            got = link.decode(value)
        except link.CodeLinkError as exc:
            errors.notify(link.problem_text(str(exc)), "warning")
            self._write_url("")
            return
        key = got.exercise.key
        if got.code is not None:
            self.texts[key] = got.code
            self.linked = key
        self.code_tab = True
        self._preferred = key
        snap = self.session.snapshot
        if snap.view is None:  # a lesson link opens the exercise's first layer
            names = layers_for(snap.model, got.exercise)
            if names:
                ref = (ref_for(snap.model, SOFTMAX, snap.predicted) if names[0] == PROBABILITIES
                       else ref_for(snap.model, names[0], 0))
                if ref is None:  # a layer without a view (flatten): the view that reads it
                    found = lab.view_at(snap.model, names[0], (0,))
                    ref = found[0] if found is not None else None
                if ref is not None:
                    self.session.open_view(ref)

    # --- painting ---------------------------------------------------------------------
    def paint(self, snap: Snapshot) -> None:
        self._paint_banner(snap)
        ref = snap.view
        if ref is None:
            return
        if self.jump is not None and (ref != self.jump[0] or snap.changed & {"image", "model"}):
            self.jump = None  # another view, or the numbers it pointed at have changed
        self.jump_note.hidden = self.jump is None
        ops = self._ops_for(snap, ref)
        offered = tuple(e.key for op in ops for e in EX.for_op(op))
        layer = PROBABILITIES if ref.kind == SOFTMAX else ref.layer
        if offered != self.offered or layer != self.layer:
            self.offered, self.layer = offered, layer
            preferred = self._preferred
            keep = self.exercise.key if self.exercise is not None else None
            key = next((k for k in (preferred, keep) if k in offered), offered[0] if offered
                       else None)
            self._preferred = None
            self._mount(snap, key)
        self._show_tab(self.code_tab)

    def _ops_for(self, snap: Snapshot, ref: Any) -> list[str]:
        """The operations a view shows: its layer's (and, for the flatten view, the flatten
        before it); the softmax view: the softmax."""
        if ref.kind == SOFTMAX:
            return ["softmax"]
        model = snap.model
        ops = [model.layer(ref.layer).type]
        before = model.input_of(ref.layer)
        if ref.kind == "logit" and before != "input":
            ops.insert(0, model.layer(before).type)
        return ops

    def _mount(self, snap: Snapshot, key: str | None) -> None:
        if key is None:
            self.panel.innerHTML = markup.no_code_html()
            self.exercise = None
            return
        exercises = [EX.by_key(k) for k in self.offered]
        self.exercise = EX.by_key(key)
        layer = self._target_layer(snap)
        self.panel.innerHTML = markup.panel_html(snap.model, exercises, self.exercise, layer)
        self.panel.dataset.exercise = key
        self.panel.dataset.state = "idle"
        self.text = self.panel.querySelector(".cl-text")
        self.gutter = self.panel.querySelector(".cl-gutter")
        self._listen(self.text, "scroll", self._sync_gutter)
        self.text.value = self.texts.get(key, self.exercise.starter)
        self.panel.querySelector(".cl-linked").hidden = self.linked != key
        if js.matchMedia("(max-width: 640px)").matches:  # phones: the editor comes first
            for node in self.panel.querySelectorAll(".cl-real[open]"):
                node.open = False
        self._gutter()

    def _target_layer(self, snap: Snapshot) -> str:
        """The open layer if the exercise's op is its, else the first layer of the op."""
        names = layers_for(snap.model, self.exercise) if self.exercise else []
        return self.layer if self.layer in names else (names[0] if names else self.layer)

    def _paint_banner(self, snap: Snapshot) -> None:
        model = snap.model
        in_use = isinstance(model, StudentModel)
        self.banner.hidden = not in_use
        self.in_use.hidden = not in_use
        if in_use:
            text = markup.banner_text(model)
            self.banner.querySelector(".cl-banner-t").textContent = text
            self.in_use.querySelector(".cl-inuse-t").textContent = text
            self.in_use.querySelector(".cl-inuse-s").textContent = markup.short_banner(model)
        self.dialog.dataset.code = "student" if in_use else "core"

    def _gutter(self, bad: int | None = None) -> None:
        lines = str(self.text.value).count("\n") + 1
        self.gutter.innerHTML = markup.gutter_html(lines, bad)
        self._sync_gutter()

    def _sync_gutter(self, _event: Any = None) -> None:
        self.gutter.scrollTop = self.text.scrollTop

    def _show_tab(self, code: bool) -> None:
        self.code_tab = code
        d = self.dialog
        d.dataset.tab = "code" if code else "view"
        d.classList.toggle("cl-code-open", code)
        self.panel.hidden = not code
        for tab, on in ((d.querySelector("#cl-tab-view"), not code),
                        (d.querySelector("#cl-tab-code"), code)):
            tab.setAttribute("aria-selected", "true" if on else "false")
            tab.tabIndex = 0 if on else -1

    # --- events -----------------------------------------------------------------------
    def _on_head_click(self, event: Any) -> None:
        t = event.target
        if t.closest(".cl-back") is not None:
            self.back()
            return
        if t.closest(".cl-jump-back") is not None:
            self._show_tab(True)
            self.text.focus()
            return
        tab = t.closest("[role=tab]")
        if tab is not None:
            self._show_tab(str(tab.id) == "cl-tab-code")

    def _on_tab_key(self, event: Any) -> None:
        key = str(event.key)
        if key in ("ArrowLeft", "ArrowRight", "Home", "End") and \
                event.target.closest("[role=tab]") is not None:
            event.preventDefault()
            event.stopPropagation()
            code = key in ("ArrowRight", "End") if key in ("Home", "End") else not self.code_tab
            self._show_tab(code)
            self.dialog.querySelector("#cl-tab-code" if code else "#cl-tab-view").focus()

    def _on_input(self, event: Any) -> None:
        if event.target is self.text or event.target.classList.contains("cl-text"):
            self._gutter()

    def _on_change(self, event: Any) -> None:
        t = event.target
        if t.classList.contains("cl-pick"):
            self._keep_text()
            self._mount(self.session.snapshot, str(t.value))
            self._show_tab(True)
        elif t.classList.contains("cl-text"):
            self._keep_text()
            self._write_code_url()

    def _on_key(self, event: Any) -> None:
        """Enter in the editor keeps the line's indentation (one more after a colon)."""
        t = event.target
        if str(event.key) != "Enter" or not t.classList.contains("cl-text") or \
                event.shiftKey or event.ctrlKey or event.metaKey or event.altKey:
            return
        value, start = str(t.value), int(t.selectionStart)
        line = value[:start].rsplit("\n", 1)[-1]
        indent = line[:len(line) - len(line.lstrip(" "))]
        if line.rstrip().endswith(":"):
            indent += "    "
        event.preventDefault()
        t.setRangeText("\n" + indent, start, int(t.selectionEnd), "end")
        self._gutter()

    def _on_click(self, event: Any) -> None:
        t = event.target
        btn = t.closest("button") if hasattr(t, "closest") else None
        if btn is None:
            return
        cls = btn.classList
        if cls.contains("cl-back"):
            self.back()
        elif cls.contains("cl-check"):
            self._later(self.check)
        elif cls.contains("cl-use"):
            self._later(self.use)
        elif cls.contains("cl-reset") and self.exercise is not None:
            self.text.value = self.exercise.starter
            self.texts.pop(self.exercise.key, None)
            self._gutter()
            self._write_code_url()
        elif cls.contains("cl-download"):
            self.download()

    # --- running ----------------------------------------------------------------------
    def _keep_text(self) -> None:
        if self.exercise is not None:
            text = str(self.text.value)
            if text != self.exercise.starter:
                self.texts[self.exercise.key] = text
            else:
                self.texts.pop(self.exercise.key, None)

    def _later(self, fn: Any) -> None:
        """Say "Running" now; run ``fn`` after the next paint (the page shows the message
        before the student's code holds the thread)."""
        if self.exercise is None or self.panel.dataset.state == "running":
            return
        self._keep_text()
        self._write_code_url()
        self.panel.dataset.state = "running"
        self._outcome(markup.running_text(runner.CODE_TIME_LIMIT_S), [], "")
        js.requestAnimationFrame(create_once_callable(
            lambda _t: self.bindings.later(0, lambda: self._run(fn))))

    def _run(self, fn: Any) -> None:
        """Run ``fn``; when it returns ``(steps, finish)``, run the steps in slices of
        :data:`SLICE_MS` (the page paints between them), then ``finish``."""
        js.performance.mark("code:run-start")
        more = None
        try:
            more = fn()
        finally:
            if more is None:
                self._ran()
        if more is not None:
            self._drive(*more)

    def _drive(self, steps: Any, finish: Any) -> None:
        t0 = float(js.performance.now())
        try:
            while True:
                name = next(steps)
                if float(js.performance.now()) - t0 > SLICE_MS:
                    self._outcome(markup.running_on_text(name), [], "")
                    js.requestAnimationFrame(create_once_callable(
                        lambda _t: self.bindings.later(0, lambda: self._drive(steps, finish))))
                    return
        except StopIteration:
            try:
                finish()
            finally:
                self._ran()
        except BaseException:
            self._ran()
            raise

    def _ran(self) -> None:
        self.panel.dataset.runs = str(int(self.panel.dataset.runs or 0) + 1)
        box = self.panel.querySelector(".cl-outcome")
        if box is not None and self.code_tab:
            box.scrollIntoView(False)  # the outcome in sight, below the buttons
        js.performance.mark("code:run-end")

    def _load(self) -> runner.Loaded | None:
        ex = self.exercise
        try:
            return runner.load(str(self.text.value), ex.function, ex.key)
        except runner.StudentError as exc:
            self._failed(exc)
            return None

    def _failed(self, exc: runner.StudentError) -> None:
        self.panel.dataset.state = "stopped" if exc.stopped else "error"
        if exc.stopped:
            self._outcome(exc.text, [], "")
        else:
            self._outcome(tr("Your code raised an error:"), [], exc.text)
        self._gutter(exc.line)

    def check(self) -> None:
        """Check the student's function on the current image's input to the open layer."""
        snap = self.session.snapshot
        loaded = self._load()
        if loaded is None:
            return
        layer = self._target_layer(snap)
        try:
            result = lab.check_layer(snap.model, snap.acts, self.exercise, loaded, layer)
        except runner.StudentError as exc:
            self._failed(exc)
            return
        summary, details, hidden = markup.result_texts(result)
        self.panel.dataset.state = "passed" if result.ok else "failed"
        self._outcome(summary, details, "", hidden)
        self._gutter()
        pos = result.check.position
        if pos is not None:
            self._open_at(snap, layer, pos, result)

    def _open_at(self, snap: Snapshot, layer: str, pos: tuple[int, ...],
                 result: lab.Result) -> None:
        """Open the view that shows the differing position, with a note above it."""
        target = lab.view_at(snap.model, layer, pos)
        if target is None:
            return
        ref, index = target
        self.jump = (ref, index)
        self.jump_note.querySelector(".cl-jump-t").textContent = markup.jump_text(result)
        self.jump_note.hidden = False
        self._show_tab(False)
        self.session.open_view(ref, index)
        self.dialog.dataset.jump = ",".join(str(int(v) + 1) for v in pos)

    def use(self) -> Any:
        """Run the network on the student's function (every layer of the kind, or the open
        one), a slice at a time; then one ``set_model``: every view repaints from it."""
        snap = self.session.snapshot
        loaded = self._load()
        if loaded is None:
            return None
        scope = self.panel.querySelector(".cl-scope")
        names = layers_for(snap.model, self.exercise)
        if scope is not None and str(scope.value) == "one":
            names = [self._target_layer(snap)]
        original = snap.model.original if isinstance(snap.model, StudentModel) else snap.model
        student = StudentModel(original, loaded, self.exercise, names, str(self.text.value))
        js.performance.mark("code:use-start")
        image = snap.image
        return student.steps(image), lambda: self._used(student, names)

    def _used(self, student: StudentModel, names: list[str]) -> None:
        snap = self.session.snapshot  # a photo chosen meanwhile is run again, at once
        self.session.set_model(student, snap.image, snap.source)
        js.performance.mark("code:use-drawn")
        js.requestAnimationFrame(create_once_callable(
            lambda _t: js.performance.mark("code:use-painted")))
        took = sum(student.seconds.values())
        self.panel.dataset.studentMs = f"{took * 1000:.1f}"
        if student.problems:
            layer, why = next(iter(student.problems.items()))
            self.panel.dataset.state = "error"
            self._outcome(markup.failed_in_text(layer), [], why)
        else:
            self.panel.dataset.state = "in-use"
            self._outcome(markup.in_use_text(names, took), [], "")

    def back(self) -> None:
        snap = self.session.snapshot
        if isinstance(snap.model, StudentModel):
            self.session.set_model(snap.model.original, snap.image, snap.source)
            self.panel.dataset.state = "idle"
            self._outcome(tr("Back to the original code."), [], "")

    def download(self) -> None:
        """The editor's text as ``<exercise>.py`` (a Blob: nothing leaves the device)."""
        if self.exercise is None:
            return
        data = str(self.text.value)
        dom.download(data, f"{self.exercise.key}.py", "text/x-python", self.bindings)
        self.panel.dataset.downloaded = str(len(data))

    # --- output -----------------------------------------------------------------------
    def _outcome(self, summary: str, details: list[str], trace: str,
                 hidden: list[tuple[str, bool, str]] | None = None) -> None:
        box = self.panel.querySelector(".cl-outcome")
        if box is None:
            return
        box.querySelector(".cl-summary").textContent = summary
        ul = box.querySelector(".cl-details")
        ul.replaceChildren()
        for text in details:
            li = js.document.createElement("li")
            li.textContent = text
            ul.appendChild(li)
        pre = box.querySelector(".cl-trace")
        pre.textContent = trace
        pre.hidden = not trace
        hl = box.querySelector(".cl-hidden")
        hl.replaceChildren()
        for name, ok, text in hidden or []:
            li = js.document.createElement("li")
            li.className = "cl-ok" if ok else "cl-no"
            mark = "\u2713" if ok else "\u2717"
            li.textContent = f"{mark} {name}: {text}"
            hl.appendChild(li)

    def _write_code_url(self) -> None:
        if self.exercise is None:
            return
        key = self.exercise.key
        code = self.texts.get(key)
        note = ""
        if code is None:
            value = ""
        elif link.fits(key, code):
            value = link.encode(key, code)
        else:
            value = ""
            note = markup.url_note(False, False)
        self._write_url(value)
        node = self.panel.querySelector(".cl-url-note")
        if node is not None:
            node.textContent = note or markup.url_note(True, bool(value))

    def _write_url(self, value: str) -> None:
        search = with_param(str(js.location.search), value)
        if search != str(js.location.search):
            js.history.replaceState(js.history.state, "",
                                    str(js.location.pathname) + search + str(js.location.hash))


def install(session: Session, dialog: Any) -> CodeTab | None:
    """Add the Code tab to the detail dialog (None when there is no dialog)."""
    if dialog is None or dialog.querySelector(".dv-body") is None:
        return None
    tab = CodeTab(session, dialog)
    try:
        tab.install()
    except Exception as exc:  # noqa: BLE001 - the detail views work without the Code tab
        errors.report(exc, "adding the Code tab")
        tab.close()
        return None
    return tab
