"""The error boundary for Python event handlers, and non-blocking notices.

* :func:`guarded` wraps an event handler (plain or ``async``): an exception it raises is logged
  with its traceback to the browser console (``console.error``) and shown as a non-blocking
  notice; the handler returns normally, so the page stays responsive and later events still run.
* :func:`spawn` runs a coroutine as a task under the same boundary (use it instead of a bare
  ``asyncio.ensure_future`` in handlers: an exception in a bare task is lost or surfaces late).
* listeners and timers: :class:`pyapp.ui.events.Bindings` (guarded by this boundary).
* :func:`notify` shows a short message (info, warning or error) in a polite live region at the
  bottom of the page; it never takes the focus and never blocks input.

``js`` is imported lazily: under CPython (tests) the console is ``sys.stderr`` and notices go to
:data:`SINK` when it is set.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from pyapp.i18n import N_, tr

F = TypeVar("F", bound=Callable[..., Any])

#: Notice kinds and how long each stays (seconds; ``0`` = until dismissed).
DURATIONS = {"info": 6.0, "warning": 10.0, "error": 15.0}
#: At most this many notices at once (the oldest goes first).
MAX_NOTICES = 3
REGION_ID = "notices"

#: Under CPython (or to observe notices): called as ``SINK(kind, message)`` instead of the DOM.
SINK: Callable[[str, str], None] | None = None

_proxies: list[Any] = []  # JS proxies of listeners, kept alive for the page's lifetime
_tasks: set[asyncio.Task[Any]] = set()


def _js() -> Any | None:
    try:
        import js  # type: ignore[import-not-found]
    except ImportError:
        return None
    return js


def log_error(text: str) -> None:
    """Write ``text`` to the browser console as an error (stderr under CPython)."""
    js = _js()
    if js is not None:
        js.console.error(text)
    else:
        print(text, file=sys.stderr)


def _where_shown(where: str) -> str:
    """``where`` translated; a listener's ``"<part> (<event>)"`` by its part alone when the
    part has a translation (the event's name is for the console), else as given."""
    shown = tr(where)
    part, sep, _event = where.partition(" (")
    if shown == where and sep and tr(part) != part:
        shown = tr(part)
    return shown


def describe(exc: BaseException, where: str = "") -> str:
    """The sentence a user sees for an unexpected exception."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {detail[:160]}" if detail else type(exc).__name__
    if where:  # ``where``: an N_() constant where the caller marked it, else shown as given
        return tr("Something went wrong while {where} ({detail}). The app is still running: "
                  "you can carry on or try again.", where=_where_shown(where), detail=detail)
    return tr("Something went wrong ({detail}). The app is still running: you can carry on "
              "or try again.", detail=detail)


def report(exc: BaseException, where: str = "") -> None:
    """Log ``exc`` with its traceback to the console and show a non-blocking notice."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log_error(f"Error in a Python event handler{f' ({where})' if where else ''}:\n{trace}")
    try:
        notify(describe(exc, where), "error")
    except Exception:  # noqa: BLE001 - the boundary itself must never raise
        log_error("The error notice could not be shown:\n" + traceback.format_exc())


def _where_of(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", "")) or "an event handler"
    return f"handling an event ({name})"


def guarded(fn: F | None = None, *, where: str = "") -> Any:
    """Decorator: exceptions in the handler are reported (:func:`report`) instead of raised.

    Works on plain and ``async`` functions, keeps their signature (``functools.wraps``), and is
    usable bare (``@guarded``) or with a description (``@guarded(where="loading the image")``).
    """
    def decorate(func: F) -> F:
        label = where or _where_of(func)
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await func(*args, **kwargs)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - this is the boundary
                    report(exc, label)
                    return None
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - this is the boundary
                report(exc, label)
                return None
            if inspect.isawaitable(result):  # a plain function that returned a coroutine
                return spawn(result, label)
            return result
        return wrapper  # type: ignore[return-value]

    return decorate(fn) if fn is not None else decorate


async def _run(awaitable: Awaitable[Any], where: str) -> Any:
    try:
        return await awaitable
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        report(exc, where)
        return None


def spawn(awaitable: Awaitable[Any] | Coroutine[Any, Any, Any],
          where: str = N_("running a background task")) -> asyncio.Future[Any]:
    """Run ``awaitable`` as a task whose exception is reported, never lost."""
    task = asyncio.ensure_future(_run(awaitable, where))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


# --- notices ------------------------------------------------------------------------------

_REGION_STYLE = {
    "position": "fixed", "left": "50%", "bottom": "1rem", "transform": "translateX(-50%)",
    "z-index": "1000", "display": "flex", "flex-direction": "column", "gap": "0.5rem",
    "width": "min(40rem, calc(100vw - 2rem))", "pointer-events": "none", "margin": "0",
}
_NOTICE_STYLE = {
    "display": "flex", "align-items": "flex-start", "gap": "0.75rem", "margin": "0",
    "padding": "0.6rem 0.8rem", "border-radius": "0.4rem", "pointer-events": "auto",
    "box-shadow": "0 2px 10px rgba(0, 0, 0, 0.25)", "font": "inherit", "line-height": "1.4",
    "border-left": "0.35rem solid", "color": "#111", "background": "#fff",
}
_KIND_COLOURS = {"info": "#1f6feb", "warning": "#b35900", "error": "#c62828"}
_KIND_PREFIX = {"info": "", "warning": N_("Note: "), "error": N_("Error: ")}


def _style(node: Any, props: dict[str, str]) -> None:
    # CSSOM (not a style attribute), so a strict Content Security Policy allows it.
    for key, value in props.items():
        node.style.setProperty(key, value)


def _region(js: Any) -> Any:
    region = js.document.getElementById(REGION_ID)
    if region is None:
        region = js.document.createElement("div")
        region.id = REGION_ID
        region.className = "notices"
        region.setAttribute("aria-live", "polite")
        region.setAttribute("aria-label", tr("Notifications"))
        _style(region, _REGION_STYLE)
        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

        def on_click(event: Any) -> None:  # one delegated listener: no proxy per notice
            if event.target.closest(".notice-close") is not None:
                event.target.closest(".notice").remove()

        proxy = create_proxy(on_click)
        _proxies.append(proxy)
        region.addEventListener("click", proxy)
        js.document.body.appendChild(region)
    return region


def notify(message: str, kind: str = "info", timeout_s: float | None = None) -> None:
    """Show ``message`` without blocking; ``kind`` is ``info``, ``warning`` or ``error``."""
    if kind not in DURATIONS:
        kind = "info"
    if SINK is not None:
        SINK(kind, message)
        return
    js = _js()
    if js is None:
        print(f"[{kind}] {message}", file=sys.stderr)
        return
    from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

    region = _region(js)
    for old in list(region.children):  # the same message again: show it once, refreshed
        if old.dataset.message == message:
            old.remove()
    while region.children.length >= MAX_NOTICES:
        region.firstElementChild.remove()
    notice = js.document.createElement("div")
    notice.className = f"notice notice-{kind}"
    notice.dataset.kind = kind
    notice.dataset.message = message
    # role=alert makes screen readers announce an error at once; info waits its turn
    notice.setAttribute("role", "alert" if kind == "error" else "status")
    _style(notice, _NOTICE_STYLE)
    notice.style.setProperty("border-left-color", _KIND_COLOURS[kind])
    text = js.document.createElement("p")
    text.className = "notice-text"
    prefix = _KIND_PREFIX[kind]
    text.textContent = (tr(prefix) if prefix else "") + message
    _style(text, {"margin": "0", "flex": "1"})
    close = js.document.createElement("button")
    close.type = "button"
    close.className = "notice-close"
    close.setAttribute("aria-label", tr("Dismiss this message"))
    close.textContent = "\u00d7"
    _style(close, {"font": "inherit", "font-size": "1.2rem", "line-height": "1",
                   "background": "none", "border": "0", "cursor": "pointer", "color": "#333",
                   "padding": "0 0.25rem"})
    notice.append(text, close)
    region.appendChild(notice)
    seconds = DURATIONS[kind] if timeout_s is None else timeout_s
    if seconds > 0:
        js.setTimeout(create_once_callable(lambda: notice.remove()), int(seconds * 1000))
