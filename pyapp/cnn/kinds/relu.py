"""``relu``: the rectified linear unit ``max(0, x)`` (Keras ``ReLU`` / ``activation="relu"``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyapp.i18n import tr

from .. import ops
from .base import ActivationKind, Config


class ReLU(ActivationKind):
    type = "relu"
    title = "ReLU activation"
    short_label = "relu"
    keras_classes = ("ReLU",)
    keras_activation = "relu"
    rectifies = True

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        if (cfg.get("max_value") is not None or float(cfg.get("negative_slope") or 0) != 0
                or float(cfg.get("threshold") or 0) != 0):
            raise ValueError(tr("only a plain ReLU is supported"))
        return {}

    def function(self, cfg: Config, x: np.ndarray) -> np.ndarray:
        """``relu(x) = max(0, x)``."""
        return ops.relu(x)

    def formula(self, cfg: Config, x: str = "x") -> str:
        return f"max(0, {x})"


KIND = ReLU()
