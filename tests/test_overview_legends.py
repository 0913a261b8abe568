"""The overview's legend bands, its answer line and the presenter flag of a link (issue 15):
each legend spans its columns' band (bands never overlap), reads -x / 0 / +x with the
snapshot's limits, the output column has a 0 .. 1 legend, the answer is escaped text."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pyapp import links, numbers
from pyapp.cnn.model import sequential_cnn
from pyapp.render.layout import build_layout, layer_infos, span
from pyapp.render.overview_html import PROB_TICKS, answer_html, legends_html
from pyapp.render.ranges import legends


@pytest.fixture(scope="module")
def net():
    model = sequential_cnn(rng=1)
    acts = model.forward(np.random.default_rng(3).random((64, 64, 3), dtype=np.float32))
    kinds = [(i.name, i.kind) for i in layer_infos(model)]
    return model, acts, kinds, build_layout(model.input_shape, layer_infos(model))


def legend_boxes(html: str) -> list[tuple[str, float, float, list[str]]]:
    """(layers, left %, width %, tick texts) of each legend in ``html``."""
    out = []
    for m in re.finditer(r'<div class="ov-legend[^"]*" data-layers="([^"]*)" style="left:'
                         r'([0-9.]+)%;width:([0-9.]+)%[^"]*"(.*?)</div>', html):
        ticks = re.findall(r'class="ov-tick ov-t\d">([^<]*)<', m.group(4))
        out.append((m.group(1), float(m.group(2)), float(m.group(3)), ticks))
    return out


def test_span_covers_the_columns_and_bands_touch_without_overlap(net):
    _, _, _, lay = net
    names = [c.name for c in lay.columns]
    bands = [span(lay, n, n) for n in names]
    assert bands[0][0] == 0.0 and sum(bands[-1]) == pytest.approx(lay.width)
    for (x, w), col in zip(bands, lay.columns, strict=True):
        assert x < col.x and col.x + col.width < x + w
    for (x1, w1), (x2, _) in zip(bands, bands[1:], strict=False):
        assert x1 + w1 == pytest.approx(x2)
    x, w = span(lay, "conv_1_2", "max_pool_1")
    assert x == bands[3][0] and x + w == pytest.approx(sum(bands[5]))
    assert lay.aspect == pytest.approx(lay.width / lay.height)


@pytest.mark.parametrize("mode,count", [("unit", 10), ("module", 4), ("global", 1)])
def test_one_legend_per_spec_plus_input_and_output(net, mode, count):
    _, acts, kinds, lay = net
    specs = legends(acts, kinds, mode)
    boxes = legend_boxes(legends_html(lay, specs))
    assert [b[0] for b in boxes] == (["input"] + [" ".join(s.layers) for s in specs]
                                     + ["output"])
    assert len(boxes) == count + 2
    for (_, left, width, ticks), spec in zip(boxes[1:-1], specs, strict=True):
        lim = numbers.limit(spec.limit)
        assert ticks == [numbers.MINUS + lim, "0", lim]
        x, w = span(lay, spec.layers[0], spec.layers[-1])
        assert x * 100 / lay.width <= left and left + width <= (x + w) * 100 / lay.width
    assert boxes[-1][3] == list(PROB_TICKS) == ["0", "0.5", "1"]
    assert boxes[0][3] == ["0", "0.5", "1"]
    for a, b in zip(boxes, boxes[1:], strict=False):  # side by side, never on top
        assert a[1] + a[2] <= b[1] + 1e-9


def test_one_column_legends_carry_the_narrow_form(net):
    _, acts, kinds, lay = net
    html = legends_html(lay, legends(acts, kinds, "unit"))
    assert html.count("ov-has-pm") == 10 and html.count('class="ov-tick ov-pm"') == 10
    html = legends_html(lay, legends(acts, kinds, "module"))
    assert "ov-has-pm" not in html  # a module's legend has room for all three


def test_answer_is_escaped_text():
    html = answer_html('<img src=x onerror="alert(1)">', "85.3%")
    assert "<img" not in html and "&lt;img" in html and "85.3%" in html


@pytest.mark.parametrize("search,want", [("?present=1", True), ("?present=0", False),
                                         ("?present=yes", False), ("", False),
                                         ("?image=2&present=1&range=module", True)])
def test_present_flag_of_a_link(search, want):
    link = links.parse_page(search)
    assert link.present is want
    if "present" in search:  # kept in the link, as the page's other parameters are
        assert any(k == "present" for k, _ in link.rest)


def test_over_long_link_is_not_presenter_mode():
    assert links.parse_page("?present=1&x=" + "a" * links.MAX_QUERY).present is False


def test_tool_markup_has_the_answer_presenter_button_and_tap_hint():
    from types import SimpleNamespace

    from pyapp.session import Bar

    model = sequential_cnn(rng=1)
    lay = build_layout(model.input_shape, layer_infos(model))
    names = [f"class {i}" for i in range(10)]
    bars = [Bar(f"{10 * i:.2f}%", f"{10 * i:.1f}%") for i in range(10)]
    snap = SimpleNamespace(layout=lay, class_names=names, bars=bars, predicted=7, legends=[],
                           range_mode="unit", selected=0, detail=True)
    from pyapp.render.overview_html import tool_html

    html = tool_html(snap, [])
    answer = re.search(r'<p id="ov-answer" class="ov-answer">(.*?)</p>', html).group(1)
    assert "class 7" in answer and "70.0%" in answer
    assert re.search(r'<button[^>]*id="ov-present"[^>]*aria-pressed="false"[^>]*>'
                     r'Present full screen</button>', html)
    assert re.search(r'<p id="ov-tap-hint" class="ov-tap-hint" role="status" hidden>', html)
    assert f"--ov-ar:{lay.aspect:.4f}" in html


def test_with_present_sets_and_removes_only_present():
    assert links.with_present("?image=2&range=module", True) == "?image=2&range=module&present=1"
    assert links.with_present("?image=2&present=1&range=module", False) == \
        "?image=2&range=module"
    assert links.with_present("?present=1", False) == ""
    assert links.with_present("", True) == "?present=1"
    assert links.with_present("?present=1&present=1", True) == "?present=1"
    assert links.with_present("?x=" + "a" * links.MAX_QUERY, False) == ""  # over-long: dropped
