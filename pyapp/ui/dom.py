"""Small DOM helpers for the page (Pyodide only: imports ``js``)."""

from __future__ import annotations

import js  # type: ignore[import-not-found]


def mark(name: str) -> None:
    """Record a User Timing mark (``performance.mark``), e.g. ``app:interactive``."""
    js.performance.mark(name)


def boot() -> object | None:
    """The start-up glue object from ``boot.js`` (``setStage``, ``fail``, ``ready``)."""
    return getattr(js.window, "cnnBoot", None)


def set_stage(stage: str) -> None:
    """Show a start-up stage: ``"python"``, ``"packages"`` or ``"app"``."""
    glue = boot()
    if glue is not None:
        glue.setStage(stage)


def show_ready() -> None:
    """Hide the loading indicator: the app has taken over the page."""
    glue = boot()
    if glue is not None:
        glue.ready()


def show_error(message: str) -> None:
    """Replace the loading indicator with a plain error message."""
    glue = boot()
    if glue is not None:
        glue.fail(message)
    else:
        js.document.getElementById("status").textContent = message
