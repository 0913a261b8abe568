"""Activation and pooling views: one channel's input map -> the operation -> the output map,
the position under the pointer / keyboard cursor (or the animation), numbers from the core's
records (``explain_activation``, ``explain_pool``).  The layer's kind decides the rest: an
activation's formula and curve (:class:`pyapp.cnn.kinds.ActivationKind`), a pool's windows and
whether it keeps the maximum or the mean (:class:`pyapp.cnn.kinds.PoolKind`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn.explain import (
    ActivationExplanation,
    AvgPoolExplanation,
    MaxPoolExplanation,
    explain_activation,
    explain_pool,
)
from pyapp.i18n import N_, tr
from pyapp.render.ranges import map_limit

from .conv import RANGE_WORDS
from .geometry import Rect, cell_at, cell_rect, raster, raster_index
from .maps import Cell, Palette, activation_cell, diverging_rgba, input_cell
from .numbers import fmt

DIGITS = 3

# The activation graph's coordinate system (SVG user units): x in [-limit, limit] maps onto
# [GRAPH_PAD, GRAPH_W - GRAPH_PAD], y in [y_lo, y_hi] onto [GRAPH_H - GRAPH_PAD, GRAPH_PAD].
GRAPH_W, GRAPH_H, GRAPH_PAD = 200.0, 120.0, 10.0
GRAPH_POINTS = 97  # samples of the curve (x = 0 is one of them)
MAX_WINDOW_CELLS = 49  # a larger pooling window (global pooling) is not listed cell by cell


# The pools' titles in a view's heading (their kind's title less " layer").
POOL_TITLES = {"max-pooling layer": N_("max-pooling"),
               "average-pooling layer": N_("average-pooling"),
               "global average-pooling layer": N_("global average-pooling")}


def _capital(text: str) -> str:
    """A heading's first letter in capitals ("ReLU activation", "Max-pooling")."""
    return text[:1].upper() + text[1:]


def _channel(values: np.ndarray, channel: int) -> np.ndarray:
    """One channel of an ``(H, W, C)`` activation as a map (``(C,)``: a 1x1 map)."""
    a = np.asarray(values)
    if a.ndim == 1:
        a = a.reshape(1, 1, -1)
    return a[:, :, channel]


class _MapView:
    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str, maps: str = "map") -> None:
        self.model, self.acts, self.layer, self.channel, self.mode = (model, acts, layer,
                                                                      channel, mode)
        self.maps = maps
        self.input_layer = model.input_of(layer)
        self.spec = model.layer(layer)
        self.kind: Any = self.spec.kind
        self.h, self.w = self.kind.map_shape(model.shapes[layer])[:2]
        self.in_h, self.in_w = model.shapes[self.input_layer][:2]
        self.count = self.h * self.w
        self.palette = Palette(model, acts, mode)
        # each map on the range ``maps`` chooses (render.ranges.MAP_RANGES): its own, or its
        # layer's in the network; the image keeps its greys on [0, 1]
        self.in_values = _channel(acts[self.input_layer], channel)
        self.out_values = _channel(acts[layer], channel)
        self.in_limit = (1.0 if self.input_layer == "input" else
                         map_limit(self.in_values, self.palette.limit(self.input_layer), maps))
        self.out_limit = map_limit(self.out_values, self.palette.limit(layer), maps)
        self.input_rgba = (self.palette.channel_rgba(self.input_layer, channel)
                           if self.input_layer == "input"
                           else diverging_rgba(self.in_values, self.in_limit))
        self.output_rgba = diverging_rgba(self.out_values, self.out_limit)
        word = tr(RANGE_WORDS[maps][1])
        self.input_range = ("" if self.input_layer == "input"
                            else f"{word} \u00b1{fmt(self.in_limit, 2)}")
        self.output_range = f"{word} \u00b1{fmt(self.out_limit, 2)}"

    def in_cell(self, value: float, digits: int) -> Cell:
        """A value of the input map, coloured as its map is drawn."""
        if self.input_layer == "input":
            return input_cell(value, digits)
        return activation_cell(value, self.in_limit, digits)

    def out_cell(self, value: float, digits: int) -> Cell:
        return activation_cell(value, self.out_limit, digits)

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
class ActivationFrame:
    index: int
    row: int
    col: int
    cell: Rect  # same on the input and the output map
    input: Cell
    output: Cell
    point: tuple[str, str]  # (cx, cy) on the graph
    equation: str  # "max(0, 1.234)"
    a11y: str


class ActivationView(_MapView):
    """Any activation kind: ``y = f(x)`` at each position, and ``f``'s curve over the input's
    colour range with the current ``(x, y)`` on it."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str = "unit", maps: str = "map") -> None:
        super().__init__(model, acts, layer, channel, mode, maps)
        self.title = tr("{kind}: {layer}, neuron {n}", kind=_capital(tr(self.kind.title)),
                        layer=layer, n=channel + 1)
        self.formula = self.kind.formula(self.spec.config)
        self.limit = self.in_limit
        self.graph_size = (GRAPH_W, GRAPH_H)
        xs = np.union1d(np.linspace(-self.limit, self.limit, GRAPH_POINTS), [0.0])
        ys = self.kind.graph(self.spec.config, xs)
        lo, hi = float(min(ys.min(), 0.0)), float(max(ys.max(), 0.0))
        self.y_range = (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)
        pts = [self._xy(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
        self.graph_path = "M " + " L ".join(f"{gx:.2f} {gy:.2f}" for gx, gy in pts)
        zero = self._xy(0.0, 0.0)
        self.axis_x = (GRAPH_PAD, zero[1], GRAPH_W - GRAPH_PAD)
        self.axis_y = (zero[0], GRAPH_PAD, GRAPH_H - GRAPH_PAD)
        self.graph_labels = (fmt(-self.limit, 2), fmt(self.limit, 2))

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        """Graph coordinates of the point ``(x, y)`` (clipped to the drawn range)."""
        lim, (lo, hi) = self.limit, self.y_range
        xc = min(max(x, -lim), lim)
        yc = min(max(y, lo), hi)
        gx = GRAPH_PAD + (xc + lim) / (2 * lim) * (GRAPH_W - 2 * GRAPH_PAD)
        gy = GRAPH_H - GRAPH_PAD - (yc - lo) / (hi - lo) * (GRAPH_H - 2 * GRAPH_PAD)
        return gx, gy

    def record(self, index: int) -> ActivationExplanation:
        r, c = raster(index, self.w)
        return explain_activation(self.model, self.acts, self.layer, (r, c, self.channel))

    def index_at_input(self, x: float, y: float, width: float, height: float) -> int:
        return self.index_at_output(x, y, width, height)

    def frame(self, index: int) -> ActivationFrame:
        rec = self.record(index)
        r, c = rec.position[0], rec.position[1]
        gx, gy = self._xy(rec.input, rec.output)
        x_text = fmt(rec.input, DIGITS)
        equation = self.kind.formula(self.spec.config, x_text)
        a11y = tr("{layer} neuron {n}: row {row}, column {col}; input {x}; {equation} = "
                  "output {y}", layer=self.layer, n=self.channel + 1, row=r + 1, col=c + 1,
                  x=x_text, equation=equation, y=fmt(rec.output, DIGITS))
        return ActivationFrame(index, r, c, cell_rect(r, c, 1, 1, self.h, self.w),
                               self.in_cell(rec.input, DIGITS),
                               self.out_cell(rec.output, DIGITS),
                               (f"{gx:.2f}", f"{gy:.2f}"), equation, a11y)


#: The ReLU's view is the activation view (kept under its first name).
ReluView = ActivationView
ReluFrame = ActivationFrame


@dataclass(frozen=True)
class PoolFrame:
    index: int
    row: int
    col: int
    window: Rect  # on the input map
    cell: Rect  # on the output map
    values: list[list[Cell]]
    is_max: list[list[bool]]  # the outlined cells: the maximum, or every cell averaged
    output: Cell
    argmax_row: int  # max: where the maximum is; mean: the window's top-left cell
    argmax_col: int
    caption: str
    a11y: str


class PoolView(_MapView):
    """Any pooling kind: the window over the input, its values and the one number kept (the
    maximum, outlined, or the mean of the real cells, all outlined)."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, channel: int,
                 mode: str = "unit", maps: str = "map") -> None:
        super().__init__(model, acts, layer, channel, mode, maps)
        k, s, _ = self.kind.window(self.spec.config, model.shapes[self.input_layer])
        self.pool_size, self.strides = tuple(k), tuple(s)
        self.show_cells = k[0] * k[1] <= MAX_WINDOW_CELLS
        self.reduce = self.kind.reduce
        self.op = "max" if self.reduce == "max" else "avg"
        # the pool's title without " layer" (its own catalogue key, so no suffix to strip)
        marked = POOL_TITLES.get(self.kind.title)
        title = tr(marked) if marked else self.kind.title.removesuffix(" layer")
        self.title = tr("{kind}: {layer}, neuron {n}", kind=_capital(title), layer=layer,
                        n=channel + 1)

    def record(self, index: int) -> MaxPoolExplanation | AvgPoolExplanation:
        r, c = raster(index, self.w)
        return explain_pool(self.model, self.acts, self.layer, self.channel, r, c)

    def index_at_input(self, x: float, y: float, width: float, height: float) -> int:
        r, c = cell_at(x, y, width, height, self.in_h, self.in_w)
        return self.index_of(r // self.strides[0], c // self.strides[1])

    def frame(self, index: int) -> PoolFrame:
        rec = self.record(index)
        ph, pw = rec.window.shape
        rows, cols = rec.window_rows, rec.window_cols
        window = cell_rect(int(rows[0]), int(cols[0]), ph, pw, self.in_h, self.in_w)
        values = [[self.in_cell(float(v), DIGITS) for v in row] for row in rec.window]
        out = self.out_cell(rec.value, DIGITS)
        listed = (", ".join(c.text for row in values for c in row) if self.show_cells
                  else tr("all {n} cells of the map", n=ph * pw))
        where = tr("{layer} neuron {n}: window {ph} by {pw} at row {row}, column {col} of "
                   "{src}; values {values}", layer=self.layer, n=self.channel + 1, ph=ph, pw=pw,
                   row=int(rows[0]) + 1, col=int(cols[0]) + 1, src=self.input_layer,
                   values=listed)
        if isinstance(rec, MaxPoolExplanation):
            marked = [[(u, v) == rec.argmax for v in range(pw)] for u in range(ph)]
            src = (rec.argmax_row, rec.argmax_col)
            a11y = tr("{where}; maximum {y} from row {sr}, column {sc}; output row {row}, "
                      "column {col} = {y}", where=where, y=out.text, sr=src[0] + 1,
                      sc=src[1] + 1, row=rec.row + 1, col=rec.col + 1)
            caption = tr("Output row {row}, column {col}: the largest of the window's {n} "
                         "values is {y} (outlined, from row {sr}, column {sc}).",
                         row=rec.row + 1, col=rec.col + 1, n=ph * pw, y=out.text,
                         sr=src[0] + 1, sc=src[1] + 1)
        else:
            marked = rec.inside.tolist()
            src = (int(rows[0]), int(cols[0]))
            a11y = tr("{where}; mean {y} of {n} cells (sum {total}); output row {row}, column "
                      "{col} = {y}", where=where, y=out.text, n=rec.count,
                      total=fmt(rec.total, DIGITS), row=rec.row + 1, col=rec.col + 1)
            caption = tr("Output row {row}, column {col}: the mean of the window's {n} values "
                         "(outlined) is {total} / {n} = {y}.", row=rec.row + 1,
                         col=rec.col + 1, n=rec.count, total=fmt(rec.total, DIGITS),
                         y=out.text)
        return PoolFrame(index, rec.row, rec.col, window,
                         cell_rect(rec.row, rec.col, 1, 1, self.h, self.w), values, marked,
                         out, src[0], src[1], caption, a11y)
