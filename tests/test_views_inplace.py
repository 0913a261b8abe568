"""Issue 15's detail-view models: where a view opens (beside its column), the sweep clock
(skip to the end, 16x, a whole conv_1_1 sweep within 20 s), each map on its own colour
range, and the softmax with the tinkering temperature."""

from __future__ import annotations

import numpy as np
import pytest

from pyapp.cnn import explain as ex
from pyapp.cnn.model import tinyvgg
from pyapp.edits import Temperature, apply
from pyapp.numbers import parse
from pyapp.render.colormaps import SIGNED
from pyapp.views.conv import ConvElastic, ConvFormula, channel_label
from pyapp.views.dense import SoftmaxView
from pyapp.views.placement import (
    EDGE_ROOM,
    FLOOR_WIDTH,
    GAP,
    MARGIN,
    MIN_WIDTH,
    PACK_MAP,
    PACK_SEP,
    SHEET_BELOW,
    SHEET_SHORT,
    Spread,
    band_move,
    edge_maps,
    place,
    spread,
)
from pyapp.views.stepper import SPEEDS, Stepper

SWEEP_MS = 20_000.0  # the panels' budget (pyapp.ui.detail.panel.SWEEP_MS; js-free copy)


@pytest.fixture(scope="module")
def net():
    model = tinyvgg(rng=5)
    acts = model.forward(np.random.default_rng(6).random(model.input_shape, dtype=np.float32))
    return model, acts


# --- placement ------------------------------------------------------------------------------
def covers(p, box) -> bool:
    """Does placement ``p`` overlap the horizontal extent of ``box``?"""
    return p.left < box[2] and box[0] < p.left + p.width


@pytest.mark.parametrize("left", [40.0, 250.0, 480.0, 700.0])
def test_beside_the_column_leaving_it_and_the_output_visible(left: float) -> None:
    anchor, output = (left, 200.0, left + 60.0, 800.0), (1300.0, 200.0, 1400.0, 800.0)
    p = place((1440, 900), anchor, output)
    assert not covers(p, anchor) and not covers(p, output)
    assert p.width >= MIN_WIDTH and p.left >= MARGIN and p.left + p.width <= 1440 - MARGIN
    assert p.top == MARGIN and p.height == 900 - 2 * MARGIN
    # it hugs the column on the side it took
    if p.side == "right":
        assert p.left == round(anchor[2] + GAP)
    else:
        assert p.left + p.width == pytest.approx(anchor[0] - GAP, abs=1)


def test_the_output_column_itself_opens_to_its_left() -> None:
    p = place((1440, 900), (1300.0, 200.0, 1400.0, 800.0), None)
    assert p.side == "left" and p.left + p.width <= 1300 - GAP + 1


def test_a_narrower_view_that_leaves_the_answer_beats_a_wide_one_over_it() -> None:
    anchor, output = (450.0, 0.0, 520.0, 700.0), (900.0, 0.0, 1000.0, 700.0)
    p = place((1024, 768), anchor, output)  # 430 px on the left: both stay in view
    assert not covers(p, anchor) and not covers(p, output) and p.width >= FLOOR_WIDTH


def test_no_room_for_both_keeps_the_column_then_a_minimum() -> None:
    anchor, output = (300.0, 0.0, 370.0, 700.0), (700.0, 0.0, 800.0, 700.0)
    p = place((1024, 768), anchor, output)  # 280 px left, 306 px before the output
    assert not covers(p, anchor)  # the output is covered: there is no room for both
    assert p.width >= FLOOR_WIDTH and p.side == "right"
    tight = place((800, 600), (300.0, 0.0, 360.0, 500.0), None)
    assert tight.width == 420 and not covers(tight, (300.0, 0.0, 360.0, 500.0))
    cramped = place((760, 600), (330.0, 0.0, 400.0, 500.0), None)  # 318 px each side
    assert cramped.width == MIN_WIDTH and cramped.left + cramped.width == 760 - MARGIN


def test_a_phone_gets_a_bottom_sheet() -> None:
    p = place((390, 844), (10.0, 100.0, 50.0, 300.0), None)
    assert p.side == "sheet" and p.width == 390 and p.top + p.height == 844 and p.top > 0
    assert place((SHEET_BELOW, 800), None).side != "sheet"


# --- the network slides apart around the explained columns ------------------------------------
def network(vw: float) -> list[tuple[float, float]]:
    """14 map columns and the output column, as the overview draws them at width ``vw``."""
    s = (vw - 40) / 1000
    return [(20 + s * (24 + 62 * i), 20 + s * (52 + 62 * i)) for i in range(14)] + [
        (20 + s * 896, 20 + s * 992)]


@pytest.mark.parametrize("vw,vh", [(1440, 900), (1280, 720), (1024, 768), (800, 600)])
@pytest.mark.parametrize("anchor", [(0, 1), (1, 2), (3, 4), (7, 8), (12, 13), (14, 14)])
def test_the_network_opens_a_gap_for_the_view(vw: int, vh: int, anchor: tuple[int, int]) -> None:
    cols = network(vw)
    s = spread((vw, vh), cols, anchor, 14)
    assert s is not None
    p, a0, a1 = s.placement, *anchor
    new = [(le + dx, r + dx) for (le, r), dx in zip(cols, s.shifts, strict=True)]
    assert s.shifts[14] == 0 or anchor == (14, 14)  # the answer stays where it is
    assert all(new[i + 1][0] >= new[i][0] for i in range(14))  # the order is kept
    seen = [seen_box(c, dx, k) for c, dx, k in zip(cols, s.shifts, s.scales, strict=True)]
    assert all(cols[0][0] - 0.5 <= le and r <= cols[-1][1] + 0.5 for le, r in seen)
    # no column under the view; the view hugs the explained columns on its side
    assert all(r <= p.left + 0.5 or le >= p.left + p.width - 0.5 for le, r in new)
    if p.side == "right":
        assert p.left == pytest.approx(new[a1][1] + GAP, abs=1)
    else:
        assert p.left + p.width == pytest.approx(new[a0][0] - GAP, abs=1)
    assert FLOOR_WIDTH <= p.width <= 1180 and p.top == MARGIN and p.height == vh - 2 * MARGIN
    # the explained columns keep their own spacing and size; a deck keeps every map,
    # smaller (at least PACK_MAP px or half its size) and side by side, never on another
    assert s.shifts[a0] == s.shifts[a1]
    assert s.scales[a0] == s.scales[a1] == 1.0 and s.scales[14] == 1.0
    assert all(seen[i + 1][0] - seen[i][1] >= PACK_SEP - 0.5 for i in range(14))
    # (1024 and 800 px: 14 columns leave the view less than NEED_WIDTH: tighter packings)
    least = (lambda w: min(PACK_MAP, w / 2)) if vw >= 1280 else (lambda w: 0.3 * w)
    assert all(r - le >= least(c[1] - c[0]) - 0.01 for (le, r), c in zip(seen, cols, strict=True))
    assert not any(s.packed[a0:a1 + 1]) and not s.packed[14]


def seen_box(col: tuple[float, float], dx: float, k: float) -> tuple[float, float]:
    c, half = (col[0] + col[1]) / 2 + dx, (col[1] - col[0]) / 2 * k
    return c - half, c + half


def test_the_maps_of_a_deck_are_recognisable_not_slivers() -> None:
    cols = network(1280)
    s = spread((1280, 720), cols, (3, 4), 14)
    assert s is not None
    far = s.scales[5:14]
    assert all(0.5 <= k < 1 for k in far)  # smaller, not 6 px slices of maps on top of
    # each other
    w = cols[5][1] - cols[5][0]
    assert far[0] * w >= PACK_MAP - 0.01


def test_the_edges_follow_the_columns() -> None:
    """Each edge's ends, mapped by edge_maps, land on its columns' moved maps."""
    cols = network(1280)
    s = spread((1280, 720), cols, (3, 4), 14)
    assert s is not None
    origin, unit = 20.0, 1.24  # the edges' units: px = origin + unit * x
    maps = edge_maps(cols, s, origin, unit)
    assert maps[0] == (1.0, 0.0) and len(maps) == 15
    for i in range(1, 15):
        m = maps[i]
        src = seen_box(cols[i - 1], s.shifts[i - 1], s.scales[i - 1])[1]
        dst = seen_box(cols[i], s.shifts[i], s.scales[i])[0]
        if m is None:  # only between maps packed close together (a deck), or across the view
            p = s.placement
            assert dst - src < EDGE_ROOM or (src <= p.left and dst >= p.left + p.width)
            continue
        a, b = m
        for x, want in ((cols[i - 1][1], src), (cols[i][0], dst)):
            u = (x - origin) / unit
            assert origin + unit * (a * u + b) == pytest.approx(want, abs=0.05)
    # nothing moved: the identity
    still = Spread(s.placement, (0.0,) * 15, (False,) * 15, (1.0,) * 15)
    assert all(m == (1.0, 0.0) for m in edge_maps(cols, still, origin, unit))


def test_a_legend_moves_with_its_columns_and_hides_its_numbers_when_squeezed() -> None:
    cols = network(1280)
    s = spread((1280, 720), cols, (3, 4), 14)
    assert s is not None
    band = (cols[6][0] - 10, cols[7][1] + 10)  # a module of two columns in the deck
    left, right, tight = band_move(band, 6, 7, cols, s)
    first = seen_box(cols[6], s.shifts[6], s.scales[6])
    last = seen_box(cols[7], s.shifts[7], s.scales[7])
    assert left < first[0] and right > last[1] and tight
    assert right - left < band[1] - band[0]
    band = (cols[3][0] - 10, cols[4][1] + 10)  # the explained module: moved, whole
    left, right, tight = band_move(band, 3, 4, cols, s)
    assert not tight and right - left == pytest.approx(band[1] - band[0], abs=0.2)
    assert left - band[0] == pytest.approx(s.shifts[3], abs=0.2)


def test_the_gap_is_as_wide_as_the_view_needs_and_no_wider() -> None:
    cols = network(1440)
    narrow, wide = (spread((1440, 900), cols, (1, 2), 14, max_width=w) for w in (700, 1180))
    assert narrow is not None and wide is not None
    assert narrow.placement.width == 700 and wide.placement.width > 700
    # a narrow view moves the columns less
    assert sum(abs(d) for d in narrow.shifts) < sum(abs(d) for d in wide.shifts)
    assert narrow.shifts[:3] == (0, 0, 0)  # room enough: the explained columns stay put


def test_the_columns_may_use_the_networks_panel_not_more() -> None:
    cols = [(le + 150, r + 150) for le, r in network(1000)]  # a network narrower than its panel
    own, panel = (spread((1280, 720), cols, (14, 14), 14, within=w)
                  for w in (None, (40.0, 1240.0)))
    assert own is not None and panel is not None
    assert panel.placement.width > own.placement.width
    new = [seen_box(c, dx, k)[0] for c, dx, k in zip(cols, panel.shifts, panel.scales,
                                                       strict=True)]  # the maps' lefts
    assert min(new) >= 40 - 0.5 and min(new) < cols[0][0]


def test_no_gap_on_a_phone() -> None:
    assert spread((390, 844), network(800), (1, 2), 14) is None


def test_a_phone_turned_sideways_gets_the_sheet_too() -> None:
    """844x390: a 478 x 374 px box beside the column scrolled both ways; the sheet
    takes the whole width."""
    assert spread((844, 390), network(844), (1, 2), 14) is None
    p = place((844, 390), (40.0, 100.0, 120.0, 300.0), (700.0, 100.0, 800.0, 300.0))
    assert p.side == "sheet" and p.width == 844 and p.top + p.height == 390
    assert spread((1024, SHEET_SHORT), network(1024), (1, 2), 14) is not None


# --- the sweep clock ------------------------------------------------------------------------
def test_a_whole_conv_1_1_sweep_takes_at_most_20_s_and_a_step_moves_one(net) -> None:
    model, _ = net
    h, w = model.shapes["conv_1_1"][:2]
    s = Stepper(h * w, interval_ms=40.0, sweep_ms=SWEEP_MS)
    elapsed, frames = 0.0, 0
    while True:  # 60 Hz frames until it wraps back to the start
        before = s.position
        s.tick(1000 / 60)
        elapsed += 1000 / 60
        frames += 1
        if s.position < before:
            break
    assert elapsed <= SWEEP_MS + 1000 / 60
    s.pause()
    p = s.position
    assert s.step(1) == p + 1 and s.step(-1) == p
    slow = Stepper(10, interval_ms=40.0, sweep_ms=SWEEP_MS)  # a short map keeps its pace
    assert slow.step_ms == 40.0


def test_skip_to_the_end_and_16x() -> None:
    s = Stepper(3844, interval_ms=40.0)
    assert s.end() == 3843 and not s.playing
    assert 16.0 in SPEEDS and 8.0 in SPEEDS
    s.set_speed(16.0)
    assert s.step_ms == 40.0 / 16


# --- readable maps --------------------------------------------------------------------------
def test_each_intermediate_and_output_map_on_its_own_range(net) -> None:
    model, acts = net
    vm = ConvElastic(model, acts, "conv_1_2", 3)
    inter = ex.intermediate_maps(model, acts, "conv_1_2", 3).maps
    for ch in range(vm.in_c):
        lim = float(np.abs(inter[ch]).max())
        assert vm.inter_limits[ch] == pytest.approx(lim)
        want = SIGNED.rgba_symmetric(inter[ch].astype(np.float32), lim)
        assert (vm.inter_rgba[ch] == want).all()
        assert parse(vm.inter_ranges[ch].lstrip("\u00b1")) == pytest.approx(lim, abs=5e-3)
        # the strongest value of each map is drawn at full strength: its structure shows
        r, c = np.unravel_index(np.abs(inter[ch]).argmax(), inter[ch].shape)
        assert vm.inter_rgba[ch][r, c, :3].min() < 200
    out = acts["conv_1_2"][:, :, 3]
    assert (vm.output_rgba == SIGNED.rgba_symmetric(out, float(np.abs(out).max()))).all()
    assert "own range" in vm.range_note
    f = ConvFormula(model, acts, "conv_1_2", 3, 2)
    assert (f.inter_rgba == vm.inter_rgba[2]).all()


def test_rows_are_r_g_b_for_the_image_and_numbered_after() -> None:
    assert [channel_label("input", 3, c) for c in range(3)] == ["R", "G", "B"]
    assert channel_label("relu_1_1", 10, 9) == "10"


# --- softmax with the temperature -----------------------------------------------------------
def test_softmax_shows_and_uses_the_temperature(net) -> None:
    model, _ = net
    image = np.random.default_rng(6).random(model.input_shape, dtype=np.float32)
    hot = apply(model, [Temperature(2.0)])
    acts = hot.forward(image)
    vm = SoftmaxView(hot, acts, "output", 4)
    assert vm.t_text == "2.00" and "T = 2.00" in vm.t_note and "/ T" in vm.formula
    z = acts["output"].astype(np.float64)
    p = np.exp(z / 2) / np.exp(z / 2).sum()
    for t in vm.terms:
        assert parse(t.prob) == pytest.approx(p[t.index], abs=5e-5)
        assert parse(t.prob) == pytest.approx(float(acts["probabilities"][t.index]), abs=5e-5)
    f = vm.frame(4)
    assert f.numerator == f"exp({vm.terms[4].logit} / 2.00)"
    plain = SoftmaxView(model, model.forward(image), "output", 4)
    assert plain.t_text == "" and plain.frame(4).numerator == f"exp({plain.terms[4].logit})"
