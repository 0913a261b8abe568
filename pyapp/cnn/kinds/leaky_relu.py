"""``leaky_relu``: ``x`` for positive ``x``, ``alpha * x`` otherwise (Keras ``LeakyReLU``).

Config: ``alpha`` (the slope for negative inputs; Keras' default 0.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyapp.i18n import tr

from .. import ops
from .base import ActivationKind, Config


class LeakyReLU(ActivationKind):
    type = "leaky_relu"
    title = "leaky ReLU activation"
    short_label = "leaky_relu"
    keras_classes = ("LeakyReLU",)
    rectifies = True

    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        alpha = float(cfg.get("alpha", 0.3))
        if not np.isfinite(alpha):
            raise ValueError(tr("alpha must be a finite number, got {alpha}", alpha=repr(alpha)))
        return {"alpha": alpha}

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        # Keras 2 / TF.js call the slope ``alpha``, Keras 3 ``negative_slope``
        return {"alpha": cfg.get("alpha", cfg.get("negative_slope", 0.3))}

    def function(self, cfg: Config, x: np.ndarray) -> np.ndarray:
        """``y = x if x > 0 else alpha * x``."""
        return ops.leaky_relu(x, cfg["alpha"])

    def formula(self, cfg: Config, x: str = "x") -> str:
        return f"max({cfg['alpha']:g} \u00d7 {x}, {x})" if 0 <= cfg["alpha"] <= 1 else \
            f"leaky_relu({x}), slope {cfg['alpha']:g}"


KIND = LeakyReLU()
