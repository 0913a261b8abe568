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


def test_page_runs_from_the_builds_bytecode(app_page):
    """The stdlib, numpy and pyapp modules were loaded from the build's .pyc files."""
    app = app_page.open()
    assert app.page.get_attribute("html", "data-bytecode") == "yes"
    assert app.console_errors == []


def test_click_on_a_neuron_while_loading_opens_it_when_ready(app_page):
    """The pre-rendered overview is clickable before Python: the click is held, the page says
    so, and the neuron's detail view opens once the app is ready."""
    page = app_page.page
    app_page.open(wait=False)
    app_page.wait_for_mark("app:first-overview-paint")
    assert page.evaluate("window.cnnBoot.state") == "loading", "Python was ready too soon"
    page.click("#ov-n-output-3")
    assert page.evaluate("window.cnnBoot.held") == "click"
    note = page.locator("#boot-note")
    assert note.get_attribute("role") == "status"
    assert "Still starting" in note.inner_text()
    assert page.evaluate("performance.getEntriesByName('app:interactive').length") == 0
    app_page.wait_for_mark("app:interactive")
    page.wait_for_function(
        "() => { const d = document.getElementById('dv');"
        " return d && d.open && d.dataset.hash === '#output/3'; }", timeout=30_000)
    assert page.is_hidden("#boot-note")
    assert app_page.console_errors == []


def test_a_missing_gallery_thumbnail_is_a_small_notice(app_page):
    """One thumbnail answering 404 during start-up: the app starts, says which picture is
    missing, and still registers its service worker."""
    page = app_page.page
    page.route("**/gallery/cat_1.png", lambda route: route.fulfill(status=404, body=""))
    app_page.open()
    assert page.get_attribute("#status", "data-state") == "ready"
    page.wait_for_selector("#boot-note:not([hidden])", timeout=10_000)
    text = page.inner_text("#boot-note")
    assert "gallery/cat_1.png" in text and "could not be loaded" in text
    assert "could not start" not in text
    assert page.evaluate(
        "async () => !!(await navigator.serviceWorker.getRegistration())")
    assert app_page.outside_requests == []


def test_python_that_starts_before_the_html_is_parsed_waits_for_it(app_page):
    """PyScript's core.js and the page's Python are async in <head>: the runtime loads while
    the HTML is parsed. Here the parser of the Japanese page (reached from ``?lang=ja``) is
    held (a script before its article, left unanswered) until Python runs: the app then waits
    for the parsed page, and the live overview is drawn into the Japanese page."""
    page = app_page.page
    held: list = []

    def document(route):
        body = route.fetch().text()
        at = body.index('<div class="article-region"')
        route.fulfill(status=200, content_type="text/html; charset=utf-8",
                      body=body[:at] + '<script src="./held-parse.js"></script>' + body[at:])

    page.route("**/index.ja.html?lang=ja", document)
    page.route("**/held-parse.js", lambda route: held.append(route))
    page.goto(app_page.base_url + "index.html?lang=ja", wait_until="commit")
    page.wait_for_function("['app:waiting-for-html', 'app:interactive', 'app:failed'].some("
                           "(n) => performance.getEntriesByName(n).length)", timeout=120_000)
    assert held and page.evaluate("document.readyState") == "loading"
    assert app_page.mark_count("app:interactive") == 0  # Python waits for the parsed page
    assert app_page.mark_count("app:waiting-for-html") == 1
    held[0].fulfill(status=200, content_type="text/javascript", body="")
    app_page.wait_for_mark("app:interactive")
    app_page.wait_for_mark("app:views-mounted")
    state = page.evaluate("""() => ({
      lang: document.documentElement.lang,
      h1: document.querySelector('.site-header h1').textContent,
      status: document.getElementById('status').dataset.state,
      live: !!document.querySelector('#app #ov-tool .ov-n'),
      parsed: performance.getEntriesByType('navigation')[0].domContentLoadedEventStart,
      ready: performance.getEntriesByName('app:python-ready')[0].startTime})""")
    assert state["lang"] == "ja" and "エクスプレイナー" in state["h1"]
    assert state["status"] == "ready" and state["live"]
    assert state["ready"] < state["parsed"]
    page.click("#ov-n-output-3")  # the live overview answers: its detail view opens
    app_page.wait_open("#output/3")
    assert app_page.console_errors == []


def test_the_first_screen_s_files_download_while_python_imports(app_page):
    """The model and the gallery's list are asked for at ``app:python-ready``, before numpy
    is imported (pyapp/ui/prefetch.py), not one after the other once the app is imported;
    each is downloaded once."""
    app_page.open()
    timing = app_page.page.evaluate(r"""() => ({
      ready: performance.getEntriesByName('app:python-ready')[0].startTime,
      numpy: performance.getEntriesByName('app:imported numpy')[0].startTime,
      app: performance.getEntriesByName('app:imported pyapp.ui.app')[0].startTime,
      asked: performance.getEntriesByType('resource')
        .filter((e) => /weights\/tinyvgg-cifar10\.npz$|gallery\/gallery\.json$/.test(e.name))
        .map((e) => e.startTime)})""")
    assert len(timing["asked"]) == 2, timing
    assert all(timing["ready"] <= t <= timing["numpy"] for t in timing["asked"]), timing
    assert timing["numpy"] < timing["app"]
    assert app_page.console_errors == []


def test_service_worker_is_registered_after_the_later_views(app_page):
    """The worker's precache hashes the whole build: it starts once the detail views and the
    playground are mounted (and the page is idle), never during the start-up."""
    app_page.page.add_init_script("""
      const container = navigator.serviceWorker;
      const register = container.register.bind(container);
      container.register = (...args) => {
        window.__registeredAt = performance.now();
        return register(...args);
      };""")
    app_page.open()
    at = app_page.page.wait_for_function("window.__registeredAt", timeout=30_000).json_value()
    assert at >= app_page.marks()["app:views-mounted"]
    app_page.page.wait_for_function(
        "document.getElementById('offline-state')?.dataset.state === 'ready'", timeout=120_000)
