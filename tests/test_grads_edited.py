"""The backward pass of a tinkered network against PyTorch autograd: every kind of edit that
changes an operation (a map switched off, no activation, leaky ReLU / sigmoid / tanh instead of
ReLU, average- instead of max-pooling, the softmax temperature) and a mix of them, on a random
TinyVGG and on the shipped model; the saliency maps and the Why? view follow the edits too."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

from pyapp import edits as E
from pyapp.cnn import grads, saliency
from pyapp.cnn.formats import load_model
from pyapp.cnn.model import tinyvgg
from pyapp.views import saliency as sv

sys.path.insert(0, str(Path(__file__).parent))
from gradkit import rel_err, torch_run  # noqa: E402

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TOL = 1e-5
ROOT = Path(__file__).resolve().parents[1]

EDITS = {
    "conv-map-off": [E.MapOff("conv_1_1", 2, True), E.MapOff("conv_2_2", 7, True)],
    "relu-map-off": [E.MapOff("relu_1_2", 0, True), E.MapOff("relu_1_2", 5, True)],
    "pool-map-off": [E.MapOff("max_pool_2", 3, True)],
    "no-activation": [E.SwapActivation("relu_1_1", "none"),
                      E.SwapActivation("relu_2_2", "none")],
    "leaky-relu": [E.SwapActivation("relu_1_2", "leaky_relu")],
    "sigmoid": [E.SwapActivation("relu_2_1", "sigmoid")],
    "tanh": [E.SwapActivation("relu_1_1", "tanh"), E.SwapActivation("relu_2_2", "tanh")],
    "avg-pool": [E.SwapPool("max_pool_1", "avg"), E.SwapPool("max_pool_2", "avg")],
    "cold": [E.Temperature(0.5)],
    "hot": [E.Temperature(4.0)],
    "all-at-once": [E.MapOff("conv_1_2", 1, True), E.SwapActivation("relu_1_2", "none"),
                    E.SwapActivation("relu_2_1", "tanh"), E.SwapPool("max_pool_1", "avg"),
                    E.MapOff("relu_2_2", 4, True), E.SetWeight("conv_2_1", 0, 1, 1, 1, 2.0),
                    E.Temperature(2.5)],
}


def random_tinyvgg():
    model = tinyvgg(rng=11)
    for layer in model.layers:  # non-zero biases, so their gradients are tested too
        if "bias" in layer.weights:
            layer.weights["bias"] = np.linspace(-0.1, 0.1, layer.weights["bias"].size,
                                                dtype=np.float32)
    return model


def image(seed: int = 12) -> np.ndarray:
    return np.random.default_rng(seed).random((64, 64, 3), dtype=np.float32)


def torch_grads(model, x: np.ndarray, target, acts):
    """PyTorch's gradients of the same edited network, at our forward point."""
    logits = torch_run(model, x, target)[2]
    assert np.abs(logits - acts["output"]).max() <= 1e-4  # the same network runs in both
    return torch_run(model, x, target, pin=acts)[:2]


def check(model, x: np.ndarray, target) -> None:
    acts = model.forward(x)
    ours = grads.backward(model, acts, target)
    want_a, want_p = torch_grads(model, x, target, acts)
    assert list(ours.activations) == [n for n in acts if n != "probabilities"]
    assert set(ours.params) == set(want_p)
    for name, g in ours.activations.items():
        assert g.shape == acts[name].shape, name
        assert rel_err(g, want_a[name]) <= TOL, name
    for name, g in ours.params.items():
        assert rel_err(g, want_p[name]) <= TOL, name


def ignoring_edits(model):
    """The same layers with the masks, "none" overrides and temperature forgotten (what the
    backward pass did before it followed them)."""
    plain = copy.copy(model)
    plain.masks, plain.overrides, plain.temperature = {}, {}, 1.0
    return plain


@pytest.mark.parametrize("target", [("logit", 4), ("loss", 6)])
@pytest.mark.parametrize("name", list(EDITS))
def test_edited_random_tinyvgg_matches_torch(name, target) -> None:
    model = E.apply(random_tinyvgg(), EDITS[name])
    check(model, image(), target)


@pytest.mark.parametrize("name", ["conv-map-off", "no-activation", "tanh", "avg-pool", "hot",
                                  "all-at-once"])
def test_edited_default_model_matches_torch(name) -> None:
    from pyapp.cnn.preprocess import preprocess

    base = load_model(ROOT / "weights" / "tinyvgg-cifar10.npz")
    x = preprocess(ROOT / "www" / "gallery" / "cat_1.png", base.input_shape, base.preprocessing)
    check(E.apply(base, EDITS[name]), x, ("logit", 3))


@pytest.mark.parametrize("name", ["relu-map-off", "pool-map-off", "no-activation", "cold",
                                  "all-at-once"])
def test_ignoring_the_edit_would_fail(name) -> None:
    """The comparison can fail: the gradient that forgets the edit is not torch's.  (A conv
    map switched off before a ReLU is not among them: the ReLU's zero slope at 0 already
    blocks its gradient, so forgetting that mask changes nothing.)"""
    model = E.apply(random_tinyvgg(), EDITS[name])
    x = image()
    acts = model.forward(x)
    want_a, _ = torch_grads(model, x, ("logit", 4), acts)
    wrong = grads.backward(ignoring_edits(model), acts, ("logit", 4), params=False)
    assert rel_err(wrong.input, want_a["input"]) > 1e-3


def test_a_map_switched_off_gets_no_gradient() -> None:
    model = E.apply(random_tinyvgg(), [E.MapOff("conv_1_2", 3, True)])
    acts = model.forward(image())
    g = grads.backward(model, acts, ("logit", 1))
    assert not np.any(g.params["conv_1_2/kernel"][..., 3])  # its kernel cannot change T
    assert g.params["conv_1_2/bias"][3] == 0
    assert np.any(g.params["conv_1_2/kernel"][..., 2])


def test_the_temperature_divides_the_logit_gradient() -> None:
    base = random_tinyvgg()
    x = image()
    plain = grads.backward(base, base.forward(x), ("logit", 2), params=False)
    hot = E.apply(base, [E.Temperature(4.0)])
    g = grads.backward(hot, hot.forward(x), ("logit", 2), params=False)
    assert np.allclose(g.input, plain.input / 4.0, rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="temperature"):
        grads.target_grad(np.zeros(3), ("logit", 0), 0.0)


def test_saliency_and_the_why_view_follow_the_edits() -> None:
    """Grad-CAM and gradient x input of the edited network: torch's gradients, and not the
    unedited network's maps."""
    base = random_tinyvgg()
    model = E.apply(base, EDITS["all-at-once"])
    x = image()
    acts = model.forward(x)
    want_a, _ = torch_grads(model, x, ("logit", 5), acts)
    gxi = saliency.gradient_x_input(model, acts, 5)
    assert rel_err(gxi, x.astype(np.float64) * want_a["input"]) <= TOL
    alpha = want_a["relu_2_2"].mean(axis=(0, 1))
    cam = np.maximum(acts["relu_2_2"].astype(np.float64) @ alpha, 0.0)
    assert rel_err(saliency.grad_cam(model, acts, 5, "relu_2_2"), cam) <= TOL
    view = sv.why_view(model, acts, 5, "gradxinput")
    unedited = sv.why_view(base, base.forward(x), 5, "gradxinput")
    assert np.allclose(view.values, gxi.sum(axis=2))
    assert not np.allclose(view.values, unedited.values)


def test_the_why_view_says_it_explains_the_edited_network() -> None:
    base = random_tinyvgg()
    assert sv.edited_note(base) == ""
    note = sv.edited_note(E.apply(base, EDITS["avg-pool"]))
    assert "as you changed it (2 changes" in note


def test_backprop_view_follows_masks_and_skips_layers_run_as_none() -> None:
    from pyapp.views import backprop

    base = random_tinyvgg()
    model = E.apply(base, [E.SwapActivation("relu_1_1", "none"),
                           E.MapOff("relu_1_2", 2, True)])
    assert "relu_1_1" not in [n for n, _, _ in backprop.bp_layers(model)]
    assert "relu_1_1" in [n for n, _, _ in backprop.bp_layers(base)]
    acts = model.forward(image())
    v = backprop.backprop_view(model, acts, 3, "relu_1_2", 2)
    assert v.passed == 0.0 and v.arriving == 0.0  # nothing arrives at a map switched off
