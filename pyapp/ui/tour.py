"""The guided tour in the page (``?tour=1`` or ``?tour=<path>``, ``&step=N``): a region named
by the tour ("Tour") that shows "Step N of M", the step's text, and Back / Next / Leave.

Each step's state is applied through the session (:func:`pyapp.tour.state.apply_state`); the
box points at the element the step names (an outline, ``.tour-target``) and is placed where it
does not cover it (:func:`pyapp.tour.state.place_box`); while a detail view is open the box
lives inside its modal dialog (the rest of the page is inert).  Keys: PageDown / PageUp (the
arrow keys belong to the views), and the arrows while focus is in the box; a horizontal swipe
on the box.  A question's answer stays in the page; its value comes from
:mod:`pyapp.tour.questions`.

State for tests: the region's ``data-step`` (1-based), ``data-steps``, ``data-state``
(``applying`` / ``ready``), ``data-view`` (the hash the step opens), ``data-image``,
``data-range``, ``data-ask`` (``pending`` / ``revealed``), ``data-guess``, ``data-correct``;
User Timing mark ``tour:step`` per step shown.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from pyapp import budgets, i18n
from pyapp.model_source import ModelSourceError, resolve_model_url
from pyapp.tour import questions as Q
from pyapp.tour.data import Tour, TourError, check_against, parse_tour, translated_path
from pyapp.tour.state import apply_state, place_box, pointer, state_hash
from pyapp.ui import errors
from pyapp.ui.app import GALLERY_DIR
from pyapp.ui.events import Bindings

DEFAULT_TOUR = "tours/intro.json"
TYPING = ("INPUT", "SELECT", "TEXTAREA")
SWIPE_PX = 60


def tour_url(param: str, page_url: str) -> str:
    """``1`` -> the default tour; else a ``.json`` path on this site (as ``?model=``)."""
    if param in ("1", "on", "yes", "true"):
        param = DEFAULT_TOUR
    try:
        url = resolve_model_url(param, page_url)
    except ModelSourceError as exc:
        raise TourError(i18n.tr("only a tour on this site can be opened (give a path such "
                                "as tours/mine.json)")) from exc
    if not url.split("?", 1)[0].endswith(".json"):
        raise TourError(i18n.tr("a tour is a .json file (such as tours/mine.json)"))
    return url


async def load_tour(param: str) -> Tour:
    """The tour ``param`` names, in the page's language when a translation sits beside it
    (``tours/intro.ja.json`` for ``tours/intro.json``, :func:`translated_path`), else as
    written; both within the tour budget."""
    from pyapp.ui.bounded_fetch import fetch_capped

    url = tour_url(param, str(js.location.href))
    translated = translated_path(url, i18n.current())
    try:
        data = None
        if translated != url:
            try:
                data = await fetch_capped(translated, budgets.MAX_TOUR_BYTES)
            except OSError:  # no translation of this tour: the original
                data = None
        if data is None:
            data = await fetch_capped(url, budgets.MAX_TOUR_BYTES)
    except OSError as exc:
        raise TourError(i18n.tr("the tour file could not be fetched ({reason})",
                                reason=exc)) from exc
    except ValueError as exc:  # over the budget
        raise TourError(str(exc)) from exc
    return parse_tour(data)


class TourView:
    """The tour box of ``app`` (the :class:`pyapp.ui.app.OverviewApp`)."""

    def __init__(self, app: Any, tour: Tour, loop: bool = False) -> None:
        self.app = app
        self.tour = tour
        self.loop = loop  # kiosk: Next on the last step starts again
        self.index = -1
        self.answers: dict[int, str] = {}  # step -> the guess (kept in the page only)
        self.bindings = Bindings(i18n.tr("the tour"))
        self._captures: list[tuple[Any, str, Any]] = []
        self._target: Any = None
        self._unsubscribe: Any = None
        self._touch: tuple[float, float] | None = None
        self._placing = False
        self.box: Any = None
        self.on_leave: Any = None
        self.on_step: Any = None  # called with the index once a step is on screen (kiosk)

    # --- setup ------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        t = self.tour
        box = doc.createElement("section")
        box.id = "tour"
        box.className = "tour"
        box.setAttribute("role", "region")
        box.setAttribute("aria-label", t.label("region"))
        box.setAttribute("aria-describedby", "tour-text")
        box.innerHTML = (
            '<p class="tour-progress" id="tour-progress" aria-live="polite"></p>'
            '<h2 class="tour-title" id="tour-title" tabindex="-1"></h2>'
            '<p class="tour-text" id="tour-text"></p>'
            '<div class="tour-ask" id="tour-ask" hidden>'
            '<p class="tour-question" id="tour-question"></p>'
            '<div class="tour-answers" id="tour-answers"></div>'
            '<button type="button" class="tour-btn tour-check" id="tour-check"></button>'
            '<p class="tour-result" id="tour-result" role="status"></p></div>'
            '<div class="tour-nav">'
            '<button type="button" class="tour-btn" id="tour-back"></button>'
            '<button type="button" class="tour-btn tour-next" id="tour-next"></button>'
            '<button type="button" class="tour-btn tour-leave" id="tour-leave"></button>'
            '</div>')
        doc.body.appendChild(box)
        self.box = box
        self.el = {k: box.querySelector(f"#tour-{k}") for k in (
            "progress", "title", "text", "ask", "question", "answers", "check", "result",
            "back", "next", "leave")}
        for key in ("back", "next", "leave", "check"):
            self.el[key].textContent = t.label(key)
        self.el["back"].setAttribute("aria-label", t.label("back_name"))
        self.el["next"].setAttribute("aria-label", t.label("next_name"))
        self.box.dataset.steps = str(len(t.steps))
        b = self.bindings
        b.listen(self.el["back"], "click", lambda _e: self.go(self.index - 1))
        b.listen(self.el["next"], "click", lambda _e: self.next())
        b.listen(self.el["leave"], "click", lambda _e: self.leave())
        b.listen(self.el["check"], "click", lambda _e: self.check())
        b.listen(box, "keydown", self._on_box_key)
        b.listen(box, "pointerdown", self._on_touch_start)
        b.listen(box, "pointerup", self._on_touch_end)
        b.listen(doc, "keydown", self._on_page_key)
        b.listen(js.window, "resize", lambda _e: self._later_place())
        b.listen(js.window, "scroll", lambda _e: self._later_place())
        # the overview's columns slide back after a detail view closes: follow the target
        b.listen(doc, "transitionend", self._on_slid)
        # a map question takes the click on a map before the overview opens its view
        self._capture(doc, "click", self._on_pick)
        self._capture(doc, "keydown", self._on_pick_key)
        self._unsubscribe = self.app.session.subscribe(self._follow, last=True)
        problems = check_against(t, self.app.session.model, len(self.app.gallery))
        if problems:
            errors.notify(i18n.tr("Some steps of the tour do not fit this model: {problems}.",
                                  problems="; ".join(problems[:3])), "warning")

    def _capture(self, target: Any, event: str, fn: Any) -> None:
        proxy = create_proxy(errors.guarded(fn, where=i18n.tr("the tour ({event})", event=event)))
        target.addEventListener(event, proxy, True)
        self._captures.append((target, event, proxy))

    def close(self) -> None:
        self._clear_target()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.bindings.close()
        for target, event, proxy in self._captures:
            target.removeEventListener(event, proxy, True)
            proxy.destroy()
        self._captures.clear()
        js.document.documentElement.classList.remove("tour-hide-bars")
        if self.box is not None:
            self.box.remove()
            self.box = None

    # --- moving -----------------------------------------------------------------------
    def next(self) -> None:
        last = len(self.tour.steps) - 1
        self.go(0 if self.loop and self.index >= last else self.index + 1)

    def go(self, index: int) -> None:
        if not 0 <= index < len(self.tour.steps) or self.box is None:
            return
        self.index = index
        self.box.dataset.state = "applying"
        errors.spawn(self._apply(index), i18n.tr("showing a step of the tour"))

    async def _apply(self, index: int) -> None:
        step = self.tour.steps[index]
        state = step.state
        app = self.app
        image = None
        if state.image < len(app.gallery):
            ticket = app.begin()  # an example the visitor clicked meanwhile loses
            image = await app.gallery_input(state.image)
            if index != self.index or not app.current(ticket) or self.box is None:
                return
            app.view.message("")
            app._set_original(GALLERY_DIR + app.gallery[state.image]["file"])
        focus_in_box = self.box.contains(js.document.activeElement)
        tinker = getattr(getattr(app, "tinker", None), "tinker", None)
        problems = apply_state(app.session, state, image, tinker)
        self._why(state.why)
        for problem in problems:
            errors.notify(problem, "warning")
        self._write_step(index)
        self._paint(index)
        self._home()
        self._point(step.point)
        if focus_in_box:
            self.el["title"].focus()
        d = self.box.dataset
        d.view = state_hash(state, app.session)
        d.image = str(state.image + 1)
        d.range = state.range_mode
        d.step = str(index + 1)
        d.state = "ready"
        js.performance.mark("tour:step")
        if self.on_step is not None:
            self.on_step(index)

    def _why(self, method: str) -> None:
        why = getattr(self.app, "why", None)
        if why is None:
            return
        if method:
            why.open(method)
        elif why.is_open:
            why.close()

    def _write_step(self, index: int) -> None:
        """``&step=N`` in the address bar, so a copied link opens this step."""
        params = js.URLSearchParams.new(js.location.search)
        if params.get("step") == str(index + 1):
            return
        params.set("step", str(index + 1))
        js.history.replaceState(js.history.state, "", str(js.location.pathname) + "?"
                                + str(params.toString()) + str(js.location.hash))

    def leave(self) -> None:
        self.close()
        params = js.URLSearchParams.new(js.location.search)
        params.delete("tour")
        params.delete("step")
        query = str(params.toString())
        js.history.replaceState(js.history.state, "", str(js.location.pathname)
                                + (f"?{query}" if query else "") + str(js.location.hash))
        if self.on_leave is not None:
            self.on_leave()

    # --- painting ---------------------------------------------------------------------
    def _paint(self, index: int) -> None:
        t, step = self.tour, self.tour.steps[index]
        self.el["progress"].textContent = t.label("progress", n=index + 1, m=len(t.steps))
        self.el["title"].textContent = step.title
        self.el["text"].textContent = step.text
        self.el["back"].disabled = index == 0
        self.el["next"].disabled = index == len(t.steps) - 1 and not self.loop
        self.box.dataset.ask = ""
        self.box.dataset.guess = ""
        self.box.dataset.correct = ""
        ask = step.ask
        self.el["ask"].hidden = ask is None
        hide_bars = False
        if ask is not None:
            rev = Q.reveal(ask, self.app.session.snapshot)
            self.el["question"].textContent = ask.question
            self._answers(ask, rev)
            self.el["result"].textContent = ""
            self.box.dataset.ask = "pending"
            hide_bars = ask.compute == "predicted_class"
            if index in self.answers:  # answered before: show it again
                self._reveal(self.answers[index])
                hide_bars = False
        js.document.documentElement.classList.toggle("tour-hide-bars", hide_bars)

    def _answers(self, ask: Any, rev: Any) -> None:
        doc = js.document
        box = self.el["answers"]
        box.innerHTML = ""
        self.el["check"].hidden = ask.kind == "map"
        if ask.kind == "map":
            note = doc.createElement("p")
            note.className = "tour-pick"
            note.textContent = self.tour.label("pick_map", layer=ask.layer)
            box.appendChild(note)
            return
        if ask.kind == "number":
            label = doc.createElement("label")
            label.textContent = self.tour.label("answer_name") + " "
            field = doc.createElement("input")
            field.type = "number"
            field.id = "tour-number"
            field.setAttribute("inputmode", "numeric")
            label.appendChild(field)
            box.appendChild(label)
            return
        group = doc.createElement("div")
        group.setAttribute("role", "radiogroup")
        group.setAttribute("aria-label", self.tour.label("answer_name"))
        group.className = "tour-choices"
        for i, text in enumerate(rev.choices):
            label = doc.createElement("label")
            radio = doc.createElement("input")
            radio.type = "radio"
            radio.name = "tour-choice"
            radio.value = text
            radio.id = f"tour-choice-{i}"
            label.appendChild(radio)
            shown = i18n.class_label(text) if ask.compute in Q.CLASS_ANSWERS else text
            label.appendChild(doc.createTextNode(" " + shown))
            group.appendChild(label)
        box.appendChild(group)

    # --- answering --------------------------------------------------------------------
    def _step(self) -> Any:
        return self.tour.steps[self.index] if 0 <= self.index < len(self.tour.steps) else None

    def check(self) -> None:
        step = self._step()
        if step is None or step.ask is None:
            return
        if step.ask.kind == "number":
            guess = str(self.box.querySelector("#tour-number").value)
        else:
            chosen = self.box.querySelector("input[name=tour-choice]:checked")
            guess = str(chosen.value) if chosen is not None else ""
        if not guess.strip():
            self.el["result"].textContent = self.tour.label("no_answer")
            return
        self._reveal(guess)

    def _reveal(self, guess: str) -> None:
        step = self._step()
        snap = self.app.session.snapshot
        rev = Q.reveal(step.ask, snap)
        verdict = Q.judge(self.tour, step.ask, rev, guess, snap)
        if verdict is None:
            self.el["result"].textContent = self.tour.label("no_answer")
            return
        self.answers[self.index] = guess
        js.document.documentElement.classList.remove("tour-hide-bars")
        text = verdict.text
        if step.ask.kind == "map":
            text = Q.sentences(self.tour.label("picked", guess=guess), text)
        for radio in self.box.querySelectorAll("input[name=tour-choice]"):
            radio.checked = str(radio.value) == guess
        self.el["result"].textContent = text
        d = self.box.dataset
        d.guess = guess
        d.correct = "true" if verdict.correct else "false"
        d.revealed = rev.answer
        d.ask = "revealed"
        self._later_place()

    def pending_question(self) -> bool:
        """Whether the step on screen asks a question nobody has answered yet."""
        return self.box is not None and str(self.box.dataset.ask or "") == "pending"

    def reveal_answer(self) -> None:
        """Nobody answered (a kiosk's tour moving on by itself): show the core's answer and
        the explanation, without a verdict."""
        step = self._step()
        if step is None or step.ask is None or self.box is None:
            return
        rev = Q.reveal(step.ask, self.app.session.snapshot)
        js.document.documentElement.classList.remove("tour-hide-bars")
        self.el["result"].textContent = Q.explain(self.tour, step.ask, rev)
        d = self.box.dataset
        d.guess = ""
        d.correct = ""
        d.revealed = rev.answer
        d.ask = "revealed"
        self._later_place()

    def _map_key(self, event: Any) -> Any:
        step = self._step()
        if step is None or step.ask is None or step.ask.kind != "map":
            return None
        target = event.target
        node = target.closest(".ov-n") if hasattr(target, "closest") else None
        if node is None or str(node.dataset.l) != step.ask.layer:
            return None
        return node

    def _on_pick(self, event: Any) -> None:
        node = self._map_key(event)
        if node is None:
            return
        event.stopPropagation()
        event.preventDefault()
        self._reveal(str(int(node.dataset.i) + 1))

    def _on_pick_key(self, event: Any) -> None:
        if str(event.key) in ("Enter", " ") and self._map_key(event) is not None:
            self._on_pick(event)

    # --- keys and touch ---------------------------------------------------------------
    def _on_page_key(self, event: Any) -> None:
        if str(getattr(event.target, "tagName", "")).upper() in TYPING or event.defaultPrevented:
            return
        key = str(event.key)
        if key == "PageDown":
            event.preventDefault()
            self.next()
        elif key == "PageUp":
            event.preventDefault()
            self.go(self.index - 1)

    def _on_box_key(self, event: Any) -> None:
        key = str(event.key)
        if str(getattr(event.target, "tagName", "")).upper() in TYPING:
            event.stopPropagation()  # the dialog's keys are not for the tour's fields
            return
        if key in ("ArrowRight", "ArrowLeft"):
            event.preventDefault()
            event.stopPropagation()
            self.next() if key == "ArrowRight" else self.go(self.index - 1)
        elif key != "Escape" and key not in ("PageUp", "PageDown"):
            event.stopPropagation()

    def _on_touch_start(self, event: Any) -> None:
        self._touch = ((float(event.clientX), float(event.clientY))
                       if str(event.pointerType) == "touch" else None)

    def _on_touch_end(self, event: Any) -> None:
        if self._touch is None or str(event.pointerType) != "touch":
            return
        dx = float(event.clientX) - self._touch[0]
        dy = float(event.clientY) - self._touch[1]
        self._touch = None
        if abs(dx) >= SWIPE_PX and abs(dy) < abs(dx) / 2:
            self.next() if dx < 0 else self.go(self.index - 1)

    # --- where the box is -------------------------------------------------------------
    def _follow(self, _snap: Any) -> None:
        """A view opened or closed (by the tour or the visitor): the box follows."""
        if self.box is not None:
            self._home()
            self._later_place()

    def _home(self) -> None:
        """While a detail view is open, the box is a block of the (modal) dialog between its
        header and its figure, so it covers nothing there; else it floats over the page."""
        dialog = js.document.getElementById("dv")
        body = dialog.querySelector(".dv-body") if dialog is not None else None
        docked = dialog is not None and bool(dialog.open) and body is not None
        parent, before = (body.parentNode, body) if docked else (js.document.body, None)
        if self.box.parentNode != parent:
            had_focus = self.box.contains(js.document.activeElement)
            parent.insertBefore(self.box, before)
            if had_focus:
                self.el["title"].focus()
        self.box.classList.toggle("tour-docked", docked)

    def _clear_target(self) -> None:
        if self._target is not None:
            self._target.classList.remove("tour-target")
            self._target = None

    def _point(self, point: str) -> None:
        self._clear_target()
        where = pointer(point)
        el = js.document.getElementById(where.element_id) if where else None
        if el is not None and where.closest:
            el = el.closest(where.closest)
        if el is not None and where.inside:
            el = el.querySelector(where.inside)
        if el is not None:
            el.classList.add("tour-target")
            self._target = el
            self.box.dataset.target = point
            el.scrollIntoView(js.Object.fromEntries([["block", "nearest"],
                                                     ["inline", "nearest"]]))
        else:
            self.box.dataset.target = ""
        self.place()

    def _on_slid(self, event: Any) -> None:
        t = event.target
        if getattr(t, "classList", None) is not None and t.classList.contains("ov-col"):
            self._later_place()

    def _later_place(self) -> None:
        if not self._placing:
            self._placing = True
            self.bindings.later(0, self.place)

    def place(self) -> None:
        self._placing = False
        if self.box is None or self.box.classList.contains("tour-docked"):
            return
        view = (float(js.document.documentElement.clientWidth), float(js.window.innerHeight))
        size = self.box.getBoundingClientRect()
        target = None
        if self._target is not None and self._target.isConnected:
            r = self._target.getBoundingClientRect()
            target = (float(r.left), float(r.top), float(r.width), float(r.height))
        left, top = place_box(target, (float(size.width), float(size.height)), view)
        self.box.style.left = f"{left:.0f}px"
        self.box.style.top = f"{top:.0f}px"
        self.box.style.bottom = "auto"


async def start(app: Any, param: str, step: int = 1, loop: bool = False) -> TourView | None:
    """Load the tour ``param`` names and show its step ``step`` (1-based); a tour that cannot
    be read gives a plain notice and the app carries on without it."""
    try:
        tour = await load_tour(param)
    except TourError as exc:
        errors.notify(i18n.tr("The tour could not be opened: {reason}. The app works without "
                              "it.", reason=exc), "warning")
        js.document.documentElement.dataset.tour = "failed"
        return None
    view = TourView(app, tour, loop)
    view.install()
    js.document.documentElement.dataset.tour = "open"
    view.go(min(max(step, 1), len(tour.steps)) - 1)
    return view


def step_param(search: str) -> int:
    """``&step=N`` (1-based; 1 when absent or unreadable)."""
    params = js.URLSearchParams.new(search)
    text = str(params.get("step") or "1")[:4]
    return int(text) if text.isdigit() and int(text) >= 1 else 1


async def install_from_url(app: Any) -> TourView | None:
    """``?tour=`` in the address: open that tour at ``&step=`` (else nothing)."""
    param = js.URLSearchParams.new(js.location.search).get("tour")
    if param is None:
        return None
    return await start(app, str(param)[:300], step_param(str(js.location.search)))
