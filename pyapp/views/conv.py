"""Convolution views: the elastic view (one output channel, all input channels) and the
formula view (one input channel's window times its kernel, then all channels plus the bias).

Every number comes from ``explain_conv`` (the window, kernel, products, partial sums, sum,
bias, result) and ``intermediate_maps`` (each channel's map without bias) of the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.cnn import ops
from pyapp.cnn.explain import ConvExplanation, explain_conv, intermediate_maps
from pyapp.cnn.stats import colour_limit
from pyapp.i18n import N_, tr
from pyapp.render.ranges import map_limit

from .geometry import Rect, cell_at, cell_rect, raster, raster_index, reveal_covers
from .maps import Cell, Palette, diverging_rgba, weight_cell
from .numbers import fmt, pct, sum_expr

SUM_DIGITS = 3

ELASTIC_CAPTIONS = (
    N_("Each input channel gets its own 3\u00d73 kernel (the weights beside it)."),
    N_("The kernel slides over its channel; at each position the nine products "
       "window \u00d7 weight add up to one value of the channel's intermediate map."),
    N_("The intermediate values of all channels are added, then the bias: "
       "that is the output map's value at this position."),
)
#: What the colours of the intermediate and output maps mean, per map range
#: (``render.ranges.MAP_RANGES``): each map its own (a map of small values still shows its
#: structure), or shared (maps compared by colour).
MAP_RANGE_NOTES = {
    "map": N_("Colours: each intermediate and output map on its own range "
              "(−x white +x, x its largest |value|, printed under it)."),
    "layer": N_("Colours: the intermediate maps share one range, the output map has its "
                "layer's range in the network (−x white +x, x printed under each map)."),
}
MAP_RANGE_NOTE = MAP_RANGE_NOTES["map"]
#: The word before "±x" under an (intermediate, output) map: which range it is.
RANGE_WORDS = {"map": (N_("this map"), N_("this map")),
               "layer": (N_("shared"), N_("layer"))}
RGB = ("R", "G", "B")


def channel_label(input_layer: str, channels: int, channel: int) -> str:
    """A row's heading: R / G / B for the image, else the 1-based channel number."""
    if input_layer == "input" and channels == 3:
        return RGB[channel]
    return str(channel + 1)


def map_limits(maps: np.ndarray) -> list[float]:
    """One colour limit per map of a ``(C, H, W)`` stack (``colour_limit`` of each)."""
    return [colour_limit(m) for m in maps]


def _window_rect(rec: ConvExplanation, h: int, w: int) -> Rect:
    rows, cols = rec.window_rows, rec.window_cols
    return cell_rect(int(rows[0]), int(cols[0]), int(rows[-1] - rows[0]) + 1,
                     int(cols[-1] - cols[0]) + 1, h, w)


@dataclass(frozen=True)
class ConvSums:
    """The printed sums of one position, each adding up by hand (``pyapp.numbers``).  The
    elastic view shows ``partials -> total`` and ``total + bias = result``; the formula view
    shows ``products -> partials[channel]`` and ``partials + bias = result``."""

    partials: list[str]
    total: str
    bias: str
    result: str
    products: list[list[str]] | None = None


def conv_sums(rec: ConvExplanation, channel: int | None = None) -> ConvSums:
    """The result is the true value with ``SUM_DIGITS`` decimals; down the chain every
    printed term keeps those decimals and adds up to the printed number it is a term of
    (:func:`pyapp.numbers.sum_terms`, :func:`~pyapp.numbers.sum_to`: each within one unit
    of its last digit).  Without ``channel``: the elastic view's chain; with it, the
    formula view's for that channel."""
    if channel is None:
        (total, bias), result = numbers.sum_terms([rec.channel_sum, rec.bias], rec.result,
                                                  SUM_DIGITS)
        partials = numbers.sum_to([t.partial_sum for t in rec.terms], total)
        return ConvSums(partials, total, bias, result)
    shown, result = numbers.sum_terms([t.partial_sum for t in rec.terms] + [rec.bias],
                                      rec.result, SUM_DIGITS)
    partials, bias = shown[:-1], shown[-1]
    total = numbers.fixed(rec.channel_sum, numbers.decimals_of(bias))
    t = rec.terms[channel]
    kh, kw = t.products.shape
    flat = numbers.sum_to(t.products.ravel().tolist(), partials[channel])
    products = [flat[u * kw:(u + 1) * kw] for u in range(kh)]
    return ConvSums(partials, total, bias, result, products)


def _sum_sentence(sums: ConvSums) -> str:
    return tr("sum {total}; bias {bias}; result {result}", total=sums.total, bias=sums.bias,
              result=sums.result)


class _ConvBase:
    """What both convolution views share: the layer, its maps and the position <-> window."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                 out_channel: int, mode: str = "unit", maps: str = "map") -> None:
        self.model, self.acts, self.layer, self.out_channel = model, acts, layer, out_channel
        self.mode, self.maps = mode, maps
        self.input_layer = model.input_of(layer)
        self.h, self.w = model.shapes[layer][:2]
        self.in_h, self.in_w, self.in_c = model.shapes[self.input_layer]
        self.count = self.h * self.w
        spec = model.layer(layer)
        c = spec.config
        self.kernel_size = tuple(c["kernel_size"])
        self.strides, self.dilation = tuple(c["strides"]), tuple(c["dilation"])
        self.pads = ops.resolve_padding(c["padding"], (self.in_h, self.in_w), self.kernel_size,
                                        self.strides, self.dilation)
        self.inter = intermediate_maps(model, acts, layer, out_channel)
        self.inter_limit = colour_limit(self.inter.maps)
        self.weight_limit = colour_limit(spec.weights["kernel"])
        self.palette = Palette(model, acts, mode)
        self.input_rgba = [self.palette.channel_rgba(self.input_layer, ch)
                           for ch in range(self.in_c)]
        # intermediate and output maps on the range ``maps`` chooses (render.ranges): each
        # map its own, or shared (the intermediates one range, the output its layer's in the
        # network); the inputs keep the overview's colours, so they look as in the network
        out = np.asarray(acts[layer])[:, :, out_channel]
        self.output_limit = map_limit(out, self.palette.limit(layer), maps)
        self.output_rgba = diverging_rgba(out, self.output_limit)
        self.inter_limits = [map_limit(m, self.inter_limit, maps) for m in self.inter.maps]
        self.range_note = tr(MAP_RANGE_NOTES[maps])
        self.inter_ranges = [f"\u00b1{fmt(x, 2)}" for x in self.inter_limits]
        self.output_range = f"\u00b1{fmt(self.output_limit, 2)}"
        # what the "±x" under a map is the range of (the legend says which)
        self.inter_range_word = tr(RANGE_WORDS[maps][0])
        self.output_range_word = tr(RANGE_WORDS[maps][1])

    def record(self, index: int) -> ConvExplanation:
        r, c = raster(index, self.w)
        return explain_conv(self.model, self.acts, self.layer, self.out_channel, r, c)

    def position(self, index: int) -> tuple[int, int]:
        return raster(index, self.w)

    def index_of(self, row: int, col: int) -> int:
        return raster_index(row, col, self.h, self.w)

    def move(self, index: int, d_row: int, d_col: int) -> int:
        r, c = raster(index, self.w)
        return raster_index(r + d_row, c + d_col, self.h, self.w)

    def index_at_output(self, x: float, y: float, width: float, height: float) -> int:
        """Position under the pointer on an output-sized map (intermediate or output)."""
        return self.index_of(*cell_at(x, y, width, height, self.h, self.w))

    def index_at_input(self, x: float, y: float, width: float, height: float) -> int:
        """Position whose window is centred (as near as it can be) on the input cell under
        the pointer."""
        r, c = cell_at(x, y, width, height, self.in_h, self.in_w)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation
        row = round((r + self.pads[0][0] - (kh - 1) * dh / 2) / sh)
        col = round((c + self.pads[1][0] - (kw - 1) * dw / 2) / sw)
        return self.index_of(int(row), int(col))


@dataclass(frozen=True)
class ElasticChannel:
    channel: int
    window: Rect  # on the input channel
    cell: Rect  # on the intermediate map
    covers: tuple[Rect, Rect]  # hide the intermediate map after this position
    partial: str


@dataclass(frozen=True)
class ElasticFrame:
    index: int
    row: int
    col: int
    channels: list[ElasticChannel]
    partials: list[str]
    total: str
    bias: str
    result: str
    value: str
    cell: Rect  # on the output map
    covers: tuple[Rect, Rect]
    caption: str
    a11y: str
    input_vars: str = ""  # the same geometry as transforms (CSS custom properties)
    output_vars: str = ""


class ConvElastic(_ConvBase):
    """The elastic view of output channel ``out_channel`` of conv ``layer``."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                 out_channel: int, mode: str = "unit", maps: str = "map") -> None:
        super().__init__(model, acts, layer, out_channel, mode, maps)
        self.title = tr("Convolution: {layer}, neuron {n}", layer=layer, n=out_channel + 1)
        self.inter_rgba = [diverging_rgba(self.inter.maps[ch], self.inter_limits[ch])
                           for ch in range(self.in_c)]
        self.labels = [channel_label(self.input_layer, self.in_c, ch) for ch in range(self.in_c)]
        k = model.layer(layer).weights["kernel"][:, :, :, out_channel]
        self.kernels: list[list[list[Cell]]] = [
            [[weight_cell(k[u, v, ch], self.weight_limit) for v in range(k.shape[1])]
             for u in range(k.shape[0])] for ch in range(self.in_c)]
        self.bias = fmt(self.inter.bias, SUM_DIGITS)
        self.captions = ELASTIC_CAPTIONS
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation
        self.win_h, self.win_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        # static sizes: the window on an input map, one cell and one row on an output map
        self.size_vars = (f"--bw:{pct(self.win_w, self.in_w)};--bh:{pct(self.win_h, self.in_h)};"
                          f"--cw:{pct(1, self.w)};--ch:{pct(1, self.h)};")

    def frame(self, index: int) -> ElasticFrame:
        rec = self.record(index)
        r, c = rec.row, rec.col
        covers = reveal_covers(r, c, self.h, self.w)
        cell = cell_rect(r, c, 1, 1, self.h, self.w)
        window = _window_rect(rec, self.in_h, self.in_w)
        sums = conv_sums(rec)
        chans = [ElasticChannel(t.input_channel, window, cell, covers, sums.partials[i])
                 for i, t in enumerate(rec.terms)]
        partials = sums.partials
        total, bias, result = sums.total, sums.bias, sums.result
        caption = tr("Row {row}, column {col}: {n} partial sums {terms} = {total}; plus bias "
                     "{bias} = {result}.", row=r + 1, col=c + 1, n=len(partials),
                     terms=sum_expr(partials), total=total, bias=bias, result=result)
        kh, kw = self.kernel_size
        a11y = tr("{layer} neuron {n}: window {kh} by {kw} at row {row}, column {col}; partial "
                  "sums {partials}; {sums}", layer=self.layer, n=self.out_channel + 1, kh=kh,
                  kw=kw, row=r + 1, col=c + 1, partials=", ".join(partials),
                  sums=_sum_sentence(sums))
        # transforms move the boxes by fractions of their map's width (--fx, --fy: a cell at
        # (r, c) of an h x w map is at (c / w, r / w) widths, the map being h / w as high),
        # not by multiples of their own size, which the browser rounds (a window drifted
        # by a third of a cell at the far end of a 62-cell map); the covers by rows /
        # columns of the map
        c0, r0 = int(rec.window_cols[0]), int(rec.window_rows[0])
        input_vars = f"--fx:{c0 / self.in_w:.6f};--fy:{r0 / self.in_w:.6f}"
        output_vars = (f"--fx:{c / self.w:.6f};--fy:{r / self.w:.6f};"
                       f"--rx:{(c + 1) / self.w:.6f};--dy:{(r + 1) / self.h:.6f}")
        return ElasticFrame(index, r, c, chans, partials, total, bias, result,
                            fmt(rec.value, SUM_DIGITS), cell, covers, caption, a11y,
                            input_vars, output_vars)


@dataclass(frozen=True)
class FormulaTerm:
    channel: int
    partial: str
    current: bool


@dataclass(frozen=True)
class FormulaFrame:
    index: int
    row: int
    col: int
    window: Rect  # on the input channel
    cell: Rect  # on the intermediate and the output map
    covers: tuple[Rect, Rect]  # hide the intermediate map after this position
    values: list[list[Cell]]  # the window's input values
    weights: list[list[Cell]]
    products: list[list[str]]
    partial: str  # this channel's sum of products
    terms: list[FormulaTerm]  # every channel's partial sum
    total: str
    bias: str
    result: str
    value: str  # the output feature map's value (the forward pass)
    a11y: str


class ConvFormula(_ConvBase):
    """The formula view of input channel ``in_channel`` feeding output ``out_channel``."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                 out_channel: int, in_channel: int, mode: str = "unit",
                 maps: str = "map") -> None:
        super().__init__(model, acts, layer, out_channel, mode, maps)
        if not 0 <= in_channel < self.in_c:
            raise IndexError(f"input channel {in_channel} outside {self.input_layer}")
        self.in_channel = in_channel
        self.title = tr("Convolution: {layer}, neuron {n}, channel {ch} of {m}",
                        layer=layer, n=out_channel + 1, ch=in_channel + 1, m=self.in_c)
        self.channel_rgba = self.input_rgba[in_channel]
        k = model.layer(layer).weights["kernel"][:, :, in_channel, out_channel]
        # the kernel does not move: its cells are made once
        self.weight_cells = [[weight_cell(float(k[u, v]), self.weight_limit)
                              for v in range(k.shape[1])] for u in range(k.shape[0])]
        self.inter_rgba = diverging_rgba(self.inter.maps[in_channel],
                                         self.inter_limits[in_channel])

    def frame(self, index: int) -> FormulaFrame:
        rec = self.record(index)
        t = rec.terms[self.in_channel]
        r, c = rec.row, rec.col
        kh, kw = t.window.shape
        values = self.palette.value_cells(self.input_layer, t.window)
        weights = self.weight_cells
        sums = conv_sums(rec, self.in_channel)
        products = sums.products or []
        partial = sums.partials[self.in_channel]
        terms = [FormulaTerm(x.input_channel, sums.partials[i],
                             x.input_channel == self.in_channel)
                 for i, x in enumerate(rec.terms)]
        total, bias, result = sums.total, sums.bias, sums.result
        flat = [tr("{x} times {w} is {p}", x=values[u][v].text, w=weights[u][v].text,
                   p=products[u][v]) for u in range(kh) for v in range(kw)]
        a11y = tr("{layer} neuron {n}, input channel {ch}: window {kh} by {kw} at row {row}, "
                  "column {col}; {products}; partial sum {partial}; all channels' partial sums "
                  "{partials}; {sums}", layer=self.layer, n=self.out_channel + 1,
                  ch=self.in_channel + 1, kh=kh, kw=kw, row=r + 1, col=c + 1,
                  products=", ".join(flat), partial=partial,
                  partials=", ".join(x.partial for x in terms), sums=_sum_sentence(sums))
        return FormulaFrame(index, r, c, _window_rect(rec, self.in_h, self.in_w),
                            cell_rect(r, c, 1, 1, self.h, self.w),
                            reveal_covers(r, c, self.h, self.w), values, weights, products,
                            partial, terms, total, bias, result, fmt(rec.value, SUM_DIGITS),
                            a11y)
