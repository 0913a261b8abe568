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


# --- the network slides apart (issue 15: as the reference, the view opens a gap in place) ---
PACK_PITCH = 6.0  # px between the left edges of columns packed into a deck beside the view
PACK_GAP = 8.0  # px between a deck and the column it is packed against


@dataclass(frozen=True)
class Spread:
    """The overview opened around the explained columns: the view's box, how far each
    column moves (px, the order the columns were given; negative is to the left) and which
    columns stand closer than their natural pitch (a deck: their headings would overlap)."""

    placement: Placement
    shifts: tuple[float, ...]
    packed: tuple[bool, ...]


def _fit(lefts: list[float], width: float, lo: float, hi: float) -> list[float]:
    """Lefts of a row of equal-width columns, moved as little as possible to lie within
    ``[lo, hi]``; when their natural span is wider, evenly compressed to exactly fill it."""
    if not lefts:
        return []
    span = lefts[-1] + width - lefts[0]
    if span <= hi - lo + 1e-6:
        shift = max(lo - lefts[0], 0.0) + min(hi - (lefts[-1] + width), 0.0)
        return [x + shift for x in lefts]
    pitch = (hi - lo - width) / (len(lefts) - 1)
    return [lo + k * pitch for k in range(len(lefts))]


def _deck(n: int, width: float) -> float:
    """The narrowest span ``n`` columns of ``width`` packed at ``PACK_PITCH`` take."""
    return width + (n - 1) * PACK_PITCH if n else 0.0


def _open_right(cols: list[tuple[float, float]], a0: int, a1: int, wall: int | None,
                bounds: tuple[float, float, float], max_width: float
                ) -> tuple[float, float, list[float], list[bool]]:
    """The view to the right of columns ``a0..a1``: (its left, its width, every column's new
    left, which columns now stand closer to a neighbour than they did).  Columns right of
    the anchor pack towards the wall (the output column) or the screen's edge; only when
    that is not room enough, the anchor and the columns left of it move left, packing
    towards the left edge (or a wall there).  The wall never moves."""
    n = len(cols)
    lefts = [c[0] for c in cols]
    vw = bounds[2]
    # the columns stay within the network's panel (and never cross the screen's margin)
    lo = max(min(bounds[0], cols[0][0]), MARGIN)
    hi = max(min(bounds[1], vw - MARGIN), cols[-1][1])
    if wall is not None and wall > a1:
        far, hi_far = list(range(a1 + 1, wall)), cols[wall][0] - PACK_GAP
        near, lo_near = list(range(0, a0)), lo
    elif wall is not None and wall < a0:
        far, hi_far = list(range(a1 + 1, n)), hi
        near, lo_near = list(range(wall + 1, a0)), cols[wall][1] + PACK_GAP
    else:
        far, hi_far = list(range(a1 + 1, n)), hi
        near, lo_near = list(range(0, a0)), lo
    fw = max((cols[i][1] - cols[i][0] for i in far), default=0.0)
    nw = max((cols[i][1] - cols[i][0] for i in near), default=0.0)
    a_left, a_right = cols[a0][0], cols[a1][1]
    deck = _deck(len(far), fw)
    room_left = max(a_left - lo_near - _deck(len(near), nw) - (PACK_GAP if near else 0.0), 0.0)
    if not near and wall is not None and wall < a0:
        room_left = 0.0  # the anchor keeps its natural distance from the output column
    # the widest view: everything packed; the anchor moves only as far as that needs
    width = min(max_width, hi_far - deck - a_right + room_left - 2 * GAP)
    move = min(max(a_right + width + 2 * GAP + deck - hi_far, 0.0), room_left)
    new = list(lefts)
    for i in range(a0, a1 + 1):
        new[i] = lefts[i] - move
    view_left = a_right - move + GAP
    for i, x in zip(far, _fit([lefts[i] for i in far], fw, view_left + width + GAP, hi_far),
                    strict=True):
        new[i] = x
    for i, x in zip(near, _fit([lefts[i] for i in near], nw, lo_near, new[a0] - PACK_GAP),
                    strict=True):
        new[i] = min(x, lefts[i])  # the near columns only ever move away from the view
    closer = [False] * n
    for group in (far, near):
        for i in group:
            for j in (i - 1, i + 1):
                if 0 <= j < n and (j in group or j == wall or a0 <= j <= a1) \
                        and abs(new[j] - new[i]) < abs(lefts[j] - lefts[i]) - 0.5:
                    closer[i] = True
    return view_left, width, new, closer


def spread(viewport: tuple[float, float], cols: list[tuple[float, float]],
           anchor: tuple[int, int], output: int | None = None, *,
           within: tuple[float, float] | None = None,
           max_width: float = MAX_WIDTH) -> Spread | None:
    """Open the network around the columns ``anchor`` (first, last index into ``cols``,
    each column's natural ``(left, right)`` in viewport px) for a view beside them, on the
    side with more room; ``output`` is the output column's index (it stays put, the answer
    in view); ``within`` is the horizontal extent the columns may use (the network's
    panel; default: their own).  None where no gap of ``FLOOR_WIDTH`` opens (a phone gets a sheet,
    :func:`place`)."""
    vw, vh = viewport
    if vw < SHEET_BELOW or not cols:
        return None
    a0, a1 = anchor
    last = len(cols) - 1
    lo, hi = within if within is not None else (cols[0][0], cols[-1][1])
    right = _open_right(cols, a0, a1, output, (lo, hi, vw), max_width)
    # the left side is the right side of the mirrored network
    mirrored = [(vw - r, vw - le) for le, r in reversed(cols)]
    m_left, m_width, m_new, m_closer = _open_right(
        mirrored, last - a1, last - a0, None if output is None else last - output,
        (vw - hi, vw - lo, vw), max_width)
    left = (vw - m_left - m_width, m_width,
            [vw - m_new[last - i] - (cols[i][1] - cols[i][0]) for i in range(last + 1)],
            [m_closer[last - i] for i in range(last + 1)])
    side, (x, width, new, closer) = ("right", right) if right[1] >= left[1] else ("left", left)
    if width < FLOOR_WIDTH:
        return None
    shifts = tuple(round(nx - c[0], 1) for nx, c in zip(new, cols, strict=True))
    spot = Placement(round(x), int(MARGIN), round(x + width) - round(x), int(vh - 2 * MARGIN),
                     side)
    return Spread(spot, shifts, tuple(closer))
