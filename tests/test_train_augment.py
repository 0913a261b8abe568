"""Photo-like augmentation (pyapp.train.augment): shapes, range, seeding, identity at P=0;
and fine-tuning from a checkpoint (--init-from)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch  # a test dependency (pyproject's [test] extra): missing fails

from pyapp.cifar10 import Split
from pyapp.train import augment
from pyapp.train.checkpoint import load_checkpoint, save_checkpoint
from pyapp.train.fit import Recipe, train
from pyapp.train.model import TinyVGG


def _batch(n: int = 16, seed: int = 0) -> torch.Tensor:
    g = np.random.default_rng(seed)
    return torch.from_numpy(g.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8))


def _gen(seed: int) -> torch.Generator:
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


OPS = [augment.resized_crop, augment.blur_or_sharpen, augment.low_resolution,
       augment.greyscale, augment.jpeg_reencode, augment.photo_like]


@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
def test_each_change_keeps_shape_dtype_and_range(op) -> None:  # noqa: ANN001
    x = augment.to_float_nchw(_batch())
    y = op(x, 1.0, _gen(1))
    assert y.shape == x.shape and y.dtype == torch.float32
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0
    assert not torch.equal(y, x)  # with P=1 every sample changes


@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
def test_probability_zero_is_the_identity(op) -> None:  # noqa: ANN001
    x = augment.to_float_nchw(_batch())
    assert torch.equal(op(x, 0.0, _gen(1)), x)


def test_photo_like_is_seeded_and_changes_only_chosen_samples() -> None:
    x = augment.to_float_nchw(_batch(64))
    a = augment.photo_like(x, 0.5, _gen(7))
    b = augment.photo_like(x, 0.5, _gen(7))
    c = augment.photo_like(x, 0.5, _gen(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    # each change picks about half of the samples: some stay as they were, most do not
    same = (a == x).flatten(1).all(1)
    assert 0 < int(same.sum()) < 32


def test_greyscale_has_equal_channels_and_crop_at_zoom_one_is_the_image() -> None:
    x = augment.to_float_nchw(_batch())
    g = augment.greyscale(x, 1.0, _gen(0))
    assert torch.equal(g[:, 0], g[:, 1]) and torch.equal(g[:, 1], g[:, 2])
    same = augment.resized_crop(x, 1.0, _gen(0), zoom=(1.0, 1.0), aspect=(1.0, 1.0))
    assert torch.allclose(same, x, atol=1e-5)


def test_zoom_out_fills_with_the_border_colour() -> None:
    x = torch.full((2, 3, 32, 32), 0.25)
    x[:, :, 8:24, 8:24] = 1.0
    y = augment.resized_crop(x, 1.0, _gen(0), zoom=(2.0, 2.0), aspect=(1.0, 1.0))
    assert torch.allclose(y[:, :, 0, 0], torch.full((2, 3), 0.25), atol=1e-6)
    assert float(y.mean()) < float(x.mean())  # the bright square shrank


def test_train_batch_with_photo_aug_is_seeded_and_enlarged() -> None:
    u8 = _batch(8)
    a = augment.train_batch(u8, 64, _gen(3), pad=2, photo=0.5)
    b = augment.train_batch(u8, 64, _gen(3), pad=2, photo=0.5)
    assert a.shape == (8, 3, 64, 64) and torch.equal(a, b)
    # P=0 draws nothing extra: the same view as before this option existed
    plain = augment.train_batch(u8, 64, _gen(3), pad=2)
    assert torch.equal(plain, augment.train_batch(u8, 64, _gen(3), pad=2, photo=0.0))


def test_init_from_starts_from_the_checkpoint(tmp_path: Path) -> None:
    """--init-from: a zero learning rate keeps the given weights (BatchNorm statistics move)."""
    torch.manual_seed(5)
    start = TinyVGG()
    ck = tmp_path / "start.pt"
    save_checkpoint(ck, start, {})
    g = np.random.default_rng(0)
    split = Split(g.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8),
                  g.integers(0, 10, 16).astype(np.int64))
    recipe = Recipe(batch_size=8, lr_trace=[0.0, 0.0], weight_decay=0.0, photo_aug=0.5,
                    init_from=str(ck))
    model = train(recipe, split, log=lambda _s: None, log_every=0)[0]
    loaded = load_checkpoint(ck)[0]
    for (name, p), q in zip(model.named_parameters(), loaded.parameters(), strict=True):
        assert torch.allclose(p, q), name
    fresh = train(Recipe(batch_size=8, lr_trace=[0.0, 0.0]), split, log=lambda _s: None,
                  log_every=0)[0]
    assert not torch.allclose(next(fresh.parameters()), next(loaded.parameters()))
