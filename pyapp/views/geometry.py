"""Grid geometry shared by the views: rectangles on a map as CSS percentages, raster-order
positions, the "reveal" covers of a map being filled in, pointer -> cell."""

from __future__ import annotations

from dataclasses import dataclass

from .numbers import pct


@dataclass(frozen=True)
class Rect:
    """A box on an ``h`` x ``w`` map, as CSS percentages of the map's size."""

    left: str
    top: str
    width: str
    height: str

    def style(self) -> str:
        return f"left:{self.left};top:{self.top};width:{self.width};height:{self.height}"


HIDDEN = Rect("0%", "0%", "0%", "0%")


def cell_rect(row0: int, col0: int, rows: int, cols: int, h: int, w: int) -> Rect:
    """The box covering ``rows`` x ``cols`` cells from ``(row0, col0)`` (clipped to the map)."""
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + rows, h), min(col0 + cols, w)
    if r1 <= r0 or c1 <= c0:
        return HIDDEN
    return Rect(pct(c0, w), pct(r0, h), pct(c1 - c0, w), pct(r1 - r0, h))


def reveal_covers(row: int, col: int, h: int, w: int) -> tuple[Rect, Rect]:
    """Two covers hiding the cells after ``(row, col)`` in raster order: the rest of the
    current row, and every row below it."""
    rest_of_row = cell_rect(row, col + 1, 1, w - col - 1, h, w)
    below = cell_rect(row + 1, 0, h - row - 1, w, h, w)
    return rest_of_row, below


def raster(index: int, w: int) -> tuple[int, int]:
    """Position ``index`` in raster order on a map ``w`` wide -> ``(row, col)``."""
    return index // w, index % w


def raster_index(row: int, col: int, h: int, w: int) -> int:
    """``(row, col)`` clipped onto the map -> raster index."""
    return min(max(row, 0), h - 1) * w + min(max(col, 0), w - 1)


def cell_at(x: float, y: float, width: float, height: float, h: int, w: int) -> tuple[int, int]:
    """The cell of an ``h`` x ``w`` map drawn ``width`` x ``height`` px under the point
    ``(x, y)`` (px from the map's top-left corner), clipped to the map."""
    col = int(x * w // width) if width > 0 else 0
    row = int(y * h // height) if height > 0 else 0
    return min(max(row, 0), h - 1), min(max(col, 0), w - 1)
