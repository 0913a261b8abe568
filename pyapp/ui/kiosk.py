"""Kiosk mode (``?kiosk=1``): a museum's unattended screen.

* The controls a visitor should not have are hidden (``&controls=`` shows some after all,
  :mod:`pyapp.tour.kiosk`): uploading (and dropping or pasting a photo), saving the network,
  copying links.
* The tour runs on a loop (``?tour=`` or the default one; Next on its last step starts again)
  and moves on by itself after ``&dwell=`` seconds on a step (default 12); a question nobody
  answers is revealed after one dwell, and the tour moves on after another.  Any input pauses
  this until the idle time has passed (then the reset below starts it again).
* After ``&idle=`` minutes without input (default 2) the page returns to its start screen and
  forgets the last visitor: the session back on the first example, tinkering undone, the
  detail and Why? views closed, unit ranges, the address bar reduced to the kiosk's own
  parameters, and the tour on its first step.

State for tests: ``<html data-kiosk="on" data-kiosk-resets="N" data-kiosk-auto="on|paused">``,
User Timing marks ``kiosk:reset`` and ``kiosk:auto`` (each step the tour moved to by itself).
The presenter layout (``?present=1``, another issue) is kept in the reset address when the
link has it.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from pyapp.i18n import tr
from pyapp.tour.kiosk import KioskOptions, parse_kiosk, reset_query
from pyapp.ui import errors, tour
from pyapp.ui.events import Bindings

#: What counts as a visitor's input.
INPUT_EVENTS = ("pointerdown", "keydown", "wheel", "input", "touchstart")


class Kiosk:
    def __init__(self, app: Any, options: KioskOptions, tour_param: str) -> None:
        self.app = app
        self.options = options
        self.tour_param = tour_param
        self.tour: tour.TourView | None = None
        self.bindings = Bindings(tr("the kiosk"))
        self._captures: list[tuple[Any, str, Any]] = []
        self._last = 0.0
        self.resets = 0
        self._input_at: float | None = None  # the last visitor's input (None: nobody yet)
        self._dwell = 0  # which step's dwell timer is current (older timers do nothing)

    async def install(self) -> None:
        root = js.document.documentElement
        root.dataset.kiosk = "on"
        for control in self.options.hidden:
            root.classList.add(f"kiosk-hide-{control}")
        if "upload" in self.options.hidden:  # no photo from outside, whichever way it comes
            for event in ("drop", "paste", "dragover"):
                self._capture(js.window, event, self._refuse)
        for event in INPUT_EVENTS:
            self._capture(js.document, event, self._visitor)
        self._auto("on")
        for problem in self.options.problems:
            errors.notify(problem, "warning")
        self._touched()
        self._arm(self.options.idle_ms)
        await self._start_tour(max(1, tour.step_param(str(js.location.search))))

    def _capture(self, target: Any, event: str, fn: Any) -> None:
        proxy = create_proxy(errors.guarded(fn, where=tr("the kiosk ({event})", event=event)))
        target.addEventListener(event, proxy, True)
        self._captures.append((target, event, proxy))

    def close(self) -> None:
        self.bindings.close()
        for target, event, proxy in self._captures:
            target.removeEventListener(event, proxy, True)
            proxy.destroy()
        self._captures.clear()

    async def _start_tour(self, step: int = 1) -> None:
        self.tour = await tour.start(self.app, self.tour_param, step, loop=True)
        if self.tour is not None:
            self.tour.on_leave = self._left
            self.tour.on_step = self._arm_dwell
            if self.tour.box is not None and self.tour.box.dataset.state == "ready":
                self._arm_dwell(self.tour.index)  # the first step was quicker than us

    def _left(self) -> None:
        self.tour = None

    def _refuse(self, event: Any) -> None:
        event.preventDefault()
        event.stopPropagation()

    def _touched(self, _event: Any = None) -> None:
        self._last = float(js.performance.now())

    def _visitor(self, _event: Any = None) -> None:
        """A visitor's input: the idle clock starts again and the tour stops moving itself."""
        self._touched()
        self._input_at = self._last
        self._auto("paused")

    def _auto(self, state: str) -> None:
        js.document.documentElement.dataset.kioskAuto = state

    # --- the tour moving on by itself ---------------------------------------------------
    def _arm_dwell(self, _index: int = 0) -> None:
        self._dwell += 1
        token = self._dwell
        self.bindings.later(self.options.dwell_ms, lambda: self._dwell_over(token))

    def _dwell_over(self, token: int) -> None:
        view = self.tour
        if token != self._dwell or view is None or view.box is None:
            return  # a newer step has its own timer, or the tour is gone
        if self._input_at is not None:
            return  # a visitor is here; the reset after the idle time starts it again
        if view.pending_question():
            view.reveal_answer()
            self._arm_dwell()
            return
        js.performance.mark("kiosk:auto")
        view.next()  # the step shown calls _arm_dwell

    def _arm(self, ms: float) -> None:
        self.bindings.later(max(50, int(ms)), self._check)

    def _check(self) -> None:
        idle = float(js.performance.now()) - self._last
        if idle >= self.options.idle_ms and self._input_at is None:
            self._touched()  # nobody came: nothing to forget, the tour carries on
            self._arm(self.options.idle_ms)
        elif idle >= self.options.idle_ms:
            errors.spawn(self.reset(), tr("resetting the kiosk"))
            self._touched()
            self._arm(self.options.idle_ms)
        else:
            self._arm(self.options.idle_ms - idle)

    async def reset(self) -> None:
        """Back to the start screen, forgetting the last visitor's image and edits."""
        app = self.app
        session = app.session
        session.close_view()
        why = getattr(app, "why", None)
        if why is not None and why.is_open:
            why.close()
        tinker = getattr(getattr(app, "tinker", None), "tinker", None)
        if tinker is not None:
            tinker.reset()
        await app.select(0)
        session.set_range("unit")
        if getattr(app, "_object_url", None):  # the visitor's photo
            js.URL.revokeObjectURL(app._object_url)
            app._object_url = None
        js.history.replaceState(None, "", str(js.location.pathname)
                                + reset_query(str(js.location.search)))
        js.window.scrollTo(0, 0)
        if self.tour is not None:
            self.tour.answers.clear()
            self.tour.go(0)
        else:
            await self._start_tour(1)
        self._input_at = None
        self._auto("on")
        self.resets += 1
        js.document.documentElement.dataset.kioskResets = str(self.resets)
        js.performance.mark("kiosk:reset")


async def install_from_url(app: Any) -> Kiosk | None:
    """``?kiosk=1``: start kiosk mode (with the tour on a loop); else nothing."""
    options = parse_kiosk(str(js.location.search))
    if not options.on:
        return None
    param = js.URLSearchParams.new(js.location.search).get("tour")
    kiosk = Kiosk(app, options, str(param)[:300] if param else "1")
    await kiosk.install()
    return kiosk
