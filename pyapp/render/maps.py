"""Every neuron's picture for the overview: activations -> RGBA ``uint8`` arrays, one
vectorised colour-mapping per layer (no per-pixel Python loops)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .colormaps import INPUT, SIGNED
from .layout import OverviewLayout
from .ranges import layer_limits


def layer_rgba(acts: np.ndarray, kind: str, limit: float) -> np.ndarray:
    """``(C, H, W, 4)`` uint8 for an ``(H, W, C)`` activation: greys on ``[0, 1]`` for the
    input, the diverging map on ``[-limit, limit]`` otherwise."""
    a = np.ascontiguousarray(np.moveaxis(np.asarray(acts, dtype=np.float32), 2, 0))
    return INPUT.rgba(a, 0.0, 1.0) if kind == "input" else SIGNED.rgba_symmetric(a, limit)


def overview_rgba(
    acts: Mapping[str, np.ndarray],
    layout: OverviewLayout,
    mode: str,
) -> dict[str, np.ndarray]:
    """``{column name: (C, H, W, 4) uint8}`` for the input and every feature-map column."""
    kinds = [(c.name, c.kind) for c in layout.columns if c.kind not in ("input", "output")]
    limits = layer_limits(acts, kinds, mode)
    out: dict[str, np.ndarray] = {}
    for col in layout.columns:
        if col.kind == "output":
            continue
        a = np.asarray(acts[col.name])
        if a.ndim == 1:  # one value per map (global pooling): 1x1 maps
            a = a.reshape(1, 1, -1)
        out[col.name] = layer_rgba(a, col.kind, limits.get(col.name, 1.0))
    return out
