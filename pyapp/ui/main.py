"""The PyScript entry point: ``start()`` loads the example, renders the app, marks timings.

The page runs this file as ``__main__`` (``<script type="py" src="./app/main.py">``); the
``pyapp`` package is unpacked from ``app/pyapp.zip`` beside it. numpy, Pillow and pyodide-http
are already installed by the PyScript config when this runs.

Hooking in: ``start(render)`` takes any ``render(example) -> element``; the element replaces the
contents of ``<main id="app">``. Later views pass their own renderer (or extend
``render_app``). User Timing marks: ``app:python-ready`` (Python runs), ``app:interactive``
(the app is drawn and usable); ``app:failed`` when start-up fails.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable

Renderer = Callable[..., object]


def render_app(example: object) -> object:
    """The default app view: the network's input column."""
    from pyapp.ui.input_column import render_input_column

    return render_input_column(example)


async def start(render: Renderer | None = None) -> None:
    """Load the example image, draw the app into ``<main id="app">``, report failures."""
    import js  # type: ignore[import-not-found]

    from pyapp.ui import dom

    try:
        dom.mark("app:python-ready")
        dom.set_stage("app")
        await asyncio.sleep(0)  # let the stage text paint

        import pyodide_http  # type: ignore[import-not-found]

        from pyapp.ui.example import load_example

        pyodide_http.patch_all()
        example = load_example(str(js.location.href))
        view = (render or render_app)(example)
        dom.replace_children(js.document.getElementById("app"), view)
        dom.show_ready()
        dom.mark("app:interactive")
    except Exception as exc:  # noqa: BLE001 - any start-up failure becomes a message
        details = traceback.format_exc() or f"{type(exc).__name__}: {exc}"
        js.console.error(details)  # one console entry; stderr would be drawn into the page
        dom.show_error(details)


if __name__ == "__main__":
    asyncio.ensure_future(start())
