"""Fetching a teacher's model (``?model=``) within the model file budget: a response whose
``Content-Length`` is over the limit is refused before its body is read."""

from __future__ import annotations

from pyodide.http import pyfetch  # type: ignore[import-not-found]

from pyapp import budgets
from pyapp.cnn.formats import ModelBudgetError


async def fetch_capped(url: str, limit: int = budgets.MAX_MODEL_BYTES) -> bytes:
    """The body at ``url`` (same origin: the caller checked), at most ``limit`` bytes."""
    resp = await pyfetch(url)
    if not resp.ok:
        raise OSError(f"the server answered HTTP {resp.status} for {url}")
    declared = resp.headers.get("content-length") if hasattr(resp, "headers") else None
    if declared and declared.isdigit() and int(declared) > limit:
        raise ModelBudgetError(f"the file {url.rsplit('/', 1)[-1][:60]} is "
                               f"{budgets.plain_size(int(declared))}, more than the "
                               f"{budgets.plain_size(limit)} the app reads")
    data = bytes(await resp.bytes())
    if len(data) > limit:
        raise ModelBudgetError(f"the file {url.rsplit('/', 1)[-1][:60]} is more than the "
                               f"{budgets.plain_size(limit)} the app reads")
    return data
