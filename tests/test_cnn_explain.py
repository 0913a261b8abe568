"""Explanation records recompose exactly (<= 1e-5) into the activations they explain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyapp.cnn import explain as ex
from pyapp.cnn.model import LayerSpec, Model, tinyvgg

TOL = 1e-5


def odd_model() -> Model:
    """Strides, 'same' and explicit padding, dilation, 'same' pooling, hidden dense + ReLU."""
    g = np.random.default_rng(5)
    return Model(
        [LayerSpec("c1", "conv2d", {"filters": 4, "kernel_size": 3, "strides": 2,
                                    "padding": "same"},
                   {"kernel": g.standard_normal((3, 3, 3, 4)), "bias": g.standard_normal(4)}),
         LayerSpec("r1", "relu"),
         LayerSpec("c2", "conv2d", {"filters": 3, "kernel_size": [3, 2],
                                    "padding": [[2, 1], [0, 3]], "dilation": [2, 1]},
                   {"kernel": g.standard_normal((3, 2, 4, 3)), "bias": g.standard_normal(3)}),
         LayerSpec("p1", "max_pool2d", {"pool_size": 3, "strides": 2, "padding": "same"}),
         LayerSpec("flatten", "flatten"),
         LayerSpec("h", "dense", {"units": 5}, {"kernel": g.standard_normal((60, 5)),
                                                "bias": g.standard_normal(5)}),
         LayerSpec("hr", "relu"),
         LayerSpec("out", "dense", {"units": 3}, {"kernel": g.standard_normal((5, 3)),
                                                  "bias": g.standard_normal(3)})],
        (15, 13, 3), ["x", "y", "z"])


MODELS = {"tinyvgg": tinyvgg(rng=7), "odd": odd_model()}
ACTS = {k: m.forward(np.random.default_rng(8).random(m.input_shape, dtype=np.float32))
        for k, m in MODELS.items()}


@st.composite
def positions(draw):
    key = draw(st.sampled_from(sorted(MODELS)))
    model = MODELS[key]
    layer = draw(st.sampled_from([layer.name for layer in model.layers]))
    pos = tuple(draw(st.integers(0, n - 1)) for n in model.shapes[layer])
    return key, layer, pos


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(positions())
def test_records_recompose_into_activations(where) -> None:
    key, layer, pos = where
    model, acts = MODELS[key], ACTS[key]
    rec = ex.explain_at(model, acts, layer, pos)
    assert rec.value == float(acts[layer][pos])
    assert abs(rec.recompose() - rec.value) <= TOL
    if isinstance(rec, ex.ConvExplanation):
        assert abs(rec.result - rec.value) <= TOL
        assert rec.channel_sum == pytest.approx(sum(t.partial_sum for t in rec.terms))
        x = acts[rec.input_layer]
        for t in rec.terms:  # windows are the input values at the stated coordinates
            assert np.allclose(t.products, t.window.astype(np.float64) * t.kernel)
            for u, r in enumerate(rec.window_rows):
                for v, c in enumerate(rec.window_cols):
                    inside = 0 <= r < x.shape[0] and 0 <= c < x.shape[1]
                    assert t.window[u, v] == (x[r, c, t.input_channel] if inside else 0.0)
    elif isinstance(rec, ex.MaxPoolExplanation):
        assert rec.window.max() == rec.value
        assert acts[rec.input_layer][rec.argmax_row, rec.argmax_col, rec.channel] == rec.value
    elif isinstance(rec, ex.FlattenExplanation):
        assert acts[rec.input_layer][rec.row, rec.col, rec.channel] == rec.value
    elif isinstance(rec, ex.DenseExplanation):
        assert abs(rec.result - rec.value) <= TOL
        assert (rec.class_name is not None) == (layer == model.layers[-1].name)
    else:
        assert rec.output == max(0.0, rec.input)


@pytest.mark.parametrize("key", sorted(MODELS))
def test_intermediate_maps_sum_to_every_conv_channel(key) -> None:
    model, acts = MODELS[key], ACTS[key]
    for layer in (x.name for x in model.layers if x.type == "conv2d"):
        for ch in range(model.shapes[layer][2]):
            im = ex.intermediate_maps(model, acts, layer, ch)
            assert im.maps.shape == (model.shapes[model.input_of(layer)][2],
                                     *model.shapes[layer][:2])
            assert np.abs(im.recompose() - acts[layer][:, :, ch]).max() <= TOL
            # each map is the single-channel convolution: its values are the partial sums
            rec = ex.explain_conv(model, acts, layer, ch, 0, model.shapes[layer][1] - 1)
            for t in rec.terms:
                assert abs(im.maps[t.input_channel, 0, -1] - t.partial_sum) <= TOL


@pytest.mark.parametrize("key", sorted(MODELS))
def test_softmax_record(key) -> None:
    model, acts = MODELS[key], ACTS[key]
    rec = ex.explain_softmax(model, acts)
    assert rec.shift == 0.0
    assert np.allclose(rec.exponentials, np.exp(acts[model.layers[-1].name].astype(float)))
    assert rec.total == pytest.approx(rec.exponentials.sum())
    assert np.abs(rec.recompose() - acts["probabilities"]).max() <= TOL
    huge = dict(acts)
    huge[model.layers[-1].name] = np.array([900.0, 899.0] + [0.0] * (model.num_classes - 2))
    rec = ex.explain_softmax(model, huge)
    assert rec.shift == 900.0 and np.isfinite(rec.exponentials).all()


def test_flatten_both_directions() -> None:
    model, acts = MODELS["tinyvgg"], ACTS["tinyvgg"]
    rec = ex.explain_flatten_at(model, acts, "flatten", 12, 3, 7)
    assert rec.index == (12 * 13 + 3) * 10 + 7
    back = ex.explain_flatten(model, acts, "flatten", rec.index)
    assert (back.row, back.col, back.channel) == (12, 3, 7)
    assert back.value == acts["max_pool_2"][12, 3, 7] == acts["flatten"][rec.index]


def test_records_refuse_wrong_layer_or_position() -> None:
    model, acts = MODELS["tinyvgg"], ACTS["tinyvgg"]
    with pytest.raises(ValueError, match="of kind 'relu', not 'conv2d'"):
        ex.explain_conv(model, acts, "relu_1_1", 0, 0, 0)
    with pytest.raises(IndexError):
        ex.explain_conv(model, acts, "conv_1_1", 0, 62, 0)
    with pytest.raises(KeyError, match="nope"):
        ex.explain_at(model, acts, "nope", (0,))
