"""The playground's input: one channel of the current image, downscaled to ``n x n``, or a
small matrix of integers that can be worked out by hand."""

from __future__ import annotations

import numpy as np
from PIL import Image

CHANNEL_NAMES: tuple[str, ...] = ("red", "green", "blue")
INTEGER_MATRIX_SIDE = 16
INTEGER_RANGE = (0, 9)


def image_patch(image: np.ndarray, channel: int, n: int) -> np.ndarray:
    """Channel ``channel`` of ``image`` (``(H, W, C)`` floats in [0, 1], the model's input)
    downscaled to ``(n, n)`` by area averaging (Pillow's box filter), as float64."""
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 3:
        raise ValueError(f"an image is (H, W, C), got shape {img.shape}")
    if not 0 <= channel < img.shape[2]:
        raise ValueError(f"channel {channel} out of range for {img.shape[2]} channels")
    plane = Image.fromarray(np.ascontiguousarray(img[:, :, channel]), mode="F")
    small = plane.resize((n, n), resample=Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64)


def integer_matrix(n: int, seed: int = 0) -> np.ndarray:
    """An ``(n, n)`` matrix of small integers (0 to 9) for working out by hand.

    The numbers are the top-left corner of a fixed 16x16 matrix drawn from ``seed``, so
    changing the input size keeps the numbers already on screen."""
    if not 1 <= n <= INTEGER_MATRIX_SIDE:
        raise ValueError(f"n must be 1..{INTEGER_MATRIX_SIDE}, got {n}")
    rng = np.random.default_rng(seed)
    lo, hi = INTEGER_RANGE
    full = rng.integers(lo, hi + 1, size=(INTEGER_MATRIX_SIDE, INTEGER_MATRIX_SIDE))
    return full[:n, :n].astype(np.float64)


def as_unit_image(image: np.ndarray) -> np.ndarray:
    """An image as float32 ``(H, W, C)`` in [0, 1]: uint8 pixels are divided by 255, floats
    are taken as they are (the model's input already is in [0, 1])."""
    arr = np.asarray(image)
    if arr.ndim != 3:
        raise ValueError(f"an image is (H, W, C), got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.float32) / 255.0
    return arr.astype(np.float32)
