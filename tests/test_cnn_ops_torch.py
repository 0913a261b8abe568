"""Each numpy operation, and a whole random TinyVGG, against PyTorch CPU (<= 1e-5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch  # a test dependency (pyproject's [test] extra): missing fails

from pyapp.cnn import ops
from pyapp.cnn.model import LayerSpec, Model, sequential_cnn, tinyvgg

F = torch.nn.functional
torch.set_num_threads(1)
TOL = 1e-5


def t_chw(x: np.ndarray):
    """(H, W, C) numpy -> (1, C, H, W) torch."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def from_t(y) -> np.ndarray:
    """(1, C, H, W) torch -> (H, W, C) numpy."""
    return y[0].permute(1, 2, 0).numpy()


def t_kernel(k: np.ndarray):
    """HWIO -> OIHW."""
    return torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))


CONV_CASES = [
    # (H, W, C, O, kh, kw, stride, padding, dilation)
    (9, 9, 3, 4, 3, 3, 1, "valid", 1),
    (10, 7, 2, 5, 3, 3, 2, "valid", 1),
    (11, 12, 3, 2, 5, 3, (2, 1), "valid", (1, 2)),
    (8, 8, 4, 3, 3, 3, 1, "same", 1),
    (8, 9, 2, 3, 4, 2, 1, "same", 1),  # even kernel: TF puts the extra row / column last
    (8, 8, 2, 3, 3, 3, 1, "same", 2),
    (9, 10, 3, 2, 3, 3, 2, "same", 1),
    (7, 7, 2, 2, 3, 3, 1, 1, 1),
    (7, 6, 2, 2, 3, 2, 2, (2, 1), 1),
    (6, 7, 3, 4, 3, 3, 1, ((1, 2), (0, 3)), 2),
    (5, 5, 1, 1, 1, 1, 1, "valid", 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(c[7]) + f"-s{c[6]}-d{c[8]}" for c in
                                                   CONV_CASES])
def test_conv2d_matches_torch(case) -> None:
    h, w, c, o, kh, kw, stride, padding, dilation = case
    rng = np.random.default_rng(CONV_CASES.index(case))
    x = rng.standard_normal((h, w, c)).astype(np.float32)
    k = rng.standard_normal((kh, kw, c, o)).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    ours = ops.conv2d(x, k, b, stride, padding, dilation)
    s, d = ops.as_pair(stride), ops.as_pair(dilation)
    xt = t_chw(x)
    if padding == "same" and s == (1, 1):
        with warnings.catch_warnings():  # torch warns about even kernels with "same"
            warnings.simplefilter("ignore", UserWarning)
            ref = F.conv2d(xt, t_kernel(k), torch.from_numpy(b), 1, "same", d)
    else:
        (t, bo), (le, r) = ops.resolve_padding(padding, (h, w), (kh, kw), s, d)
        ref = F.conv2d(F.pad(xt, (le, r, t, bo)), t_kernel(k), torch.from_numpy(b), s, 0, d)
    ref = from_t(ref)
    assert ours.shape == ref.shape
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL


def test_same_padding_keeps_size_and_follows_tf() -> None:
    # TF: out = ceil(n / s); total = (out - 1) * s + k - n; extra padding at the end
    assert ops.resolve_padding("same", (9, 10), (3, 3), (2, 2)) == ((1, 1), (0, 1))
    assert ops.resolve_padding("same", (8, 8), (4, 4), (1, 1)) == ((1, 2), (1, 2))
    assert ops.conv_output_size(64, 3) == 62
    assert ops.conv_output_size(7, 3, stride=2, pad_total=2) == 4
    with pytest.raises(ValueError, match="padding"):
        ops.resolve_padding("full", (3, 3), (3, 3), (1, 1))
    with pytest.raises(ValueError, match="does not fit"):
        ops.conv2d(np.zeros((2, 2, 1), np.float32), np.zeros((3, 3, 1, 1), np.float32))


@pytest.mark.parametrize("pool,stride,padding", [(2, 2, "valid"), (3, 2, "valid"),
                                                 ((2, 3), (1, 2), "valid"), (3, 2, "same"),
                                                 (2, 1, "valid")])
def test_max_pool_matches_torch(pool, stride, padding) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((11, 10, 3)).astype(np.float32)
    ours = ops.max_pool2d(x, pool, stride, padding)
    k, s = ops.as_pair(pool), ops.as_pair(stride)
    (t, b), (le, r) = ops.resolve_padding(padding, (11, 10), k, s)
    xt = F.pad(t_chw(x), (le, r, t, b), value=float("-inf"))
    ref = from_t(F.max_pool2d(xt, k, s))
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() == 0.0


def test_relu_dense_softmax_flatten_match_torch() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4, 3)).astype(np.float32)
    assert np.array_equal(ops.relu(x), F.relu(torch.from_numpy(x)).numpy())
    flat = ops.flatten(x)
    # row, column, channel order: torch's NHWC flatten
    assert np.array_equal(flat, torch.from_numpy(x).reshape(-1).numpy())
    for i in (0, 7, 59):
        r, c, ch = ops.unflat_index(i, x.shape)
        assert flat[i] == x[r, c, ch] and ops.flat_index(r, c, ch, x.shape) == i
    k = rng.standard_normal((60, 7)).astype(np.float32)
    b = rng.standard_normal(7).astype(np.float32)
    z = ops.dense(flat, k, b)
    ref = F.linear(torch.from_numpy(flat), torch.from_numpy(k.T.copy()), torch.from_numpy(b))
    assert np.abs(z - ref.numpy()).max() <= TOL
    p = ops.softmax(z)
    assert np.abs(p - F.softmax(torch.from_numpy(z), 0).numpy()).max() <= 1e-6
    big = np.array([1000.0, 999.0, -1000.0], np.float32)  # no overflow
    assert np.allclose(ops.softmax(big), F.softmax(torch.from_numpy(big), 0).numpy())


def torch_forward(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every activation of ``model`` computed by PyTorch, converted to (H, W, C) / (N,)."""
    out = {}
    y = t_chw(x)
    for layer in model.layers:
        c, w = layer.config, layer.weights
        if layer.type == "conv2d":
            (t, b), (le, r) = ops.resolve_padding(c["padding"], tuple(y.shape[2:]),
                                                  tuple(c["kernel_size"]),
                                                  tuple(c["strides"]), tuple(c["dilation"]))
            y = F.conv2d(F.pad(y, (le, r, t, b)), t_kernel(w["kernel"]),
                         torch.from_numpy(w["bias"]), tuple(c["strides"]), 0,
                         tuple(c["dilation"]))
        elif layer.type == "relu":
            y = F.relu(y)
        elif layer.type == "max_pool2d":
            y = F.max_pool2d(y, tuple(c["pool_size"]), tuple(c["strides"]))
        elif layer.type == "flatten":
            y = y.permute(0, 2, 3, 1).reshape(1, -1)  # Keras order: row, column, channel
        else:
            y = F.linear(y, torch.from_numpy(w["kernel"].T.copy()), torch.from_numpy(w["bias"]))
        out[layer.name] = from_t(y) if y.ndim == 4 else y[0].numpy()
    out["probabilities"] = F.softmax(y[0], 0).numpy()
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_whole_tinyvgg_matches_torch_at_every_layer(seed: int) -> None:
    model = tinyvgg(rng=seed)
    assert model.num_params == 19920
    assert [model.shapes[n][0] for n in ("input", "conv_1_1", "conv_1_2", "max_pool_1",
                                          "conv_2_1", "conv_2_2", "max_pool_2", "flatten",
                                          "output")] == [64, 62, 60, 30, 28, 26, 13, 1690, 10]
    x = np.random.default_rng(seed + 10).random((64, 64, 3), dtype=np.float32)
    ours = model.forward(x)
    ref = torch_forward(model, x)
    assert list(ours) == ["input", *ref]
    for name, want in ref.items():
        assert ours[name].shape == want.shape, name
        assert np.abs(ours[name] - want).max() <= TOL, name


def test_other_architecture_matches_torch() -> None:
    """Another input size, more blocks and filters, another class count, strides, padding."""
    model = sequential_cnn((40, 48, 3), blocks=((6,), (8, 5), (4,)), num_classes=7, rng=3)
    assert model.shapes["output"] == (7,)
    gen = np.random.default_rng(4)
    extra = Model(
        [LayerSpec("c1", "conv2d", {"filters": 4, "kernel_size": 5, "strides": 2,
                                    "padding": "same", "dilation": 1},
                   {"kernel": gen.standard_normal((5, 5, 3, 4)) * 0.2,
                    "bias": gen.standard_normal(4)}),
         LayerSpec("r1", "relu"),
         LayerSpec("c2", "conv2d", {"filters": 3, "kernel_size": [3, 2],
                                    "padding": [[1, 0], [2, 1]], "dilation": [2, 1]},
                   {"kernel": gen.standard_normal((3, 2, 4, 3)) * 0.2,
                    "bias": gen.standard_normal(3)}),
         LayerSpec("p1", "max_pool2d", {"pool_size": 3, "strides": 2}),
         LayerSpec("flatten", "flatten"),
         LayerSpec("h", "dense", {"units": 6}, {"kernel": gen.standard_normal((105, 6)) * 0.1,
                                                "bias": gen.standard_normal(6)}),
         LayerSpec("hr", "relu"),
         LayerSpec("out", "dense", {"units": 3}, {"kernel": gen.standard_normal((6, 3)),
                                                  "bias": gen.standard_normal(3)})],
        (27, 25, 3), ["a", "b", "c"])
    for m in (model, extra):
        x = gen.random(m.input_shape, dtype=np.float32)
        ours, ref = m.forward(x), torch_forward(m, x)
        for name, want in ref.items():
            assert np.abs(ours[name] - want).max() <= TOL, name


def test_model_rejects_inconsistent_specs() -> None:
    k = np.zeros((3, 3, 3, 4), np.float32)
    with pytest.raises(ValueError, match="expected"):
        Model([LayerSpec("c", "conv2d", {"filters": 5, "kernel_size": 3},
                         {"kernel": k, "bias": np.zeros(5)}), LayerSpec("f", "flatten")],
              (8, 8, 3))
    with pytest.raises(ValueError, match="unsupported layer type 'batchnorm'"):
        LayerSpec("b", "batchnorm")
    with pytest.raises(ValueError, match="flatten"):
        Model([LayerSpec("d", "dense", {"units": 2}, {"kernel": np.zeros((3, 2)),
                                                      "bias": np.zeros(2)})], (1, 1, 3))
    m = tinyvgg(rng=0)
    with pytest.raises(ValueError, match="expects"):
        m.forward(np.zeros((32, 32, 3), np.float32))
