"""The files the first screen needs, asked for as soon as Python runs (Pyodide only).

At ``app:python-ready`` nothing of the app is imported yet, and importing numpy, Pillow and the
app takes several tasks; the model and the gallery's list are fetched meanwhile instead of one
after the other once the app asks for them (each a round trip through the event loop).
:func:`start` asks; :func:`take` hands the started download to the one who needs the bytes
(once: a later load of the same URL, e.g. after an error, fetches again). Only this module's
imports (``pyodide.http``) run at start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

MODEL_URL = "weights/tinyvgg-cifar10.npz"
GALLERY_DIR = "gallery/"
GALLERY_URL = GALLERY_DIR + "gallery.json"
_started: dict[str, asyncio.Task[bytes]] = {}


def first_screen(search: str) -> list[str]:
    """What the first screen fetches (``pyapp.ui.app.start_overview``): the gallery's list,
    and the default model unless the link (its query ``search``) names another one."""
    from urllib.parse import parse_qs

    asked = parse_qs(search.lstrip("?")[:4096], keep_blank_values=True)
    return [GALLERY_URL] + ([] if "model" in asked else [MODEL_URL])


async def fetch_bytes(url: str) -> bytes:
    """The body of ``url`` (same site); ``OSError`` for an HTTP error status."""
    from pyodide.http import pyfetch  # type: ignore[import-not-found]

    resp = await pyfetch(url)
    if not resp.ok:
        raise OSError(f"the server answered HTTP {resp.status} for {url}")
    return bytes(await resp.bytes())


def start(urls: Iterable[str]) -> None:
    """Start downloading each of ``urls`` now (in the background)."""
    for url in urls:
        if url not in _started:
            task = asyncio.ensure_future(fetch_bytes(url))
            task.add_done_callback(_quiet)
            _started[url] = task


def _quiet(task: asyncio.Task[Any]) -> None:
    """A failed early download is reported by :func:`take`'s caller, not as unhandled."""
    if not task.cancelled():
        task.exception()


async def take(url: str) -> bytes:
    """The bytes of ``url``: from the download :func:`start` began, else fetched now."""
    task = _started.pop(url, None)
    return await (task if task is not None else fetch_bytes(url))
