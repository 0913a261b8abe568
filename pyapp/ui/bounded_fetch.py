"""Fetching a teacher's model (``?model=``) within the model file budget: a response whose
``Content-Length`` is over the limit is refused before its body is read."""

from __future__ import annotations

from pyodide.http import pyfetch  # type: ignore[import-not-found]

from pyapp import budgets
from pyapp.cnn.formats import ModelBudgetError
from pyapp.i18n import tr


async def fetch_capped(url: str, limit: int = budgets.MAX_MODEL_BYTES) -> bytes:
    """The body at ``url`` (same origin: the caller checked), at most ``limit`` bytes."""
    resp = await pyfetch(url)
    if not resp.ok:
        raise OSError(tr("the server answered HTTP {status} for {url}", status=resp.status,
                         url=url))
    declared = resp.headers.get("content-length") if hasattr(resp, "headers") else None
    if declared and declared.isdigit() and int(declared) > limit:
        raise ModelBudgetError(tr("the file {name} is {size}, more than the {limit} the app "
                                  "reads", name=url.rsplit("/", 1)[-1][:60],
                                  size=budgets.plain_size(int(declared)),
                                  limit=budgets.plain_size(limit)))
    data = bytes(await resp.bytes())
    if len(data) > limit:
        raise ModelBudgetError(tr("the file {name} is more than the {limit} the app reads",
                                  name=url.rsplit("/", 1)[-1][:60],
                                  limit=budgets.plain_size(limit)))
    return data
