"""The convolution drawing's arrows (pyapp.views.arrows): each intermediate result curves
into one "+" left of the sum, each input channel runs through its kernel into its
intermediate map; a row scrolled out of the channel list keeps a faint curve from the
list's edge and no arrows of its own."""

from __future__ import annotations

import re

import pytest

from pyapp.views.arrows import PAD, PLUS_R, Row, curve, sum_arrows_svg


def rows(n: int, pitch: float = 60.0) -> list[Row]:
    return [Row((0, 10 + i * pitch, 50, 60 + i * pitch), (60, 15 + i * pitch, 110, 55 + i * pitch),
                (130, 10 + i * pitch, 180, 60 + i * pitch),
                (190, 25 + i * pitch, 240, 45 + i * pitch)) for i in range(n)]


def paths(svg: str, cls: str) -> list[list[float]]:
    found = re.findall(rf'<path class="{cls}" d="([^"]+)"', svg)
    return [[float(v) for v in re.findall(r"-?\d+\.?\d*", d)] for d in found]


def test_every_intermediate_result_curves_into_one_plus_left_of_the_sum() -> None:
    sumbox = (320.0, 100.0, 420.0, 160.0)
    svg = sum_arrows_svg(rows(3), (0.0, 400.0), sumbox)
    curves = paths(svg, "dv-arr dv-arr-sum")
    assert len(curves) == 3
    cx, cy = (float(v) for v in re.search(r'<circle class="dv-plus" cx="([\d.]+)" cy="([\d.]+)"',
                                          svg).groups())
    assert cy == pytest.approx(130.0) and cx + PLUS_R < sumbox[0]
    for r, c in zip(rows(3), curves, strict=True):
        assert c[:2] == pytest.approx([r.partial[2] + PAD, (r.partial[1] + r.partial[3]) / 2],
                                      abs=0.06)
        assert c[-2:] == pytest.approx([cx - PLUS_R, cy], abs=0.06)  # ends on the "+"
    # input -> kernel -> intermediate per row, and the "+" on to the sum: with arrow heads
    assert svg.count('marker-end="url(#dv-head)"') == 3 * 2 + 1


def test_a_row_scrolled_away_keeps_a_faint_curve_from_the_lists_edge() -> None:
    svg = sum_arrows_svg(rows(10), (0.0, 300.0), (320.0, 100.0, 420.0, 160.0))
    faint = paths(svg, "dv-arr dv-arr-sum dv-arr-off")
    assert len(faint) == 5 and all(c[1] == pytest.approx(300.0) for c in faint)
    assert len(paths(svg, "dv-arr dv-arr-sum")) == 5
    assert svg.count('marker-end="url(#dv-head)"') == 5 * 2 + 1


def test_a_curve_leaves_and_arrives_horizontally() -> None:
    nums = [float(v) for v in re.findall(r"-?\d+\.?\d*", curve(0, 0, 100, 50))]
    assert nums == [0, 0, 50, 0, 50, 50, 100, 50]
