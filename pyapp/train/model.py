"""TinyVGG in PyTorch, optionally with BatchNorm after each conv (folded away at export).

Layer names follow product.md: conv_1_1, relu_1_1, conv_1_2, relu_1_2, max_pool_1, conv_2_1,
relu_2_1, conv_2_2, relu_2_2, max_pool_2, flatten, output.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

CONV_NAMES: tuple[str, ...] = ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2")
INPUT_SIZE = 64
FILTERS = 10
FLAT_SIDE = 13  # 64 -> 62 -> 60 -> 30 -> 28 -> 26 -> 13


class TinyVGG(nn.Module):
    """conv(3x3, valid) x2 -> pool -> conv x2 -> pool -> flatten -> dense(10)."""

    def __init__(self, num_classes: int = 10, filters: int = FILTERS, batch_norm: bool = True):
        super().__init__()
        self.batch_norm = batch_norm
        chans = [3, filters, filters, filters, filters]
        self.convs = nn.ModuleDict()
        self.bns = nn.ModuleDict()
        for i, name in enumerate(CONV_NAMES):
            self.convs[name] = nn.Conv2d(chans[i], chans[i + 1], 3, bias=not batch_norm)
            if batch_norm:
                self.bns[name] = nn.BatchNorm2d(chans[i + 1])
        self.output = nn.Linear(filters * FLAT_SIDE * FLAT_SIDE, num_classes)

    def _block(self, x: torch.Tensor, name: str) -> torch.Tensor:
        x = self.convs[name](x)
        if self.batch_norm:
            x = self.bns[name](x)
        return torch.relu(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(N, 3, 64, 64)`` in [0, 1]; returns logits ``(N, classes)``."""
        x = self._block(x, "conv_1_1")
        x = self._block(x, "conv_1_2")
        x = nn.functional.max_pool2d(x, 2)
        x = self._block(x, "conv_2_1")
        x = self._block(x, "conv_2_2")
        x = nn.functional.max_pool2d(x, 2)
        return self.output(torch.flatten(x, 1))


def folded_weights(model: TinyVGG) -> dict[str, np.ndarray]:
    """Native-format arrays (HWIO conv kernels, HWC-ordered dense rows), BatchNorm folded.

    conv -> BN (eval statistics) -> ReLU is rewritten exactly as one conv:
    ``w' = w * g / sqrt(v + eps)``, ``b' = (b - m) * g / sqrt(v + eps) + beta``.
    """
    out: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for name in CONV_NAMES:
            conv = model.convs[name]
            w = conv.weight.double()
            b = conv.bias.double() if conv.bias is not None else torch.zeros(w.shape[0]).double()
            if model.batch_norm:
                bn = model.bns[name]
                scale = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
                w = w * scale[:, None, None, None]
                b = (b - bn.running_mean.double()) * scale + bn.bias.double()
            out[f"{name}/kernel"] = w.permute(2, 3, 1, 0).numpy().astype(np.float32)  # OIHW->HWIO
            out[f"{name}/bias"] = b.numpy().astype(np.float32)
        lin = model.output
        c = lin.in_features // (FLAT_SIDE * FLAT_SIDE)
        k = lin.weight.double().T.reshape(c, FLAT_SIDE, FLAT_SIDE, -1)  # rows in CHW order
        out["output/kernel"] = k.permute(1, 2, 0, 3).reshape(lin.in_features, -1).numpy().astype(
            np.float32
        )
        out["output/bias"] = lin.bias.double().numpy().astype(np.float32)
    return out


def count_parameters(weights: dict[str, np.ndarray]) -> int:
    """Number of scalars in a native weight dict."""
    return int(sum(a.size for a in weights.values()))
