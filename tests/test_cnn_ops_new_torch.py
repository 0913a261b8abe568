"""The newer forward operations (average pooling, leaky ReLU, sigmoid, tanh, BatchNorm folding)
against PyTorch CPU (<= 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

from pyapp.cnn import ops

torch = pytest.importorskip("torch")
F = torch.nn.functional
torch.set_num_threads(1)
TOL = 1e-5


def t_chw(x: np.ndarray):
    """(H, W, C) numpy -> (1, C, H, W) torch."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def from_t(y) -> np.ndarray:
    """(1, C, H, W) torch -> (H, W, C) numpy."""
    return y[0].permute(1, 2, 0).numpy()


def torch_avg_pool(x: np.ndarray, pool, stride, padding) -> np.ndarray:
    """Keras average pooling in torch: explicit zero padding, then divide by the number of real
    cells (the pooled mask of ones), which is ``count_include_pad=False`` for asymmetric pads."""
    k, s = ops.as_pair(pool), ops.as_pair(stride)
    (t, b), (le, r) = ops.resolve_padding(padding, x.shape[:2], k, s)
    xt = F.pad(t_chw(x), (le, r, t, b))
    ones = F.pad(torch.ones(1, 1, *x.shape[:2]), (le, r, t, b))
    return from_t(F.avg_pool2d(xt, k, s) / F.avg_pool2d(ones, k, s))


@pytest.mark.parametrize("pool,stride,padding", [(2, 2, "valid"), (3, 2, "valid"),
                                                 ((2, 3), (1, 2), "valid"), (3, 2, "same"),
                                                 (2, 2, "same"), (3, 1, "same"),
                                                 (2, 1, "valid")])
def test_avg_pool_matches_torch(pool, stride, padding) -> None:
    x = np.random.default_rng(1).standard_normal((11, 10, 3)).astype(np.float32)
    ours = ops.avg_pool2d(x, pool, stride, padding)
    ref = torch_avg_pool(x, pool, stride, padding)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL


def test_avg_pool_same_counts_only_real_cells() -> None:
    # symmetric padding: torch's own count_include_pad=False must agree
    x = np.random.default_rng(2).standard_normal((9, 9, 2)).astype(np.float32)
    ours = ops.avg_pool2d(x, 3, 1, "same")
    ref = from_t(F.avg_pool2d(t_chw(x), 3, 1, 1, count_include_pad=False))
    assert np.abs(ours - ref).max() <= TOL
    # a corner window holds 4 real cells: their plain mean, not the sum over 9
    assert ours[0, 0, 0] == pytest.approx(x[:2, :2, 0].mean(), abs=1e-6)


def test_global_avg_pool_matches_torch() -> None:
    x = np.random.default_rng(3).standard_normal((7, 5, 4)).astype(np.float32)
    ours = ops.global_avg_pool2d(x)
    ref = F.adaptive_avg_pool2d(t_chw(x), 1)[0, :, 0, 0].numpy()
    assert ours.shape == (4,) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL


@pytest.mark.parametrize("alpha", [None, 0.01, 0.2])
def test_leaky_relu_matches_torch(alpha) -> None:
    x = np.random.default_rng(4).standard_normal((6, 5, 3)).astype(np.float32)
    x[0, 0, 0] = 0.0
    ours = ops.leaky_relu(x) if alpha is None else ops.leaky_relu(x, alpha)
    ref = F.leaky_relu(torch.from_numpy(x), 0.3 if alpha is None else alpha).numpy()
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL


def test_sigmoid_tanh_match_torch_and_do_not_overflow() -> None:
    x = np.random.default_rng(5).standard_normal((6, 5, 3)).astype(np.float32) * 4
    assert np.abs(ops.sigmoid(x) - torch.sigmoid(torch.from_numpy(x)).numpy()).max() <= TOL
    assert np.abs(ops.tanh(x) - torch.tanh(torch.from_numpy(x)).numpy()).max() <= TOL
    big = np.array([-1000.0, -90.0, 0.0, 90.0, 1000.0], np.float32)
    with np.errstate(over="raise"):
        s = ops.sigmoid(big)
    assert np.abs(s - torch.sigmoid(torch.from_numpy(big)).numpy()).max() <= TOL
    assert s.dtype == np.float32 and s[0] >= 0 and s[-1] == 1.0


@pytest.mark.parametrize("kind", ["conv", "dense"])
@pytest.mark.parametrize("eps", [1e-3, 1e-5])
def test_fold_batchnorm_matches_conv_then_batchnorm(kind, eps) -> None:
    g = np.random.default_rng(6)
    o = 4
    gamma, beta, mean = (g.standard_normal(o).astype(np.float32) for _ in range(3))
    var = g.uniform(0.1, 2.0, o).astype(np.float32)
    bias = g.standard_normal(o).astype(np.float32)
    stats = [torch.from_numpy(a) for a in (mean, var, gamma, beta)]
    if kind == "conv":
        x = g.standard_normal((8, 7, 3)).astype(np.float32)
        k = g.standard_normal((3, 3, 3, o)).astype(np.float32)
        z = F.conv2d(t_chw(x), torch.from_numpy(k.transpose(3, 2, 0, 1).copy()),
                     torch.from_numpy(bias))
        ref = from_t(F.batch_norm(z, *stats, training=False, eps=eps))
        fk, fb = ops.fold_batchnorm(k, bias, gamma, beta, mean, var, eps)
        ours = ops.conv2d(x, fk, fb)
    else:
        x = g.standard_normal(12).astype(np.float32)
        k = g.standard_normal((12, o)).astype(np.float32)
        z = F.linear(torch.from_numpy(x)[None], torch.from_numpy(k.T.copy()),
                     torch.from_numpy(bias))
        ref = F.batch_norm(z, *stats, training=False, eps=eps)[0].numpy()
        fk, fb = ops.fold_batchnorm(k, bias, gamma, beta, mean, var, eps)
        ours = ops.dense(x, fk, fb)
    assert fk.shape == k.shape and fb.shape == (o,) and fk.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL * max(1.0, np.abs(ref).max())


def test_fold_batchnorm_without_bias() -> None:
    k = np.ones((2, 3), np.float32)
    fk, fb = ops.fold_batchnorm(k, None, np.full(3, 2.0), np.zeros(3), np.ones(3),
                                np.full(3, 4.0), eps=0.0)
    assert np.allclose(fk, 1.0) and np.allclose(fb, -1.0)
