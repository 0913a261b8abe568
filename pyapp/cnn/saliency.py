"""Saliency maps: which parts of the image a class score depends on.

* :func:`grad_cam` (Selvaraju et al. 2017) and :func:`gradient_x_input` use the backward pass
  (:mod:`grads`) of one class logit ``z_c``;
* :class:`Occlusion` needs only forward passes: it greys out one patch at a time and records
  the class probability, a little at a time so that a page can draw it across frames.

Maps are float64 numpy arrays; :func:`upsample` enlarges a coarse map to the image for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import grads
from .kinds import kind_of

Acts = Mapping[str, np.ndarray]


def default_cam_layer(model: Any) -> str:
    """The last rectified convolution: the last ReLU-like layer right after a ``conv2d``
    (``relu_2_2`` in TinyVGG); the last ``conv2d`` itself if no rectifier follows one."""
    layers = list(model.layers)
    for prev, layer in zip(reversed(layers[:-1]), reversed(layers[1:]), strict=True):
        if getattr(kind_of(layer.type), "rectifies", False) and kind_of(prev.type).role == "conv":
            return layer.name
    convs = [layer.name for layer in layers if kind_of(layer.type).role == "conv"]
    if not convs:
        raise ValueError("Grad-CAM needs a convolution layer; this model has none")
    return convs[-1]


def grad_cam(model: Any, acts: Acts, class_index: int, layer: str | None = None) -> np.ndarray:
    """Grad-CAM of class ``c`` on layer ``L`` (default :func:`default_cam_layer`).

    Bright = the places where layer L found features that, all together, raise the class score
    (weighted by how much each feature channel raises it); zero = no evidence for the class.

    With ``A`` = L's output ``(h, w, K)`` and ``z_c`` the class logit:

        alpha_k = (1 / (h w)) sum_{i, j} dz_c / dA[i, j, k]      (K,)
        map[i, j] = max(0, sum_k alpha_k A[i, j, k])              (h, w), L's resolution
    """
    layer = layer or default_cam_layer(model)
    a = acts[layer]
    if a.ndim != 3:
        raise ValueError(f"Grad-CAM needs a spatial (H, W, C) layer; {layer!r} is {a.shape}")
    g = grads.backward(model, acts, ("logit", class_index), params=False, stop_at=layer)
    alpha = g.activations[layer].mean(axis=(0, 1))
    return np.maximum(a.astype(np.float64) @ alpha, 0.0)


def gradient_x_input(model: Any, acts: Acts, class_index: int,
                     combine: bool = False) -> np.ndarray:
    """Gradient x input: ``x * dz_c / dx``, the input's shape ``(H, W, C)``; with ``combine``
    summed over the channels, ``(H, W)``.

    Bright = these pixel values push the class score up (to first order, the score would drop
    by this much if the pixel were set to black); dark (negative) = they push it down.
    """
    g = grads.backward(model, acts, ("logit", class_index), params=False)
    m = acts["input"].astype(np.float64) * g.input
    return m.sum(axis=2) if combine else m


def upsample(map2d: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """Bilinear resize of ``(h, w)`` to ``size = (H, W)``, pixel centres aligned (as PyTorch
    ``interpolate(..., align_corners=False)``).  Along each axis, output ``o`` samples

        src = max((o + 0.5) * n_in / n_out - 0.5, 0),   i0 = floor(src), i1 = min(i0 + 1, n - 1)
        out = (1 - t) * in[i0] + t * in[i1],   t = src - i0
    """
    m = np.asarray(map2d, dtype=np.float64)

    def axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        return i0, np.minimum(i0 + 1, n_in - 1), src - i0

    r0, r1, tr = axis(m.shape[0], int(size[0]))
    c0, c1, tc = axis(m.shape[1], int(size[1]))
    rows = m[r0] * (1 - tr)[:, None] + m[r1] * tr[:, None]  # (H, w)
    return rows[:, c0] * (1 - tc) + rows[:, c1] * tc


class Occlusion:
    """Occlusion sensitivity, computed a few patch positions per :meth:`step`.

    Dark = covering this patch with grey lowers the class probability the most, so the model
    relies on what is there; values near :attr:`baseline` = the patch does not matter.

    Patch ``p x p`` of value ``fill`` at top-left corners ``(r s, q s)`` for every ``r, q``
    where it fits: ``map[r, q] = P(class | image with that patch greyed)``, shape
    ``(floor((H - p) / s) + 1, floor((W - p) / s) + 1)``.  Until computed, entries are NaN.
    """

    def __init__(self, model: Any, image: np.ndarray, class_index: int, patch: int = 8,
                 stride: int = 4, fill: float = 0.5) -> None:
        self.model = model
        self.image = np.asarray(image, dtype=np.float32)
        self.class_index = int(class_index)
        self.patch, self.stride, self.fill = int(patch), int(stride), float(fill)
        h, w = self.image.shape[:2]
        if not 1 <= self.patch <= min(h, w) or self.stride < 1:
            raise ValueError(f"patch {patch} / stride {stride} do not fit a {h}x{w} image")
        self.shape = ((h - self.patch) // self.stride + 1, (w - self.patch) // self.stride + 1)
        self.map = np.full(self.shape, np.nan)
        self.baseline = float(model.forward(self.image)["probabilities"][self.class_index])
        self._next = 0

    @property
    def total(self) -> int:
        """Number of patch positions."""
        return self.shape[0] * self.shape[1]

    @property
    def done(self) -> bool:
        return self._next >= self.total

    @property
    def progress(self) -> float:
        """Fraction of positions computed, in [0, 1]."""
        return self._next / self.total

    def step(self, n: int = 1) -> int:
        """Compute the next ``n`` positions (row by row); returns how many were computed."""
        stop = min(self._next + max(int(n), 0), self.total)
        x = self.image.copy()
        p, s = self.patch, self.stride
        for k in range(self._next, stop):  # one forward pass per patch position
            r, q = divmod(k, self.shape[1])
            top, left = r * s, q * s
            saved = x[top: top + p, left: left + p].copy()
            x[top: top + p, left: left + p] = self.fill
            self.map[r, q] = self.model.forward(x)["probabilities"][self.class_index]
            x[top: top + p, left: left + p] = saved
        count, self._next = stop - self._next, stop
        return count

    def run(self) -> np.ndarray:
        """Compute every remaining position; the finished map."""
        self.step(self.total)
        return self.map


def occlusion(model: Any, image: np.ndarray, class_index: int, patch: int = 8, stride: int = 4,
              fill: float = 0.5) -> np.ndarray:
    """The whole occlusion map at once (see :class:`Occlusion`)."""
    return Occlusion(model, image, class_index, patch, stride, fill).run()
