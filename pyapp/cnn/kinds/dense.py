"""``dense``: a fully connected layer (Keras ``Dense``); the last one gives the logits.

Config: ``units``.  Weights: ``kernel`` ``(inputs, units)`` and ``bias`` ``(units,)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pyapp.i18n import tr

from .. import ops
from .base import Config, LayerKind, Shape, Weights
from .conv2d import kernel_and_bias


class Dense(LayerKind):
    type = "dense"
    title = "fully connected layer"
    role = "linear"
    short_label = "output"
    starts_module = True
    view = "logit"
    article_section = "article-softmax"
    keras_classes = ("Dense",)

    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        return {"units": int(cfg["units"])}

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        if len(in_shape) != 1:
            raise ValueError(tr("needs a flat input (add a flatten layer), got {v}",
                                v=tuple(in_shape)))
        return (cfg["units"],)

    def expected_weights(self, cfg: Config, in_shape: Shape) -> dict[str, Shape]:
        return {"kernel": (in_shape[0], cfg["units"]), "bias": (cfg["units"],)}

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.dense(x, weights["kernel"], weights["bias"])

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        return {"units": cfg["units"]}

    def keras_weights(self, cfg: Mapping[str, Any],
                      find: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
        return kernel_and_bias(cfg, find, int(cfg["units"]))

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        from ..explain import explain_dense

        return explain_dense(model, acts, layer, int(position[-1]))


KIND = Dense()
