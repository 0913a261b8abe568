"""One snapshot for every view, in the page: after a gallery click, an upload, a paste while a
detail view is open and a range change, the overview, the open detail view and the playground
all paint the same snapshot, and the view's numbers are the core's for the new image.  Links
copied from the overview and from each view open the same screen in a fresh context."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import new_app_page
from PIL import Image

from pyapp import links
from pyapp.cnn import explain as ex
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.views.route import ref_for

pytestmark = pytest.mark.browser

LAYER, NEURON, ROW, COL = "conv_1_2", 4, 2, 3  # 0-based; the link says 5 and 3,4


@pytest.fixture(scope="module")
def core(site_server: Any) -> Any:
    root = Path(site_server.root)
    model = load_native(root / "weights" / "tinyvgg-cifar10.npz")
    gallery = json.loads((root / "gallery" / "gallery.json").read_text())
    return model, gallery, root


def versions(page: Any) -> dict[str, str | None]:
    return page.evaluate("""() => ({
        overview: document.getElementById('ov-tool').dataset.version ?? null,
        detail: document.getElementById('dv').dataset.version ?? null,
        playground: document.getElementById('playground').dataset.version ?? null})""")


def wait_all_at_new_version(page: Any, before: str) -> str:
    """Every view has painted one snapshot newer than ``before``; returns its version."""
    page.wait_for_function("""(before) => {
        const v = ['ov-tool', 'dv', 'playground'].map(
            (id) => document.getElementById(id).dataset.version);
        return v[0] !== before && v.every((x) => x === v[0]); }""", arg=before,
                           timeout=30_000)
    return versions(page)["overview"]


def png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8), "RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def result_matches(page: Any, model: Any, image: np.ndarray, mode: str = "unit") -> None:
    """The open conv view (pinned at ROW, COL) shows the core's numbers for ``image``."""
    rec = ex.explain_conv(model, model.forward(image), LAYER, NEURON, ROW, COL)
    shown = page.inner_text("#dv .dv-result")
    digits = len(shown.split(".")[1]) if "." in shown else 0
    value = float(shown.replace("\u2212", "-"))
    assert abs(value - rec.result) <= 0.5 * 10 ** -digits + 1e-6, (shown, rec.result)
    assert page.evaluate("document.getElementById('dv').dataset.position") == f"{ROW + 1},{COL + 1}"


def open_pinned(app_page: Any) -> Any:
    app = app_page.open(f"#/{LAYER}/{NEURON + 1}@{ROW + 1},{COL + 1}")
    page = app.page
    page.wait_for_function("document.getElementById('dv').open")
    assert page.evaluate("document.getElementById('dv').dataset.playing") == "false"
    return app


def test_every_view_follows_a_gallery_click_upload_paste_and_range(app_page: Any,
                                                                  core: Any) -> None:
    model, gallery, root = core
    app = open_pinned(app_page)
    page = app.page
    first = preprocess((root / "gallery" / gallery[0]["file"]).read_bytes(), model.input_shape,
                       model.preprocessing)
    result_matches(page, model, first)

    # a gallery click (programmatic: the open dialog makes the page inert to the pointer)
    v = versions(page)["overview"]
    page.evaluate("document.querySelector('.ov-thumb[data-index=\"3\"]').click()")
    v = wait_all_at_new_version(page, v)
    third = preprocess((root / "gallery" / gallery[3]["file"]).read_bytes(), model.input_shape,
                       model.preprocessing)
    result_matches(page, model, third)
    assert page.evaluate("document.getElementById('dv').open")

    # an upload through the file input
    data = png(1)
    page.set_input_files("#ov-file", files=[{"name": "one.png", "mimeType": "image/png",
                                             "buffer": data}])
    v = wait_all_at_new_version(page, v)
    result_matches(page, model, preprocess(data, model.input_shape, model.preprocessing))

    # a paste while the view is open: the case that used to leave the view stale
    data = png(2)
    page.evaluate("""(b64) => {
        const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bin], 'pasted.png', {type: 'image/png'}));
        document.body.dispatchEvent(new ClipboardEvent('paste',
            {clipboardData: dt, bubbles: true, cancelable: true}));
    }""", base64.b64encode(data).decode())
    v = wait_all_at_new_version(page, v)
    pasted = preprocess(data, model.input_shape, model.preprocessing)
    result_matches(page, model, pasted)

    # a range change: every view repaints, the numbers stay the same
    page.evaluate("""() => { const s = document.getElementById('ov-range');
        s.value = 'global'; s.dispatchEvent(new Event('change', {bubbles: true})); }""")
    wait_all_at_new_version(page, v)
    assert page.evaluate("document.getElementById('ov-tool').dataset.range") == "global"
    result_matches(page, model, pasted)
    assert "range=global" in page.url and "image=upload" in page.url
    assert app.console_errors == [] and app.outside_requests == []


def screen_of(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
        const d = document.getElementById('dv');
        const pressed = document.querySelector('.ov-thumb[aria-pressed="true"]');
        return {open: d.open, view: d.open ? d.dataset.view : null,
                position: d.open ? d.dataset.position : null,
                playing: d.open ? d.dataset.playing : null,
                range: document.getElementById('ov-tool').dataset.range,
                detail: document.getElementById('ov-tool').dataset.detail,
                image: pressed ? pressed.dataset.index : null,
                predicted: document.querySelector('.ov-pred .ov-cls').textContent,
                record: d.open ? document.getElementById('dv-record').textContent : null}; }""")


@pytest.mark.parametrize("layer,index,channel", [
    ("conv_2_1", 1, 4), ("max_pool_2", 3, None), ("output", 7, None), ("softmax", 1, None)])
def test_a_copied_link_opens_the_same_screen(app_page: Any, browser: Any, core: Any,
                                             layer: str, index: int, channel: int | None) -> None:
    model = core[0]
    app = app_page.open("?image=5&range=module")
    page = app.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ref = ref_for(model, layer, index, channel)
    page.evaluate("(h) => { location.hash = h; }", links.view_hash(ref, model))
    page.wait_for_function("document.getElementById('dv').open")
    page.click("#dv .dv-play") if page.evaluate(
        "document.getElementById('dv').dataset.playing") == "true" else None
    for _ in range(3):
        page.click("#dv [data-act='fwd']")
    page.click("#dv .dv-copy-link")
    page.wait_for_function("document.querySelector('#dv .dv-copy-link').dataset.link")
    link = page.evaluate("document.querySelector('#dv .dv-copy-link').dataset.link")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert re.search(r"[?&]image=5\b", link) and "range=module" in link and "@" in link
    here = screen_of(page)
    assert here["playing"] == "false"

    assert link.startswith(app.base_url)
    other = new_app_page(browser, app.base_url, viewport={"width": 1280, "height": 800})
    try:
        fresh = other.open(link[len(app.base_url):]).page
        fresh.wait_for_function("document.getElementById('dv').open")
        assert screen_of(fresh) == here
    finally:
        other.close()


def test_overview_link_and_an_upload_that_cannot_travel(app_page: Any) -> None:
    app = app_page.open()
    page = app.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click(".ov-thumb[data-index='2']")
    page.wait_for_function("location.search.includes('image=3')")
    page.click("#ov-copy-link")
    page.wait_for_function("document.getElementById('ov-copy-link').dataset.link")
    assert page.evaluate("document.getElementById('ov-copy-link').dataset.link").endswith(
        "?image=3")
    page.set_input_files("#ov-file", files=[{"name": "me.png", "mimeType": "image/png",
                                             "buffer": png(3)}])
    page.wait_for_function("location.search.includes('image=upload')")
    page.click("#ov-copy-link")
    page.wait_for_function("document.querySelector('#notices')?.innerText"
                           ".includes('cannot travel in a link')")
    link = page.evaluate("document.getElementById('ov-copy-link').dataset.link")
    page.goto(link)
    app.wait_for_mark("app:views-mounted")
    page.wait_for_function("document.querySelector('#notices')?.innerText"
                           ".includes('showing the first example')")
    assert page.evaluate("document.querySelector('.ov-thumb[aria-pressed=\"true\"]')"
                         ".dataset.index") == "0"


def test_back_and_forward_move_between_views(app_page: Any) -> None:
    app = app_page.open()
    page = app.page
    page.click("#ov-n-conv_1_2-4")
    page.wait_for_function("document.getElementById('dv').dataset.view === '#/conv_1_2/5'")
    page.evaluate("location.hash = '#/conv_1_2/5/3'")
    page.wait_for_function("document.getElementById('dv').dataset.view === '#/conv_1_2/5/3'")
    page.go_back()
    page.wait_for_function("document.getElementById('dv').dataset.view === '#/conv_1_2/5'")
    page.go_back()
    page.wait_for_function("!document.getElementById('dv').open")
    page.go_forward()
    page.wait_for_function("document.getElementById('dv').open")
    assert page.evaluate("document.getElementById('dv').dataset.view") == "#/conv_1_2/5"
    assert app.console_errors == []
