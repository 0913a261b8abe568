"""Private by construction: a full session talks to the page's own origin only, under a strict
Content Security Policy that the page never violates.

Session: load, every gallery image, an upload, every kind of detail view (opened by its URL
hash: conv, formula, ReLU, max-pool, flatten, softmax), the playground's controls.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
import sitekit  # noqa: E402

# One view of each kind (see pyapp/views/route.py).
DETAIL_HASHES = ("#conv_1_1/0", "#conv_1_2/3/2", "#relu_1_1/4", "#max_pool_1/2", "#conv_2_2/9",
                 "#relu_2_2/1", "#max_pool_2/7", "#output/3", "#softmax/3")
DIALOG = "dialog#dv[open]"
PLAYGROUND_INPUTS = ".pg-control input[type=number]"

ALLOWED_SOURCES = {"'self'", "'none'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-inline'",
                   "data:", "blob:"}


def parse_csp(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_policy(policy: str) -> None:
    """Own origin only, plus the measured runtime needs; nothing that names another host."""
    csp = parse_csp(policy)
    assert csp.get("default-src") == ["'self'"]
    for directive, sources in csp.items():
        assert set(sources) <= ALLOWED_SOURCES, f"{directive}: {sources}"
    assert set(csp["script-src"]) <= {"'self'", "'unsafe-eval'", "'wasm-unsafe-eval'"}
    assert "'unsafe-inline'" not in csp.get("style-src", [])  # only style attributes, if any
    assert csp.get("connect-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"]
    for directive in ("img-src", "font-src", "worker-src", "manifest-src", "style-src"):
        assert "'self'" in csp.get(directive, ["'self'"]), directive


def test_built_page_declares_the_policy(request: pytest.FixtureRequest) -> None:
    site = sitekit.site_root(request)
    html = (site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    if match is None:
        pytest.fail("build.py does not put the CSP <meta> into index.html")
    head = html[: html.index("</head>")]
    assert head.index(match.group(0)) < head.index("<script"), "the CSP must precede scripts"
    check_policy(match.group(1))
    # nothing in the page itself points to another host
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "an absolute URL in index.html"


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buf, "PNG")
    return buf.getvalue()


def _open_views(page: Any, missing: list[str]) -> int:
    opened = 0
    for view in DETAIL_HASHES:
        page.evaluate("(h) => { location.hash = h; }", view)
        try:
            page.wait_for_selector(DIALOG, timeout=15_000)
        except Exception:  # noqa: BLE001 - reported as missing
            missing.append(f"detail views ({DIALOG} did not open for {view})")
            return opened
        opened += 1
        # let its animation run: wait for the position to move (or, paused, a few frames)
        start = page.evaluate("document.getElementById('dv').dataset.position")
        if page.evaluate("document.getElementById('dv').dataset.playing") == "true":
            page.wait_for_function("(p) => document.getElementById('dv').dataset.position "
                                   "!== p", arg=start, timeout=10_000)
        sitekit.frames(page, 5)
        page.keyboard.press("Escape")
        page.wait_for_function("(s) => !document.querySelector(s)", arg=DIALOG,
                               timeout=10_000)
    return opened


def _play(page: Any, missing: list[str]) -> int:
    inputs = page.locator(PLAYGROUND_INPUTS)
    if inputs.count() == 0:
        missing.append(f"the playground ({PLAYGROUND_INPUTS!r} is not on the page)")
        return 0
    for i in range(inputs.count()):
        box = inputs.nth(i)
        box.scroll_into_view_if_needed()
        value = int(float(box.input_value() or "0"))
        top = box.get_attribute("max")
        box.fill(str(value + 1 if top is None or value + 1 <= int(float(top)) else value - 1))
        box.dispatch_event("change")
        # applied: the slider beside the box shows the box's (clamped) value
        name = box.get_attribute("data-control")
        page.wait_for_function(
            "(n) => document.getElementById(`pg-${n}-range`).value === "
            "document.getElementById(`pg-${n}-box`).value", arg=name, timeout=10_000)
    return inputs.count()


@pytest.mark.browser
def test_full_session_stays_on_the_page_origin(browser: Any,
                                               request: pytest.FixtureRequest) -> None:
    site = sitekit.site_root(request)
    with sitekit.serve_dir(site) as url:
        watched = sitekit.new_context(browser, url)
        try:
            page = watched.page
            response = page.goto(url)
            sitekit.wait_mark(page, "app:interactive")
            header = response.headers.get("content-security-policy")
            meta = page.evaluate("""() => { const m = document.querySelector(
                'meta[http-equiv="Content-Security-Policy"]'); return m && m.content; }""")
            missing: list[str] = []
            for name, policy in (("header", header), ("<meta>", meta)):
                if policy is None:
                    missing.append(f"the CSP {name}")
                else:
                    check_policy(policy)

            sitekit.need(page, sitekit.THUMBS, "the gallery")
            for i in range(page.locator(sitekit.THUMBS).count()):
                sitekit.click_gallery(page, i)
            before = sitekit.mark_count(page, "app:image-drawn")
            sitekit.upload(page, "mine.png", "image/png", _png((200, 90, 30)))
            sitekit.wait_mark(page, "app:image-drawn", before, 30_000)
            _open_views(page, missing)
            _play(page, missing)
            page.wait_for_load_state("networkidle")  # anything late has been requested

            assert watched.outside_requests == []
            assert watched.csp_violations() == []
            assert watched.console_errors == []
            assert len(watched.requests) > 10  # the recorder did see the page's requests
            assert not missing, "privacy held for what ran, but missing: " + "; ".join(missing)
        finally:
            watched.context.close()
