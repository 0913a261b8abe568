"""The one animation scheduler of the page: a single ``requestAnimationFrame`` loop in Python.

Views subscribe a callback ``fn(dt_ms)`` under a key; the loop runs while anyone is
subscribed.  A key can be *held* (:meth:`Scheduler.hold`): its callback is skipped, so no
time passes for it, until it is let go (while a weight is dragged the detail view's sweep
waits: every frame goes to the drag).  The frame callback is one ``create_proxy`` made
when the loop starts and destroyed when the last subscriber leaves (a closed view releases
everything it held).

``SCHEDULER.stats`` keeps the last frames' Python work time (ms), read by the benchmark.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

from pyapp.ui import errors

Tick = Callable[[float], Any]


def reduced_motion() -> bool:
    """True when the user asked the system for reduced motion."""
    return bool(js.window.matchMedia("(prefers-reduced-motion: reduce)").matches)


class Scheduler:
    def __init__(self) -> None:
        self._subs: dict[str, Tick] = {}
        self._proxy: Any = None
        self._handle: int | None = None
        self._last: float | None = None
        self.stats: deque[float] = deque(maxlen=600)
        self._stats_proxy: Any = None
        self._held: set[str] = set()

    def expose_stats(self) -> None:
        """``window.dvFrameWork()`` -> the last frames' Python work times in ms (benchmark)."""
        if self._stats_proxy is None:
            self._stats_proxy = create_proxy(lambda: to_js(list(self.stats)))
            js.window.dvFrameWork = self._stats_proxy

    @property
    def running(self) -> bool:
        return self._proxy is not None

    def subscribe(self, key: str, fn: Tick) -> None:
        self._subs[key] = fn
        if self._proxy is None:
            self._proxy = create_proxy(self._frame)
            self._last = None
            self._handle = js.requestAnimationFrame(self._proxy)

    def hold(self, key: str, held: bool = True) -> None:
        """Skip ``key``'s callback from the next frame on (``held=False``: call it again)."""
        if held:
            self._held.add(key)
        else:
            self._held.discard(key)

    def unsubscribe(self, key: str) -> None:
        self._subs.pop(key, None)
        if not self._subs:
            self._stop()

    def _stop(self) -> None:
        if self._handle is not None:
            js.cancelAnimationFrame(self._handle)
            self._handle = None
        if self._proxy is not None:
            self._proxy.destroy()
            self._proxy = None

    def _frame(self, timestamp: float) -> None:
        if self._proxy is None:
            return
        self._handle = js.requestAnimationFrame(self._proxy)
        dt = 0.0 if self._last is None else float(timestamp) - self._last
        self._last = float(timestamp)
        start = js.performance.now()
        for key, fn in list(self._subs.items()):
            if key in self._held:
                continue
            try:
                fn(dt)
            except Exception as exc:  # noqa: BLE001 - one broken view must not stop the loop
                self._subs.pop(key, None)
                errors.report(exc, f"animating {key}")
        self.stats.append(float(js.performance.now() - start))
        if not self._subs:
            self._stop()


SCHEDULER = Scheduler()
