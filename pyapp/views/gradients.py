"""The overview's maps showing gradients instead of activations.

For one class score ``z_c``, :func:`gradient_maps` runs the backward pass (:mod:`pyapp.cnn.grads`)
and colours ``dz_c / da`` of every map column (the input too) with the same diverging map as
the activations, on symmetric limits of their own (grouped as the snapshot's range mode
groups the activations).  :class:`GradientMaps` is cached per snapshot and class by
:func:`for_snapshot`, so toggling back and forth costs one backward pass.

Plain Python (numpy), no ``js``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn import grads
from pyapp.render.colormaps import ACTIVATION
from pyapp.render.ranges import LegendSpec, layer_limits, legends


@dataclass(frozen=True)
class GradientMaps:
    class_index: int
    class_name: str
    rgba: dict[str, np.ndarray]  # {column: (C, H, W, 4) uint8}, as Snapshot.overview_rgba
    legends: tuple[LegendSpec, ...]
    input_limit: float
    gradients: grads.Gradients


def _limit(v: float) -> float:
    return v if v > 0 and np.isfinite(v) else 1.0


def gradient_maps(model: Any, acts: Any, layout: Any, mode: str,
                  class_index: int) -> GradientMaps:
    g = grads.backward(model, acts, ("logit", class_index), params=False)
    kinds = [(c.name, c.kind) for c in layout.columns if c.kind not in ("input", "output")]
    limits = layer_limits(g.activations, kinds, mode)
    out: dict[str, np.ndarray] = {}
    input_limit = _limit(float(np.abs(g.input).max()))
    for col in layout.columns:
        if col.kind == "output":
            continue
        a = np.ascontiguousarray(np.moveaxis(np.asarray(g.activations[col.name]), 2, 0))
        lim = input_limit if col.kind == "input" else _limit(limits.get(col.name, 1.0))
        out[col.name] = ACTIVATION.rgba_symmetric(a, lim)
    specs = tuple(LegendSpec(s.layers, _limit(s.limit))
                  for s in legends(g.activations, kinds, mode))
    return GradientMaps(class_index, list(model.class_names)[class_index], out, specs,
                        input_limit, g)


_CACHE: dict[tuple[int, int, str], tuple[Any, GradientMaps]] = {}


def for_snapshot(snap: Any, class_index: int | None = None) -> GradientMaps:
    """The gradient maps of ``snap`` for ``class_index`` (default: the predicted class)."""
    c = snap.predicted if class_index is None else int(class_index)
    key = (id(snap.acts), c, snap.range_mode)
    hit = _CACHE.get(key)
    if hit is None:
        _CACHE.clear()  # one snapshot at a time; the entry keeps its acts (and so its id)
        hit = _CACHE[key] = (snap.acts, gradient_maps(snap.model, snap.acts, snap.layout,
                                                      snap.range_mode, c))
    return hit[1]
