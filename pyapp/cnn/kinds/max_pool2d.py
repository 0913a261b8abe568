"""``max_pool2d``: the largest value of every window, channel by channel (Keras
``MaxPooling2D``; ``"same"`` padding never wins: it holds -inf)."""

from __future__ import annotations

import numpy as np

from .. import ops
from .base import Config, PoolKind, Weights


class MaxPool2D(PoolKind):
    type = "max_pool2d"
    title = "max-pooling layer"
    short_label = "max_pool"
    keras_classes = ("MaxPooling2D",)
    reduce = "max"

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.max_pool2d(x, cfg["pool_size"], cfg["strides"], cfg["padding"])


KIND = MaxPool2D()
