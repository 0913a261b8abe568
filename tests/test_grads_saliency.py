"""Saliency maps: Grad-CAM and gradient x input against a PyTorch reference on the gallery images
with the default model (<= 1e-5 relative); bilinear upsampling against PyTorch; occlusion
against a direct computation, and the progressive API against the one-shot map."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn import saliency as sal
from pyapp.cnn.formats import load_model
from pyapp.cnn.model import sequential_cnn, tinyvgg
from pyapp.cnn.preprocess import preprocess

sys.path.insert(0, str(Path(__file__).parent))
from gradkit import random_stack, rel_err, torch_run  # noqa: E402

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TOL = 1e-5
ROOT = Path(__file__).resolve().parents[1]
GALLERY = sorted((ROOT / "www" / "gallery").glob("*.png"))


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "weights" / "tinyvgg-cifar10.npz")


def torch_grad_cam(model, x: np.ndarray, c: int, layer: str) -> np.ndarray:
    """Reference Grad-CAM from PyTorch's activations and autograd gradients."""
    g, _, _, a = torch_run(model, x, ("logit", c), pin=model.forward(x))
    alpha = g[layer].mean(axis=(0, 1))
    return np.maximum((a[layer] * alpha).sum(axis=2), 0)


def test_default_layer_is_the_last_rectified_conv(model) -> None:
    assert sal.default_cam_layer(model) == "relu_2_2"
    leaky = random_stack([("conv2d", {"filters": 2}), ("leaky_relu", {}),
                          ("conv2d", {"filters": 2}), ("tanh", {}), ("flatten", {}),
                          ("dense", {"units": 3}), ("relu", {})], (8, 8, 1), seed=0)
    assert sal.default_cam_layer(leaky) == "leaky_relu_1"  # relu after dense does not count
    bare = random_stack([("conv2d", {"filters": 2}), ("flatten", {}), ("dense", {"units": 3})],
                        (8, 8, 1), seed=0)
    assert sal.default_cam_layer(bare) == "conv2d_0"
    flat = random_stack([("flatten", {}), ("dense", {"units": 3})], (4, 4, 1), seed=0)
    with pytest.raises(ValueError, match="convolution"):
        sal.default_cam_layer(flat)


@pytest.mark.parametrize("path", GALLERY, ids=[p.stem for p in GALLERY])
def test_gallery_maps_match_torch(model, path: Path) -> None:
    x = preprocess(path, model.input_shape, model.preprocessing)
    acts = model.forward(x)
    pred = int(acts["probabilities"].argmax())
    other = (pred + 3) % model.num_classes
    for c in (pred, other):
        cam = sal.grad_cam(model, acts, c)
        assert cam.shape == (26, 26) and cam.min() >= 0
        assert rel_err(cam, torch_grad_cam(model, x, c, "relu_2_2")) <= TOL, c
        g, *_ = torch_run(model, x, ("logit", c), pin=acts)
        gxi = sal.gradient_x_input(model, acts, c)
        assert gxi.shape == (64, 64, 3)
        assert rel_err(gxi, x * g["input"]) <= TOL
        assert rel_err(sal.gradient_x_input(model, acts, c, combine=True),
                       (x * g["input"]).sum(axis=2)) <= TOL
    # another layer, at its own resolution
    cam1 = sal.grad_cam(model, acts, pred, "relu_1_2")
    assert cam1.shape == (60, 60)
    assert rel_err(cam1, torch_grad_cam(model, x, pred, "relu_1_2")) <= TOL


def test_grad_cam_depends_on_the_class(model) -> None:
    x = preprocess(GALLERY[0], model.input_shape, model.preprocessing)
    acts = model.forward(x)
    maps = [sal.grad_cam(model, acts, c) for c in range(model.num_classes)]
    assert any(rel_err(maps[0], m) > 0.1 for m in maps[1:])
    with pytest.raises(ValueError, match="spatial"):
        sal.grad_cam(model, acts, 0, "flatten")


@pytest.mark.parametrize("src,dst", [((26, 26), (64, 64)), ((5, 7), (12, 9)), ((4, 4), (3, 2)),
                                     ((1, 3), (4, 6))])
def test_upsample_matches_torch_bilinear(src, dst) -> None:
    m = np.random.default_rng(0).random(src)
    ref = torch.nn.functional.interpolate(torch.from_numpy(m)[None, None], size=dst,
                                          mode="bilinear", align_corners=False)[0, 0].numpy()
    out = sal.upsample(m, dst)
    assert out.shape == dst
    assert np.abs(out - ref).max() <= 1e-12


def direct_occlusion(model, x, c, p, s, fill=0.5) -> np.ndarray:
    """The obvious way: a fresh copy of the image per position, its probability."""
    h, w = x.shape[:2]
    out = []
    for top in range(0, h - p + 1, s):
        row = []
        for left in range(0, w - p + 1, s):
            y = x.copy()
            y[top: top + p, left: left + p, :] = fill
            row.append(float(model.predict(y)[c]))
        out.append(row)
    return np.array(out)


@pytest.mark.parametrize("p,s", [(8, 4), (5, 3), (16, 16)])
def test_occlusion_matches_direct_computation(p, s) -> None:
    model = sequential_cnn((20, 18, 3), blocks=((4,), (3,)), num_classes=4, rng=1)
    x = np.random.default_rng(2).random((20, 18, 3), dtype=np.float32)
    if p > 18:
        with pytest.raises(ValueError):
            sal.Occlusion(model, x, 1, p, s)
        return
    got = sal.occlusion(model, x, 1, p, s)
    want = direct_occlusion(model, x, 1, p, s)
    assert got.shape == want.shape == ((20 - p) // s + 1, (18 - p) // s + 1)
    assert np.array_equal(got, want)


def test_progressive_occlusion_fills_in_and_ends_equal(model) -> None:
    x = preprocess(ROOT / "www" / "gallery" / "cat_1.png", model.input_shape,
                   model.preprocessing)
    c = int(model.predict(x).argmax())
    job = sal.Occlusion(model, x, c, patch=8, stride=4)
    assert job.shape == (15, 15) and job.total == 225
    assert not job.done and job.progress == 0 and np.isnan(job.map).all()
    assert job.baseline == pytest.approx(float(model.predict(x)[c]))
    seen = []
    while not job.done:
        assert job.step(7) in (7, 225 % 7)
        seen.append(job.progress)
        assert np.isnan(job.map).sum() == job.total - round(job.progress * job.total)
    assert seen == sorted(seen) and seen[-1] == 1.0 and job.step(5) == 0
    assert np.array_equal(job.map, sal.occlusion(model, x, c, 8, 4))
    assert np.array_equal(job.map, direct_occlusion(model, x, c, 8, 4))
    assert np.array_equal(job.image, x)  # the patches were put back


def test_occlusion_darkens_where_the_evidence_is() -> None:
    # a random TinyVGG whose logits read only max_pool_2's top-left 3x3 cells, which see
    # input rows and columns 0..23: patches elsewhere change nothing
    model = tinyvgg(rng=3)
    kernel = model.layer("output").weights["kernel"]
    keep = np.zeros((13, 13, 10), bool)
    keep[:3, :3] = True
    kernel[~keep.reshape(-1), :] = 0
    x = np.random.default_rng(4).random((64, 64, 3), dtype=np.float32)
    job = sal.Occlusion(model, x, 0, 16, 16)
    m = job.run()
    assert (m[3, :] == job.baseline).all() and (m[:, 2:] == job.baseline).all()
    assert m[0, 0] != job.baseline and m[1, 1] != job.baseline
