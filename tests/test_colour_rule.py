"""One sign->colour rule: every view colours a positive and a negative value of the same
size the same way round (negative red, positive blue: the overview's RdBu), each through
its own colour function: the overview's maps and legend, the read-out's kernel and logit,
the detail views' cells, maps, edges and softmax chips, and the playground's cells."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pyapp.cnn.model import tinyvgg
from pyapp.playground.view import cell_colours
from pyapp.render.colormaps import SIGNED, text_color_on
from pyapp.render.layout import build_layout, layer_infos
from pyapp.render.maps import layer_rgba
from pyapp.render.overview_html import legends_html
from pyapp.render.ranges import legends
from pyapp.render.readout import readout_html
from pyapp.views.conv import ConvElastic
from pyapp.views.dense import FlattenView, SoftmaxView
from pyapp.views.maps import Palette, activation_cell, diverging_rgba, weight_cell

BIG = 2.0  # the positive and negative values: +-BIG on the limit BIG (the map's two ends)


def rgb(css: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``rgb(r, g, b)`` -> a tuple."""
    if css.startswith("#"):
        return int(css[1:3], 16), int(css[3:5], 16), int(css[5:7], 16)
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return r, g, b


def px(rgba: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (int(x) for x in np.asarray(rgba).reshape(-1)[:3])
    return r, g, b


WANT = {+1: rgb(SIGNED.color_of(BIG, -BIG, BIG)), -1: rgb(SIGNED.color_of(-BIG, -BIG, BIG))}


def test_the_rule_is_red_negative_blue_positive() -> None:
    (pr, _, pb), (nr, _, nb) = WANT[+1], WANT[-1]
    assert pb > pr and nr > nb


@pytest.fixture(scope="module")
def net():  # noqa: ANN201
    """A TinyVGG whose conv_1_1 kernel (input channel 0, filter 0) holds +BIG and -BIG,
    whose output kernel (unit 0) holds +BIG and -BIG and whose logits are +-BIG."""
    model = tinyvgg(rng=3)
    k = model.layer("conv_1_1").weights["kernel"]
    k *= 0.1 / float(np.abs(k).max())
    k[0, 0, 0, 0], k[0, 1, 0, 0] = BIG, -BIG
    w = model.layer("output").weights["kernel"]
    w *= 0.1 / float(np.abs(w).max())
    w[0, 0], w[1, 0] = BIG, -BIG
    acts = model.forward(np.random.default_rng(1).random(model.input_shape, dtype=np.float32))
    acts["output"] = np.zeros_like(acts["output"])
    acts["output"][:2] = [BIG, -BIG]
    return model, acts


def sides(pos: tuple[int, int, int], neg: tuple[int, int, int]) -> None:
    assert (pos, neg) == (WANT[+1], WANT[-1])


def test_overview_maps() -> None:
    a = np.array([[[BIG], [-BIG]]], dtype=np.float32)  # (1, 2, 1)
    out = layer_rgba(a, "conv2d", BIG)  # (C, H, W, 4)
    sides(px(out[0, 0, 0]), px(out[0, 0, 1]))


def test_overview_legend_runs_red_to_blue(net) -> None:  # noqa: ANN001
    model, acts = net
    lay = build_layout(model.input_shape, layer_infos(model))
    html = legends_html(lay, legends(acts, [(x.name, x.type) for x in model.layers], "unit"))
    html = html[html.index('data-layers="conv_1_1"'):]  # a signed legend (not the output's)
    stops = re.findall(r"linear-gradient\(to right, (#[0-9a-f]{6}).*?(#[0-9a-f]{6})\)", html)
    assert stops
    first, last = stops[0]
    sides(rgb(last), rgb(first))


def test_readout_kernel_and_logit(net) -> None:  # noqa: ANN001
    model, acts = net
    lay = build_layout(model.input_shape, layer_infos(model))
    html = readout_html(model, acts, lay, "conv_1_1", 0)
    cells = re.findall(r"<td style=\"background:(#[0-9a-f]{6})", html)
    sides(rgb(cells[0]), rgb(cells[1]))
    chips = [re.search(r"ov-chip\" style=\"background:(#[0-9a-f]{6})",
                       readout_html(model, acts, lay, "output", i))[1] for i in (0, 1)]
    sides(rgb(chips[0]), rgb(chips[1]))


def test_detail_cells() -> None:
    sides(rgb(weight_cell(BIG, BIG).bg), rgb(weight_cell(-BIG, BIG).bg))
    sides(rgb(activation_cell(BIG, BIG).bg), rgb(activation_cell(-BIG, BIG).bg))
    img = diverging_rgba(np.array([BIG, -BIG]), BIG)
    sides(px(img[0]), px(img[1]))
    cell = weight_cell(-BIG, BIG)
    assert cell.fg == text_color_on(cell.bg)


def test_detail_views(net) -> None:  # noqa: ANN001
    model, acts = net
    pal = Palette(model, acts, "unit")
    lim = pal.limit("conv_1_1")
    row = pal.value_cells("conv_1_1", np.array([[lim, -lim]]))[0]
    sides(rgb(row[0].bg), rgb(row[1].bg))
    elastic = ConvElastic(model, acts, "conv_1_1", 0)
    sides(rgb(elastic.kernels[0][0][0].bg), rgb(elastic.kernels[0][0][1].bg))
    flat = FlattenView(model, acts, "output", 0)
    sides(rgb(flat.frame(0).weight.bg), rgb(flat.frame(1).weight.bg))
    soft = SoftmaxView(model, acts, "output", 0)
    sides(rgb(soft.terms[0].color), rgb(soft.terms[1].color))


def test_playground_cells() -> None:
    sides(rgb(cell_colours(BIG, BIG, True)[0]), rgb(cell_colours(-BIG, BIG, True)[0]))
    half = [rgb(cell_colours(s * BIG / 2, BIG, True)[0]) for s in (1, -1)]
    assert half == [rgb(SIGNED.color_of(s * BIG / 2, -BIG, BIG)) for s in (1, -1)]
