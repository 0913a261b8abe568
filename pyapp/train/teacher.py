"""A wider network that teaches TinyVGG by distillation; used in training only, never shipped.

``WideTeacher`` is a small residual network (the layout of the "ResNet-9" of fast CIFAR-10
training, at a chosen width). It takes the same ``(N, 3, 64, 64)`` batch as TinyVGG, so one
augmented batch feeds both, and averages it back to CIFAR-10's own 32x32 first: the enlarged
image holds no more information, and 32x32 is four times cheaper.

    x -> avgpool 2 -> prep(w) -> layer(2w) + res(2w) -> layer(4w) -> layer(8w) + res(8w)
      -> global max pool -> dense(classes)

where ``layer(c)`` is conv 3x3 (c) -> BatchNorm -> ReLU -> max-pool 2 and ``res(c)`` adds two
more conv -> BN -> ReLU blocks as a residual branch.
"""

from __future__ import annotations

import torch
from torch import nn

DEFAULT_WIDTH = 32  # 1.6 M parameters; 64 is the original ResNet-9 (6.6 M)


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(_block(c, c), _block(c, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class WideTeacher(nn.Module):
    """See the module docstring; ``width`` is the first stage's channel count."""

    def __init__(self, num_classes: int = 10, width: int = DEFAULT_WIDTH, batch_norm: bool = True):
        super().__init__()
        if not batch_norm:
            raise ValueError("the teacher always uses BatchNorm")
        self.batch_norm = True
        self.width = width
        w = width
        self.features = nn.Sequential(
            _block(3, w),
            _block(w, 2 * w), nn.MaxPool2d(2), _Residual(2 * w),
            _block(2 * w, 4 * w), nn.MaxPool2d(2),
            _block(4 * w, 8 * w), nn.MaxPool2d(2), _Residual(8 * w),
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )
        self.output = nn.Linear(8 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(N, 3, 64, 64)`` in [0, 1] (any even side); returns logits ``(N, classes)``."""
        x = nn.functional.avg_pool2d(x, 2)
        return self.output(self.features(x))
