"""Heat-map pictures and cell colours for the detail views, from the overview's colour maps
(``pyapp.render``): the same colours as the overview's thumbnails, range mode included."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn.stats import colour_limit
from pyapp.render.colormaps import INPUT, SIGNED, text_color_on
from pyapp.render.maps import layer_rgba
from pyapp.render.ranges import layer_limits

from .numbers import fmt


@dataclass(frozen=True)
class Cell:
    """One number drawn in a coloured box."""

    text: str
    bg: str
    fg: str


def layer_types(model: Any) -> list[tuple[str, str]]:
    return [(layer.name, layer.type) for layer in model.layers]


def diverging_rgba(values: np.ndarray, limit: float) -> np.ndarray:
    """``values.shape + (4,)`` with the activation map on ``[-limit, limit]``."""
    return SIGNED.rgba_symmetric(np.asarray(values, dtype=np.float32), limit)


abs_max = colour_limit  # the older name


def weight_cell(value: float, limit: float, digits: int = 2) -> Cell:
    bg = SIGNED.color_of(float(value), -limit, limit)
    return Cell(fmt(value, digits), bg, text_color_on(bg))


def activation_cell(value: float, limit: float, digits: int = 2) -> Cell:
    if not np.isfinite(value):
        return Cell(fmt(value, digits), "#dddddd", "#000000")
    bg = SIGNED.color_of(float(value), -limit, limit)
    return Cell(fmt(value, digits), bg, text_color_on(bg))


def input_cell(value: float, digits: int = 2) -> Cell:
    """A cell of the input image (greys on [0, 1])."""
    g = int(round(255 * min(max(float(value), 0.0), 1.0)))
    bg = f"#{g:02x}{g:02x}{g:02x}"
    return Cell(fmt(value, digits), bg, text_color_on(bg))


class Palette:
    """The colour limits of one forward pass under one range mode, computed once."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], mode: str) -> None:
        self.model, self.acts, self.mode = model, acts, mode
        self.limits = layer_limits(acts, layer_types(model), mode)

    def limit(self, name: str) -> float:
        return 1.0 if name == "input" else self.limits.get(name, 1.0)

    def channel_rgba(self, name: str, channel: int) -> np.ndarray:
        """``(H, W, 4)`` uint8 picture of one channel of activation ``name``."""
        kind = "input" if name == "input" else self.model.layer(name).type
        a = np.asarray(self.acts[name])
        if a.ndim == 1:  # one value per map (global pooling): a 1x1 map
            a = a.reshape(1, 1, -1)
        a = a[:, :, channel:channel + 1]
        return layer_rgba(a, kind, self.limit(name))[0]

    def value_cells(self, name: str, values: np.ndarray, digits: int = 2) -> list[list[Cell]]:
        """A 2-D block of cells coloured in one vectorised step."""
        v = np.asarray(values, dtype=np.float32)
        if name == "input":
            rgba = INPUT.rgba(v, 0.0, 1.0)
        else:
            lim = self.limit(name)
            rgba = SIGNED.rgba(np.nan_to_num(v, neginf=-lim), -lim, lim)
        out = []
        for r in range(v.shape[0]):
            row = []
            for c in range(v.shape[1]):
                red, green, blue = (int(x) for x in rgba[r, c, :3])
                bg = f"#{red:02x}{green:02x}{blue:02x}"
                row.append(Cell(fmt(float(v[r, c]), digits), bg, text_color_on(bg)))
            out.append(row)
        return out

    def value_cell(self, name: str, value: float, digits: int = 2) -> Cell:
        """A cell coloured as activation ``name``'s heat map colours it."""
        if name == "input":
            return input_cell(value, digits)
        return activation_cell(value, self.limit(name), digits)
