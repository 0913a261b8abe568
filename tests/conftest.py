"""Shared pytest fixtures: the built site, a local server, and a watched headless Chromium.

Reuse them in any browser test::

    pytestmark = pytest.mark.browser

    def test_something(app_page):
        app = app_page.open()            # loads the site, waits for the `app:interactive` mark
        app.page.click(...)              # a plain Playwright `Page`
        assert app.outside_requests == []  # requests to hosts other than 127.0.0.1 (aborted)
        assert app.console_errors == []    # console.error messages and uncaught page errors

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
  disables the HTTP cache, and requests made by a service worker bypass page routes (block
  or inspect service workers explicitly in tests of the offline mode).

Helpers: ``run_build(out, cache_dir=None, env=None, extra=None)`` runs ``build.py`` in a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (see the module docstring for why not session)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class AppPage:
    """A Playwright page on the site, watched for outside requests and console errors."""

    page: Any
    base_url: str
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "", wait: bool = True) -> AppPage:
        """Go to ``base_url + path``; by default wait for the ``app:interactive`` mark."""
        self.page.goto(self.base_url + path)
        if wait:
            self.wait_for_mark("app:interactive")
        return self

    def wait_for_mark(self, name: str, timeout_ms: int = INTERACTIVE_TIMEOUT_MS) -> None:
        """Wait for a User Timing mark; fail early (with the page's message) if start-up fails."""
        self.page.wait_for_function(
            "([name]) => performance.getEntriesByName(name, 'mark').length > 0"
            " || performance.getEntriesByName('app:failed', 'mark').length > 0",
            arg=[name], timeout=timeout_ms)
        if name != "app:failed" and self.marks().get("app:failed") is not None:
            status = self.page.inner_text("#status")
            pytest.fail(f"the page failed to start: {status}\nconsole: {self.console_errors}")

    def marks(self) -> dict[str, float]:
        """All User Timing marks: name -> start time in ms."""
        return self.page.evaluate(
            "Object.fromEntries(performance.getEntriesByType('mark')"
            ".map(m => [m.name, m.startTime]))")


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname == LOCAL_HOST


@pytest.fixture()
def app_page(browser: Any, site_server: SiteServer) -> Iterator[AppPage]:
    """A fresh context + page on the site, guarded and watched (see ``AppPage``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    app = AppPage(page, site_server.url)

    def guard(route: Any) -> None:
        url = route.request.url
        if _is_local(url):
            route.fallback()
        else:
            app.outside_requests.append(url)
            route.abort()

    context.route("**/*", guard)
    page.on("console",
            lambda msg: app.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: app.console_errors.append(f"pageerror: {exc}"))
    try:
        yield app
    finally:
        context.close()
