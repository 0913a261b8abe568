"""The page starts in headless Chromium, offline, with plain messages for start-up failures.

That the input column's R, G, B canvases hold the example's pixels (as Pillow computes them
under CPython) is checked with the whole network in ``test_overview_browser.py``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_reaches_interactive_offline_without_errors(app_page):
    app = app_page.open()
    marks = app.marks()
    assert marks["app:shell"] < marks["app:python-ready"] < marks["app:interactive"]
    assert app.outside_requests == []
    assert app.console_errors == []
    assert app.page.get_attribute("#status", "data-state") == "ready"
    assert app.page.is_hidden("#status")
    assert app.page.get_attribute("#app", "aria-busy") == "false"


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
    # recorded in the page itself, so reading it needs no wait for delivery
    app_page.page.add_init_script("""
      window.__stages = [];
      addEventListener('DOMContentLoaded', () => {
        const s = document.getElementById('status');
        new MutationObserver(() => window.__stages.push(s.dataset.stage || ''))
          .observe(s, {attributes: true, attributeFilter: ['data-stage']});
      });""")
    app_page.open()
    seen = app_page.page.evaluate("window.__stages")
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
    app_page.page.route("**/gallery/gallery.json",
                        lambda route: route.fulfill(status=200, body="not json"))
    app_page.open(wait=False)
    app_page.wait_for_mark("app:failed")
    text = app_page.page.inner_text("#status-text")
    assert text.startswith("The app could not start.")
    assert "JSONDecodeError" in text
    assert "Traceback" not in text  # the traceback is under "Technical details"
    assert "start_overview" in app_page.page.text_content("#status details pre")
    assert app_page.outside_requests == []
