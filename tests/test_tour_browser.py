"""The guided tour in a real browser: walked from its first step to its last (each step's
screen is the one its data describes, its box never covers what it points at), ``&step=5``,
predict-then-reveal against the CPython core, and a malformed or foreign tour file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.session import Session, Source
from pyapp.tour import questions as Q
from pyapp.tour.data import parse_tour
from tests.conftest import new_app_page
from tests.test_a11y_axe import axe_js  # noqa: F401 - the pinned axe-core, installed once

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
INTRO = ROOT / "www" / "tours" / "intro.json"
WAIT = 30_000


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(INTRO.read_text(encoding="utf-8"))


def core_snapshot(image: int) -> Any:
    """The CPython core's snapshot of gallery example ``image`` (0-based)."""
    model = load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")
    gallery = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text())
    data = (ROOT / "www" / "gallery" / gallery[image]["file"]).read_bytes()
    x = preprocess(data, model.input_shape, model.preprocessing)
    return Session(model, x, Source("gallery", image)).snapshot


def wait_step(page: Any, n: int) -> None:
    page.wait_for_function(
        "(n) => { const t = document.getElementById('tour');"
        " return t && t.dataset.step === String(n) && t.dataset.state === 'ready'; }",
        arg=n, timeout=WAIT)


def wait_address(page: Any, hash_: str) -> None:
    """The address bar is written just after the views paint."""
    page.wait_for_function("(h) => location.hash === h", arg=hash_, timeout=WAIT)


def rect(page: Any, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


def overlaps(a: dict, b: dict) -> bool:
    return (min(a["right"], b["right"]) > max(a["left"], b["left"])
            and min(a["bottom"], b["bottom"]) > max(a["top"], b["top"]))


def check_state(app: Any, step: dict, n: int, m: int) -> None:
    page = app.page
    state = step.get("state", {})
    region = page.get_by_role("region", name="Tour")
    assert region.get_by_text(f"Step {n} of {m}", exact=True).is_visible()
    assert region.get_by_role("heading").inner_text() == step["title"]
    wait_address(page, state.get("view", ""))
    query = parse_qs(urlparse(page.url).query)
    assert query.get("image", ["1"]) == [str(state.get("image", 1))]
    assert query.get("step") == [str(n)]
    assert page.input_value("#ov-range") == state.get("range", "unit")
    assert app.is_open() == bool(state.get("view"))
    assert page.evaluate("document.querySelectorAll('.tour-target').length") == (
        1 if step.get("point") else 0)
    if step.get("point") and not app.is_open():  # the floating box leaves its target free
        app.settle(".ov-net")  # the columns have slid back after a closed view ...
        app.frames(2)  # ... and the box has followed them
        app.settle("#tour")
        box, target = rect(page, "#tour"), rect(page, ".tour-target")
        view_h = page.viewport_size["height"]
        if target["height"] < view_h - box["height"] - 24:
            assert not overlaps(box, target), (n, box, target)


def test_the_tour_walks_from_first_to_last_step(browser, site_server, doc):
    app = new_app_page(browser, site_server.url)
    try:
        app.open("?tour=1")
        page = app.page
        steps = doc["steps"]
        for n, step in enumerate(steps, 1):
            wait_step(page, n)
            check_state(app, step, n, len(steps))
            if n < len(steps):
                if n == 2:  # the keys: PageDown forward, PageUp back, PageDown again
                    page.keyboard.press("PageDown")
                    wait_step(page, 3)
                    page.keyboard.press("PageUp")
                    wait_step(page, 2)
                    page.keyboard.press("PageDown")
                else:
                    page.get_by_role("button", name="Next step of the tour").click()
        assert page.get_by_role("button", name="Next step of the tour").is_disabled()
        page.get_by_role("button", name="Back to the previous step of the tour").click()
        wait_step(page, len(steps) - 1)
        page.get_by_role("button", name="Leave the tour").click()
        page.wait_for_function("!document.getElementById('tour')", timeout=WAIT)
        assert "tour" not in parse_qs(urlparse(page.url).query)
        assert app.console_errors == [] and app.outside_requests == []
    finally:
        app.close()


def test_a_step_link_opens_that_step(app_page, doc):
    app = app_page.open("?tour=1&step=5")
    wait_step(app.page, 5)
    view = doc["steps"][4]["state"]["view"]
    app.wait_open("#relu_1_1/0")
    wait_address(app.page, view)
    assert app.page.get_by_role("region", name="Tour").get_by_text(
        f"Step 5 of {len(doc['steps'])}").is_visible()
    # docked in the modal dialog, so its buttons work while the view is open
    assert app.page.evaluate("document.getElementById('tour').closest('dialog')?.id") == "dv"
    app.page.get_by_role("button", name="Next step of the tour").click()
    wait_step(app.page, 6)
    app.wait_closed()
    # a swipe on the box: to the left is the next step, to the right the one before
    for dx, expect in ((-120, 7), (120, 6)):
        box = rect(app.page, "#tour")
        x, y = box["left"] + box["width"] / 2, box["top"] + 20
        for kind, at in (("pointerdown", x), ("pointerup", x + dx)):
            app.page.dispatch_event("#tour", kind, {"pointerType": "touch", "clientX": at,
                                                    "clientY": y, "bubbles": True})
        wait_step(app.page, expect)
    assert app.console_errors == []


def test_a_predict_step_records_the_answer_and_reveals_the_core_s_value(app_page):
    tour = parse_tour(INTRO.read_bytes())
    app = app_page.open("?tour=1&step=4")
    page = app.page
    wait_step(page, 4)
    ask = tour.steps[3].ask
    rev = Q.reveal(ask, core_snapshot(0))
    region = page.get_by_role("region", name="Tour")
    region.get_by_role("button", name="Check my answer").click()
    assert "Choose an answer first." in region.inner_text()
    wrong = next(c for c in rev.choices if c != rev.answer)
    region.get_by_role("radio", name=wrong).check()
    region.get_by_role("button", name="Check my answer").click()
    page.wait_for_function("document.getElementById('tour').dataset.ask === 'revealed'")
    d = page.evaluate("({...document.getElementById('tour').dataset})")
    assert d["guess"] == wrong and d["correct"] == "false" and d["revealed"] == rev.answer
    assert f"answer: {rev.answer}" in page.inner_text("#tour-result")

    # a map question: the click on a map answers it (and opens no view)
    page.get_by_role("button", name="Next step of the tour").click()
    page.get_by_role("button", name="Next step of the tour").click()
    wait_step(page, 6)
    ask = tour.steps[5].ask
    rev = Q.reveal(ask, core_snapshot(0))
    page.click(f"#ov-n-{ask.layer}-{rev.value}")
    page.wait_for_function("document.getElementById('tour').dataset.ask === 'revealed'")
    d = page.evaluate("({...document.getElementById('tour').dataset})")
    assert d["correct"] == "true" and d["revealed"] == rev.answer == str(rev.value + 1)
    assert not app.is_open()
    # the answer stays in the page: back and forth shows it again
    page.get_by_role("button", name="Back to the previous step of the tour").click()
    wait_step(page, 5)
    page.get_by_role("button", name="Next step of the tour").click()
    wait_step(page, 6)
    assert page.evaluate("document.getElementById('tour').dataset.ask") == "revealed"
    assert app.console_errors == [] and app.outside_requests == []


def test_the_class_question_hides_the_bars_until_answered(app_page):
    tour = parse_tour(INTRO.read_bytes())
    n = next(i for i, s in enumerate(tour.steps, 1)
             if s.ask and s.ask.compute == "predicted_class")
    app = app_page.open(f"?tour=1&step={n}")
    page = app.page
    wait_step(page, n)
    step = tour.steps[n - 1]
    rev = Q.reveal(step.ask, core_snapshot(step.state.image))
    assert page.is_hidden(".ov-out .ov-prob") or not page.locator(
        ".ov-out .ov-prob").first.is_visible()
    region = page.get_by_role("region", name="Tour")
    region.get_by_role("radio", name=rev.answer, exact=True).check()
    region.get_by_role("button", name="Check my answer").click()
    page.wait_for_function("document.getElementById('tour').dataset.correct === 'true'")
    assert page.locator(".ov-out .ov-prob").first.is_visible()
    assert rev.values["percent"] in page.inner_text("#tour-result")


@pytest.mark.parametrize(("param", "body", "says"), [
    ("tours/bad.json", "{nope", "not valid JSON"),
    ("tours/big.json", json.dumps({"format": "cnn-explainer-tour", "version": 1,
                                   "title": "T", "steps": [], "x": 1}), "unknown keys"),
    ("http://example.com/tour.json", None, "only a tour on this site"),
    ("tours/missing.json", None, "could not be fetched"),
])
def test_a_malformed_or_foreign_tour_gives_a_plain_message(app_page, param, body, says):
    if body is not None:
        app_page.page.route(f"**/{param}", lambda route: route.fulfill(
            status=200, body=body, content_type="application/json"))
    app = app_page.open(f"?tour={param}")
    page = app.page
    page.wait_for_function("document.documentElement.dataset.tour === 'failed'",
                           timeout=WAIT)
    notice = page.locator(".notice-text", has_text="The tour could not be opened")
    assert says in notice.inner_text()
    assert page.locator("#tour").count() == 0
    page.click("#ov-n-conv_1_1-0")  # the app works without it
    app.wait_open("#conv_1_1/0")
    assert app.outside_requests == []


AXE_RUN = """async (sel) => (await axe.run(document.querySelector(sel),
    {resultTypes: ['violations']})).violations.map((v) => `${v.impact} ${v.id}: ${v.help}`)"""


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["1440x900", "390x844"])
def test_the_tour_box_has_no_axe_violation(browser, site_server, size, axe_js):  # noqa: F811
    # bypass_csp: only so that the test can inject axe-core (the CSP is tested elsewhere)
    app = new_app_page(browser, site_server.url, bypass_csp=True,
                       viewport={"width": size[0], "height": size[1]})
    try:
        app.open("?tour=1&step=4")
        wait_step(app.page, 4)
        app.page.add_script_tag(path=str(axe_js))
        app.settle()
        assert app.page.evaluate(AXE_RUN, "#tour") == []
        app.page.get_by_role("button", name="Next step of the tour").click()
        wait_step(app.page, 5)  # docked in the open detail view
        app.settle()
        assert app.page.evaluate(AXE_RUN, "dialog#dv") == []
    finally:
        app.close()


def test_the_tour_in_japanese(app_page):
    """``?lang=ja``: the Japanese tour (``intro.ja.json``), named "ツアー", with its steps'
    states the English ones; a question's reveal in Japanese."""
    from tests.i18n_text import english_words

    app = app_page.open("?lang=ja&tour=1&step=4")
    page = app.page
    assert page.evaluate("document.documentElement.lang") == "ja"
    wait_step(page, 4)
    ja = json.loads((INTRO.parent / "intro.ja.json").read_text(encoding="utf-8"))
    region = page.get_by_role("region", name="ツアー")
    assert region.get_by_role("heading").inner_text() == ja["steps"][3]["title"]
    assert page.text_content("#tour-progress") == f"ステップ 4 / {len(ja['steps'])}"
    region.get_by_role("radio", name="62").check()
    region.get_by_role("button", name="答え合わせ").click()
    page.wait_for_function("document.getElementById('tour').dataset.ask === 'revealed'")
    layers = [s.name for s in load_native(ROOT / "weights" / "tinyvgg-cifar10.npz").layers]
    text = page.inner_text("#tour")
    assert english_words(text, allowed=layers) == [], text
    assert "正解です。" in text
    region.get_by_role("button", name="ツアーの次のステップ").click()
    wait_step(page, 5)
    wait_address(page, ja["steps"][4]["state"]["view"])  # the English step's view
    assert ja["steps"][4]["state"] == json.loads(INTRO.read_text("utf-8"))["steps"][4]["state"]
    assert app.console_errors == [] and app.outside_requests == []
