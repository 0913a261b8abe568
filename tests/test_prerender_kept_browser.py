"""Issue 13, start-up: when the build's pre-rendered overview already shows the page's first
snapshot (default model, first example, default scale, no edit in the link), Python binds to
it without painting it again (mark ``app:prerender-kept``); every later paint still draws,
and draws what the build drew. Any other first snapshot is painted live."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

WAIT = 30_000
NEURON = "#ov-n-conv_1_1-0 canvas"

# how far the live canvas is from the pre-rendered picture of the same map: the largest
# difference of any channel of any pixel (the pre-render is a PNG of the same RGBA)
DIFF_JS = """async ([sel, uri]) => {
  const live = document.querySelector(sel);
  const img = new Image();
  img.src = uri;
  await img.decode();
  const off = document.createElement('canvas');
  off.width = live.width; off.height = live.height;
  const octx = off.getContext('2d');
  octx.imageSmoothingEnabled = false;
  octx.drawImage(img, 0, 0, live.width, live.height);
  const a = octx.getImageData(0, 0, live.width, live.height).data;
  const b = live.getContext('2d').getImageData(0, 0, live.width, live.height).data;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}"""


def background(page: Any, selector: str = NEURON) -> str:
    return str(page.eval_on_selector(selector, "(c) => c.style.backgroundImage"))


def test_a_default_load_keeps_the_prerender_and_later_paints_still_draw(app_page) -> None:
    page = app_page.page
    app = app_page.open()
    assert app.mark_count("app:prerender-kept") == 1
    stamp = page.get_attribute("#ov-tool", "data-prerender")
    assert stamp and len(stamp) == 24
    # not painted: the build's picture is still the canvas's background
    built = background(page)
    assert built.startswith('url("data:image/png')
    uri = built[len('url("'):-len('")')]
    assert page.get_attribute("#ov-tool", "data-version") == "1"
    # bound: a hover shows the read-out
    page.hover("#ov-n-conv_1_1-0")
    page.wait_for_function(
        "() => (document.getElementById('ov-readout')?.textContent || '').trim().length > 0",
        timeout=WAIT)
    # another example paints (the backgrounds go) ...
    thumbs = page.locator(".ov-thumb")
    drawn = app.mark_count("app:image-drawn")
    thumbs.nth(1).click()
    app.wait_for_mark("app:image-drawn", more_than=drawn)
    assert background(page) == "none"
    assert page.evaluate(DIFF_JS, [NEURON, uri]) > 8  # another picture
    # ... and the first example, drawn live again, is the picture the build drew
    drawn = app.mark_count("app:image-drawn")
    thumbs.nth(0).click()
    app.wait_for_mark("app:image-drawn", more_than=drawn)
    assert thumbs.nth(0).get_attribute("aria-pressed") == "true"
    assert page.evaluate(DIFF_JS, [NEURON, uri]) <= 2
    assert app.mark_count("app:prerender-kept") == 1
    assert app.console_errors == []


def test_a_scale_change_after_a_kept_prerender_paints(app_page) -> None:
    page = app_page.page
    app = app_page.open()
    assert app.mark_count("app:prerender-kept") == 1
    before = page.get_attribute("#ov-tool", "data-version")
    page.select_option("#ov-range", "global")
    page.wait_for_function(
        "(v) => document.getElementById('ov-tool').dataset.version !== v", arg=before,
        timeout=WAIT)
    assert page.get_attribute("#ov-tool", "data-range") == "global"
    assert background(page) == "none"
    assert app.console_errors == []


@pytest.mark.parametrize("query", [
    "?image=2",  # another example
    "?range=global",  # another scale
    "?model=weights/tinyvgg-cifar10.npz",  # a model by link (even the same file)
    "?edit=k:conv_1_1:3:1:edge",  # an edit about to change the network
])
def test_another_first_snapshot_is_painted_live(app_page, query: str) -> None:
    page = app_page.page
    app = app_page.open(query)
    assert app.mark_count("app:prerender-kept") == 0
    assert app.mark_count("app:overview-drawn") == 1
    assert not background(page).startswith("url(")  # painted live, not the build's picture
    assert app.console_errors == []
