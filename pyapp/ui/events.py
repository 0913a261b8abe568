"""Listeners and timers, every one through the error boundary, released together.

Each view owns one :class:`Bindings`; ``close()`` removes its listeners and clears its timers,
which also destroys their proxies (``pyodide.ffi.wrappers`` keeps and frees them), so a closed
view holds nothing.  A handler that raises is reported by :func:`pyapp.ui.errors.guarded` and
the page carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyodide.ffi.wrappers import (  # type: ignore[import-not-found]
    add_event_listener,
    clear_interval,
    clear_timeout,
    remove_event_listener,
    set_interval,
    set_timeout,
)

from pyapp.ui.errors import guarded


class Bindings:
    """The listeners and timers of one part of the page (``where`` names it in reports)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = []
        self._intervals: list[Any] = []
        self._timeouts: list[Any] = []

    def listen(self, target: Any, event: str, handler: Callable[..., Any]) -> None:
        """``target.addEventListener(event, handler)``, guarded."""
        fn = guarded(handler, where=f"{self.where} ({event})")
        add_event_listener(target, event, fn)
        self._listeners.append((target, event, fn))

    def every(self, ms: int, handler: Callable[[], Any]) -> Any:
        """``setInterval``, guarded; cleared by :meth:`close`."""
        handle = set_interval(guarded(handler, where=f"{self.where} (timer)"), ms)
        self._intervals.append(handle)
        return handle

    def later(self, ms: int, handler: Callable[[], Any]) -> Any:
        """``setTimeout``, guarded; cleared by :meth:`close` if still pending."""
        guarded_handler = guarded(handler, where=f"{self.where} (timer)")
        holder: list[Any] = []

        def run() -> None:
            if holder and holder[0] in self._timeouts:
                self._timeouts.remove(holder[0])  # it ran: nothing left to clear
            guarded_handler()

        handle = set_timeout(run, ms)
        holder.append(handle)
        self._timeouts.append(handle)
        return handle

    def close(self) -> None:
        """Remove every listener and clear every timer (their proxies are freed)."""
        for target, event, fn in self._listeners:
            try:
                remove_event_listener(target, event, fn)
            except Exception:  # noqa: BLE001, S110 - the element may already be gone
                pass
        for handle in self._intervals:
            clear_interval(handle)
        for handle in self._timeouts:
            try:
                clear_timeout(handle)
            except Exception:  # noqa: BLE001, S110 - it already ran
                pass
        self._listeners.clear()
        self._intervals.clear()
        self._timeouts.clear()


#: Listeners of the page itself, which live as long as the page (notices, the app shell).
PAGE = Bindings("the page")
