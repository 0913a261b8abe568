"""Fixed check inputs whose probabilities are recorded in a model's ``checks`` at export.

No torch here: the weight tests regenerate these inputs and compare the core's output.
"""

from __future__ import annotations

import numpy as np

#: What ``checks["inputs"]`` says; :func:`check_inputs` implements exactly this.
CHECK_INPUTS_RECIPE = (
    "4 images (64, 64, 3) float32: [0] all 0.5; [1] R = x/63, G = y/63, B = 1 - x/63 "
    "(x = column, y = row); [2] and [3] numpy.random.default_rng(1234).random("
    "(2, 64, 64, 3), dtype=float32)"
)


def check_inputs(size: int = 64) -> np.ndarray:
    """The check images ``(4, size, size, 3)`` float32 in [0, 1] described by the recipe."""
    grey = np.full((size, size, 3), 0.5, np.float32)
    ramp = np.arange(size, dtype=np.float32) / np.float32(size - 1)
    x = np.broadcast_to(ramp[None, :], (size, size))
    y = np.broadcast_to(ramp[:, None], (size, size))
    grad = np.stack([x, y, 1 - x], axis=-1).astype(np.float32)
    noise = np.random.default_rng(1234).random((2, size, size, 3), dtype=np.float32)
    return np.concatenate([grey[None], grad[None], noise]).astype(np.float32)
