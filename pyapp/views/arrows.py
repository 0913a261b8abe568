"""The convolution drawing's arrows, as the reference draws them (``02-conv-intermediate``):
each input channel through its kernel into its intermediate map, each intermediate result
in one curve into a "+" (the sum), and from the "+" on to the sum and the output map.

Pure geometry (CPython-testable): the page measures the boxes and passes them here in one
coordinate space (px, ``(left, top, right, bottom)``), and gets SVG markup back.  The arrows
are decorative (``aria-hidden``): the view's accessible record says the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]

PLUS_R = 9.0  # px, radius of the "+" circle
PAD = 3.0  # px between an arrow's end and the box it points at


@dataclass(frozen=True)
class Row:
    """One input channel's boxes: its input map, its kernel, its intermediate map, and the
    partial sum the curve leaves from."""

    input: Box
    kernel: Box
    inter: Box
    partial: Box


def _mid_y(b: Box) -> float:
    return (b[1] + b[3]) / 2


def _f(v: float) -> str:
    return f"{v:.1f}"


def curve(x0: float, y0: float, x1: float, y1: float) -> str:
    """An S-curve from ``(x0, y0)`` to ``(x1, y1)`` leaving and arriving horizontally:
    ``M p0 C (xm, y0) (xm, y1) p1`` with ``xm`` half way."""
    xm = (x0 + x1) / 2
    return f"M{_f(x0)} {_f(y0)}C{_f(xm)} {_f(y0)} {_f(xm)} {_f(y1)} {_f(x1)} {_f(y1)}"


def line(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"M{_f(x0)} {_f(y0)}L{_f(x1)} {_f(y1)}"


def sum_arrows_svg(rows: Sequence[Row], visible: tuple[float, float], sumbox: Box) -> str:
    """The paths and the "+" of one elastic view.  ``visible`` is the vertical extent of the
    scrolling channel list: a row scrolled out of it draws no arrows of its own, and its
    curve starts at the list's edge, faint (the "+" still adds it up)."""
    top, bottom = visible
    plus_x = sumbox[0] - PAD - 2 * PLUS_R - 6.0
    plus_y = _mid_y(sumbox)
    out: list[str] = []
    for r in rows:
        y = _mid_y(r.inter)
        shown = top <= y <= bottom
        if shown:  # input -> kernel -> intermediate, straight, with heads
            ky = _mid_y(r.kernel)
            into_kernel = line(r.input[2] + PAD, _mid_y(r.input), r.kernel[0] - PAD, ky)
            into_inter = line(r.kernel[2] + PAD, ky, r.inter[0] - PAD, y)
            out += [f'<path class="dv-arr" d="{d}" marker-end="url(#dv-head)"/>'
                    for d in (into_kernel, into_inter)]
        y0 = min(max(_mid_y(r.partial), top), bottom)
        cls = "dv-arr dv-arr-sum" + ("" if shown else " dv-arr-off")
        out.append(f'<path class="{cls}" d="{curve(r.partial[2] + PAD, y0, plus_x, plus_y)}"/>')
    # the "+" and its arrow on to the sum
    cx = plus_x + PLUS_R
    out.append(f'<circle class="dv-plus" cx="{_f(cx)}" cy="{_f(plus_y)}" r="{_f(PLUS_R)}"/>')
    arm = PLUS_R * 0.55
    out.append(f'<path class="dv-plus-sign" d="{line(cx - arm, plus_y, cx + arm, plus_y)}'
               f'{line(cx, plus_y - arm, cx, plus_y + arm)}"/>')
    out.append(f'<path class="dv-arr" d="{line(cx + PLUS_R, plus_y, sumbox[0] - PAD, plus_y)}"'
               ' marker-end="url(#dv-head)"/>')
    return "".join(out)
