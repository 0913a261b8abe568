"""``conv2d``: a 2-D convolution with learned kernels (Keras ``Conv2D``).

Config: ``filters``, ``kernel_size`` ``[kh, kw]``, ``strides``, ``padding``, ``dilation``.
Weights: ``kernel`` HWIO ``(kh, kw, C_in, filters)`` and ``bias`` ``(filters,)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from pyapp.i18n import tr

from .. import ops
from .base import (
    Config,
    LayerKind,
    Shape,
    Weights,
    keras_padding,
    norm_padding,
    window_output_shape,
)


class Conv2D(LayerKind):
    type = "conv2d"
    title = "convolution"
    role = "conv"
    short_label = "conv"
    draws_maps = True
    starts_module = True
    view = "conv"
    article_section = "article-conv"
    keras_classes = ("Conv2D",)

    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        return {
            "filters": int(cfg["filters"]),
            "kernel_size": list(ops.as_pair(cfg["kernel_size"], "kernel_size")),
            "strides": list(ops.as_pair(cfg.get("strides", 1), "strides")),
            "padding": norm_padding(cfg.get("padding", "valid")),
            "dilation": list(ops.as_pair(cfg.get("dilation", 1), "dilation")),
        }

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        return window_output_shape(in_shape, cfg["kernel_size"], cfg["strides"],
                                   cfg["padding"], cfg["dilation"], cfg["filters"])

    def expected_weights(self, cfg: Config, in_shape: Shape) -> dict[str, Shape]:
        kh, kw = cfg["kernel_size"]
        return {"kernel": (kh, kw, in_shape[2], cfg["filters"]), "bias": (cfg["filters"],)}

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return ops.conv2d(x, weights["kernel"], weights["bias"], cfg["strides"], cfg["padding"],
                          cfg["dilation"])

    def window(self, cfg: Config) -> tuple[ops.Pair, ops.Pair, ops.Pair]:
        """``(kernel_size, strides, dilation)``."""
        return (ops.as_pair(cfg["kernel_size"]), ops.as_pair(cfg["strides"]),
                ops.as_pair(cfg["dilation"]))

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        if int(cfg.get("groups", 1)) != 1:
            raise ValueError(tr("grouped convolution is not supported"))
        return {"filters": cfg["filters"], "kernel_size": cfg["kernel_size"],
                "strides": cfg.get("strides", [1, 1]), "padding": keras_padding(cfg),
                "dilation": cfg.get("dilation_rate", [1, 1])}

    def keras_weights(self, cfg: Mapping[str, Any],
                      find: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
        """``kernel`` and ``bias`` (zeros when ``use_bias`` is off) from the manifest."""
        return kernel_and_bias(cfg, find, int(cfg["filters"]))

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        from ..explain import explain_conv

        row, col, channel = (int(p) for p in position)
        return explain_conv(model, acts, layer, channel, row, col)


def kernel_and_bias(cfg: Mapping[str, Any], find: Callable[[str], np.ndarray],
                    units: int) -> dict[str, np.ndarray]:
    """A Keras layer's ``kernel`` and ``bias`` (zeros when ``use_bias`` is false)."""
    bias = find("bias") if cfg.get("use_bias", True) else np.zeros(units, np.float32)
    return {"kernel": find("kernel"), "bias": bias}


KIND = Conv2D()
