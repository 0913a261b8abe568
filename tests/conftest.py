"""Shared pytest fixtures: the built site, a local server, and a watched headless Chromium.

Reuse them in any browser test::

    pytestmark = pytest.mark.browser

    def test_something(app_page):
        app = app_page.open()            # loads the site, waits for the `app:interactive` mark
        app.page.click(...)              # a plain Playwright `Page`
        assert app.outside_requests == []  # requests to hosts other than 127.0.0.1 (aborted)
        assert app.console_errors == []    # console.error messages and uncaught page errors

``AppPage`` is the one browser-test harness: the function fixture ``app_page`` and, for a
page shared by a module (Pyodide starts once), ``new_app_page(browser, url, **options)``
(``app.close()`` at the end).  Wait on page state, never on time: marks
(``wait_for_mark(name, more_than=n)``), the detail view's ``data-position`` / ``data-hash``
(``wait_position_change``, ``wait_open``, ``wait_closed``), animations (``settle()``: every
finite ``document.getAnimations()`` entry finished) and rendered frames (``frames(n)``).
A test whose feature is missing fails; only tests needing ``../shared`` skip.

Fixtures (scope):

* ``repo_root`` (session): the repository's root ``Path``.
* ``shared_dir`` (session): ``../shared``; the test is skipped with a reason when it is absent.
* ``built_site`` (session): ``Path`` of a fresh build (``build.py --out <tmp>``), built once per
  session with the repository's download cache ``.cache/``.
* ``site_server`` (session): ``SiteServer`` (``.url``, ``.root``): ``build.py serve --no-build``
  of ``built_site`` on a free 127.0.0.1 port, stopped at the end of the session.
* ``browser`` (module): one headless Chromium (Debian's ``/usr/bin/chromium``) per test module.
  Not per session on purpose: while Playwright's sync API is alive the main thread has a
  running asyncio loop, so ``asyncio.run()`` and other ``sync_playwright()`` users in later,
  non-browser modules would fail.
* ``app_page`` (function): ``AppPage`` in a fresh browser context (empty cache and storage):
  every request to a host other than 127.0.0.1 is aborted and recorded in ``outside_requests``;
  console errors and page errors are collected in ``console_errors``. Add your own routes
  with ``app.page.route(...)`` *before* ``app.open()`` (e.g. to simulate a missing file);
  routes added later take precedence over the outside-request guard. Note that routing
  disables the HTTP cache, and requests made by a service worker bypass page routes (they
  still appear in ``requests`` and ``outside_requests``; ``new_app_page(..., guard=False)``
  for the offline tests).

Helpers: ``run_build(out, cache_dir=None, env=None, extra=None)`` runs ``build.py`` in a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"
INTERACTIVE_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root directory."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (read-only material); skips the test when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent (shared material is only beside the repo in CI/dev)")
    return SHARED_DIR


def run_build(out: Path, cache_dir: Path | None = None,
              env: dict[str, str] | None = None,
              extra: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``build.py --out out [extra...]`` in a subprocess; return the completed process."""
    cmd = [sys.executable, str(REPO_ROOT / "build.py"), "--out", str(out)]
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    cmd += extra or []
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False,
                          timeout=900)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the site (once per session), in a temporary directory."""
    out = tmp_path_factory.mktemp("site") / "dist"
    done = run_build(out)
    if done.returncode != 0:
        pytest.fail(f"build.py failed:\n{done.stdout}\n{done.stderr}")
    return out


@dataclass
class SiteServer:
    """A running ``build.py serve`` process."""

    url: str
    root: Path
    process: subprocess.Popen[str]


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[SiteServer]:
    """``build.py serve --no-build`` of ``built_site`` on a free port of 127.0.0.1."""
    cmd = [sys.executable, str(REPO_ROOT / "build.py"), "--out", str(built_site),
           "serve", "--no-build", "--port", "0"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        pytest.fail(f"build.py serve did not print its URL: {line!r}")
    try:
        yield SiteServer(match.group(0), built_site, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One headless Chromium per test module (see the module docstring for why not session).
    Playwright and Chromium are test dependencies: a missing one fails the test.  A module's
    ``CHROMIUM_EXTRA_ARGS`` list is added to the flags (e.g. Chromium's fake camera)."""
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        extra = list(getattr(request.module, "CHROMIUM_EXTRA_ARGS", []))
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=CHROMIUM_ARGS + extra)
        try:
            yield chromium
        finally:
            chromium.close()


# Records CSP violations (the page's own listener would be too late for early ones).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push({
  directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
  line: e.lineNumber, sample: e.sample}));
"""
# Resolves once every finite animation or transition under a selector has finished, then two
# frames later (so their end state is painted).
SETTLE_JS = """async (sel) => {
  const root = document.querySelector(sel) || document;
  const mine = document.getAnimations().filter((a) => {
    const t = a.effect && a.effect.target, timing = a.effect && a.effect.getTiming();
    return t && root.contains(t) && timing && timing.iterations !== Infinity;
  });
  await Promise.all(mine.map((a) => a.finished.catch(() => null)));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""
FRAMES_JS = """(n) => new Promise((resolve) => {
  let left = n;
  const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
  requestAnimationFrame(tick);
})"""
DETAIL = "dv"


@dataclass
class AppPage:
    """A Playwright page on the site, watched: the one browser-test harness.

    ``page`` (Playwright ``Page``), ``context``, ``base_url``; ``outside_requests`` (requests
    to hosts other than 127.0.0.1: aborted where the guard is on, and any seen otherwise,
    service workers' included), ``requests`` (every URL requested), ``console_errors``
    (console errors and uncaught page errors), ``csp_violations()``.  Start-up: ``open()``,
    ``wait_for_mark()``, ``mark_count()``, ``marks()``.  Page state instead of sleeps:
    ``settle()`` (animations finished), ``frames()`` (frames rendered).  The detail dialog:
    ``dv()``, ``is_open()``, ``wait_open()``, ``wait_closed()``, ``close_all()``, ``pause()``,
    ``position()``, ``wait_position_change()``, ``record()``, ``active_id()``.
    """

    page: Any
    base_url: str
    context: Any = None
    blocked: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @property
    def outside_requests(self) -> list[str]:
        seen = [u for u in self.requests if not _is_local(u)]
        return self.blocked + [u for u in seen if u not in self.blocked]

    # --- start-up ------------------------------------------------------------------------
    def open(self, path: str = "", wait: bool = True) -> AppPage:
        """Go to ``base_url + path``; by default wait until the app is interactive and its
        later views (detail, Why?, tinkering, playground) are mounted."""
        for attempt in (1, 2):
            try:
                self.page.goto(self.base_url + path)
                if wait:
                    self.wait_for_mark("app:interactive")
                    self.wait_for_mark("app:views-mounted")
                return self
            except Exception as exc:  # noqa: BLE001 - only a crashed renderer is retried
                # Chromium's renderer process itself died (seen once, on a loaded machine):
                # that is the browser's failure, not the page's; a second crash fails the test
                if attempt == 2 or "crashed" not in str(exc).lower():
                    raise
                warnings.warn(f"the browser's renderer crashed while loading {path!r}; "
                              "loading it once more", stacklevel=2)
        return self

    def wait_for_mark(self, name: str, timeout_ms: int = INTERACTIVE_TIMEOUT_MS,
                      more_than: int = 0) -> None:
        """Wait until User Timing mark ``name`` was recorded more than ``more_than`` times;
        fail early (with the page's message) if start-up fails."""
        self.page.wait_for_function(
            "([name, k]) => performance.getEntriesByName(name, 'mark').length > k"
            " || performance.getEntriesByName('app:failed', 'mark').length > 0",
            arg=[name, more_than], timeout=timeout_ms)
        if name != "app:failed" and self.mark_count("app:failed"):
            status = self.page.inner_text("#status")
            pytest.fail(f"the page failed to start: {status}\nconsole: {self.console_errors}")

    def mark_count(self, name: str) -> int:
        return int(self.page.evaluate(
            "(n) => performance.getEntriesByName(n, 'mark').length", name))

    def marks(self) -> dict[str, float]:
        """All User Timing marks: name -> start time in ms."""
        return self.page.evaluate(
            "Object.fromEntries(performance.getEntriesByType('mark')"
            ".map(m => [m.name, m.startTime]))")

    def csp_violations(self) -> list[dict]:
        return self.page.evaluate("() => window.__cspViolations || []")

    # --- page state instead of sleeps ----------------------------------------------------
    def settle(self, selector: str = "body") -> None:
        """Wait until the finite animations and transitions under ``selector`` are over."""
        self.page.evaluate(SETTLE_JS, selector)

    def frames(self, n: int = 2) -> None:
        """Wait until the page has rendered ``n`` more frames."""
        self.page.evaluate(FRAMES_JS, n)

    # --- the detail dialog ---------------------------------------------------------------
    def dv(self, key: str) -> str | None:
        return self.page.evaluate(
            f"document.getElementById('{DETAIL}').dataset.{key} ?? null")

    def is_open(self) -> bool:
        return bool(self.page.evaluate(f"!!document.getElementById('{DETAIL}')?.open"))

    def wait_open(self, hash_: str, timeout_ms: int = 20_000) -> None:
        self.page.wait_for_function(
            f"(h) => {{ const d = document.getElementById('{DETAIL}'); "
            "return d && d.open && d.dataset.hash === h; }", arg=hash_, timeout=timeout_ms)

    def wait_closed(self, timeout_ms: int = 20_000) -> None:
        self.page.wait_for_function(f"!document.getElementById('{DETAIL}')?.open",
                                    timeout=timeout_ms)

    def close_all(self) -> None:
        """Close every open detail view (Esc, one level at a time), or clear the hash."""
        for _ in range(4):
            if not self.is_open():
                break
            before = self.dv("hash")
            self.page.keyboard.press("Escape")
            self.page.wait_for_function(
                f"(h) => {{ const d = document.getElementById('{DETAIL}'); "
                "return !d.open || d.dataset.hash !== h; }", arg=before, timeout=5_000)
        if self.is_open():
            self.page.evaluate("history.replaceState(null, '', location.pathname);"
                               "dispatchEvent(new HashChangeEvent('hashchange'))")
        self.wait_closed()

    def pause(self) -> None:
        if self.dv("playing") == "true":
            self.page.click(f"#{DETAIL} .dv-play")
        assert self.dv("playing") == "false"

    def position(self) -> int:
        """The open view's position index (0-based ``data-step``; ``data-position`` is the
        1-based "row,column" people read)."""
        return int(self.dv("step") or -1)

    def wait_position_change(self, before: int, timeout_ms: int = 10_000) -> int:
        """Wait until the detail view's position index differs from ``before``."""
        self.page.wait_for_function(
            f"(b) => document.getElementById('{DETAIL}').dataset.step !== String(b)",
            arg=before, timeout=timeout_ms)
        return self.position()

    def record(self) -> str:
        return self.page.inner_text("#dv-record")

    def active_id(self) -> str:
        return self.page.evaluate("document.activeElement && document.activeElement.id || ''")

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


def url_hash(internal: str) -> str:
    """The address bar's 1-based hash for a view's internal 0-based key (``data-hash``,
    ``data-opens``): ``#conv_1_2/4/2`` -> ``#/conv_1_2/5/3``."""
    name, *numbers = internal.lstrip("#").split("/")
    return "#/" + "/".join([name] + [str(int(n) + 1) for n in numbers])


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
        return True
    return parsed.hostname == LOCAL_HOST


def new_app_page(browser: Any, base_url: str, *, guard: bool = True,
                 service_workers: str = "allow", **options: Any) -> AppPage:
    """A fresh context and page on ``base_url``, watched (see ``AppPage``).  ``guard``
    aborts requests to other hosts (routing disables the HTTP cache: the offline tests turn
    it off and rely on ``requests``); other ``options`` go to ``browser.new_context``."""
    options.setdefault("viewport", {"width": 1280, "height": 800})
    context = browser.new_context(service_workers=service_workers, **options)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    app = AppPage(page, base_url, context)

    def block(route: Any) -> None:
        url = route.request.url
        if _is_local(url):
            route.fallback()
        else:
            app.blocked.append(url)
            route.abort()

    if guard:
        context.route("**/*", block)
    context.on("request", lambda request: app.requests.append(request.url))
    def console(msg: Any) -> None:
        # the browser's own /favicon.ico probe is not the page's request
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            app.console_errors.append(msg.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: app.console_errors.append(f"pageerror: {exc}"))
    return app


@pytest.fixture()
def app_page(browser: Any, site_server: SiteServer) -> Iterator[AppPage]:
    """A fresh context + page on the site, guarded and watched (see ``AppPage``)."""
    app = new_app_page(browser, site_server.url)
    try:
        yield app
    finally:
        app.close()
