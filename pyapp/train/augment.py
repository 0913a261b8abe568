"""Batch augmentation on tensors (no DataLoader workers): crop, flip, colour, enlarge to 64."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_float_nchw(batch_u8: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` -> float32 ``(N, 3, H, W)`` in [0, 1]."""
    return batch_u8.permute(0, 3, 1, 2).float().div_(255.0)


def random_crop(x: torch.Tensor, pad: int, gen: torch.Generator) -> torch.Tensor:
    """Reflect-pad by ``pad`` and take a random crop of the original size, per sample."""
    if pad <= 0:
        return x
    n, c, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    oy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = (oy[:, None] + torch.arange(h))[:, None, :, None].expand(n, c, h, w + 2 * pad)
    xp = torch.gather(xp, 2, rows)
    cols = (ox[:, None] + torch.arange(w))[:, None, None, :].expand(n, c, h, w)
    return torch.gather(xp, 3, cols)


def random_flip(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Horizontal flip of half the samples."""
    mask = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(mask[:, None, None, None], x.flip(3), x)


def colour_jitter(x: torch.Tensor, strength: float, gen: torch.Generator) -> torch.Tensor:
    """Random brightness, contrast and saturation, each in ``1 +- strength``; clipped to [0, 1]."""
    if strength <= 0:
        return x
    n = x.shape[0]

    def factor() -> torch.Tensor:
        return (1 + (torch.rand(n, generator=gen) * 2 - 1) * strength)[:, None, None, None]

    x = x * factor()
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor() + mean
    grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (x - grey) * factor() + grey
    return x.clamp_(0.0, 1.0)


def enlarge(x: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear (half-pixel centres, as Pillow's BILINEAR when enlarging) to ``size``."""
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


def train_batch(
    batch_u8: torch.Tensor, size: int, gen: torch.Generator, pad: int = 4, jitter: float = 0.0
) -> torch.Tensor:
    """The training view of a uint8 batch: crop + flip (+ jitter) at 32x32, then enlarge."""
    x = to_float_nchw(batch_u8)
    x = random_flip(random_crop(x, pad, gen), gen)
    x = colour_jitter(x, jitter, gen)
    return enlarge(x, size)


def eval_batch(batch_u8: torch.Tensor, size: int) -> torch.Tensor:
    """The test view: enlarge only."""
    return enlarge(to_float_nchw(batch_u8), size)
