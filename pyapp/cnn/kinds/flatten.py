"""``flatten``: ``(H, W, C) -> (H*W*C,)`` in row, column, channel order (Keras ``Flatten``).
No config, no weights; not drawn in the overview (the output's edges come from the maps)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import ops
from .base import Config, LayerKind, Shape, Weights


class Flatten(LayerKind):
    type = "flatten"
    title = "flatten step"
    role = "reshape"
    short_label = "flatten"
    article_section = "article-flatten"
    keras_classes = ("Flatten",)

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        return (int(np.prod(in_shape)),)

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.flatten(x)

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        from ..explain import explain_flatten

        return explain_flatten(model, acts, layer, int(position[0]))


KIND = Flatten()
