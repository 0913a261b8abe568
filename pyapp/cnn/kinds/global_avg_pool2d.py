"""``global_avg_pool2d``: the mean of each whole channel, ``(H, W, C) -> (C,)`` (Keras
``GlobalAveragePooling2D``).

It is average pooling with one window the size of the input, so the page shows it as such:
an overview column of ``C`` one-pixel maps and the pooling view with a single ``H x W`` window.
A dense layer can read its vector directly (no flatten)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyapp.i18n import tr

from .. import ops
from .base import Config, PoolKind, Shape, Weights


class GlobalAvgPool2D(PoolKind):
    type = "global_avg_pool2d"
    title = "global average-pooling layer"
    short_label = "global_avg"
    keras_classes = ("GlobalAveragePooling2D",)
    reduce = "mean"

    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        return {}

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        if cfg.get("keepdims"):
            raise ValueError(tr("keepdims is not supported"))
        return {}

    def window(self, cfg: Config, in_shape: Shape) -> tuple[ops.Pair, ops.Pair, ops.Pads]:
        hw = (int(in_shape[0]), int(in_shape[1]))
        return hw, hw, ((0, 0), (0, 0))

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        if len(in_shape) != 3:
            raise ValueError(tr("needs an (H, W, C) input, got {v}", v=tuple(in_shape)))
        return (int(in_shape[2]),)

    def map_shape(self, shape: Shape) -> tuple[int, int, int] | None:
        return (1, 1, int(shape[0])) if len(shape) == 1 else None

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.global_avg_pool2d(x)

    def readout(self, cfg: Config, source: str, index: int) -> str:
        return f"= mean of all of {source} neuron {index + 1}"


KIND = GlobalAvgPool2D()
