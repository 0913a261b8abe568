"""The hyperparameter playground and the article in headless Chromium.

One page is shared by the module's tests (Pyodide starts once).  The tests skip, with a reason,
while the built page has no playground (``#pg-root``) or article (``#article``).
``PG_SITE_URL=<url>`` runs them against an already-served page instead of a fresh build
(development).  Screenshots go to ``.cache/screens/``.
"""

from __future__ import annotations

import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyapp.playground import view
from pyapp.playground.compute import compute
from pyapp.playground.geometry import Settings
from pyapp.playground.inputs import integer_matrix
from pyapp.playground.kernels import classic_kernel

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / ".cache" / "screens"
TIMEOUT_MS = 120_000
CONTROLS = ("input_size", "padding", "kernel_size", "stride", "dilation")


@pytest.fixture(scope="module")
def base_url(request: pytest.FixtureRequest) -> str:
    url = os.environ.get("PG_SITE_URL")
    if url:
        return url if url.endswith("/") else url + "/"
    return request.getfixturevalue("site_server").url


@pytest.fixture(scope="module")
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and "favicon" not in m.text and "404" not in m.text else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.goto(base_url)
    page.wait_for_function(
        "performance.getEntriesByName('app:interactive', 'mark').length > 0"
        " || performance.getEntriesByName('app:failed', 'mark').length > 0",
        timeout=TIMEOUT_MS)
    page.wait_for_selector("#pg-root", timeout=30_000)  # the playground is mounted
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def set_box(page: Any, name: str, value: int) -> None:
    """Type into a number box and commit it (Enter + change), as a user does."""
    box = f"#pg-{name}-box"
    page.fill(box, str(value))
    page.press(box, "Enter")
    page.dispatch_event(box, "change")


def set_all(page: Any, n: int, p: int, k: int, s: int, d: int) -> None:
    """Reach a setting whatever the current one is (ranges depend on each other)."""
    set_box(page, "input_size", 16)
    set_box(page, "kernel_size", k)
    set_box(page, "padding", p)
    set_box(page, "stride", s)
    set_box(page, "dilation", d)
    set_box(page, "input_size", n)


def pause(page: Any) -> None:
    if page.get_attribute("#pg-play", "data-playing") == "true":
        page.click("#pg-play")
    assert page.get_attribute("#pg-play", "data-playing") == "false"


def test_article_is_in_the_static_html(base_url: str) -> None:
    """The article is rendered at build time: visible before Python starts."""
    with urllib.request.urlopen(base_url) as response:  # noqa: S310 - localhost
        html = response.read().decode("utf-8")
    assert 'id="article"' in html, "the article is inlined into index.html"
    assert "<math" in html and 'id="article-conv"' in html and 'id="tool"' in html


def test_sliders_and_boxes_stay_in_sync(page: Any) -> None:
    pause(page)
    page.fill("#pg-input_size-range", "9")  # drag: sets the value, fires input
    assert page.input_value("#pg-input_size-box") == "9"
    set_box(page, "kernel_size", 4)
    assert page.input_value("#pg-kernel_size-range") == "4"
    assert page.get_attribute("#pg-padding-range", "max") == "3"
    assert page.get_attribute("#pg-padding-box", "max") == "3"
    set_box(page, "input_size", 3)  # clamps the kernel, and both of its controls
    for name in CONTROLS:
        assert page.input_value(f"#pg-{name}-box") == page.input_value(f"#pg-{name}-range")
    assert page.input_value("#pg-kernel_size-box") == "3"
    set_box(page, "stride", 99)  # out of range: clamped to the input size
    assert page.input_value("#pg-stride-box") == "3" == page.input_value("#pg-stride-range")
    assert page.errors == []


def test_invalid_combination_is_flagged_with_its_reason(page: Any) -> None:
    pause(page)
    set_all(page, n=3, p=0, k=3, s=1, d=2)
    issues = page.inner_text("#pg-issues")
    assert "does not fit" in issues and "5 cells" in issues and "3 cells" in issues
    assert page.get_attribute("#pg-root", "data-valid") == "false"
    assert page.locator(".pg-grid-output").count() == 0
    set_all(page, n=5, p=0, k=2, s=2, d=1)  # stride leaves the last row / column unread
    issues = page.inner_text("#pg-issues")
    assert "never read" in issues and "still computed" in issues
    assert page.get_attribute("#pg-root", "data-valid") == "true"
    assert page.locator(".pg-grid-input .pg-unused").count() == 9
    assert page.locator(".pg-grid-output .pg-cell").count() == 4


def test_hovering_an_output_cell_shows_its_window(page: Any) -> None:
    pause(page)
    page.select_option("#pg-source", "integers")
    page.select_option("#pg-kernel-choice", "sharpen")
    set_all(page, n=7, p=1, k=3, s=2, d=1)
    settings = Settings(input_size=7, padding=1, kernel_size=3, stride=2, dilation=1)
    result = compute(settings, integer_matrix(7, 0), classic_kernel("sharpen", 3).matrix)
    shown = [float(t.replace("\u2212", "-"))
             for t in page.locator(".pg-grid-output .pg-cell span").all_inner_texts()]
    assert shown == [float(v) for v in result.output.ravel()]
    page.hover("#pg-out-2-1")
    lit = sorted(page.locator(".pg-grid-input .pg-win").evaluate_all(
        "els => els.map(e => e.id)"))
    assert lit == sorted(f"pg-in-{r}-{c}" for r, c in result.window_cells(2, 1))
    total = view.fmt(result.window(2, 1).total, integer=True)
    assert page.inner_text("#pg-detail .pg-total") == total
    page.focus("#pg-out-0-0")  # keyboard: focus, then arrows
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "pg-out-0-1"
    lit = sorted(page.locator(".pg-grid-input .pg-win").evaluate_all(
        "els => els.map(e => e.id)"))
    assert lit == sorted(f"pg-in-{r}-{c}" for r, c in result.window_cells(0, 1))
    page.keyboard.press(" ")  # Space plays / pauses the sliding window
    assert page.get_attribute("#pg-play", "data-playing") == "true"
    page.keyboard.press(" ")
    assert page.get_attribute("#pg-play", "data-playing") == "false"
    assert page.errors == []


def test_every_mathml_formula_renders(page: Any) -> None:
    boxes = page.evaluate(
        "[...document.querySelectorAll('math')].map(m => {"
        " const r = m.getBoundingClientRect();"
        " return [m.namespaceURI, r.width, r.height]; })")
    assert len(boxes) >= 9  # 8+ in the article, 2 in the playground
    for namespace, width, height in boxes:
        assert namespace == "http://www.w3.org/1998/Math/MathML"
        assert width > 0 and height > 0
    body = page.inner_text("body")
    assert "\\frac" not in body and "$$" not in body


def test_article_anchors_work(page: Any, base_url: str) -> None:
    page.goto(base_url + "#article-pool")
    page.wait_for_selector("#article-pool")
    top = page.evaluate("document.getElementById('article-pool').getBoundingClientRect().top")
    assert abs(top) < 80
    page.click("#article-pool .article-back a")
    assert page.evaluate("location.hash") == "#tool"
    top = page.evaluate("document.getElementById('tool').getBoundingClientRect().top")
    assert abs(top) < 80
    hrefs = page.locator("#article nav a").evaluate_all("els => els.map(e => e.hash)")
    for href in hrefs:
        assert page.locator(href).count() == 1, href
    layer_links = page.locator("a[href^='#article-']:not(#article a)").evaluate_all(
        "els => els.map(e => e.hash)")
    for href in layer_links:  # the overview's layer labels, once they link here
        assert re.fullmatch(r"#article-[a-z-]+", href) and page.locator(href).count() == 1


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_screenshots(browser: Any, base_url: str, size: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(base_url + "#tool")
        page.wait_for_selector("#pg-root .pg-grid-output", timeout=TIMEOUT_MS)
        page.locator("#tool").scroll_into_view_if_needed()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"playground-{size[0]}x{size[1]}.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, "the page scrolls sideways"
    finally:
        context.close()
