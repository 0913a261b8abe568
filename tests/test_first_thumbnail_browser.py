"""Issue 13: a 404 on the FIRST gallery picture (the one start-up needs for its first network)
must not fail start-up. The page becomes interactive on the next example, says so in plain
words, and stays usable; with every picture missing it shows a grey image and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
GALLERY = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text(encoding="utf-8"))
WAIT = 30_000


def not_found(route: Any) -> None:
    route.fulfill(status=404, body="")


def faults(app_page: Any) -> list[str]:
    """Console errors other than the browser's own line for the 404 we asked for."""
    return [e for e in app_page.console_errors if "404" not in e]


def test_a_missing_first_picture_starts_on_the_next_example(app_page) -> None:
    page = app_page.page
    first = GALLERY[0]["file"]
    page.route(f"**/gallery/{first}", not_found)
    app_page.open()
    assert page.get_attribute("#status", "data-state") == "ready"
    assert app_page.mark_count("app:failed") == 0
    page.wait_for_function(
        "() => [...document.querySelectorAll('#notices .notice')]"
        ".some((n) => n.textContent.includes('Example 1 could not be loaded'))", timeout=WAIT)
    note = page.locator("#notices .notice", has_text="Example 1 could not be loaded").first
    assert "showing example 2 instead" in note.inner_text()
    thumbs = page.locator(".ov-thumb")
    assert thumbs.nth(1).get_attribute("aria-pressed") == "true"
    assert thumbs.nth(0).get_attribute("aria-pressed") != "true"
    assert page.get_attribute("#ov-original", "src").endswith(GALLERY[1]["file"])
    # interactive: another example is drawn on click
    drawn = app_page.mark_count("app:image-drawn")
    thumbs.nth(2).click()
    app_page.wait_for_mark("app:image-drawn", more_than=drawn)
    assert thumbs.nth(2).get_attribute("aria-pressed") == "true"
    # the missing one, clicked, is a message and the image stays
    thumbs.nth(0).click()
    page.wait_for_function(
        "() => (document.getElementById('ov-message')?.textContent || '')"
        ".includes('Example 1 could not be loaded')", timeout=WAIT)
    assert thumbs.nth(2).get_attribute("aria-pressed") == "true"
    assert "could not start" not in page.inner_text("#status")
    assert faults(app_page) == []
    assert app_page.outside_requests == []


def test_every_picture_missing_still_starts_on_a_grey_image(app_page) -> None:
    page = app_page.page
    page.route("**/gallery/*.png", not_found)
    app_page.open()
    assert page.get_attribute("#status", "data-state") == "ready"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#notices .notice')]"
        ".some((n) => n.textContent.includes('None of the example images'))", timeout=WAIT)
    pressed = page.eval_on_selector_all(".ov-thumb",
                                        "els => els.map(e => e.getAttribute('aria-pressed'))")
    assert "true" not in pressed
    px = page.evaluate("""() => { const c = document.getElementById('ov-processed');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return [d[0], d[1], d[2]]; }""")
    assert all(abs(v - 128) <= 1 for v in px)  # the grey input, 0.5
    assert faults(app_page) == []
