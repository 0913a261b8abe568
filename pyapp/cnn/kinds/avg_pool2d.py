"""``avg_pool2d``: the mean of every window, channel by channel (Keras
``AveragePooling2D``; cells of ``"same"`` padding are not counted)."""

from __future__ import annotations

import numpy as np

from .. import ops
from .base import Config, PoolKind, Weights


class AvgPool2D(PoolKind):
    type = "avg_pool2d"
    title = "average-pooling layer"
    short_label = "avg_pool"
    keras_classes = ("AveragePooling2D",)
    reduce = "mean"

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.avg_pool2d(x, cfg["pool_size"], cfg["strides"], cfg["padding"])


KIND = AvgPool2D()
