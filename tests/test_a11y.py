"""Accessibility: axe-core finds no serious or critical violation on the overview or on any
detail view, and a keyboard-only walk-through works (choose an image, open a conv view, step
the animation, close, open the softmax view).

axe-core comes from npm, installed by this test into the git-ignored ``.cache/axe/`` (pinned
version) and injected into the page by the test only; it is never part of the site.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import sitekit  # noqa: E402

pytestmark = pytest.mark.browser

AXE_VERSION = "4.10.2"
AXE_DIR = sitekit.ROOT / ".cache" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
DIALOG = "dialog#dv[open]"
DETAIL_HASHES = ("#conv_1_1/0", "#conv_1_2/3/2", "#relu_1_1/4", "#max_pool_1/2", "#output/3",
                 "#softmax/3")


@pytest.fixture(scope="module")
def axe_js() -> Path:
    """axe-core's browser bundle (npm, pinned), installed on first use."""
    if not AXE_JS.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run(
                ["npm", "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
                 "--no-save", "--loglevel=error", f"axe-core@{AXE_VERSION}"],
                capture_output=True, text=True, timeout=300, check=False)
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            pytest.fail(f"axe-core could not be installed with npm: {exc}")
        if done.returncode != 0 or not AXE_JS.exists():
            pytest.fail(f"axe-core could not be installed with npm: {done.stderr[-300:]}")
    return AXE_JS


@pytest.fixture(scope="module")
def app(browser: Any, request: pytest.FixtureRequest) -> Iterator[sitekit.Watched]:
    site = sitekit.site_root(request)
    with sitekit.serve_dir(site) as url:
        # bypass_csp: only so that the test can inject axe-core (the CSP is tested elsewhere)
        watched = sitekit.new_context(browser, url, bypass_csp=True)
        try:
            sitekit.open_app(watched)
            yield watched
        finally:
            watched.context.close()


def serious(page: Any, axe_js: Path, context: str = "document") -> list[str]:
    """axe-core's serious and critical violations in ``context`` (a CSS selector)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_js))
    result = page.evaluate("""async ([selector, tags]) => {
        const where = selector === 'document' ? document : document.querySelector(selector);
        const r = await axe.run(where, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']});
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.impact} ${v.id}: ${v.help} -- ` +
               v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
    }""", [context, AXE_TAGS])
    return list(result)


def test_overview_has_no_serious_violations(app: sitekit.Watched, axe_js: Path) -> None:
    page = app.page
    sitekit.need(page, sitekit.THUMBS, "the overview's gallery")
    assert serious(page, axe_js) == []


@pytest.mark.parametrize("view", DETAIL_HASHES)
def test_detail_view_has_no_serious_violations(app: sitekit.Watched, axe_js: Path,
                                               view: str) -> None:
    page = app.page
    page.evaluate("(h) => { location.hash = h; }", view)
    page.wait_for_selector(DIALOG, timeout=20_000)
    # audit the settled view: the elastic view's columns slide (and fade) in for 0.7 s, and a
    # half-faded number is not what a reader sees
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                           timeout=10_000)
    try:
        assert serious(page, axe_js, "dialog#dv") == []
    finally:
        page.keyboard.press("Escape")
        page.wait_for_function("(s) => !document.querySelector(s)", arg=DIALOG,
                               timeout=10_000)


def _focused(page: Any) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; return {
        tag: e.tagName, id: e.id, cls: e.className && String(e.className),
        layer: e.dataset ? e.dataset.l || '' : '', act: e.dataset ? e.dataset.act || '' : '',
        label: e.getAttribute('aria-label') || '', text: (e.textContent || '').trim().slice(0, 40),
        // a focus ring on the element or on what it wraps (e.g. a neuron's canvas)
        visible: [e, ...e.querySelectorAll('*')].slice(0, 8).some((n) => {
            const s = getComputedStyle(n);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) ||
                s.boxShadow !== 'none'; })}; }""")


def _tab_to(page: Any, test: Any, what: str, limit: int = 80, key: str = "Tab") -> dict:
    for _ in range(limit):
        page.keyboard.press(key)
        here = _focused(page)
        if test(here):
            return here
    pytest.fail(f"keyboard: {what} was not reached in {limit} presses of {key}")


def test_keyboard_only_walk_through(app: sitekit.Watched) -> None:
    page = app.page
    sitekit.need(page, sitekit.THUMBS, "the overview's gallery")
    sitekit.need(page, ".dv-softmax-btn", "the softmax button of the detail views")
    page.evaluate("() => { location.hash = ''; document.activeElement?.blur(); }")
    page.mouse.move(0, 0)
    # a focusable body moves Tab's starting point to the top (a plain blur keeps the old one)
    page.evaluate("() => { const b = document.body; b.tabIndex = -1; b.focus();"
                  " b.removeAttribute('tabindex'); }")

    # 1. choose an image
    thumb = _tab_to(page, lambda f: "ov-thumb" in f["cls"], "an example image")
    assert thumb["visible"], "no visible focus indicator on the example image"
    page.keyboard.press("Tab")  # the next example
    drawn = sitekit.mark_count(page, "app:image-drawn")
    page.keyboard.press("Enter")
    sitekit.wait_mark(page, "app:image-drawn", drawn, 30_000)

    # 2. open a conv view
    _tab_to(page, lambda f: "ov-n" in f["cls"].split(), "a neuron of the network")
    conv = _tab_to(page, lambda f: f["layer"].startswith("conv"), "a conv neuron",
                   limit=12, key="ArrowRight") if not _focused(page)["layer"].startswith(
                       "conv") else _focused(page)
    assert conv["visible"], "no visible focus indicator on the neuron"
    page.keyboard.press("Enter")
    page.wait_for_selector(DIALOG, timeout=20_000)
    assert page.evaluate("(s) => document.querySelector(s).contains(document.activeElement)",
                         DIALOG), "focus did not move into the detail view"

    # 3. step the animation (pause, then step forward)
    _tab_to(page, lambda f: f["act"] == "play", "the play / pause button", limit=30)
    page.keyboard.press("Enter")
    position = page.inner_text(".dv-pos")
    _tab_to(page, lambda f: f["act"] == "fwd", "the step forward button", limit=30)
    page.keyboard.press("Enter")
    page.wait_for_function("(p) => document.querySelector('.dv-pos').textContent !== p",
                           arg=position, timeout=10_000)

    # 4. close: focus returns to the neuron that opened the view
    page.keyboard.press("Escape")
    page.wait_for_function("(s) => !document.querySelector(s)", arg=DIALOG, timeout=10_000)
    back = _focused(page)
    assert back["layer"] == conv["layer"], f"focus did not return to the opener: {back}"

    # 5. open the softmax view
    _tab_to(page, lambda f: "dv-softmax-btn" in f["cls"], "the softmax button", limit=120)
    page.keyboard.press("Enter")
    page.wait_for_selector(DIALOG, timeout=20_000)
    assert "softmax" in page.inner_text("#dv-title").lower()
    page.keyboard.press("Escape")
    assert app.console_errors == []
