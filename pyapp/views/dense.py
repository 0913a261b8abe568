"""Flatten and softmax views: the last pooling layer unrolled into the flat vector, every
element times its weight into the chosen class, the sum and bias giving the logit
(``explain_flatten`` + ``explain_dense``); then the softmax of all logits
(``explain_softmax``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.cnn import ops
from pyapp.cnn.explain import explain_dense, explain_flatten, explain_softmax
from pyapp.cnn.stats import colour_limit
from pyapp.i18n import class_label, tr
from pyapp.render.colormaps import SIGNED, signed_colour, text_color_on

from .geometry import Rect, cell_at, cell_rect
from .maps import Cell, Palette, diverging_rgba, weight_cell
from .numbers import fmt

DIGITS = 3
# The highlighted edge's SVG: strip elements on the left edge (x = 0), the class node at
# (EDGE_W, FlattenView.class_y())
EDGE_W, EDGE_H = 100.0, 1000.0
# The edges' bitmap: the chosen class's edges from alpha 60 (weight 0) to 230 (the largest
# |weight|); into the other classes every 13th element's edge, faint grey.
EDGE_ALPHA = (60, 230)
OTHER_STEP, OTHER_ALPHA = 13, 45


@dataclass(frozen=True)
class FlattenFrame:
    index: int
    row: int
    col: int
    channel: int
    map_cell: Rect  # on max_pool_2's channel ``channel``
    strip_cell: Rect  # on the strip (rows = positions, columns = channels)
    edge_y: str  # the highlighted edge's start (SVG units)
    edge_path: str  # the highlighted edge (SVG path, EDGE_W x EDGE_H units)
    input: Cell
    weight: Cell
    product: str
    a11y: str


class FlattenView:
    """Class ``unit`` of the last dense layer, fed by a flatten of an (H, W, C) map."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, unit: int,
                 mode: str = "unit") -> None:
        self.model, self.acts, self.layer, self.unit, self.mode = model, acts, layer, unit, mode
        self.flatten_layer = model.input_of(layer)
        self.source = model.input_of(self.flatten_layer)
        self.h, self.w, self.c = model.shapes[self.source]
        self.count = self.h * self.w * self.c
        self.dense = explain_dense(model, acts, layer, unit)
        self.class_name = (class_label(self.dense.class_name) if self.dense.class_name
                           else tr("unit {n}", n=unit + 1))
        self.title = tr("Flatten and output: class \u201c{name}\u201d", name=self.class_name)
        self.palette = Palette(model, acts, mode)
        self.maps_rgba = [self.palette.channel_rgba(self.source, ch) for ch in range(self.c)]
        self.limit = self.palette.limit(self.source)
        # the strip: the flat vector, drawn row by row, ``c`` elements (one per channel) a row
        self.strip_rgba = diverging_rgba(
            np.asarray(acts[self.flatten_layer]).reshape(self.h * self.w, self.c), self.limit)
        self.weight_limit = colour_limit(self.dense.weights)
        # the logit is the true value with DIGITS decimals; the sum of products and the bias,
        # with DIGITS too, add up to it by hand (pyapp.numbers.sum_terms)
        (self.total, self.bias), self.result = numbers.sum_terms(
            [self.dense.total, self.dense.bias], self.dense.result, DIGITS)
        self.value = fmt(self.dense.value, DIGITS)
        # the output column beside the edges: every class, this one where the edges meet
        logits = np.asarray(acts[layer], dtype=np.float64).reshape(-1)
        names = list(model.class_names)
        self.classes = [(class_label(names[k]) if k < len(names) else tr("unit {n}", n=k + 1),
                         fmt(logits[k], DIGITS)) for k in range(logits.size)]
        self.class_count = len(self.classes)

    def edges_rgba(self, width: int = 160, height: int = 560) -> np.ndarray:
        """The edges as a bitmap ``(height, width, 4)``, read as the reference's flatten
        view: a faint grey bundle from every ``OTHER_STEP``-th element into each other class,
        then one curve from each element (at its strip height, left edge) into the chosen
        class, coloured by its weight, more opaque the stronger it is; the strongest weights
        are drawn last (on top).  Each curve is the cubic Bezier of :meth:`edge_path`:
        ``x(t) = W (1.5 t (1 - t) + t^3)``, ``y(t) = y0 + (y1 - y0) (3 t^2 - 2 t^3)``, so the
        edges leave the strip level and bend into the class together."""
        n = self.count
        lim = self.weight_limit
        w = np.asarray(self.dense.weights, dtype=np.float32)
        img = np.zeros((height, width, 4), dtype=np.uint8)
        flat = img.view(np.uint32).reshape(height, width)  # one write a pixel
        t = (np.arange(width * 4) + 0.5) / (width * 4)  # four samples a pixel column
        cols = np.minimum((width * (1.5 * t * (1 - t) + t ** 3)).astype(np.intp), width - 1)
        ease = 3 * t ** 2 - 2 * t ** 3

        def draw(y0: np.ndarray, y1: float, packed: np.ndarray) -> None:
            ys = y0[:, None] + (y1 - y0[:, None]) * ease[None, :]
            rows = np.clip(ys.astype(np.intp), 0, height - 1)
            flat[rows, cols[None, :]] = packed[:, None]

        grey = np.array([[150, 150, 150, OTHER_ALPHA]], dtype=np.uint8).view(np.uint32)[0]
        starts = (np.arange(0, n, OTHER_STEP) + 0.5) / n * height
        for k in range(self.class_count):
            if k != self.unit:
                draw(starts, (k + 0.5) / self.class_count * height,
                     np.full(starts.size, grey[0], dtype=np.uint32))
        colours = SIGNED.rgba(w, -lim, lim)
        strength = np.abs(w) / lim if lim > 0 else np.zeros_like(w)
        colours[:, 3] = (EDGE_ALPHA[0] + (EDGE_ALPHA[1] - EDGE_ALPHA[0]) * strength).astype(
            np.uint8)
        order = np.argsort(np.abs(w), kind="stable")
        packed = np.ascontiguousarray(colours[order]).view(np.uint32).reshape(-1)
        draw((order + 0.5) / n * height, self.class_y(height), packed)
        return img

    def edge_path(self, index: int) -> str:
        """The SVG path (``EDGE_W`` x ``EDGE_H`` units) of element ``index``'s edge into the
        class: the same cubic Bezier as the bitmap's curves."""
        y0, y1, mid = self.edge_y(index), self.class_y(), EDGE_W / 2
        return f"M0 {y0:.1f} C{mid:g} {y0:.1f} {mid:g} {y1:.1f} {EDGE_W:g} {y1:.1f}"

    def class_y(self, height: float = EDGE_H) -> float:
        """Height of this class in the output column (class ``k`` of ``n`` at
        ``(k + 1/2) / n`` of the column): where every edge ends."""
        return (self.unit + 0.5) / self.class_count * height

    def edge_y(self, index: int) -> float:
        return (index + 0.5) / self.count * EDGE_H

    def position(self, index: int) -> tuple[int, int, int]:
        rec = explain_flatten(self.model, self.acts, self.flatten_layer, index)
        return rec.row, rec.col, rec.channel

    def index_at_strip(self, x: float, y: float, width: float, height: float) -> int:
        r, c = cell_at(x, y, width, height, self.h * self.w, self.c)
        return r * self.c + c

    def index_at_map(self, channel: int, x: float, y: float, width: float,
                     height: float) -> int:
        r, c = cell_at(x, y, width, height, self.h, self.w)
        return ops.flat_index(r, c, channel, (self.h, self.w, self.c))

    def move(self, index: int, d_row: int, d_col: int) -> int:
        """Arrow keys on the strip: left / right one element, up / down one strip row."""
        i = index + d_col + d_row * self.c
        return min(max(i, 0), self.count - 1)

    def frame(self, index: int) -> FlattenFrame:
        rec = explain_flatten(self.model, self.acts, self.flatten_layer, index)
        w = float(self.dense.weights[index])
        x = float(self.dense.inputs[index])
        inp = self.palette.value_cell(self.source, rec.input, DIGITS)
        wcell = weight_cell(w, self.weight_limit, DIGITS)
        product = fmt(self.dense.products[index], DIGITS)
        a11y = tr("element {i} of {n} = {src} row {row}, column {col}, channel {ch}: value "
                  "{x}; weight {w}; product {p}; sum of all products {total}; bias {bias}; "
                  "logit of {name} {result}", i=index + 1, n=self.count, src=self.source,
                  row=rec.row + 1, col=rec.col + 1, ch=rec.channel + 1, x=fmt(x, DIGITS),
                  w=wcell.text, p=product, total=self.total, bias=self.bias,
                  name=self.class_name, result=self.result)
        srow = index // self.c
        return FlattenFrame(index, rec.row, rec.col, rec.channel,
                            cell_rect(rec.row, rec.col, 1, 1, self.h, self.w),
                            cell_rect(srow, rec.channel, 1, 1, self.h * self.w, self.c),
                            f"{self.edge_y(index):.1f}", self.edge_path(index), inp, wcell,
                            product, a11y)


@dataclass(frozen=True)
class SoftmaxTerm:
    index: int
    name: str
    logit: str
    exp: str
    prob: str
    color: str  # the logit's colour
    fg: str


@dataclass(frozen=True)
class SoftmaxFrame:
    index: int
    name: str
    numerator: str
    logit: str
    exp: str
    total: str
    prob: str
    a11y: str


class SoftmaxView:
    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str, unit: int,
                 mode: str = "unit") -> None:
        self.model, self.acts, self.layer = model, acts, layer
        self.rec = explain_softmax(model, acts)
        self.count = len(self.rec.class_names)
        self.start = unit
        lim = colour_limit(self.rec.logits)
        self.shift = fmt(self.rec.shift, DIGITS) if self.rec.shift else ""
        # the exponentials add up, by hand, to their printed sum (pyapp.numbers)
        exps, self.total = numbers.sum_terms(self.rec.exponentials.tolist(), self.rec.total,
                                             DIGITS, form=numbers.sci)
        self.terms = []
        for i, name in enumerate(self.rec.class_names):
            bg = signed_colour(float(self.rec.logits[i]), lim)
            self.terms.append(SoftmaxTerm(i, class_label(name), fmt(self.rec.logits[i], DIGITS),
                                          exps[i],
                                          fmt(self.rec.probabilities[i], 4), bg,
                                          text_color_on(bg)))
        self.title = tr("Softmax: from logits to probabilities")
        # the tinkering temperature T (1: none): the forward pass divides the logits by it
        self.temperature = float(self.rec.temperature)
        self.t_text = fmt(self.temperature, 2) if self.temperature != 1.0 else ""
        self.formula = ("p = exp(z / T) / \u03a3 exp(z / T)" if self.t_text
                        else "p = exp(z) / \u03a3 exp(z)")
        flatter = tr("Temperature T = {t} (set under \u201cTinker with the network\u201d): "
                     "every logit is divided by T before exp, so the probabilities are "
                     "flatter than at T = 1.", t=self.t_text)
        sharper = tr("Temperature T = {t} (set under \u201cTinker with the network\u201d): "
                     "every logit is divided by T before exp, so the probabilities are "
                     "sharper than at T = 1.", t=self.t_text)
        self.t_note = ((flatter if self.temperature > 1 else sharper) if self.t_text else "")

    def exp_text(self, term: SoftmaxTerm) -> str:
        arg = f"{term.logit} / {self.t_text}" if self.t_text else term.logit
        return f"exp({arg} \u2212 {self.shift})" if self.shift else f"exp({arg})"

    def move(self, index: int, d_row: int, d_col: int) -> int:
        return min(max(index + d_row + d_col, 0), self.count - 1)

    def frame(self, index: int) -> SoftmaxFrame:
        t = self.terms[index]
        a11y = tr("class {name}: {e} = {exp}; sum of all {n} exponentials {total}; "
                  "probability {exp} / {total} = {p}", name=t.name, e=self.exp_text(t),
                  exp=t.exp, n=self.count, total=self.total, p=t.prob)
        return SoftmaxFrame(index, escape(t.name), self.exp_text(t), t.logit, t.exp,
                            self.total, t.prob, a11y)
