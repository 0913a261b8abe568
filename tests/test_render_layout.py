"""Overview layout: columns, names, shapes, counts and edges match the model."""

import numpy as np
import pytest

from pyapp.cnn.model import sequential_cnn
from pyapp.render.layout import VIEW_W, build_layout, edges, format_shape, layer_infos
from pyapp.render.ranges import layer_limits, legends, modules

NAMES = ["input", "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "conv_2_1",
         "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "output"]


@pytest.fixture(scope="module")
def model():
    return sequential_cnn(rng=1)


def test_twelve_columns_with_names_shapes_counts(model):
    lay = build_layout(model.input_shape, layer_infos(model))
    assert [c.name for c in lay.columns] == NAMES
    assert [c.count for c in lay.columns] == [3] + [10] * 10 + [10]
    assert lay.column("conv_1_1").long_label == "conv_1_1 (62, 62, 10)"
    assert lay.column("max_pool_2").long_label == "max_pool_2 (13, 13, 10)"
    assert lay.column("output").long_label == "output (10)"
    assert lay.column("input").short_label == "input"
    assert lay.column("relu_2_2").short_label == "relu"
    for c in lay.columns[1:-1]:
        assert c.shape == tuple(model.shapes[c.name])
    assert sum(c.count for c in lay.columns[:-1]) == 3 + 100


def test_boxes_do_not_overlap_and_fit(model):
    lay = build_layout(model.input_shape, layer_infos(model))
    xs = [(c.x, c.x + c.width) for c in lay.columns]
    assert xs[0][0] >= 0 and xs[-1][1] <= VIEW_W
    assert all(a[1] < b[0] for a, b in zip(xs, xs[1:], strict=False))
    for c in lay.columns:
        assert all(y2 - y1 >= lay.node for y1, y2 in zip(c.ys, c.ys[1:], strict=False))
        assert c.ys[0] >= 0 and c.ys[-1] + lay.node <= lay.height


def test_edges_follow_the_connectivity(model):
    lay = build_layout(model.input_shape, layer_infos(model))
    es = edges(lay)
    # conv: all sources; relu / pool: one; output: every map of max_pool_2
    assert len(es) == 3 * 10 + 10 + 100 + 10 + 10 + 100 + 10 + 100 + 10 + 10 + 100
    assert lay.sources_of("conv_1_2", 4) == [("relu_1_1", j) for j in range(10)]
    assert lay.sources_of("relu_1_1", 4) == [("conv_1_1", 4)]
    assert lay.sources_of("output", 0) == [("max_pool_2", j) for j in range(10)]
    assert lay.sources_of("input", 0) == []
    e = next(e for e in es if e.dst == ("relu_1_1", 3))
    assert e.src == ("conv_1_1", 3) and e.d.startswith("M") and "C" in e.d


def test_accessible_names(model):
    lay = build_layout(model.input_shape, layer_infos(model))
    assert lay.column("conv_1_1").neuron_name(3) == "conv_1_1, neuron 4 of 10"
    assert lay.column("input").neuron_name(0) == "input, Red channel (1 of 3)"
    assert format_shape((10,)) == "(10)"


def test_range_modes(model):
    acts = model.forward(np.random.default_rng(0).random((64, 64, 3), dtype=np.float32))
    kinds = [(i.name, i.kind) for i in layer_infos(model)]
    assert modules(kinds)[:2] == [["conv_1_1", "relu_1_1"], ["conv_1_2", "relu_1_2", "max_pool_1"]]
    unit = layer_limits(acts, kinds, "unit")
    assert unit["conv_1_1"] == pytest.approx(float(np.abs(acts["conv_1_1"]).max()))
    mod = layer_limits(acts, kinds, "module")
    assert mod["relu_1_1"] == mod["conv_1_1"] == max(unit["conv_1_1"], unit["relu_1_1"])
    glob = layer_limits(acts, kinds, "global")
    assert len(set(glob.values())) == 1 and glob["conv_1_1"] == max(unit.values())
    assert len(legends(acts, kinds, "unit")) == 10
    assert len(legends(acts, kinds, "module")) == 4
    assert len(legends(acts, kinds, "global")) == 1
    with pytest.raises(ValueError):
        layer_limits(acts, kinds, "bogus")
