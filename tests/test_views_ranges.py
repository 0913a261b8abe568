"""The detail views' colour-range switch (issue 15 item 2): each map on its own range, or
the whole layer's; the numbers (limits, pictures, legends) come from the view models and
``render.ranges``, never from the page."""

from __future__ import annotations

import numpy as np
import pytest

from pyapp.cnn import explain as ex
from pyapp.cnn.model import tinyvgg
from pyapp.numbers import parse
from pyapp.render.colormaps import SIGNED
from pyapp.render.ranges import MAP_RANGES, layer_limits, map_limit
from pyapp.views.conv import ConvElastic, ConvFormula
from pyapp.views.elementwise import ActivationView, PoolView
from pyapp.views.maps import layer_types


@pytest.fixture(scope="module")
def net():
    model = tinyvgg(rng=5)
    acts = model.forward(np.random.default_rng(6).random(model.input_shape, dtype=np.float32))
    return model, acts


def test_map_limit_is_the_maps_own_or_the_layers() -> None:
    m = np.array([[0.5, -2.0], [1.0, 0.0]], dtype=np.float32)
    assert map_limit(m, 7.0, "map") == 2.0 and map_limit(m, 7.0, "layer") == 7.0
    assert map_limit(np.zeros((2, 2)), 7.0, "map") == 1.0  # an all-zero map: neutral
    assert MAP_RANGES == ("map", "layer")
    with pytest.raises(ValueError, match="unknown map range"):
        map_limit(m, 1.0, "module")


@pytest.mark.parametrize("mode", ["unit", "module", "global"])
def test_conv_whole_layer_shares_the_intermediate_range_and_uses_the_layers(net,
                                                                            mode: str) -> None:
    model, acts = net
    vm = ConvElastic(model, acts, "conv_1_2", 3, mode, maps="layer")
    inter = ex.intermediate_maps(model, acts, "conv_1_2", 3).maps
    shared = float(np.abs(inter).max())
    assert vm.inter_limits == pytest.approx([shared] * vm.in_c)
    for ch in range(vm.in_c):
        want = SIGNED.rgba_symmetric(inter[ch].astype(np.float32), shared)
        assert (vm.inter_rgba[ch] == want).all()
        assert parse(vm.inter_ranges[ch].lstrip("\u00b1")) == pytest.approx(shared, abs=5e-3)
    layer = layer_limits(acts, layer_types(model), mode)["conv_1_2"]
    assert vm.output_limit == pytest.approx(layer)
    out = acts["conv_1_2"][:, :, 3]
    assert (vm.output_rgba == SIGNED.rgba_symmetric(out, layer)).all()
    assert vm.inter_range_word == "shared" and vm.output_range_word == "layer"
    assert "share one range" in vm.range_note
    each = ConvElastic(model, acts, "conv_1_2", 3, mode, maps="map")
    assert each.inter_range_word == "this map" and "own range" in each.range_note
    assert each.inter_limits != vm.inter_limits  # the switch changes what is drawn
    f = ConvFormula(model, acts, "conv_1_2", 3, 2, mode, maps="layer")
    assert (f.inter_rgba == vm.inter_rgba[2]).all()


@pytest.mark.parametrize("cls,layer", [(ActivationView, "relu_1_1"), (PoolView, "max_pool_1")])
def test_one_channel_views_switch_both_maps(net, cls, layer: str) -> None:
    model, acts = net
    src = model.input_of(layer)
    x, y = acts[src][:, :, 4], acts[layer][:, :, 4]
    each, whole = cls(model, acts, layer, 4, maps="map"), cls(model, acts, layer, 4,
                                                              maps="layer")
    lims = layer_limits(acts, layer_types(model), "unit")
    assert each.in_limit == pytest.approx(float(np.abs(x).max()))
    assert each.out_limit == pytest.approx(float(np.abs(y).max()))
    assert whole.in_limit == pytest.approx(lims[src])
    assert whole.out_limit == pytest.approx(lims[layer])
    assert (each.output_rgba == SIGNED.rgba_symmetric(y, float(np.abs(y).max()))).all()
    assert (whole.output_rgba == SIGNED.rgba_symmetric(y, lims[layer])).all()
    assert parse(each.output_range.split("\u00b1")[1]) == pytest.approx(
        float(np.abs(y).max()), abs=5e-3)
    assert whole.output_range.startswith("layer \u00b1")
    # the numbers' cells are coloured on the same range as their map
    out = each.frame(0).output  # position 0: row 1, column 1
    assert out.bg == SIGNED.color_of(float(y[0, 0]), -each.out_limit, each.out_limit)
