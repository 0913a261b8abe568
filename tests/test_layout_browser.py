"""The overview at five screen sizes (issue 15): no text on top of other text, no text under
12 px, the answer (top class and probability) on the first screen, never a sideways scroll
of the page, the whole network with its legends and read-out on one screen where there is
room; presenter mode (the button, ``?present=1``, Esc) and the touch hint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AppPage, new_app_page

pytestmark = pytest.mark.browser

WAIT = 20_000
# (width, height, touch, what must fit on the first screen)
SIZES = {
    "1440x900": (1440, 900, False, "all"),
    "1280x720": (1280, 720, False, "all"),
    "1024x768": (1024, 768, False, "all"),
    "800x600": (800, 600, False, "output"),
    "390x844": (390, 844, True, "answer"),
}

# Every visible text box in the tool (one per line of a text node), clipped by the viewport
# and by each ancestor that clips (a scroller); a box under the phone's pinned output column
# (opaque) is hidden, not visible.
TEXT_BOXES_JS = """() => {
  const tool = document.getElementById('ov-tool');
  const pin = document.querySelector('.ov-k-output');
  const pinned = pin && getComputedStyle(pin).position === 'sticky' ? pin.getBoundingClientRect()
                                                                      : null;
  const cut = (r, c) => ({left: Math.max(r.left, c.left), right: Math.min(r.right, c.right),
                          top: Math.max(r.top, c.top), bottom: Math.min(r.bottom, c.bottom)});
  const out = [];
  const walker = document.createTreeWalker(tool, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n; n = walker.nextNode(), i++) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement, cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || Number(cs.opacity) === 0) continue;
    let clip = {left: 0, top: 0, right: innerWidth, bottom: innerHeight}, gone = false;
    for (let a = el; a; a = a.parentElement) {  // a visually hidden (clipped) label is not seen
      const s = getComputedStyle(a);
      if (s.clipPath !== 'none') gone = true;
      if (a !== el && (s.overflowX !== 'visible' || s.overflowY !== 'visible')) {
        clip = cut(clip, a.getBoundingClientRect());
      }
    }
    if (gone) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      const b = cut(r, clip);
      if (b.right - b.left < 1 || b.bottom - b.top < 1) continue;
      if (pinned && !pin.contains(el) && b.right > pinned.left + 1) continue;
      out.push({node: i, text: n.textContent.trim().slice(0, 40), size: parseFloat(cs.fontSize),
                left: b.left, right: b.right, top: b.top, bottom: b.bottom});
    }
  }
  return out;
}"""
VISIBLE_JS = """(sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          onTop: !!hit && (el.contains(hit) || hit.contains(el)), text: el.textContent.trim()};
}"""


def overlaps(boxes: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of boxes of different text nodes whose areas overlap (more than ``slack`` px
    each way: a text box is the font's ascent + descent, a fraction of a pixel taller than
    a tight line)."""
    bad = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["node"] == b["node"]:
                continue
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > slack and h > slack:
                bad.append((a["text"], b["text"]))
    return bad


def test_overlaps_finds_an_overlap() -> None:
    """The overlap rule itself can fail: two boxes of different nodes that cross."""
    a = {"node": 1, "text": "a", "left": 0, "right": 10, "top": 0, "bottom": 10}
    b = {"node": 2, "text": "b", "left": 8, "right": 20, "top": 5, "bottom": 12}
    c = {"node": 3, "text": "c", "left": 9.5, "right": 20, "top": 0, "bottom": 4}
    assert overlaps([a, b]) == [("a", "b")]
    assert overlaps([a, c]) == []


@pytest.fixture(scope="module", params=sorted(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any, site_server: Any) -> Iterator[Any]:
    w, h, touch, fits = SIZES[request.param]
    app = new_app_page(browser, site_server.url, viewport={"width": w, "height": h},
                       has_touch=touch, is_mobile=touch)
    app.open()
    app.frames(2)
    yield app, fits
    app.close()


# "Available offline" (boot.js, in the header) once the service worker holds the build: its
# box, and every text box, button, picture and map of the tool it lies on.
OFFLINE_ON = """() => {
  const n = document.getElementById('offline-state'), r = n.getBoundingClientRect(), out = [];
  if (!n.textContent.trim() || !r.width) return ['no notice shown'];
  const tool = document.getElementById('ov-tool');
  for (const el of tool.querySelectorAll('button, img, select, canvas, a, p, span, h2')) {
    const b = el.getBoundingClientRect();
    if (!b.width || !b.height || !el.checkVisibility({visibilityProperty: true})) continue;
    const w = Math.min(r.right, b.right) - Math.max(r.left, b.left);
    const h = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
    if (w > 1 && h > 1) out.push(`${el.tagName}.${el.className} ${el.textContent.trim()
      .slice(0, 20)}`);
  }
  return out;
}"""


def test_the_offline_notice_lies_on_nothing(sized: Any) -> None:
    """It floated under the header's right end: over the gallery's thumbnails on a phone,
    over "Upload image" at 800 px."""
    app, _ = sized
    app.page.wait_for_function("document.getElementById('offline-state')?.dataset.state"
                               " === 'ready'", timeout=90_000)
    assert app.page.evaluate(OFFLINE_ON) == []
    app.frames(2)
    boxes = app.page.evaluate(TEXT_BOXES_JS)  # no text of the tool overlaps it either
    note = app.page.evaluate(VISIBLE_JS, "#offline-state")
    assert note["bottom"] <= app.page.evaluate("innerHeight") and note["onTop"]
    hit = [b["text"] for b in boxes if min(b["right"], note["right"]) - max(b["left"],
           note["left"]) > 1 and min(b["bottom"], note["bottom"]) - max(b["top"],
           note["top"]) > 1]
    assert hit == []
    assert app.page.evaluate("scrollY") == 0


def test_no_text_overlaps_and_none_is_small(sized: Any) -> None:
    app, _ = sized
    boxes = app.page.evaluate(TEXT_BOXES_JS)
    assert len(boxes) > 40  # headings, channel labels, classes, probabilities, legends
    where = app.page.evaluate("[innerWidth, innerHeight, visualViewport.scale]")
    assert overlaps(boxes) == [], where
    small = sorted({(b["text"], b["size"]) for b in boxes if b["size"] < 11.95})
    assert small == []
    assert app.console_errors == []


def test_the_answer_is_on_the_first_screen(sized: Any) -> None:
    app, _ = sized
    page = app.page
    assert page.evaluate("scrollY") == 0
    vw, vh = page.evaluate("[innerWidth, innerHeight]")
    cls = page.evaluate(VISIBLE_JS, ".ov-pred .ov-cls")
    prob = page.evaluate(VISIBLE_JS, ".ov-pred .ov-prob")
    for box in (cls, prob):
        assert box["onTop"], box
        assert 0 <= box["left"] and box["right"] <= vw and 0 <= box["top"] and box["bottom"] <= vh
    answer = page.evaluate(VISIBLE_JS, "#ov-answer")
    assert answer["onTop"] and answer["bottom"] <= vh
    assert cls["text"] in answer["text"] and prob["text"] in answer["text"]


def test_never_scrolls_sideways(sized: Any) -> None:
    app, _ = sized
    # a phone browser widens its layout viewport (zooms out) for a page wider than the screen
    assert app.page.evaluate("[innerWidth, innerHeight]") == list(app.page.viewport_size.values())
    assert app.page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_what_fits_on_one_screen(sized: Any) -> None:
    app, fits = sized
    page = app.page
    vw, vh = page.evaluate("[innerWidth, innerHeight]")
    out = page.evaluate(VISIBLE_JS, ".ov-k-output")
    readout = page.evaluate(VISIBLE_JS, "#ov-readout")
    if fits == "all":  # the network with its legends, and the read-out
        net = page.evaluate(VISIBLE_JS, ".ov-net")
        legends = page.evaluate("""() => [...document.querySelectorAll('.ov-legend')]
            .map(e => e.getBoundingClientRect().bottom)""")
        assert net["left"] >= 0 and net["right"] <= vw and net["bottom"] <= vh
        assert legends and max(legends) <= vh
        assert readout["bottom"] <= vh
    if fits in ("all", "output"):  # the output column and the read-out's first line
        assert out["left"] >= 0 and out["right"] <= vw and out["bottom"] <= vh
        assert readout["top"] + 20 <= vh
    if fits == "answer":  # the phone: the output column is pinned inside the screen
        assert out["onTop"] and 0 <= out["left"] and out["right"] <= vw
        assert page.is_visible("text=Swipe sideways")


def test_legends_read_minus_zero_plus_and_the_output_has_one(sized: Any) -> None:
    app, _ = sized
    page = app.page
    page.select_option("#ov-range", "module")
    page.wait_for_function("document.getElementById('ov-tool').dataset.range === 'module'")
    ticks = page.evaluate("""() => [...document.querySelectorAll('.ov-legend')].map(l => ({
        layers: l.dataset.layers,
        ticks: [...l.querySelectorAll('.ov-tick')].filter(t => t.offsetParent !== null)
                 .map(t => t.textContent)}))""")
    by = {t["layers"]: t["ticks"] for t in ticks}
    lim = by["conv_1_1 relu_1_1"]
    assert len(lim) == 3 and lim[1] == "0" and lim[0] == "\u2212" + lim[2]
    assert by["output"] == ["0", "0.5", "1"]
    page.select_option("#ov-range", "unit")
    page.wait_for_function("document.getElementById('ov-tool').dataset.range === 'unit'")


# --- presenter mode --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def projector(browser: Any, site_server: Any) -> Iterator[AppPage]:
    app = new_app_page(browser, site_server.url, viewport={"width": 1280, "height": 720})
    app.open()
    yield app
    app.close()


def state(page: Any) -> tuple[str, str, bool]:
    return tuple(page.evaluate("""[document.documentElement.dataset.present,
        document.documentElement.dataset.fullscreen, !!document.fullscreenElement]"""))


def test_presenter_button_enters_and_esc_leaves(projector: AppPage) -> None:
    page = projector.page
    button = page.get_by_role("button", name="Present full screen")
    assert state(page) == ("off", "no", False)
    type_before = page.evaluate("parseFloat(getComputedStyle("
                                "document.querySelector('.ov-head')).fontSize)")
    button.click()
    page.wait_for_function("!!document.fullscreenElement", timeout=WAIT)
    page.wait_for_function("document.documentElement.dataset.fullscreen === 'yes'",
                           timeout=WAIT)
    assert state(page) == ("on", "yes", True)
    assert button.get_attribute("aria-pressed") == "true"
    assert "present=1" in page.url  # a link copied now opens in presenter mode
    assert not page.is_visible(".site-header") and not page.is_visible(".article-region")
    assert page.evaluate("parseFloat(getComputedStyle("
                         "document.querySelector('.ov-head')).fontSize)") > type_before
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    boxes = page.evaluate(TEXT_BOXES_JS)
    assert overlaps(boxes) == []
    assert sorted({b["text"] for b in boxes if b["size"] < 14}) == []  # projector type
    assert page.evaluate(VISIBLE_JS, "#ov-readout")["top"] + 20 <= 720
    page.keyboard.press("Escape")
    page.wait_for_function("!document.fullscreenElement", timeout=WAIT)
    page.wait_for_function("document.documentElement.dataset.present === 'off' &&"
                           " document.documentElement.dataset.fullscreen === 'no'",
                           timeout=WAIT)
    assert state(page) == ("off", "no", False)
    assert "present" not in page.url
    assert page.is_visible(".site-header")
    assert button.get_attribute("aria-pressed") == "false"
    assert projector.console_errors == []


def test_present_link_opens_in_presenter_layout(browser: Any, site_server: Any) -> None:
    app = new_app_page(browser, site_server.url, viewport={"width": 1280, "height": 720})
    try:
        app.open("index.html?present=1")
        page = app.page
        page.wait_for_function("document.documentElement.dataset.present === 'on'",
                               timeout=WAIT)
        assert state(page) == ("on", "no", False)  # real full screen needs a gesture
        assert "click anywhere or press a key" in page.inner_text("#ov-present-hint")
        page.keyboard.press("f")
        page.wait_for_function("!!document.fullscreenElement", timeout=WAIT)
        page.wait_for_function("document.documentElement.dataset.fullscreen === 'yes'",
                               timeout=WAIT)
        assert "present=1" in page.url
        page.keyboard.press("Escape")
        page.wait_for_function("!document.fullscreenElement", timeout=WAIT)
        page.wait_for_function("document.documentElement.dataset.present === 'off' &&"
                               " document.documentElement.dataset.fullscreen === 'no'",
                               timeout=WAIT)
        assert state(page) == ("off", "no", False)
        assert "present" not in page.url
        assert app.console_errors == []
    finally:
        app.close()


# --- touch -----------------------------------------------------------------------------------
def test_first_tap_hints_second_tap_opens(browser: Any, site_server: Any) -> None:
    app = new_app_page(browser, site_server.url, viewport={"width": 390, "height": 844},
                       has_touch=True, is_mobile=True)
    try:
        app.open()
        page = app.page
        neuron = page.get_by_role("button", name="conv_1_1, neuron 3 of 10", exact=True)
        hint = page.get_by_role("status").filter(has_text="Tap again to open")
        assert hint.count() == 0 or not hint.is_visible()
        neuron.tap()
        page.wait_for_function(
            "document.getElementById('ov-tool').dataset.armed === 'conv_1_1:2'", timeout=WAIT)
        assert hint.is_visible()
        n, h = neuron.bounding_box(), hint.bounding_box()
        assert abs(h["y"] - (n["y"] + n["height"])) < 12 and abs(h["x"] - n["x"]) < 200
        assert page.evaluate("location.hash") == ""  # the first tap opens nothing
        neuron.tap()
        page.wait_for_function("location.hash === '#/conv_1_1/3'", timeout=WAIT)
        assert not hint.is_visible()
        assert app.console_errors == []
    finally:
        app.close()


# --- the pre-rendered first paint ------------------------------------------------------------
@pytest.mark.parametrize("size", ["1280x720", "390x844"])
def test_first_paint_uses_the_same_layout(browser: Any, site_server: Any, size: str) -> None:
    """The build's pre-render, with Python kept from starting: the same layout, the answer
    and the (pinned) output column already on the first screen."""
    w, h, touch, _ = SIZES[size]
    app = new_app_page(browser, site_server.url, viewport={"width": w, "height": h},
                       has_touch=touch, is_mobile=touch)
    try:
        held: list[Any] = []  # the runtime's request is held unanswered: Python never starts
        app.page.route("**/runtime/pyscript/core.js", lambda route: held.append(route))
        page = app.page
        page.goto(app.base_url, wait_until="commit")  # "load" waits for the held script
        page.wait_for_selector("#ov-tool .ov-pred")
        app.frames(2)
        assert held and app.mark_count("app:interactive") == 0  # the pre-render, no Python
        assert page.evaluate("document.getElementById('status').dataset.state") == "loading"
        boxes = page.evaluate(TEXT_BOXES_JS)
        assert overlaps(boxes) == []
        assert sorted({b["text"] for b in boxes if b["size"] < 11.95}) == []
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        for sel in ("#ov-answer", ".ov-pred .ov-cls", ".ov-pred .ov-prob"):
            box = page.evaluate(VISIBLE_JS, sel)
            assert box["bottom"] <= h and 0 <= box["left"] and box["right"] <= w, sel
        if size == "1280x720":
            assert page.evaluate(VISIBLE_JS, ".ov-net")["bottom"] <= h
    finally:
        app.close()


@pytest.mark.parametrize("size", ["1440x900", "1280x720", "1024x768"])
def test_japanese_labels_do_not_overlap(browser: Any, site_server: Any, size: str) -> None:
    """Japanese labels are wider than English ones ("ソフトマックス" beside "なぜ？" ran into
    each other at the output column's foot): no text on other text in the tool, in ja too."""
    w, h, _, _ = SIZES[size]
    app = new_app_page(browser, site_server.url, viewport={"width": w, "height": h})
    try:
        app.open("?lang=ja")
        app.frames(2)
        assert app.page.evaluate("document.documentElement.lang") == "ja"
        assert overlaps(app.page.evaluate(TEXT_BOXES_JS)) == []
        why = app.page.evaluate(VISIBLE_JS, ".ov-options .why-in-options")
        assert why is not None and why["onTop"] and why["text"] == "なぜ？"
    finally:
        app.close()
