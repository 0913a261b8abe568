"""ReLU and max-pool views: one channel's input map -> the operation -> the output map, the
position under the pointer / keyboard cursor (or the animation), numbers from the core's
``explain_relu`` and ``explain_max_pool`` records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn.explain import MaxPoolExplanation, ReluExplanation, explain_max_pool, explain_relu

from .geometry import Rect, cell_at, cell_rect, raster, raster_index
from .maps import Cell, Palette
from .numbers import fmt

DIGITS = 3

# The ReLU graph's coordinate system (SVG user units): x in [-limit, limit] maps onto
# [GRAPH_PAD, GRAPH_W - GRAPH_PAD], y in [0, limit] onto [GRAPH_H - GRAPH_PAD, GRAPH_PAD].
GRAPH_W, GRAPH_H, GRAPH_PAD = 200.0, 120.0, 10.0


class _MapView:
    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str) -> None:
        self.model, self.acts, self.layer, self.channel, self.mode = (model, acts, layer,
                                                                      channel, mode)
        self.input_layer = model.input_of(layer)
        self.h, self.w = model.shapes[layer][:2]
        self.in_h, self.in_w = model.shapes[self.input_layer][:2]
        self.count = self.h * self.w
        self.palette = Palette(model, acts, mode)
        self.input_rgba = self.palette.channel_rgba(self.input_layer, channel)
        self.output_rgba = self.palette.channel_rgba(layer, channel)

    def position(self, index: int) -> tuple[int, int]:
        return raster(index, self.w)

    def index_of(self, row: int, col: int) -> int:
        return raster_index(row, col, self.h, self.w)

    def move(self, index: int, d_row: int, d_col: int) -> int:
        r, c = raster(index, self.w)
        return raster_index(r + d_row, c + d_col, self.h, self.w)

    def index_at_output(self, x: float, y: float, width: float, height: float) -> int:
        return self.index_of(*cell_at(x, y, width, height, self.h, self.w))


@dataclass(frozen=True)
class ReluFrame:
    index: int
    row: int
    col: int
    cell: Rect  # same on the input and the output map
    input: Cell
    output: Cell
    point: tuple[str, str]  # (cx, cy) on the graph
    a11y: str


class ReluView(_MapView):
    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str = "unit") -> None:
        super().__init__(model, acts, layer, channel, mode)
        self.title = f"ReLU activation: {layer}, neuron {channel + 1}"
        self.limit = self.palette.limit(self.input_layer)
        self.graph_size = (GRAPH_W, GRAPH_H)
        zero = self._xy(0.0)
        self.graph_path = (f"M {GRAPH_PAD} {zero[1]:.2f} L {zero[0]:.2f} {zero[1]:.2f} "
                           f"L {GRAPH_W - GRAPH_PAD} {GRAPH_PAD}")
        self.axis_x = (GRAPH_PAD, zero[1], GRAPH_W - GRAPH_PAD)
        self.axis_y = (zero[0], GRAPH_PAD, GRAPH_H - GRAPH_PAD)
        self.graph_labels = (fmt(-self.limit, 2), fmt(self.limit, 2))

    def _xy(self, x: float) -> tuple[float, float]:
        """Graph coordinates of the point ``(x, max(0, x))`` (clipped to the drawn range)."""
        lim = self.limit
        xc = min(max(x, -lim), lim)
        gx = GRAPH_PAD + (xc + lim) / (2 * lim) * (GRAPH_W - 2 * GRAPH_PAD)
        gy = GRAPH_H - GRAPH_PAD - max(xc, 0.0) / lim * (GRAPH_H - 2 * GRAPH_PAD)
        return gx, gy

    def record(self, index: int) -> ReluExplanation:
        r, c = raster(index, self.w)
        return explain_relu(self.model, self.acts, self.layer, (r, c, self.channel))

    def index_at_input(self, x: float, y: float, width: float, height: float) -> int:
        return self.index_at_output(x, y, width, height)

    def frame(self, index: int) -> ReluFrame:
        rec = self.record(index)
        r, c = rec.position[0], rec.position[1]
        gx, gy = self._xy(rec.input)
        a11y = (f"{self.layer} neuron {self.channel + 1}: row {r}, column {c}; input "
                f"{fmt(rec.input, DIGITS)}; max(0, {fmt(rec.input, DIGITS)}) = output "
                f"{fmt(rec.output, DIGITS)}")
        return ReluFrame(index, r, c, cell_rect(r, c, 1, 1, self.h, self.w),
                         self.palette.value_cell(self.input_layer, rec.input, DIGITS),
                         self.palette.value_cell(self.layer, rec.output, DIGITS),
                         (f"{gx:.2f}", f"{gy:.2f}"), a11y)


@dataclass(frozen=True)
class PoolFrame:
    index: int
    row: int
    col: int
    window: Rect  # on the input map
    cell: Rect  # on the output map
    values: list[list[Cell]]
    is_max: list[list[bool]]
    output: Cell
    argmax_row: int
    argmax_col: int
    a11y: str


class PoolView(_MapView):
    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str = "unit") -> None:
        super().__init__(model, acts, layer, channel, mode)
        c = model.layer(layer).config
        self.pool_size, self.strides = tuple(c["pool_size"]), tuple(c["strides"])
        self.title = f"Max pooling: {layer}, neuron {channel + 1}"

    def record(self, index: int) -> MaxPoolExplanation:
        r, c = raster(index, self.w)
        return explain_max_pool(self.model, self.acts, self.layer, self.channel, r, c)

    def index_at_input(self, x: float, y: float, width: float, height: float) -> int:
        r, c = cell_at(x, y, width, height, self.in_h, self.in_w)
        return self.index_of(r // self.strides[0], c // self.strides[1])

    def frame(self, index: int) -> PoolFrame:
        rec = self.record(index)
        ph, pw = rec.window.shape
        rows, cols = rec.window_rows, rec.window_cols
        window = cell_rect(int(rows[0]), int(cols[0]), ph, pw, self.in_h, self.in_w)
        values = self.palette.value_cells(self.input_layer, rec.window, DIGITS)
        is_max = [[(u, v) == rec.argmax for v in range(pw)] for u in range(ph)]
        out = self.palette.value_cell(self.layer, rec.value, DIGITS)
        listed = ", ".join(c.text for row in values for c in row)
        a11y = (f"{self.layer} neuron {self.channel + 1}: window {ph} by {pw} at row "
                f"{int(rows[0])}, column {int(cols[0])} of {self.input_layer}; values {listed}; "
                f"maximum {out.text} from row {rec.argmax_row}, column {rec.argmax_col}; "
                f"output row {rec.row}, column {rec.col} = {out.text}")
        return PoolFrame(index, rec.row, rec.col, window,
                         cell_rect(rec.row, rec.col, 1, 1, self.h, self.w), values, is_max,
                         out, rec.argmax_row, rec.argmax_col, a11y)
