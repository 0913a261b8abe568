"""``tanh``: the hyperbolic tangent, values in (-1, 1) (``activation="tanh"``)."""

from __future__ import annotations

import numpy as np

from .. import ops
from .base import ActivationKind, Config


class Tanh(ActivationKind):
    type = "tanh"
    title = "tanh activation"
    short_label = "tanh"
    keras_activation = "tanh"

    def function(self, cfg: Config, x: np.ndarray) -> np.ndarray:
        """``tanh(x) = (e^x - e^-x) / (e^x + e^-x)``."""
        return ops.tanh(x)

    def formula(self, cfg: Config, x: str = "x") -> str:
        return f"tanh({x})"


KIND = Tanh()
