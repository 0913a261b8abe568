"""Where a detail view opens: beside the overview column it explains, so the network stays
on screen (pure geometry, CPython-testable; the page passes the rectangles it measured).

Rectangles are ``(left, top, right, bottom)`` in CSS px of the viewport.  On a wide screen
the view takes the widest free band beside the chosen column that leaves both that column
and the output column (the answer) uncovered; when no such band is at least ``FLOOR_WIDTH``
wide, the widest band that keeps the chosen column in view (if at least ``FLOOR_WIDTH``:
the views reflow to narrow boxes); failing that, ``min_width`` on the far side.  On a narrow
screen (under ``SHEET_BELOW`` px wide, or a phone turned sideways: under ``SHEET_SHORT`` px
high) it is a sheet over the lower part of the screen, the top of
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
SHEET_SHORT = 480.0  # viewport height under which it is a sheet too (a phone turned sideways)


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
    if vw < SHEET_BELOW or vh < SHEET_SHORT:
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
PACK_GAP = 8.0  # px between a deck and the column it is packed against
PACK_SEP = 3.0  # px between neighbouring maps in a deck: the columns never overlap
PACK_MAP = 14.0  # px: the narrowest a deck's maps get (a map stays recognisable) ...
PACK_SCALE = 0.5  # ... or this fraction of their size, whichever is larger
# (least scale, least px) of a deck's maps: recognisable first; where that leaves the view
# less than NEED_WIDTH (1024 px: the conv drawing's 10 channel rows and its sum), smaller
# maps; the widest of them if none does (and none at all under FLOOR_WIDTH)
PACKINGS = ((PACK_SCALE, PACK_MAP), (0.4, 11.0), (0.3, 0.0))
NEED_WIDTH = 580.0


@dataclass(frozen=True)
class Spread:
    """The overview opened around the explained columns: the view's box, how far each
    column moves (px, the order the columns were given; negative is to the left), which
    columns stand closer than their natural pitch (a deck: their headings would overlap)
    and how much each column's maps are scaled about their centres (1: natural size; a
    deck's maps side by side, smaller, never on top of each other)."""

    placement: Placement
    shifts: tuple[float, ...]
    packed: tuple[bool, ...]
    scales: tuple[float, ...] = ()


def pack_scale(width: float, least: float = PACK_SCALE, px: float = PACK_MAP) -> float:
    """The smallest scale of a deck's maps of natural ``width`` px:
    ``min(1, max(least, px / width))``."""
    return min(1.0, max(least, px / width)) if width > 0 else 1.0


def _fit(lefts: list[float], width: float, lo: float, hi: float, least: float
         ) -> tuple[list[float], float]:
    """Lefts of a row of equal-width columns and their maps' scale, moved as little as
    possible to lie within ``[lo, hi]``; when their natural span is wider, the maps are
    scaled about their columns' centres, ``s = min(1, max(least, (room - (n - 1) PACK_SEP)
    / (n width)))``, and spread evenly to exactly fill it: side by side, at least
    ``PACK_SEP`` apart, none on another (a box, wider than its map, may reach past)."""
    if not lefts:
        return [], 1.0
    span = lefts[-1] + width - lefts[0]
    if span <= hi - lo + 1e-6:
        shift = max(lo - lefts[0], 0.0) + min(hi - (lefts[-1] + width), 0.0)
        return [x + shift for x in lefts], 1.0
    n, room = len(lefts), max(hi - lo, 0.0)
    scale = min(1.0, max(least, (room - (n - 1) * PACK_SEP) / (n * width)))
    seen = scale * width
    pitch = (room - seen) / (n - 1) if n > 1 else 0.0
    inset = (width - seen) / 2
    return [lo + k * pitch - inset for k in range(n)], scale


def _deck(n: int, width: float, least: float) -> float:
    """The narrowest span ``n`` columns' maps of ``width`` packed side by side take (scaled
    to ``least``)."""
    return n * least * width + (n - 1) * PACK_SEP if n else 0.0


def _open_right(cols: list[tuple[float, float]], a0: int, a1: int, wall: int | None,
                bounds: tuple[float, float, float], max_width: float, packing: tuple[float, float]
                ) -> tuple[float, float, list[float], list[bool], list[float]]:
    """The view to the right of columns ``a0..a1``: (its left, its width, every column's new
    left, which columns now stand closer to a neighbour than they did, every column's maps'
    scale).  Columns right of the anchor pack towards the wall (the output column) or the
    screen's edge; only when that is not room enough, the anchor and the columns left of
    it move left, packing towards the left edge (or a wall there).  The wall never moves."""
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
    f_least, n_least = pack_scale(fw, *packing), pack_scale(nw, *packing)
    deck = _deck(len(far), fw, f_least)
    room_left = max(a_left - lo_near - _deck(len(near), nw, n_least)
                    - (PACK_GAP if near else 0.0), 0.0)
    if not near and wall is not None and wall < a0:
        room_left = 0.0  # the anchor keeps its natural distance from the output column
    # the widest view: everything packed; the anchor moves only as far as that needs
    width = min(max_width, hi_far - deck - a_right + room_left - 2 * GAP)
    move = min(max(a_right + width + 2 * GAP + deck - hi_far, 0.0), room_left)
    new = list(lefts)
    scales = [1.0] * n
    for i in range(a0, a1 + 1):
        new[i] = lefts[i] - move
    view_left = a_right - move + GAP
    placed, s_far = _fit([lefts[i] for i in far], fw, view_left + width + GAP, hi_far, f_least)
    for i, x in zip(far, placed, strict=True):
        new[i], scales[i] = x, s_far
    placed, s_near = _fit([lefts[i] for i in near], nw, lo_near, new[a0] - PACK_GAP, n_least)
    for i, x in zip(near, placed, strict=True):
        # the near columns only ever move away from the view
        new[i], scales[i] = min(x, lefts[i]), s_near
    closer = [False] * n
    for group in (far, near):
        for i in group:
            for j in (i - 1, i + 1):
                if 0 <= j < n and (j in group or j == wall or a0 <= j <= a1) \
                        and abs(new[j] - new[i]) < abs(lefts[j] - lefts[i]) - 0.5:
                    closer[i] = True
    return view_left, width, new, closer, scales


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
    if vw < SHEET_BELOW or vh < SHEET_SHORT or not cols:
        return None
    a0, a1 = anchor
    last = len(cols) - 1
    lo, hi = within if within is not None else (cols[0][0], cols[-1][1])
    mirrored = [(vw - r, vw - le) for le, r in reversed(cols)]
    best = None
    for packing in PACKINGS:
        right = _open_right(cols, a0, a1, output, (lo, hi, vw), max_width, packing)
        # the left side is the right side of the mirrored network
        m_left, m_width, m_new, m_closer, m_scales = _open_right(
            mirrored, last - a1, last - a0, None if output is None else last - output,
            (vw - hi, vw - lo, vw), max_width, packing)
        left = (vw - m_left - m_width, m_width,
                [vw - m_new[last - i] - (cols[i][1] - cols[i][0]) for i in range(last + 1)],
                [m_closer[last - i] for i in range(last + 1)],
                [m_scales[last - i] for i in range(last + 1)])
        side, got = ("right", right) if right[1] >= left[1] else ("left", left)
        if best is None or got[1] > best[1][1] + 0.5:
            best = (side, got)
        if got[1] >= min(NEED_WIDTH, max_width):
            best = (side, got)
            break
    assert best is not None
    side, (x, width, new, closer, scales) = best
    if width < FLOOR_WIDTH:
        return None
    shifts = tuple(round(nx - c[0], 1) for nx, c in zip(new, cols, strict=True))
    spot = Placement(round(x), int(MARGIN), round(x + width) - round(x), int(vh - 2 * MARGIN),
                     side)
    return Spread(spot, shifts, tuple(closer), tuple(round(s, 3) for s in scales))


# --- what follows the columns: the edges between them and the legends under them -----------
def _seen(col: tuple[float, float], shift: float, scale: float) -> tuple[float, float]:
    """A column's maps' ``(left, right)`` on screen after the spread (scaled about the
    column's centre)."""
    centre, half = (col[0] + col[1]) / 2 + shift, (col[1] - col[0]) / 2 * scale
    return centre - half, centre + half


EDGE_ROOM = 8.0  # px: between maps closer than this (a deck) the edges would be a smear


def edge_maps(cols: list[tuple[float, float]], opened: Spread, origin: float, unit: float
              ) -> list[tuple[float, float] | None]:
    """For each column ``i``, the horizontal map ``x' = a x + b`` of the edges drawn into it
    from column ``i - 1`` (in the edges' own units: ``px = origin + unit * x``), so that
    each edge still runs from its source's right edge to its target's left edge: with
    ``S``, ``T`` the natural ends and ``S'``, ``T'`` the moved ones (px),
    ``a = (T' - S') / (T - S)``, ``b = (S' - a S - origin (1 - a)) / unit``.  The curves
    are Beziers, so an affine map of their control points is the map of the curve.
    ``(1, 0)`` for the first column (no edges into it); None where the two columns' maps
    now stand closer than ``EDGE_ROOM`` (a deck) or on both sides of the view (the edges
    would run under it, stretched): those edges are hidden."""
    out: list[tuple[float, float] | None] = [(1.0, 0.0)]
    view = (opened.placement.left, opened.placement.left + opened.placement.width)
    for i in range(1, len(cols)):
        s, t = cols[i - 1][1], cols[i][0]
        s2 = _seen(cols[i - 1], opened.shifts[i - 1], opened.scales[i - 1])[1]
        t2 = _seen(cols[i], opened.shifts[i], opened.scales[i])[0]
        if t - s <= 1e-6 or t2 - s2 < EDGE_ROOM or (s2 <= view[0] and t2 >= view[1]):
            out.append(None)
            continue
        a = (t2 - s2) / (t - s)
        out.append((round(a, 4), round((s2 - a * s - origin * (1 - a)) / unit, 2)))
    return out


LEGEND_TEXT = 0.999  # a legend whose columns' maps are scaled below this hides its numbers


def band_move(band: tuple[float, float], first: int, last: int,
              cols: list[tuple[float, float]], opened: Spread) -> tuple[float, float, bool]:
    """Where a legend spanning ``band`` (px, natural) under columns ``first`` .. ``last``
    goes: ``(left, right, tight)``; each end moves with its column (a point ``x`` near
    column ``i``: ``x' = c_i' + s_i (x - c_i)``, ``c`` its centre), ``tight`` where those
    columns' maps are scaled down (the legend is then too narrow for its numbers: the bar
    and its marks stay)."""
    def move(x: float, i: int) -> float:
        c = (cols[i][0] + cols[i][1]) / 2
        return c + opened.shifts[i] + opened.scales[i] * (x - c)

    tight = min(opened.scales[first:last + 1], default=1.0) < LEGEND_TEXT
    return round(move(band[0], first), 1), round(move(band[1], last), 1), tight
