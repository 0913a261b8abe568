"""The overview's maps while tinkering: a map whose pixels did not change is not painted
again, and once the snapshots settle every map is an ``<img>`` of its canvas's pixels (no
compositor layer each); a new edit shows the live canvases until it settles in turn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.test_tinker_browser import canvas_rgba

pytestmark = pytest.mark.browser

WAIT = 30_000
TOOL = "document.getElementById('ov-tool').dataset"

# Each map's <img> drawn onto a canvas of its own size: its pixels as the page decoded them.
IMG_RGBA_JS = """(sel) => { const img = document.querySelector(sel);
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    return [c.width, c.height, Array.from(g.getImageData(0, 0, c.width, c.height).data)]; }"""


def img_rgba(page: Any, selector: str) -> np.ndarray:
    w, h, px = page.evaluate(IMG_RGBA_JS, selector)
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


def wait_maps(page: Any, mode: str) -> None:
    page.wait_for_function(f"{TOOL}.pixels === '{mode}'", timeout=WAIT)


def shown_tags(page: Any) -> set[str]:
    """The tag names of the maps the overview shows (one of canvas / img per neuron)."""
    return set(page.eval_on_selector_all(
        ".ov-n canvas, .ov-n .ov-px",
        "els => els.filter((e) => getComputedStyle(e).visibility === 'visible')"
        ".map((e) => e.tagName)"))


def assert_images_match_canvases(page: Any, keys: list[str]) -> None:
    for key in keys:
        got = img_rgba(page, f"#ov-n-{key} .ov-px")
        want = canvas_rgba(page, f"#ov-n-{key} canvas")
        assert np.array_equal(got, want), key


def test_the_kept_prerender_is_shown_as_images(app_page: Any) -> None:
    """A default load keeps the build's pictures (no canvas painted): they become the maps'
    images at once, so the page does not keep 103 canvas layers until a first paint."""
    page = app_page.open().page
    page.wait_for_function("performance.getEntriesByName('app:prerender-kept').length > 0",
                           timeout=WAIT)
    wait_maps(page, "img")
    assert shown_tags(page) == {"IMG"}
    assert page.locator(".ov-n.ov-img").count() == 103
    for key in ["input-0", "conv_1_1-2", "relu_1_2-5", "max_pool_2-9"]:
        src = page.get_attribute(f"#ov-n-{key} .ov-px", "src")
        bg = page.eval_on_selector(f"#ov-n-{key} canvas", "c => c.style.backgroundImage")
        assert src.startswith("data:image/png;base64,") and bg == f'url("{src}")', key
    # the first edit paints: the canvases it repaints show again, then settle to images
    page.click("#ov-n-conv_1_1-2")
    page.wait_for_selector("#dv[open] .tk-kernel")
    page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
    page.wait_for_function("document.querySelector('#dv .tk-details').open", timeout=WAIT)
    version = page.evaluate(f"{TOOL}.version")
    page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias").fill("-1")
    page.keyboard.press("Enter")
    page.wait_for_function(f"{TOOL}.version !== '{version}'", timeout=WAIT)
    wait_maps(page, "img")
    assert_images_match_canvases(page, ["input-0", "conv_1_1-2", "max_pool_2-9"])


def test_settled_maps_are_images_and_unchanged_maps_are_not_repainted(app_page: Any) -> None:
    app = app_page.open("?image=2")  # painted live (a default load keeps the pre-render)
    page = app.page
    wait_maps(page, "img")
    assert shown_tags(page) == {"IMG"}
    assert page.locator(".ov-n .ov-px").count() == page.locator(".ov-n canvas").count() == 103
    assert page.locator(".ov-n.ov-img").count() == 103
    keys = ["input-0", "conv_1_1-2", "relu_1_2-5", "max_pool_2-9"]
    assert_images_match_canvases(page, keys)
    # the images are decoration: the neuron (a button) keeps its name, hover goes to it
    assert page.locator("#ov-n-conv_1_1-2 .ov-px").get_attribute("aria-hidden") == "true"
    page.hover("#ov-n-conv_1_2-3")
    page.wait_for_function("document.getElementById('ov-n-conv_1_2-3')"
                           ".classList.contains('is-active')", timeout=WAIT)

    # a paint that changes no map (the detail toggle) repaints none, the images stay
    version = page.evaluate(f"{TOOL}.version")
    page.get_by_role("button", name="Show detail").click()
    page.wait_for_function(f"{TOOL}.version !== '{version}'", timeout=WAIT)
    assert page.evaluate(f"{TOOL}.repainted") == "0"
    assert page.evaluate(f"{TOOL}.pixels") == "img"

    # an edit of conv_1_1 neuron 3: the input's maps are upstream, not repainted
    input_before = [canvas_rgba(page, f"#ov-n-input-{j} canvas") for j in range(3)]
    changed_before = canvas_rgba(page, "#ov-n-conv_1_1-2 canvas")
    page.click("#ov-n-conv_1_1-2")
    page.wait_for_selector("#dv[open] .tk-kernel")
    # the kernel editor starts collapsed: open it by its named control
    page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
    page.wait_for_function("document.querySelector('#dv .tk-details').open", timeout=WAIT)
    bias = page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias")
    version = page.evaluate(f"{TOOL}.version")
    bias.fill("-1")
    bias.press("Enter")
    page.wait_for_function(f"{TOOL}.version !== '{version}'", timeout=WAIT)
    repainted = int(page.evaluate(f"{TOOL}.repainted"))
    assert 0 < repainted <= 100  # at most every map but the input's three
    for j in range(3):
        assert np.array_equal(canvas_rgba(page, f"#ov-n-input-{j} canvas"), input_before[j])
        # not repainted: still shown as its image (a drag's frames leave it out of the layers)
        assert "ov-img" in page.get_attribute(f"#ov-n-input-{j}", "class")
    assert not np.array_equal(canvas_rgba(page, "#ov-n-conv_1_1-2 canvas"), changed_before)
    # then settled again: the images show the edited network's pixels
    wait_maps(page, "img")
    assert shown_tags(page) == {"IMG"}
    assert_images_match_canvases(page, keys)
    assert app.console_errors == [] and app.outside_requests == []
