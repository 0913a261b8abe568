"""Another model for the page: the ``?model=<path>`` URL parameter (product.md, "Loading").

A teacher or kiosk operator serves their own network beside the app and opens
``index.html?model=models/mine.npz`` (native format) or ``?model=tfjs/model.json`` (TF.js layers).
Only the page's own origin is allowed: the page must never load from elsewhere, and its
Content-Security-Policy would block it anyway. Plain CPython: the page passes its async fetch.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urljoin, urlsplit

from pyapp.cnn.formats import (
    ModelFormatError,
    load_native,
    load_tfjs,
    sniff_format,
    tfjs_shard_paths,
    with_class_names,
)
from pyapp.cnn.model import Model

Fetch = Callable[[str], Awaitable[bytes]]

#: Largest model file the page reads (TinyVGG is 0.1 MB; the reference TF.js model 0.3 MB).
MAX_MODEL_BYTES = 50 * 1024 * 1024


class ModelSourceError(ValueError):
    """The ``model`` parameter names something the page will not load (message for people)."""


def resolve_model_url(param: str, page_url: str) -> str:
    """The absolute URL of ``param`` relative to the page; refused unless on the same origin.

    >>> resolve_model_url("models/a.npz", "https://x.org/app/index.html?model=models/a.npz")
    'https://x.org/app/models/a.npz'
    """
    param = param.strip()
    if not param:
        raise ModelSourceError("the model parameter is empty")
    page = urlsplit(page_url)
    url = urljoin(page_url, param)
    target = urlsplit(url)
    if (target.scheme, target.netloc) != (page.scheme, page.netloc):
        raise ModelSourceError(
            "only a model on this site can be loaded (give a path such as models/mine.npz)")
    return target._replace(fragment="").geturl()


async def fetch_url(url: str) -> bytes:
    """The bytes at ``url`` (``http(s)://``, ``file://``) under CPython: the CLI's fetch."""

    import urllib.request  # CPython only: the page fetches with pyfetch

    def read() -> bytes:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - the user's URL
            return resp.read(MAX_MODEL_BYTES + 1)

    return await asyncio.to_thread(read)


async def load_model_from(url: str, fetch: Fetch,
                          class_names: Sequence[str] | None = None) -> Model:
    """Fetch and read a native ``.npz`` or a TF.js ``model.json`` (and its shards) at ``url``.
    ``class_names`` replace the model's own (a TF.js model often has none)."""
    data = await fetch(url)
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFormatError(f"the file is {len(data) / 2**20:.0f} MB, more than the "
                               f"{MAX_MODEL_BYTES // 2**20} MB a model may have")
    kind = sniff_format(data[:64])
    if kind == "native":
        return with_class_names(load_native(data), class_names)
    if kind == "tfjs":
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise ModelFormatError(f"model.json is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ModelFormatError("model.json does not hold a TF.js model")
        shards = {path: await fetch(urljoin(url, path)) for path in tfjs_shard_paths(doc)}
        return load_tfjs(doc, shards.__getitem__, class_names)
    raise ModelFormatError("the file is neither a native .npz model nor a TF.js model.json")
