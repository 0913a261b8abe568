"""The detail views' HTML (built without ``js``): controls, maps, grids, escaping, and the
panels' markup from real view models."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from pyapp.cnn.model import tinyvgg
from pyapp.ui.detail.markup import controls_html, dialog_html, grid_html, map_html
from pyapp.views.maps import Cell


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))
        if tag not in ("img", "br", "input", "path", "line", "circle", "rect"):
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    t.close()
    assert t.stack == [], t.stack
    return t


def test_controls_are_labelled_buttons() -> None:
    tags = parse(controls_html())
    buttons = [a for tag, a in tags.seen if tag == "button"]
    assert {b["data-act"] for b in buttons} == {"back", "play", "fwd", "end", "replay"}
    assert all(b.get("aria-label") and b.get("type") == "button" for b in buttons)
    assert any(tag == "select" and a.get("data-act") == "speed" for tag, a in tags.seen)


def test_dialog_has_title_close_and_record() -> None:
    html = dialog_html()
    parse(html)
    assert 'id="dv-title"' in html and 'id="dv-record"' in html
    assert re.search(r'class="dv-close" aria-label="Close \(Esc\)"', html)


def test_map_html_escapes_and_opens() -> None:
    html = map_html("inter", 62, 62, 'a "quoted" <label>', "cap", channel=2, covers=True,
                    opens="#conv_1_1/0/2")
    tags = parse(html)
    div = next(a for tag, a in tags.seen if tag == "div" and a.get("class") == "dv-map")
    assert div["aria-label"] == 'a "quoted" <label>'
    assert div["role"] == "button" and div["data-opens"] == "#conv_1_1/0/2"
    assert div["tabindex"] == "0" and div["data-ch"] == "2"
    assert sum(1 for tag, a in tags.seen if a.get("class") == "dv-cover") == 2
    canvas = next(a for tag, a in tags.seen if tag == "canvas")
    assert (canvas["width"], canvas["height"]) == ("62", "62")


def test_grid_html() -> None:
    html = grid_html([[Cell("1.00", "#000000", "#ffffff"), Cell("-2.00", "#ffffff", "#000000")]])
    parse(html)
    assert html.count('class="dv-c"') == 2 and "--n:2" in html


@pytest.fixture(scope="module")
def net():
    model = tinyvgg(rng=2)
    return model, model.forward(np.random.default_rng(1).random((64, 64, 3), np.float32))


@pytest.mark.parametrize("hash_", ["#conv_1_2/3", "#conv_1_1/0/2", "#relu_2_1/1",
                                   "#max_pool_2/4", "#output/6", "#softmax/2"])
def test_panels_markup_is_well_formed(net, hash_: str) -> None:
    from pyapp.ui.detail.panels import make_panel
    from pyapp.views.route import parse_hash

    model, acts = net
    ref = parse_hash(hash_, model)
    assert ref is not None
    panel = make_panel(ref, model, acts, "unit")
    tags = parse(panel.html())
    maps = [a for tag, a in tags.seen if tag == "div" and a.get("class") == "dv-map"]
    assert all(m.get("aria-label") for m in maps)
    if ref.kind == "conv":  # every intermediate map opens its formula view
        opens = [m["data-opens"] for m in maps if m.get("data-map") == "inter"]
        assert opens == [f"#conv_1_2/3/{c}" for c in range(10)]


def test_speeds_reach_16x_and_the_dialog_has_a_tab_list() -> None:
    tags = parse(controls_html())
    values = [float(a["value"]) for tag, a in tags.seen if tag == "option"]
    assert max(values) == 16.0 and 1.0 in values
    html = dialog_html()
    tags = parse(html)
    tabs = [a for tag, a in tags.seen if a.get("role") == "tab"]
    assert len(tabs) == 1 and tabs[0]["aria-selected"] == "true"
    assert tabs[0]["aria-controls"] == "dv-body"
    assert any(a.get("role") == "tabpanel" and a.get("id") == "dv-body" for _, a in tags.seen)


def test_elastic_drawing_is_labelled_and_its_notes_folded(net) -> None:
    """Issue 15 item 1: the drawing names its parts as the reference does (input, kernel,
    intermediate, the layer, bias, "add up ... then add the bias"); the secondary notes are
    in a closed <details>, beside the colour-range switch (two labelled radios)."""
    from pyapp.ui.detail.panels import make_panel
    from pyapp.views.route import ViewRef

    model, acts = net
    html = make_panel(ViewRef("conv", "conv_1_2", 3), model, acts, "unit", "layer").html()
    tags = parse(html)
    heads = re.search(r'<div class="dv-el-head"[^>]*>(.*?)</div>', html).group(1)
    assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<span>.*?</span>", heads)] == [
        "", "input relu_1_1 (62, 62, 10)", "kernel", "", "intermediate (60, 60)",
        "partial sum"]
    assert "Add up all intermediate results, then add the bias" in html
    assert re.search(r"\+ bias <b class=\"dv-bias\">", html)
    assert '<span class="dv-outname">conv_1_2</span> 4 (60, 60)' in html
    assert html.count('<span class="dv-rw">shared</span> \u00b1') == 10
    assert html.count("layer \u00b1") == 1
    details = next(a for tag, a in tags.seen if tag == "details")
    assert "open" not in details
    radios = [a for tag, a in tags.seen if tag == "input" and a.get("type") == "radio"]
    assert [(r["value"], r["aria-label"], "checked" in r) for r in radios] == [
        ("map", "Colour range: each map", False), ("layer", "Colour range: whole layer", True)]
