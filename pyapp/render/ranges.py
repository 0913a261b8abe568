"""Colour ranges for the hidden layers' feature maps: per unit, per module, global.

- ``unit``: each layer is coloured on its own symmetric range ``[-m, m]``, ``m = max |a|``
  over that layer's maps (the reference app's "Unit" scale).
- ``module``: the layers of one module share the largest of their ranges.  A module starts at
  each layer whose kind ``starts_module`` (conv) and takes the layers that follow it
  (TinyVGG: conv+relu, conv+relu+pool, conv+relu, conv+relu+pool), as the reference app
  groups its legends.
- ``global``: every hidden layer shares one range.

The input is always ``[0, 1]`` (greys) and the output's probabilities ``[0, 1]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pyapp.cnn.kinds import draws_maps, starts_module
from pyapp.cnn.stats import abs_max, colour_limit

RANGE_MODES = ("unit", "module", "global")


@dataclass(frozen=True)
class LegendSpec:
    """One legend: the layers it covers and the symmetric limit it shows."""

    layers: tuple[str, ...]
    limit: float


def hidden_layers(layer_types: Sequence[tuple[str, str]]) -> list[str]:
    """Names of the layers drawn as feature maps (conv, activations, pooling), in order."""
    return [name for name, kind in layer_types if draws_maps(kind)]


def modules(layer_types: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Group the feature-map layers into modules: a new module starts at every conv."""
    groups: list[list[str]] = []
    for name, kind in layer_types:
        if not draws_maps(kind):
            continue
        if starts_module(kind) or not groups:
            groups.append([name])
        else:
            groups[-1].append(name)
    return groups


def layer_limits(
    acts: Mapping[str, np.ndarray],
    layer_types: Sequence[tuple[str, str]],
    mode: str,
) -> dict[str, float]:
    """Symmetric colour limit for every feature-map layer under ``mode``."""
    if mode not in RANGE_MODES:
        raise ValueError(f"unknown range mode {mode!r}; choose one of {RANGE_MODES}")
    own = {name: abs_max(acts[name]) for name in hidden_layers(layer_types)}
    if mode == "unit":
        return own
    if mode == "module":
        out: dict[str, float] = {}
        for group in modules(layer_types):
            m = max(own[n] for n in group)
            out.update({n: m for n in group})
        return out
    g = max(own.values(), default=0.0)
    return {n: g for n in own}


def legends(
    acts: Mapping[str, np.ndarray],
    layer_types: Sequence[tuple[str, str]],
    mode: str,
) -> list[LegendSpec]:
    """The legends to draw: one per layer (unit), per module, or one for all (global)."""
    limits = layer_limits(acts, layer_types, mode)
    if mode == "unit":
        groups = [[n] for n in hidden_layers(layer_types)]
    elif mode == "module":
        groups = modules(layer_types)
    else:
        groups = [hidden_layers(layer_types)]
    return [LegendSpec(tuple(g), limits[g[0]]) for g in groups if g]


# --- the detail views' maps: each map on its own range, or the whole layer's ---------------
#: ``map``: a map is coloured on ``[-m, m]`` with ``m = max |a|`` over that map alone (a map
#: of small values still shows its structure); ``layer``: on the range the overview gives its
#: layer (under the range mode above), so maps of one layer can be compared by colour.
MAP_RANGES = ("map", "layer")


def map_limit(values: np.ndarray, layer_limit: float, mode: str) -> float:
    """The symmetric colour limit of one detail-view map under ``mode`` (``MAP_RANGES``):
    ``max |values|`` for ``map`` (``colour_limit``: 1.0 for an all-zero map), ``layer_limit``
    for ``layer``."""
    if mode not in MAP_RANGES:
        raise ValueError(f"unknown map range {mode!r}; choose one of {MAP_RANGES}")
    return colour_limit(values) if mode == "map" else float(layer_limit)
