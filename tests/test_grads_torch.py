"""The backward pass against PyTorch autograd (float64, <= 1e-5 relative to each gradient's
largest entry): every layer kind alone, random models holding every kind, the default TinyVGG;
and central finite differences on a few coordinates of a float64 model as a second check."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn import grads, ops
from pyapp.cnn.formats import load_model
from pyapp.cnn.model import tinyvgg

sys.path.insert(0, str(Path(__file__).parent))
from gradkit import Layer, Stack, random_stack, rel_err, torch_run  # noqa: E402

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TOL = 1e-5
ROOT = Path(__file__).resolve().parents[1]


def check_layer(layer: Layer, x: np.ndarray, seed: int = 0) -> None:
    """One layer, upstream gradient ``dy`` random: input and weight gradients vs torch."""
    y = Stack([layer], x.shape).forward(x)[layer.name]
    dy = np.random.default_rng(seed).standard_normal(y.shape)
    rules = grads.GRADIENTS[layer.type]
    dx = rules.input(layer, x, y, dy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        acts_t, params_t = _torch_weighted(Stack([layer], x.shape), x, dy)
    assert dx.shape == x.shape
    assert rel_err(dx, acts_t) <= TOL
    if rules.params is not None:
        for key, g in rules.params(layer, x, dy).items():
            assert g.shape == layer.weights[key].shape
            assert rel_err(g, params_t[f"{layer.name}/{key}"]) <= TOL, key
    else:
        assert not layer.weights


def _torch_weighted(stack: Stack, x: np.ndarray, dy: np.ndarray):
    """Gradients of ``T = sum(layer(x) * dy)`` (so ``dT/dy = dy``) in torch: a dense layer with
    kernel ``dy`` appended turns it into the logit target of :func:`gradkit.torch_run`."""
    flat = Layer("probe_flatten", "flatten")
    probe = Layer("probe", "dense", {}, {"kernel": dy.reshape(-1, 1), "bias": np.zeros(1)})
    net = Stack([*stack.layers, *([flat] if dy.ndim == 3 else []), probe], x.shape)
    acts, params, *_ = torch_run(net, x, ("logit", 0))
    return acts["input"], params


CONV_CASES = [
    # (H, W, C, O, kh, kw, stride, padding, dilation)
    (9, 9, 3, 4, 3, 3, 1, "valid", 1),
    (10, 7, 2, 5, 3, 3, 2, "valid", 1),
    (11, 12, 3, 2, 5, 3, (2, 1), "valid", (1, 2)),
    (8, 8, 4, 3, 3, 3, 1, "same", 1),
    (8, 9, 2, 3, 4, 2, 1, "same", 1),
    (8, 8, 2, 3, 3, 3, 1, "same", 2),
    (9, 10, 3, 2, 3, 3, 2, "same", 1),
    (10, 10, 2, 2, 3, 3, 3, "valid", 1),  # stride skips the last row and column
    (7, 6, 2, 2, 3, 2, 2, (2, 1), 1),
    (6, 7, 3, 4, 3, 3, 1, ((1, 2), (0, 3)), 2),
    (5, 5, 1, 1, 1, 1, 1, "valid", 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[f"{c[7]}-s{c[6]}-d{c[8]}-k{c[4]}x{c[5]}"
                                                   for c in CONV_CASES])
def test_conv2d_grads_match_torch(case) -> None:
    h, w, c, o, kh, kw, stride, padding, dilation = case
    g = np.random.default_rng(CONV_CASES.index(case))
    layer = Layer("conv", "conv2d", {"strides": stride, "padding": padding, "dilation": dilation},
                  {"kernel": g.standard_normal((kh, kw, c, o)).astype(np.float32),
                   "bias": g.standard_normal(o).astype(np.float32)})
    check_layer(layer, g.standard_normal((h, w, c)).astype(np.float32))


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("pool,stride,padding", [(2, 2, "valid"), (3, 2, "valid"),
                                                 ((2, 3), (1, 2), "valid"), (3, 2, "same"),
                                                 (2, 2, "same"), (3, 1, "same"),
                                                 (2, 1, "valid")])
def test_pool_grads_match_torch(kind, pool, stride, padding) -> None:
    x = np.random.default_rng(1).standard_normal((11, 10, 3)).astype(np.float32)
    check_layer(Layer("pool", kind, {"pool_size": pool, "strides": stride,
                                     "padding": padding}), x)


def test_max_pool_ties_go_to_the_first_maximum_as_in_torch() -> None:
    x = np.zeros((6, 6, 2), np.float32)  # every window a tie
    x[1, 1, 1] = x[0, 1, 1] = 1.0  # a tie of two maxima, row-major first is (0, 1)
    layer = Layer("pool", "max_pool2d", {"pool_size": 3, "strides": 1})
    check_layer(layer, x)
    dx = grads.max_pool2d_grad(np.ones((4, 4, 2)), x, 3, 1)
    assert dx[0, 0, 0] == 1 and dx[:, :, 0].sum() == 16  # window (0, 0) routes to (0, 0)
    # (0, 1) wins the two windows that hold both maxima; (1, 1) only the two below them
    assert dx[0, 1, 1] == 2 and dx[1, 1, 1] == 2 and dx[:, :, 1].sum() == 16


@pytest.mark.parametrize("kind,config", [("relu", {}), ("leaky_relu", {}),
                                         ("leaky_relu", {"alpha": 0.05}), ("sigmoid", {}),
                                         ("tanh", {}), ("global_avg_pool2d", {}),
                                         ("flatten", {})])
def test_elementwise_and_reshaping_grads_match_torch(kind, config) -> None:
    x = np.random.default_rng(2).standard_normal((5, 6, 3)).astype(np.float32) * 2
    x[0, 0, 0] = 0.0  # the kink: 0 for ReLU, alpha for leaky ReLU, as torch
    check_layer(Layer("act", kind, config), x)


@pytest.mark.parametrize("kind", ["dense", "softmax", "relu", "sigmoid"])
def test_vector_layer_grads_match_torch(kind) -> None:
    g = np.random.default_rng(3)
    w = {}
    if kind == "dense":
        w = {"kernel": g.standard_normal((12, 5)).astype(np.float32),
             "bias": g.standard_normal(5).astype(np.float32)}
    check_layer(Layer("vec", kind, {}, w), g.standard_normal(12).astype(np.float32))


def test_cross_entropy_seed() -> None:
    z = np.array([2.0, -1.0, 0.5])
    zt = torch.tensor(z, requires_grad=True)
    torch.nn.functional.cross_entropy(zt[None], torch.tensor([2])).backward()
    assert rel_err(grads.cross_entropy_grad(z, 2), zt.grad.numpy()) <= 1e-12
    with pytest.raises(IndexError):
        grads.target_grad(z, ("logit", 3))
    with pytest.raises(ValueError, match="target"):
        grads.target_grad(z, ("probability", 0))


# --- whole models -------------------------------------------------------------------------
MODELS = {
    "conv-relu-maxpool-dense": [
        ("conv2d", {"filters": 4, "strides": 1, "padding": "same"}), ("relu", {}),
        ("max_pool2d", {"pool_size": 3, "strides": 2, "padding": "same"}),
        ("conv2d", {"filters": 5, "strides": 2, "padding": "valid", "dilation": 1}),
        ("relu", {}), ("flatten", {}), ("dense", {"units": 6})],
    "dilated-leaky-avgpool-gap": [
        ("conv2d", {"filters": 4, "dilation": 2, "padding": "same"}), ("leaky_relu", {}),
        ("avg_pool2d", {"pool_size": 2, "strides": 2, "padding": "same"}),
        ("conv2d", {"filters": 6, "kernel_size": (2, 3), "padding": ((1, 0), (2, 1))}),
        ("tanh", {}), ("global_avg_pool2d", {}), ("dense", {"units": 5})],
    "sigmoid-dense-softmax": [
        ("conv2d", {"filters": 3, "strides": (2, 1)}), ("sigmoid", {}),
        ("avg_pool2d", {"pool_size": 3, "strides": 1, "padding": "same"}),
        ("max_pool2d", {"pool_size": 2}), ("flatten", {}), ("dense", {"units": 8}),
        ("leaky_relu", {"alpha": 0.1}), ("dense", {"units": 4}), ("softmax", {})],
}


def compare_with_torch(model, x: np.ndarray, target) -> None:
    acts = model.forward(x)
    ours = grads.backward(model, acts, target)
    logits = torch_run(model, x, target)[2]
    assert np.abs(logits - acts[model.layers[-1].name]).max() <= 1e-4  # same network
    want_a, want_p, _, _ = torch_run(model, x, target, pin=acts)
    assert list(ours.activations) == [n for n in acts if n != "probabilities"]
    assert set(ours.params) == set(want_p)
    for name, g in ours.activations.items():
        assert g.shape == acts[name].shape, name
        assert rel_err(g, want_a[name]) <= TOL, name
    for name, g in ours.params.items():
        assert rel_err(g, want_p[name]) <= TOL, name
    assert ours.input is ours.activations["input"] and ours.target == target


@pytest.mark.parametrize("target", [("logit", 1), ("loss", 3)])
@pytest.mark.parametrize("name", list(MODELS))
def test_random_models_match_torch(name, target) -> None:
    model = random_stack(MODELS[name], (13, 12, 3), seed=len(name))
    x = np.random.default_rng(4).random((13, 12, 3), dtype=np.float32)
    compare_with_torch(model, x, target)


def test_random_tinyvgg_matches_torch() -> None:
    model = tinyvgg(rng=5)
    for layer in model.layers:  # non-zero biases, so their gradients are tested too
        if "bias" in layer.weights:
            layer.weights["bias"] = np.linspace(-0.1, 0.1, layer.weights["bias"].size,
                                                dtype=np.float32)
    x = np.random.default_rng(6).random((64, 64, 3), dtype=np.float32)
    compare_with_torch(model, x, ("logit", 7))


@pytest.mark.parametrize("target", [("logit", 3), ("loss", 5)])
def test_default_model_matches_torch(target) -> None:
    model = load_model(ROOT / "weights" / "tinyvgg-cifar10.npz")
    from pyapp.cnn.preprocess import preprocess

    x = preprocess(ROOT / "www" / "gallery" / "cat_1.png", model.input_shape,
                   model.preprocessing)
    compare_with_torch(model, x, target)


def test_stop_at_skips_the_layers_below() -> None:
    model = tinyvgg(rng=7)
    acts = model.forward(np.random.default_rng(8).random((64, 64, 3), dtype=np.float32))
    full = grads.backward(model, acts, ("logit", 2))
    part = grads.backward(model, acts, ("logit", 2), params=False, stop_at="relu_2_2")
    assert list(part.activations) == ["relu_2_2", "max_pool_2", "flatten", "output"]
    assert part.params == {}
    assert np.array_equal(part.activations["relu_2_2"], full.activations["relu_2_2"])
    with pytest.raises(KeyError):
        grads.backward(model, acts, ("logit", 2), stop_at="nope")


# --- finite differences (float64) ---------------------------------------------------------
@pytest.mark.parametrize("name", list(MODELS))
def test_finite_differences(name) -> None:
    model = random_stack(MODELS[name], (13, 12, 3), seed=len(name), dtype=np.float64)
    x = np.random.default_rng(9).random((13, 12, 3))
    target = ("loss", 2)

    def value(m, xx) -> float:
        z = m.forward(xx)[m.layers[-1].name]
        return float(-np.log(ops.softmax(z)[2]))

    g = grads.backward(model, model.forward(x), target)
    rng, eps = np.random.default_rng(10), 1e-6
    for _ in range(5):
        idx = tuple(int(rng.integers(n)) for n in x.shape)
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        fd = (value(model, xp) - value(model, xm)) / (2 * eps)
        assert fd == pytest.approx(g.input[idx], rel=1e-5, abs=1e-8), idx
    for layer in model.layers:
        for key, w in layer.weights.items():
            idx = tuple(int(rng.integers(n)) for n in w.shape)
            old = w[idx]
            w[idx] = old + eps
            up = value(model, x)
            w[idx] = old - eps
            down = value(model, x)
            w[idx] = old
            fd = (up - down) / (2 * eps)
            assert fd == pytest.approx(g.params[f"{layer.name}/{key}"][idx], rel=1e-5,
                                       abs=1e-8), (layer.name, key, idx)


def test_gradients_can_fail() -> None:
    # the comparison detects a wrong rule: swap ReLU's mask for an all-pass one
    model = random_stack(MODELS["conv-relu-maxpool-dense"], (13, 12, 3), seed=1)
    x = np.random.default_rng(4).random((13, 12, 3), dtype=np.float32)
    saved = grads.GRADIENTS["relu"]
    grads.GRADIENTS["relu"] = grads.LayerGradients(lambda layer, x, y, dy: dy)
    try:
        with pytest.raises(AssertionError):
            compare_with_torch(model, x, ("logit", 0))
    finally:
        grads.GRADIENTS["relu"] = saved
