"""``sigmoid``: the logistic function ``1 / (1 + exp(-x))`` (``activation="sigmoid"``)."""

from __future__ import annotations

import numpy as np

from .. import ops
from .base import ActivationKind, Config


class Sigmoid(ActivationKind):
    type = "sigmoid"
    title = "sigmoid activation"
    short_label = "sigmoid"
    keras_activation = "sigmoid"

    def function(self, cfg: Config, x: np.ndarray) -> np.ndarray:
        """``sigmoid(x) = 1 / (1 + exp(-x))``, values in (0, 1)."""
        return ops.sigmoid(x)

    def formula(self, cfg: Config, x: str = "x") -> str:
        return f"1 / (1 + exp(\u2212{x}))" if x == "x" else f"sigmoid({x})"


KIND = Sigmoid()
