"""Small DOM helpers for the page (Pyodide only: imports ``js``)."""

from __future__ import annotations

from collections.abc import Iterable

import js  # type: ignore[import-not-found]
import numpy as np
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


def el(tag: str, attrs: dict[str, str] | None = None,
       children: Iterable[object] = (), text: str | None = None) -> object:
    """Create an element with attributes, children and optional text."""
    node = js.document.createElement(tag)
    for key, value in (attrs or {}).items():
        node.setAttribute(key, value)
    if text is not None:
        node.textContent = text
    for child in children:
        node.appendChild(child)
    return node


def canvas_from_rgba(rgba: np.ndarray, attrs: dict[str, str] | None = None) -> object:
    """A ``<canvas>`` the size of ``rgba`` (uint8 ``(h, w, 4)``) holding exactly its pixels."""
    height, width = rgba.shape[:2]
    canvas = el("canvas", attrs)
    canvas.width = width
    canvas.height = height
    data = np.ascontiguousarray(rgba, dtype=np.uint8).tobytes()
    clamped = js.Uint8ClampedArray.new(to_js(data).buffer)
    image_data = js.ImageData.new(clamped, width, height)
    canvas.getContext("2d").putImageData(image_data, 0, 0)
    return canvas


def replace_children(parent: object, *children: object) -> None:
    """Empty ``parent`` and append ``children``."""
    parent.replaceChildren(*children)
