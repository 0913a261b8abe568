"""Kiosk mode in a real browser: no upload, download or link controls, the tour on a loop,
and after ``&idle=`` minutes without input the start screen again, with the default image,
no edits, no open view and the kiosk's own address."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

WAIT = 60_000
IDLE = "0.25"  # 15 s: longer than any pause between this test's own actions


# how many of a paste and a drop reach the page's own document listeners
PASTE_AND_DROP = """() => { let seen = 0; const note = () => { seen += 1; };
    document.addEventListener('paste', note); document.addEventListener('drop', note);
    for (const type of ['paste', 'drop'])
      document.body.dispatchEvent(new Event(type, {bubbles: true, cancelable: true}));
    document.removeEventListener('paste', note); document.removeEventListener('drop', note);
    return seen; }"""


def dataset(page: Any, key: str) -> str | None:
    return page.evaluate(f"document.documentElement.dataset.{key} ?? null")


def test_the_kiosk_forgets_the_visitor_after_the_idle_time(app_page):
    app = app_page.open(f"?kiosk=1&idle={IDLE}")
    page = app.page
    page.wait_for_function("document.getElementById('tour')?.dataset.state === 'ready'",
                           timeout=WAIT)
    assert dataset(page, "kiosk") == "on"
    for name in ("Upload image", "Copy link"):
        assert page.get_by_role("button", name=name).count() == 0 or not page.get_by_role(
            "button", name=name).first.is_visible()
    assert page.locator(".tk-save").count() == 0 or not page.locator(".tk-save").is_visible()

    # a photo pasted or dropped never reaches the page's own listeners
    reached = page.evaluate(PASTE_AND_DROP)
    assert reached == 0

    # a visitor: another example, a map switched off, a view open, the tour moved on
    page.locator(".ov-thumb").nth(2).click()
    page.wait_for_function("new URLSearchParams(location.search).get('image') === '3'",
                           timeout=WAIT)
    page.click("#ov-n-conv_1_1-0")
    app.wait_open("#conv_1_1/0")
    # the kernel editor (with the switch) starts collapsed: open it by its named control
    page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
    page.get_by_role("button", name="Switch this map off").click()
    page.wait_for_function("document.getElementById('tinker').dataset.edits === '1'",
                           timeout=WAIT)
    assert "edit" in parse_qs(urlparse(page.url).query)
    page.get_by_role("button", name="Next step of the tour").click()
    page.wait_for_function("document.getElementById('tour').dataset.step === '2'")

    # nobody touches it: back to the start
    page.wait_for_function("document.documentElement.dataset.kioskResets === '1'",
                           timeout=WAIT + 30_000)
    page.wait_for_function("document.getElementById('tour').dataset.state === 'ready'"
                           " && document.getElementById('tour').dataset.step === '1'")
    app.wait_closed()
    query = parse_qs(urlparse(page.url).query)
    assert query.get("kiosk") == ["1"] and query.get("idle") == [IDLE]
    assert "image" not in query and "edit" not in query
    assert urlparse(page.url).fragment == ""
    assert page.evaluate("document.getElementById('tinker').dataset.edits") == "0"
    assert page.get_attribute(".ov-thumb >> nth=0", "aria-pressed") == "true"
    assert page.input_value("#ov-range") == "unit"
    assert app.console_errors == [] and app.outside_requests == []


def test_controls_can_be_shown_again(app_page):
    app = app_page.open("?kiosk=1&controls=upload")
    page = app.page
    page.wait_for_function("document.getElementById('tour')?.dataset.state === 'ready'",
                           timeout=WAIT)
    assert page.get_by_role("button", name="Upload image").is_visible()
    assert page.evaluate(PASTE_AND_DROP) == 2  # uploads allowed: the page gets them
    assert not page.locator("#ov-copy-link").is_visible()
    # the tour loops: Next on the last step is the first step again
    steps = int(page.evaluate("document.getElementById('tour').dataset.steps"))
    page.goto(page.url.split("?")[0] + f"?kiosk=1&step={steps}")
    app.wait_for_mark("app:views-mounted")
    page.wait_for_function(f"document.getElementById('tour')?.dataset.step === '{steps}'",
                           timeout=WAIT)
    page.get_by_role("button", name="Next step of the tour").click()
    page.wait_for_function("document.getElementById('tour').dataset.step === '1'")


AUTO_MARKS = "performance.getEntriesByName('kiosk:auto', 'mark').length"


def test_the_kiosk_tour_moves_on_by_itself_and_input_pauses_it(app_page):
    from pyapp.cnn.formats import load_native
    from tests.test_tour_browser import ROOT

    size = int(load_native(ROOT / "weights" / "tinyvgg-cifar10.npz").shapes["conv_1_1"][0])
    app = app_page.open("?kiosk=1&dwell=1&idle=0.1")  # a second a step; 6 s idle
    page = app.page
    page.wait_for_function("document.getElementById('tour')?.dataset.state === 'ready'",
                           timeout=WAIT)
    assert dataset(page, "kioskAuto") == "on"
    steps = int(page.evaluate("document.getElementById('tour').dataset.steps"))
    # nobody answers step 4's question: after one dwell the core's answer shows
    page.wait_for_function("(() => { const t = document.getElementById('tour');"
                           " return t.dataset.step === '4' && t.dataset.ask === 'revealed'; })()",
                           timeout=WAIT)
    assert page.get_attribute("#tour", "data-revealed") == str(size)
    assert str(size) in page.text_content("#tour-result")
    # ... and after the last step the first again, all by itself
    page.wait_for_function(f"{AUTO_MARKS} >= {steps} && "
                           "document.getElementById('tour').dataset.step === '1'",
                           timeout=WAIT + 30_000)
    assert dataset(page, "kioskResets") is None  # nobody came: nothing to forget

    # a visitor: the tour stays where it is until the idle time has passed
    page.keyboard.press("Shift")
    page.wait_for_function("document.documentElement.dataset.kioskAuto === 'paused'")
    moved = page.evaluate(AUTO_MARKS)
    at_reset = page.wait_for_function(
        f"document.documentElement.dataset.kioskResets === '1' && {AUTO_MARKS}",
        timeout=WAIT).json_value()
    assert at_reset == moved
    assert dataset(page, "kioskAuto") == "on"
    page.wait_for_function("document.getElementById('tour').dataset.step === '2'",
                           timeout=WAIT)
    assert app.console_errors == [] and app.outside_requests == []
