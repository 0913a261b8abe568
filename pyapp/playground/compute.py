"""One playground state: the padded input, the output (by the core's ``conv2d``), and for
every output cell the window it reads and its dot product."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyapp.cnn.ops import conv2d

from .geometry import OutputSizeWorking, Settings, output_size_working
from .validity import Validity, check, used_mask


@dataclass(frozen=True)
class Window:
    """Output cell ``(row, col)``: the padded-input cells its kernel reads (kernel order,
    row by row), their values, the weights, the products and their sum."""

    row: int
    col: int
    cells: tuple[tuple[int, int], ...]
    values: tuple[float, ...]
    weights: tuple[float, ...]
    products: tuple[float, ...]
    total: float


@dataclass(frozen=True)
class PlaygroundResult:
    """Everything the page draws for one setting."""

    settings: Settings
    validity: Validity
    working: OutputSizeWorking
    input: np.ndarray
    """``(n, n)``"""
    padded: np.ndarray
    """``(n + 2p, n + 2p)``: the input with ``p`` rows / columns of zeros on every side"""
    is_padding: np.ndarray
    """``(n + 2p, n + 2p)`` bool: the cells that are padding"""
    used: np.ndarray
    """``(n + 2p, n + 2p)`` bool: the cells some window reads"""
    kernel: np.ndarray
    """``(k, k)``"""
    output: np.ndarray | None
    """``(o, o)``, or ``None`` when the kernel does not fit"""

    @property
    def output_side(self) -> int:
        """The side of the output grid (0 when nothing is computed)."""
        return 0 if self.output is None else int(self.output.shape[0])

    def window_cells(self, row: int, col: int) -> tuple[tuple[int, int], ...]:
        """Padded-input cells read for output ``(row, col)``, in kernel order:
        ``(row*s + u*d, col*s + v*d)`` for ``u, v`` in ``0..k-1``."""
        self._check_cell(row, col)
        s, d, k = self.settings.stride, self.settings.dilation, self.settings.kernel_size
        return tuple((row * s + u * d, col * s + v * d) for u in range(k) for v in range(k))

    def window(self, row: int, col: int) -> Window:
        """Output cell ``(row, col)`` worked out: ``sum_uv P[r, c] * K[u, v]``."""
        cells = self.window_cells(row, col)
        values = tuple(float(self.padded[r, c]) for r, c in cells)
        weights = tuple(float(w) for w in self.kernel.ravel())
        products = tuple(v * w for v, w in zip(values, weights, strict=True))
        return Window(row, col, cells, values, weights, products, float(sum(products)))

    def order(self) -> list[tuple[int, int]]:
        """The animation's path: every output cell, row by row."""
        side = self.output_side
        return [(i, j) for i in range(side) for j in range(side)]

    def _check_cell(self, row: int, col: int) -> None:
        side = self.output_side
        if not (0 <= row < side and 0 <= col < side):
            raise IndexError(f"output cell ({row}, {col}) outside a {side}x{side} output")


def compute(settings: Settings, matrix: np.ndarray, kernel: np.ndarray) -> PlaygroundResult:
    """Compute the playground for ``settings`` on ``matrix`` ``(n, n)`` with ``kernel``
    ``(k, k)``.  The output comes from :func:`pyapp.cnn.ops.conv2d` (no bias)."""
    x = np.asarray(matrix, dtype=np.float64)
    w = np.asarray(kernel, dtype=np.float64)
    n, p, k = settings.input_size, settings.padding, settings.kernel_size
    if x.shape != (n, n):
        raise ValueError(f"input must be {n}x{n} for these settings, got {x.shape}")
    if w.shape != (k, k):
        raise ValueError(f"kernel must be {k}x{k} for these settings, got {w.shape}")
    padded = np.pad(x, p)
    is_padding = np.ones(padded.shape, dtype=bool)
    is_padding[p:p + n, p:p + n] = False
    validity = check(settings)
    output = None
    if validity.computable:
        output = conv2d(x[:, :, None], w[:, :, None, None], strides=settings.stride,
                        padding=p, dilation=settings.dilation)[:, :, 0]
    return PlaygroundResult(
        settings=settings,
        validity=validity,
        working=output_size_working(settings),
        input=x,
        padded=padded,
        is_padding=is_padding,
        used=used_mask(settings),
        kernel=w,
        output=output,
    )
