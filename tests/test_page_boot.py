"""The page starts in headless Chromium, offline, and draws the input image's channels."""

from __future__ import annotations

import numpy as np
import pytest

from pyapp.ui.example import generated_image, load_example, prepare

pytestmark = pytest.mark.browser

READ_CANVAS = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  return {w: c.width, h: c.height, data: Array.from(d.data)};
}"""


def test_reaches_interactive_offline_without_errors(app_page):
    app = app_page.open()
    marks = app.marks()
    assert marks["app:shell"] < marks["app:python-ready"] < marks["app:interactive"]
    assert app.outside_requests == []
    assert app.console_errors == []
    assert app.page.get_attribute("#status", "data-state") == "ready"
    assert app.page.is_hidden("#status")
    assert app.page.get_attribute("#app", "aria-busy") == "false"


def _canvas_channels(page) -> list[np.ndarray]:
    result = []
    for channel, name in enumerate(("red", "green", "blue")):
        assert page.inner_text(f"figure:has(#input-{name}) figcaption") == f"{name} channel"
        got = page.evaluate(READ_CANVAS, f"input-{name}")
        assert (got["w"], got["h"]) == (64, 64)
        rgba = np.array(got["data"], np.int16).reshape(64, 64, 4)
        others = [c for c in range(3) if c != channel]
        assert not rgba[..., others].any(), f"{name}: other components must be 0"
        assert (rgba[..., 3] == 255).all()
        result.append(rgba[..., channel])
    return result


def test_generated_example_channels_are_exact(app_page, site_server):
    """Without a gallery the page draws the generated scene: canvases match it exactly."""
    manifest = (site_server.root / "build-manifest.json").read_text()
    without_gallery = manifest.replace('"gallery/gallery.json"', '"gallery/absent.json"')
    app_page.page.route("**/build-manifest.json",
                        lambda route: route.fulfill(status=200, body=without_gallery,
                                                    content_type="application/json"))
    app = app_page.open()
    expected = prepare(generated_image())
    for channel, values in enumerate(_canvas_channels(app.page)):
        np.testing.assert_array_equal(values, expected[..., channel])
    assert app.console_errors == []


def test_channel_canvases_hold_the_image_pixels(app_page, site_server):
    app = app_page.open()
    # The same example, loaded and prepared by Pillow under CPython from the same server.
    expected = load_example(site_server.url).pixels
    assert expected.shape == (64, 64, 3)
    channels = _canvas_channels(app.page)
    for channel, name in enumerate(("red", "green", "blue")):
        # Pyodide ships Pillow 10.2 (and its JPEG decoder), CPython may have newer ones:
        # allow small decoding / resampling rounding differences.
        diff = np.abs(channels[channel] - expected[..., channel].astype(np.int16))
        assert diff.max() <= 4, f"{name}: max difference {diff.max()}"
        assert diff.mean() < 0.5, f"{name}: mean difference {diff.mean()}"
        for y, x in ((0, 0), (10, 50), (32, 32), (63, 63)):
            assert abs(int(channels[channel][y, x]) - int(expected[y, x, channel])) <= 4


def test_html_alone_shows_title_sentence_and_loading_stage(browser, site_server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_server.url)
        assert "CNN Explainer" in page.inner_text("h1")
        assert "neural network" in page.inner_text(".tagline")
        assert page.is_visible("#status .spinner")
        assert page.inner_text("#status-text") == "Loading Python\u2026"
        stages = page.locator("#status .stages li").all_inner_texts()
        assert stages == ["Loading Python", "Loading numpy and Pillow", "Starting the app"]
        assert page.locator("main#app").count() == 1
    finally:
        context.close()


def test_loading_stages_move_forward(app_page):
    seen = []
    app_page.page.expose_function("recordStage", lambda stage: seen.append(stage))
    app_page.page.add_init_script("""
      addEventListener('DOMContentLoaded', () => {
        const s = document.getElementById('status');
        new MutationObserver(() => window.recordStage(s.dataset.stage || ''))
          .observe(s, {attributes: true, attributeFilter: ['data-stage']});
      });""")
    app_page.open()
    app_page.page.wait_for_timeout(200)  # exposed-function calls are delivered asynchronously
    assert seen == ["packages", "app"]


def test_missing_file_shows_a_plain_message(app_page):
    app_page.page.route("**/app/pyapp.zip", lambda route: route.fulfill(status=404, body=""))
    app_page.open(wait=False)
    app_page.wait_for_mark("app:failed")
    assert app_page.page.get_attribute("#status", "data-state") == "error"
    text = app_page.page.inner_text("#status-text")
    assert text.startswith("The app could not start.")
    assert "app/pyapp.zip (HTTP 404)" in text
    assert "Reload the page" in app_page.page.inner_text("#status")
    assert app_page.page.is_visible("#status button")


def test_python_exception_at_start_shows_a_plain_message(app_page):
    app_page.page.route("**/build-manifest.json",
                        lambda route: route.fulfill(status=200, body="not json"))
    app_page.open(wait=False)
    app_page.wait_for_mark("app:failed")
    text = app_page.page.inner_text("#status-text")
    assert text.startswith("The app could not start.")
    assert "JSONDecodeError" in text
    assert "Traceback" not in text  # the traceback is under "Technical details"
    assert "load_example" in app_page.page.text_content("#status details pre")
    assert app_page.outside_requests == []
