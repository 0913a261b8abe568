"""Another model for the page: the ``?model=<path>`` URL parameter (product.md, "Loading").

A teacher or kiosk operator serves their own network beside the app and opens
``index.html?model=models/mine.npz`` (native format) or ``?model=tfjs/model.json`` (TF.js layers).
Only the page's own origin is allowed: the page must never load from elsewhere, and its
Content-Security-Policy would block it anyway. Plain CPython: the page passes its async fetch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urljoin, urlsplit

from pyapp import budgets
from pyapp.cnn.formats import (
    ModelBudgetError,
    ModelFormatError,
    check_tfjs_topology,
    load_native,
    load_tfjs,
    parse_json,
    sniff_format,
    tfjs_shard_paths,
    with_class_names,
)
from pyapp.cnn.model import Model
from pyapp.i18n import tr

Fetch = Callable[[str], Awaitable[bytes]]

#: Largest model file the page reads (TinyVGG is 0.1 MB; the reference TF.js model 0.3 MB).
MAX_MODEL_BYTES = budgets.MAX_MODEL_BYTES


class ModelSourceError(ValueError):
    """The ``model`` parameter names something the page will not load (message for people)."""


def resolve_model_url(param: str, page_url: str) -> str:
    """The absolute URL of ``param`` relative to the page; refused unless on the same origin.

    >>> resolve_model_url("models/a.npz", "https://x.org/app/index.html?model=models/a.npz")
    'https://x.org/app/models/a.npz'
    """
    param = param.strip()
    if not param:
        raise ModelSourceError(tr("the model parameter is empty"))
    page = urlsplit(page_url)
    url = urljoin(page_url, param)
    target = urlsplit(url)
    if (target.scheme, target.netloc) != (page.scheme, page.netloc):
        raise ModelSourceError(tr(
            "only a model on this site can be loaded (give a path such as models/mine.npz)"))
    return target._replace(fragment="").geturl()


async def fetch_url(url: str) -> bytes:
    """The bytes at ``url`` (``http(s)://``, ``file://``) under CPython: the CLI's fetch."""

    import urllib.request  # CPython only: the page fetches with pyfetch

    def read() -> bytes:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - the user's URL
            return resp.read(MAX_MODEL_BYTES + 1)

    return await asyncio.to_thread(read)


def shard_urls(model_url: str, paths: Sequence[str]) -> list[str]:
    """Each TF.js shard's absolute URL: same origin as ``model.json`` only, each path once,
    at most :data:`~pyapp.budgets.MAX_SHARDS`."""
    if len(paths) > budgets.MAX_SHARDS:
        raise ModelBudgetError(tr("the model lists {n} weight files; a model may have up to "
                                  "{limit}", n=len(paths), limit=budgets.MAX_SHARDS))
    if len(set(paths)) != len(paths):
        raise ModelFormatError(tr("the model lists the same weight file more than once"))
    base = urlsplit(model_url)
    out = []
    for path in paths:
        url = urljoin(model_url, path)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ModelSourceError(tr("the model's weight files must be on this site, beside "
                                      "its model.json"))
        out.append(target._replace(fragment="").geturl())
    return out


def check_drawable(model: Model) -> None:
    """Neurons and edges the overview would draw, from the layout (nothing is drawn)."""
    from pyapp.render.layout import build_layout, layer_infos

    layout = build_layout(model.input_shape, layer_infos(model))
    neurons = sum(col.count for col in layout.columns)
    if neurons > budgets.MAX_NEURONS_DRAWN:
        raise ModelBudgetError(tr("the model has {n} neurons to draw; the app draws networks "
                                  "of up to {limit}", n=f"{neurons:,}",
                                  limit=f"{budgets.MAX_NEURONS_DRAWN:,}"))
    edges, prev = 0, None
    for col in layout.columns:
        if prev is not None:
            edges += prev.count * col.count if col.sources == "all" else col.count
        prev = col
    if edges > budgets.MAX_EDGES_DRAWN:
        raise ModelBudgetError(tr("the model has {n} connections to draw; the app draws "
                                  "networks of up to {limit}", n=f"{edges:,}",
                                  limit=f"{budgets.MAX_EDGES_DRAWN:,}"))


def _check_size(data: bytes, what: str, limit: int) -> None:
    """``what``: already translated (it opens the sentence)."""
    if len(data) > limit:
        raise ModelBudgetError(tr("{what} is {size}, more than the {limit} the app reads",
                                  what=what, size=budgets.plain_size(len(data)),
                                  limit=budgets.plain_size(limit)))


async def load_model_from(url: str, fetch: Fetch,
                          class_names: Sequence[str] | None = None) -> Model:
    """Fetch and read a native ``.npz`` or a TF.js ``model.json`` (and its shards) at ``url``.
    ``class_names`` replace the model's own (a TF.js model often has none). Every budget of
    :mod:`pyapp.budgets` is checked before the work it bounds."""
    data = await fetch(url)
    _check_size(data, tr("the model file"), MAX_MODEL_BYTES)
    kind = sniff_format(data[:64])
    if kind == "native":
        model = with_class_names(load_native(data), class_names)
    elif kind == "tfjs":
        doc = parse_json(data, "model.json")
        if not isinstance(doc, dict):
            raise ModelFormatError(tr("model.json does not hold a TF.js model"))
        check_tfjs_topology(doc)  # names and size before any shard is fetched
        paths = tfjs_shard_paths(doc)
        urls = shard_urls(url, paths)
        shards: dict[str, bytes] = {}
        total = 0
        for path, shard_url in zip(paths, urls, strict=True):
            shards[path] = await fetch(shard_url)
            _check_size(shards[path], tr("the weight file {name}", name=path[:60]),
                        budgets.MAX_SHARD_BYTES)
            total += len(shards[path])
            if total > MAX_MODEL_BYTES:
                raise ModelBudgetError(tr("the model's weight files add up to more than "
                                          "{limit}", limit=budgets.plain_size(MAX_MODEL_BYTES)))
        model = load_tfjs(doc, shards.__getitem__, class_names)
    else:
        raise ModelFormatError(tr("the file is neither a native .npz model nor a TF.js "
                                  "model.json"))
    check_drawable(model)
    return model
