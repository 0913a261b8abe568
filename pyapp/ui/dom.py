"""Small DOM helpers for the page (Pyodide only: imports ``js``)."""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]


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


def download(data: bytes | str, filename: str, mime: str, bindings: Any) -> None:
    """Offer ``data`` as a file named ``filename`` (a Blob URL: nothing leaves the device);
    the URL is revoked a second later through ``bindings`` (a :class:`pyapp.ui.events.Bindings`)."""
    if isinstance(data, bytes):
        part: Any = js.Uint8Array.new(len(data))
        part.assign(data)
    else:
        part = data
    blob = js.Blob.new(to_js([part]), js.Object.fromEntries(to_js([["type", mime]])))
    url = js.URL.createObjectURL(blob)
    link = js.document.createElement("a")
    link.href = url
    link.download = filename
    link.hidden = True
    js.document.body.appendChild(link)
    link.click()
    link.remove()
    bindings.later(1000, lambda: js.URL.revokeObjectURL(url))
