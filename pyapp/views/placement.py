"""Where a detail view opens: beside the overview column it explains, so the network stays
on screen (pure geometry, CPython-testable; the page passes the rectangles it measured).

Rectangles are ``(left, top, right, bottom)`` in CSS px of the viewport.  On a wide screen
the view takes the widest free band beside the chosen column that leaves both that column
and the output column (the answer) uncovered; when no such band is at least ``FLOOR_WIDTH``
wide, the widest band that keeps the chosen column in view (if at least ``FLOOR_WIDTH``:
the views reflow to narrow boxes); failing that, ``min_width`` on the far side.  On a narrow
screen (under ``SHEET_BELOW`` px) it is a sheet over the lower part of the screen, the top of
the network above it.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[float, float, float, float]

GAP = 12.0  # px between the view and the columns it leaves visible
MARGIN = 8.0  # px from the viewport's edges
MIN_WIDTH = 560.0
FLOOR_WIDTH = 380.0  # narrower than this, covering the column beats squeezing the view
MAX_WIDTH = 1180.0
SHEET_BELOW = 700.0  # viewport width under which the view is a bottom sheet
SHEET_TOP = 0.1  # the sheet leaves this fraction of the screen height above it


@dataclass(frozen=True)
class Placement:
    """The view's box in px (fixed to the viewport) and which side of the column it took:
    ``"right"``, ``"left"`` or ``"sheet"``."""

    left: int
    top: int
    width: int
    height: int
    side: str

    def style(self) -> str:
        return (f"left:{self.left}px;top:{self.top}px;width:{self.width}px;"
                f"height:{self.height}px")


def _band(lo: float, hi: float) -> tuple[float, float]:
    return lo, max(hi, lo)


def place(viewport: tuple[float, float], anchor: Box | None, output: Box | None = None, *,
          min_width: float = MIN_WIDTH, max_width: float = MAX_WIDTH) -> Placement:
    """The box of a view explaining the column ``anchor`` (None: no column on screen),
    ``output`` the output column's box (None: not on screen or the anchor itself)."""
    vw, vh = viewport
    height = vh - 2 * MARGIN
    if vw < SHEET_BELOW:
        top = round(vh * SHEET_TOP)
        return Placement(0, top, int(vw), int(vh - top), "sheet")
    if anchor is None:  # nothing to stand beside: centred
        width = min(vw - 2 * MARGIN, max_width)
        return Placement(round((vw - width) / 2), int(MARGIN), int(width), int(height), "right")
    a_left, _, a_right, _ = anchor
    edge_l, edge_r = MARGIN, vw - MARGIN
    left = ("left",) + _band(edge_l, a_left - GAP)
    right_all = ("right",) + _band(a_right + GAP, edge_r)
    candidates = [left, right_all]
    if output is not None and output[0] > a_right:  # the output column is to the right
        right_free = ("right",) + _band(a_right + GAP, output[0] - GAP)
        keep_output = [left, right_free]
    elif output is not None and output[2] < a_left:
        keep_output = [("left",) + _band(output[2] + GAP, a_left - GAP), right_all]
    else:
        keep_output = candidates

    def width_of(c: tuple[str, float, float]) -> float:
        return c[2] - c[1]

    best = max(keep_output, key=width_of)
    # a narrower view that leaves the answer in sight beats a wide one over it: the views
    # reflow down to FLOOR_WIDTH
    if width_of(best) < min(min_width, FLOOR_WIDTH):
        best = max(candidates, key=width_of)
    side, lo, hi = best
    width = min(max(hi - lo, 0.0), max_width)
    if width < min(min_width, FLOOR_WIDTH):
        # too little room beside the column: cover part of the network
        width = min(min_width, vw - 2 * MARGIN)
        lo = edge_r - width if side == "right" else edge_l
    elif side == "left":
        lo = hi - width  # hug the column
    return Placement(round(lo), int(MARGIN), int(width), int(height), side)
