"""Measurement modules for ``bench/run.py``.

Each module in this package defines::

    NAME: str                                   # shown in the table, e.g. "startup"
    def measure(page) -> dict[str, float]: ...  # runs after `app:interactive`, per load

``page`` is a Playwright ``Page`` on the freshly loaded site. Return flat numbers (ms, bytes,
counts); the harness reports the median / min / max of each over the runs, cold and warm.
A new measurement (e.g. "switch the example image") is a new module here: no harness edits.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> list[ModuleType]:
    """All measurement modules of this package, by name (``startup`` first)."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    names.sort(key=lambda name: name != "startup")
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
