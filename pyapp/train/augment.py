"""Batch augmentation on tensors (no DataLoader workers): crop, flip, colour, enlarge to 64;
and photo-like changes that make a CIFAR image look like a real photo as the page prepares it."""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


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


def _chosen(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    """A boolean ``(n,)`` mask: each sample chosen with probability ``p``."""
    return torch.rand(n, generator=gen) < p


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def resized_crop(x: torch.Tensor, p: float, gen: torch.Generator,
                 zoom: tuple[float, float] = (0.6, 1.3),
                 aspect: tuple[float, float] = (0.8, 1.25)) -> torch.Tensor:
    """Per sample (probability ``p``): a random square-ish window of side ``zoom`` times the
    image (below 1 a crop, above 1 the whole image smaller, as a photo framed wider), resampled
    bilinearly to the same size; outside the image the fill is its mean border colour.

    An affine sampling grid ``(x', y') = (s_x x + t_x, s_y y + t_y)`` in [-1, 1] coordinates,
    ``s = zoom * sqrt(aspect)^(+-1)``, ``|t| <= |1 - s|``; shapes ``(N, C, H, W)`` kept.
    """
    n = x.shape[0]
    mask = _chosen(n, p, gen)
    if not bool(mask.any()):
        return x
    z = torch.exp(_uniform(n, float(np.log(zoom[0])), float(np.log(zoom[1])), gen))
    a = torch.exp(_uniform(n, float(np.log(aspect[0])), float(np.log(aspect[1])), gen)).sqrt()
    sx, sy = z * a, z / a
    tx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sx).abs()
    ty = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sy).abs()
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = sx, tx, sy, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    border = torch.cat([x[:, :, 0], x[:, :, -1], x[:, :, :, 0], x[:, :, :, -1]], dim=2)
    fill = border.mean(dim=2)[:, :, None, None]
    y = F.grid_sample(x - fill, grid, mode="bilinear", padding_mode="zeros",
                      align_corners=False) + fill
    return torch.where(mask[:, None, None, None], y, x)


_BLUR = torch.tensor([1.0, 2.0, 1.0]) / 4


def blur_or_sharpen(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Per sample (probability ``p``): ``x + a (g * x - x)`` with ``g`` the 3x3 binomial
    blur and ``a`` uniform in [-1, 1] (above 0 blurred, below 0 sharpened: unsharp mask);
    clipped to [0, 1]. Shapes ``(N, C, H, W)`` kept."""
    n, c = x.shape[:2]
    mask = _chosen(n, p, gen)
    if not bool(mask.any()):
        return x
    k = (_BLUR[:, None] * _BLUR[None, :]).expand(c, 1, 3, 3)
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k, groups=c)
    a = torch.where(mask, _uniform(n, -1.0, 1.0, gen), torch.zeros(n))[:, None, None, None]
    return (x + a * (g - x)).clamp_(0.0, 1.0)


def low_resolution(x: torch.Tensor, p: float, gen: torch.Generator,
                   sides: tuple[int, int] = (16, 28)) -> torch.Tensor:
    """Per sample (probability ``p``): reduce to ``r x r`` (area-averaging) and enlarge back
    (bilinear), ``r`` drawn once per batch in ``sides``: the detail a small or distant object
    keeps. Shapes ``(N, C, H, W)`` kept."""
    n, _, h, w = x.shape
    mask = _chosen(n, p, gen)
    r = int(torch.randint(sides[0], sides[1] + 1, (1,), generator=gen))
    if not bool(mask.any()) or r >= min(h, w):
        return x
    small = F.interpolate(x[mask], size=(r, r), mode="bilinear", antialias=True,
                          align_corners=False)
    y = x.clone()
    y[mask] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    return y


def greyscale(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Per sample (probability ``p``): ``0.299 R + 0.587 G + 0.114 B`` in all three channels
    (black-and-white prints). Shapes ``(N, 3, H, W)`` kept."""
    mask = _chosen(x.shape[0], p, gen)
    grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).expand_as(x)
    return torch.where(mask[:, None, None, None], grey, x)


def jpeg_reencode(x: torch.Tensor, p: float, gen: torch.Generator,
                  quality: tuple[int, int] = (30, 95)) -> torch.Tensor:
    """Per sample (probability ``p``): round to 8 bits, JPEG-encode with Pillow at a random
    quality in ``quality`` and decode (not vectorised: ~0.1 ms a 32x32 image). Shapes kept."""
    n = x.shape[0]
    mask = _chosen(n, p, gen)
    q = torch.randint(quality[0], quality[1] + 1, (n,), generator=gen)
    idx = torch.nonzero(mask).flatten().tolist()
    if not idx:
        return x
    y = x.clone()
    u8 = (x[idx] * 255).round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for j, i in enumerate(idx):
        buf = io.BytesIO()
        Image.fromarray(u8[j]).save(buf, format="JPEG", quality=int(q[i]))
        buf.seek(0)
        with Image.open(buf) as im:
            dec = np.asarray(im.convert("RGB"), dtype=np.float32) / np.float32(255.0)
        y[i] = torch.from_numpy(dec).permute(2, 0, 1)
    return y


def photo_like(x: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Make CIFAR images at their own size look like the page's inputs (a real photo reduced
    to 32x32): each change applied independently to a sample with probability ``p`` (the
    grey one with ``p / 10``): resized crop, colour jitter (0.3), blur/sharpen, low resolution,
    JPEG re-encoding. ``p = 0`` returns ``x`` unchanged; float ``(N, 3, H, W)`` in [0, 1]."""
    if p <= 0:
        return x
    x = resized_crop(x, p, gen)
    mask = _chosen(x.shape[0], p, gen)
    x = torch.where(mask[:, None, None, None], colour_jitter(x, 0.3, gen), x)
    x = greyscale(x, p / 10, gen)
    x = blur_or_sharpen(x, p, gen)
    x = low_resolution(x, p, gen)
    return jpeg_reencode(x, p, gen)


def train_batch(
    batch_u8: torch.Tensor, size: int, gen: torch.Generator, pad: int = 4, jitter: float = 0.0,
    photo: float = 0.0,
) -> torch.Tensor:
    """The training view of a uint8 batch: crop + flip (+ jitter, + photo-like changes with
    probability ``photo``) at 32x32, then enlarge."""
    x = to_float_nchw(batch_u8)
    x = random_flip(random_crop(x, pad, gen), gen)
    x = colour_jitter(x, jitter, gen)
    x = photo_like(x, photo, gen)
    return enlarge(x, size)


def eval_batch(batch_u8: torch.Tensor, size: int) -> torch.Tensor:
    """The test view: enlarge only."""
    return enlarge(to_float_nchw(batch_u8), size)
