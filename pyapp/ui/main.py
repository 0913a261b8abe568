"""The PyScript entry point: ``start()`` prepares Python, renders the app, marks timings.

The page runs this file as ``__main__`` (``<script type="py" src="./app/main.py">``); the
``pyapp`` package is unpacked from ``app/pyapp.zip`` beside it, and numpy and Pillow are
already installed by the PyScript config when this runs (the page fetches with ``pyfetch``:
no urllib patching on the critical path).

Hooking in: ``await start(render)`` takes any ``render(app_element)`` (plain or async, here
``overview``: numpy, Pillow and ``pyapp.ui.app`` imported one per task, then
``start_overview``: the network view, gallery and uploads) that fills ``<main id="app">``.

User Timing marks: ``app:python-ready`` (Python runs, before numpy is imported; the first
screen's files are asked for then, :mod:`pyapp.ui.prefetch`; ``app:waiting-for-html`` if the
HTML is still being parsed then), ``app:imported <module>`` (each of :data:`FIRST_SCREEN`),
``app:interactive`` (the app is drawn and usable); ``app:failed`` when start-up fails (the page
then shows a plain message).
"""

from __future__ import annotations

import asyncio
import inspect
import traceback
from collections.abc import Callable
from typing import Any

Renderer = Callable[[Any], Any]


async def start(render: Renderer) -> None:
    """Run ``render`` on ``<main id="app">``, mark the page interactive, report failures."""
    import js  # type: ignore[import-not-found]

    from pyapp.ui import dom

    try:
        dom.mark("app:python-ready")
        from pyapp.ui import prefetch

        # the model and the gallery's list download while numpy and the app are imported
        prefetch.start(prefetch.first_screen(str(js.location.search)))
        await parsed(js.document)  # the runtime loads while the HTML is parsed
        from pyapp.ui import language

        language.choose_language()  # before any markup is made
        # whether the stdlib came from the build's bytecode (zipimport then names the .pyc)
        js.document.documentElement.dataset.bytecode = (
            "yes" if str(asyncio.__file__).endswith(".pyc") else "no")
        dom.set_stage("app")
        await asyncio.sleep(0)  # let the stage text paint

        result = render(js.document.getElementById("app"))
        if inspect.isawaitable(result):
            await result
        dom.show_ready()
        dom.mark("app:interactive")
        from pyapp.i18n import N_

        try:  # the header's language menu (a reload into the language picked)
            from pyapp.ui.events import Bindings

            language.install_menu(Bindings(N_("the language menu")))
        except Exception as exc:  # noqa: BLE001 - the app works without the menu
            from pyapp.ui import errors

            errors.report(exc, N_("starting the language menu"))
    except Exception as exc:  # noqa: BLE001 - any start-up failure becomes a message
        details = traceback.format_exc() or f"{type(exc).__name__}: {exc}"
        js.console.error(details)  # one console entry; stderr would be drawn into the page
        dom.show_error(details)


async def parsed(document: Any) -> None:
    """Return once ``document`` is parsed (``DOMContentLoaded``): the page's ``<script
    type="py">`` and PyScript's ``core.js`` are in its ``<head>``, ``async``, so Python may
    start before the end of a slowly arriving page."""
    if str(document.readyState) != "loading":
        return
    from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

    from pyapp.ui import dom

    dom.mark("app:waiting-for-html")

    done = asyncio.get_running_loop().create_future()
    document.addEventListener("DOMContentLoaded",
                              create_once_callable(lambda *_: done.set_result(None)))
    await done


# What the first screen imports, a part per task, so the page never freezes for all of them
# at once (each import reuses what the ones before it loaded).
FIRST_SCREEN = ("numpy", "PIL.Image", "pyapp.cnn.model", "pyapp.session", "pyapp.ui.overview")


async def overview(container: Any) -> Any:
    """The overview app (gallery, uploads; the detail views follow): its heavy imports one per
    task (:data:`FIRST_SCREEN`)."""
    import importlib

    from pyapp.ui import dom

    for name in FIRST_SCREEN:
        importlib.import_module(name)
        dom.mark(f"app:imported {name}")
        await asyncio.sleep(0)
    from pyapp.ui.app import start_overview

    dom.mark("app:imported pyapp.ui.app")

    await asyncio.sleep(0)
    return await start_overview(container)


if __name__ == "__main__":
    asyncio.ensure_future(start(overview))
