"""The detail views' view models: every number a frame draws equals the core's record."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pyapp.cnn import explain as ex
from pyapp.cnn.model import tinyvgg
from pyapp.numbers import parse
from pyapp.views.conv import ConvElastic, ConvFormula
from pyapp.views.dense import FlattenView, SoftmaxView
from pyapp.views.elementwise import PoolView, ReluView
from pyapp.views.geometry import cell_at, raster, reveal_covers
from pyapp.views.numbers import fmt, fmt_sci


@pytest.fixture(scope="module")
def net():
    model = tinyvgg(rng=3)
    g = np.random.default_rng(4)
    for layer in model.layers:  # non-zero biases, so the bias step is visible
        if "bias" in layer.weights:
            layer.weights["bias"] = g.normal(0, 0.1, layer.weights["bias"].shape).astype(
                np.float32)
    acts = model.forward(g.random(model.input_shape, dtype=np.float32))
    return model, acts


def positions(count: int, n: int = 3, seed: int = 0) -> list[int]:
    return [int(i) for i in np.random.default_rng(seed).choice(count, n, replace=False)]


def close(text: str, value: float, digits: int, units: float = 0.5) -> bool:
    return abs(parse(text) - value) <= units * 10 ** -digits + 1e-9


def test_fmt_never_negative_zero() -> None:
    assert fmt(-0.0001) == "0.00"
    assert fmt(-0.0051) == "\u22120.01"
    assert fmt_sci(123456.0) == "1.235e+05"
    assert fmt_sci(1.5) == "1.500"


def test_reveal_covers_hide_everything_after_the_position() -> None:
    rest, below = reveal_covers(2, 3, 5, 6)
    assert (rest.left, rest.top) == ("66.6667%", "40.0000%")
    assert rest.width == "33.3333%" and below.top == "60.0000%" and below.height == "40.0000%"
    last_rest, last_below = reveal_covers(4, 5, 5, 6)
    assert last_rest.width == "0%" and last_below.height == "0%"


def test_cell_at_clips() -> None:
    assert cell_at(0, 0, 100, 100, 10, 10) == (0, 0)
    assert cell_at(99.9, 55, 100, 100, 10, 10) == (5, 9)
    assert cell_at(150, -5, 100, 100, 10, 10) == (0, 9)


@pytest.mark.parametrize("layer", ["conv_1_1", "conv_2_2"])
def test_elastic_frames_match_records(net, layer: str) -> None:
    model, acts = net
    vm = ConvElastic(model, acts, layer, 4)
    h, w = model.shapes[layer][:2]
    assert vm.count == h * w and len(vm.input_rgba) == model.shapes[model.input_of(layer)][2]
    for i in positions(vm.count):
        r, c = raster(i, w)
        rec = ex.explain_conv(model, acts, layer, 4, r, c)
        f = vm.frame(i)
        assert (f.row, f.col) == (r, c)
        # at 3 decimals, each within one unit (rounded the other way where they would not
        # add up otherwise: pyapp.numbers)
        assert [parse(p) for p in f.partials] == pytest.approx(
            [t.partial_sum for t in rec.terms], abs=1e-3 + 1e-9)
        assert {len(p.partition(".")[2]) for p in f.partials} == {3}
        # (the sum and the bias are terms of the result: within one unit, pyapp.numbers)
        assert close(f.total, rec.channel_sum, 3, 1.0) and close(f.bias, rec.bias, 3, 1.0)
        assert close(f.result, float(acts[layer][r, c, 4]), 3)
        assert f"window 3 by 3 at row {r + 1}, column {c + 1}" in f.a11y  # 1-based
        assert f.a11y.endswith(f"sum {f.total}; bias {f.bias}; result {f.result}")


def test_elastic_kernels_are_the_layer_weights(net) -> None:
    model, acts = net
    vm = ConvElastic(model, acts, "conv_1_2", 2)
    k = model.layer("conv_1_2").weights["kernel"]
    for ch in (0, 5, 9):
        got = [[parse(cell.text) for cell in row] for row in vm.kernels[ch]]
        assert np.allclose(got, k[:, :, ch, 2], atol=5e-3)


def test_formula_frames_match_records(net) -> None:
    model, acts = net
    vm = ConvFormula(model, acts, "conv_1_2", 7, 3)
    for i in positions(vm.count, seed=1):
        f = vm.frame(i)
        rec = ex.explain_conv(model, acts, "conv_1_2", 7, f.row, f.col)
        t = rec.terms[3]
        assert np.allclose([[parse(c.text) for c in row] for row in f.values], t.window,
                           atol=5e-3)
        assert np.allclose([[parse(c.text) for c in row] for row in f.weights], t.kernel,
                           atol=5e-3)
        assert np.allclose([[parse(x) for x in row] for row in f.products], t.products,
                           atol=1e-3 + 1e-9)
        assert close(f.partial, t.partial_sum, 3, 1.0)
        assert [x.current for x in f.terms] == [c == 3 for c in range(10)]
        # the final step the reference leaves out: all partial sums + bias = the map's value
        assert close(f.result, float(acts["conv_1_2"][f.row, f.col, 7]), 3)
        assert f.value == fmt(rec.value, 3)


def test_conv_pointer_to_position(net) -> None:
    model, acts = net
    vm = ConvFormula(model, acts, "conv_1_1", 0, 0)
    # the window is centred on the input cell under the pointer (64 px map, 1 px a cell)
    assert vm.position(vm.index_at_input(10.5, 20.5, 64, 64)) == (19, 9)
    assert vm.position(vm.index_at_input(0, 0, 64, 64)) == (0, 0)
    assert vm.position(vm.index_at_output(61.9, 0, 62, 62)) == (0, 61)
    assert vm.position(vm.move(vm.index_of(0, 0), -1, 1)) == (0, 1)


def test_relu_frames(net) -> None:
    model, acts = net
    vm = ReluView(model, acts, "relu_1_2", 6)
    for i in positions(vm.count, seed=2):
        f = vm.frame(i)
        x = float(acts["conv_1_2"][f.row, f.col, 6])
        assert close(f.input.text, x, 3) and close(f.output.text, max(0.0, x), 3)
        assert f"max(0, {f.input.text}) = output {f.output.text}" in f.a11y
        gx, gy = float(f.point[0]), float(f.point[1])
        assert 0 <= gx <= vm.graph_size[0] and 0 <= gy <= vm.graph_size[1]


def test_pool_frames(net) -> None:
    model, acts = net
    vm = PoolView(model, acts, "max_pool_1", 1)
    assert vm.count == 30 * 30
    for i in positions(vm.count, seed=3):
        f = vm.frame(i)
        win = acts["relu_1_2"][2 * f.row:2 * f.row + 2, 2 * f.col:2 * f.col + 2, 1]
        assert np.allclose([[parse(c.text) for c in row] for row in f.values], win, atol=5e-4)
        assert close(f.output.text, float(acts["max_pool_1"][f.row, f.col, 1]), 3)
        assert sum(map(sum, f.is_max)) == 1
        u, v = (np.argwhere(np.array(f.is_max))[0]).tolist()
        assert parse(f.values[u][v].text) == pytest.approx(float(win.max()), abs=5e-4)
    assert vm.position(vm.index_at_input(33, 7, 60, 60)) == (3, 16)


def test_flatten_frames(net) -> None:
    model, acts = net
    vm = FlattenView(model, acts, "output", 2)
    assert vm.count == 1690 and vm.strip_rgba.shape == (169, 10, 4)
    assert close(vm.result, float(acts["output"][2]), 3)
    edges = vm.edges_rgba(160, 560)
    assert edges.shape == (560, 160, 4)
    # an edge starts at its element's height on the left, in its weight's colour (the
    # strongest weight is drawn last, so nothing covers it)
    from pyapp.render.colormaps import SIGNED
    w = model.layer("output").weights["kernel"][:, 2]
    i = int(np.argmax(np.abs(w)))
    want = SIGNED.rgba(w, -vm.weight_limit, vm.weight_limit)[i, :3]
    y = int((i + 0.5) / 1690 * 560)
    assert (edges[max(y - 1, 0):y + 2, 0, :3] == want).all(axis=1).any()
    # they all meet at the chosen class (3rd of 10) in the output column, not elsewhere
    cy = int(vm.class_y(560))
    assert cy == int(2.5 / 10 * 560) and edges[cy, 159, 3] > 0
    assert edges[280, 159, 3] == 0
    assert [c[0] for c in vm.classes] == list(model.class_names)
    for i in positions(vm.count, seed=4):
        f = vm.frame(i)
        assert (f.row * 13 + f.col) * 10 + f.channel == i
        assert close(f.input.text, float(acts["max_pool_2"][f.row, f.col, f.channel]), 3)
        assert close(f.weight.text, float(model.layer("output").weights["kernel"][i, 2]), 3)
        assert f"row {f.row + 1}, column {f.col + 1}, channel {f.channel + 1}" in f.a11y
    assert vm.index_at_strip(25, 15, 100, 1690) == 1 * 10 + 2
    assert vm.index_at_map(4, 15, 25, 130, 130) == (2 * 13 + 1) * 10 + 4


def test_softmax_frames(net) -> None:
    model, acts = net
    vm = SoftmaxView(model, acts, "output", 0)
    z = acts["output"].astype(np.float64)
    e = np.exp(z)
    for i in range(vm.count):
        f = vm.frame(i)
        assert close(f.logit, z[i], 3)
        assert parse(f.exp) == pytest.approx(e[i], rel=2e-3, abs=5e-4)
        assert parse(f.total) == pytest.approx(e.sum(), rel=2e-3)
        assert close(f.prob, float(acts["probabilities"][i]), 4)
        assert re.search(rf"probability {re.escape(f.exp)} / {re.escape(f.total)} = {f.prob}",
                         f.a11y)
