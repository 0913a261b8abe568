"""axe-core 4.14: no violation of any impact on the overview, every detail view, the
playground and the article, at 1440x900 and at 390x844 (a phone).

axe-core comes from npm (pinned), installed by this test into the git-ignored
``.cache/axe-4.14/`` and injected by the test only; it is never part of the site.
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

AXE_VERSION = "4.14.1"
AXE_DIR = sitekit.ROOT / ".cache" / "axe-4.14"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DIALOG = "dialog#dv[open]"
DETAIL_HASHES = ("#conv_1_1/0", "#conv_1_2/3/2", "#relu_1_1/4", "#max_pool_1/2", "#output/3",
                 "#softmax/3")
VIEWPORTS = {"1440x900": {"width": 1440, "height": 900}, "390x844": {"width": 390, "height": 844}}
RUN = """async (selector) => {
    const where = selector === 'document' ? document : document.querySelector(selector);
    const r = await axe.run(where, {resultTypes: ['violations']});
    return r.violations.map((v) => `${v.impact} ${v.id}: ${v.help} -- ` +
        v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture(scope="module")
def axe_js() -> Path:
    if not AXE_JS.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--no-save",
             "--loglevel=error", f"axe-core@{AXE_VERSION}"],
            capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or not AXE_JS.exists():
            pytest.fail(f"axe-core {AXE_VERSION} could not be installed with npm: "
                        f"{done.stderr[-300:]}")
    return AXE_JS


@pytest.fixture(scope="module", params=list(VIEWPORTS), ids=list(VIEWPORTS))
def app(browser: Any, request: pytest.FixtureRequest, axe_js: Path) -> Iterator[Any]:
    site = sitekit.site_root(request)
    with sitekit.serve_dir(site) as url:
        # bypass_csp: only so that the test can inject axe-core (the CSP is tested elsewhere)
        watched = sitekit.new_context(browser, url, bypass_csp=True,
                                      viewport=VIEWPORTS[request.param])
        try:
            page = sitekit.open_app(watched)
            page.add_script_tag(path=str(axe_js))
            yield page
        finally:
            watched.context.close()


def _settled(page: Any) -> None:
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                           timeout=10_000)


def test_whole_page(app: Any) -> None:
    """The overview, the playground and the article (all on the page)."""
    for where in ("#app", ".playground-section", "#article"):
        assert app.locator(where).count() == 1, f"{where} is not on the page"
    _settled(app)
    assert app.evaluate(RUN, "document") == []


@pytest.mark.parametrize("view", DETAIL_HASHES)
def test_detail_view(app: Any, view: str) -> None:
    app.evaluate("(h) => { location.hash = h; }", view)
    app.wait_for_selector(DIALOG, timeout=20_000)
    _settled(app)
    try:
        assert app.evaluate(RUN, "dialog#dv") == []
    finally:
        app.keyboard.press("Escape")
        app.wait_for_function("(s) => !document.querySelector(s)", arg=DIALOG, timeout=10_000)
