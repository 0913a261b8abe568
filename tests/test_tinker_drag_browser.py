"""Dragging a weight in the browser: the views off screen (the playground, scrolled away) wait
during the drag; once it ends every view (the overview's maps and bars, the detail view's
kernel, the banner, the list of changes, the playground) shows the numbers of the CPython core
for the same edit, and undo brings back the unedited network everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyapp import edits as E
from pyapp.cnn.formats import load_native
from pyapp.tinkering import percent
from tests.test_tinker_browser import assert_matches_core, banner, page_edits

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
WAIT = 30_000
WEIGHT = "conv_1_1 neuron 1, channel 1, weight row 2 column 2"


@pytest.fixture(scope="module")
def model() -> Any:
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


def data(page: Any, element_id: str, key: str) -> str | None:
    return page.evaluate(f"document.getElementById('{element_id}').dataset.{key} ?? null")


def playground_kernel(page: Any) -> float:
    """The playground's kernel cell at row 2, column 2 (the network's filter 1, red)."""
    # its text, not innerText: the playground may be off screen, its rendering skipped
    # (content-visibility: auto), and innerText reads only what is rendered
    return float(page.text_content("#pg-k-1-1").replace("\u2212", "-"))


# What the detail view's output map is drawn in: a canvas, or an <img> of the same pixels.
OUTPUT_MAP_JS = """document.querySelector("#dv .dv-map[data-map='output'] canvas, "
                                + "#dv .dv-map[data-map='output'] img").tagName"""


# The CSS animations running inside the detail view's body.
DV_ANIMATIONS_JS = """document.getAnimations().filter((a) => a.effect && a.effect.target
    && document.querySelector('#dv .dv-body').contains(a.effect.target))
    .map((a) => a.animationName || String(a.id))"""


def test_drag_end_every_view_matches_the_core_and_undo_restores(app_page: Any,
                                                               model: Any) -> None:
    app = app_page.open()
    page = app.page
    page.wait_for_selector("#pg-k-1-1")
    kernel = model.layer("conv_1_1").weights["kernel"]
    start = float(kernel[1, 1, 0, 0])
    assert abs(playground_kernel(page) - start) < 0.006
    page.click("#ov-n-conv_1_1-0")
    page.wait_for_selector("#dv[open] .tk-kernel")
    # the kernel editor is collapsed at first: its one named control opens it
    page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
    assert page.evaluate(OUTPUT_MAP_JS) == "IMG"  # a static map is an image (rastered once)
    dv_before = int(data(page, "dv", "version"))
    # the playground is far below the open dialog: off screen
    page.wait_for_function("document.getElementById('playground').dataset.onScreen"
                           " === 'false'", timeout=WAIT)
    pg_before = data(page, "playground", "version")
    tk_before = int(data(page, "tinker", "version"))
    weight = page.get_by_role("spinbutton", name=WEIGHT)
    weight.scroll_into_view_if_needed()  # the open editor scrolls within its own box
    box = weight.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for dy in range(2, 40, 2):
        page.mouse.move(x, y - dy)
    # while the pointer is still down: the editor follows, the hidden playground waits
    page.wait_for_function(f"+document.getElementById('tinker').dataset.version > {tk_before}",
                           timeout=WAIT)
    assert data(page, "playground", "version") == pg_before
    # mid-drag the view repaints its maps as canvases: no PNG encoding every frame
    page.wait_for_function(f"+document.getElementById('dv').dataset.version > {dv_before}",
                           timeout=WAIT)
    assert page.evaluate(OUTPUT_MAP_JS) == "CANVAS"
    # refreshed in place, the view does not replay its entry animation (slide-in, fade)
    assert page.evaluate(DV_ANIMATIONS_JS) == []
    # the view's sweep holds still while the weight is dragged (every frame is the drag's)
    assert data(page, "dv", "playing") == "true"
    step = data(page, "dv", "step")
    tk_mid = int(data(page, "tinker", "version"))
    for dy in range(40, 60, 2):
        page.mouse.move(x, y - dy)
    page.wait_for_function(f"+document.getElementById('tinker').dataset.version > {tk_mid}",
                           timeout=WAIT)
    assert data(page, "dv", "step") == step
    page.mouse.up()
    # let go: the sweep goes on from where it waited
    page.wait_for_function(f"document.getElementById('dv').dataset.step !== '{step}'",
                           timeout=WAIT)
    page.wait_for_function("document.getElementById('tinker').dataset.edits === '1' && "
                           "document.getElementById('tinker').dataset.settled === "
                           "document.getElementById('tinker').dataset.version", timeout=WAIT)
    final = data(page, "tinker", "version")
    (edit,) = page_edits(page)  # the whole drag is one change
    assert (edit.layer, edit.out, edit.in_ch, edit.row, edit.col) == ("conv_1_1", 0, 0, 1, 1)
    assert edit.value > start + 0.3  # 59 px up at 0.01 a pixel (after a 4 px dead zone)
    # every view shows the last snapshot, those that were off screen included
    for element_id in ("tinker", "playground", "dv"):
        assert data(page, element_id, "version") == final, element_id
    assert data(page, "ov-tool", "version") == final
    acts = assert_matches_core(page, model, [("conv_1_1", 0), ("conv_1_2", 4),
                                             ("relu_2_2", 3), ("max_pool_2", 9)])
    # the editor and the detail view's kernel show the dragged value
    assert page.input_value("#tk-w-1-1") == E.num_text(edit.value)
    cells = page.eval_on_selector_all("#dv .dv-kernel", "gs => gs.map(g => Array.from("
                                      "g.querySelectorAll('.dv-c')).map(c => c.textContent))")
    assert abs(float(cells[0][4].replace("\u2212", "-")) - edit.value) < 0.006
    # the banner: the prediction before and after, as the core computes them
    before = model.forward(acts["input"])["probabilities"]
    after = acts["probabilities"]
    names = model.class_names
    text = banner(page).inner_text()
    old, new = text.split("\u2192")
    assert names[int(np.argmax(before))] in old and percent(before.max()) in old
    assert names[int(np.argmax(after))] in new and percent(after.max()) in new
    assert page.locator(".tk-list li").count() == 1
    page.wait_for_function("document.getElementById('ov-n-conv_1_1-0').classList"
                           ".contains('tk-changed')", timeout=WAIT)
    assert page.evaluate(OUTPUT_MAP_JS) == "IMG"  # settled: static again
    # the playground, scrolled into view, shows the dragged weight
    page.keyboard.press("Escape")
    app.wait_closed()
    page.locator("#playground").scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('playground').dataset.onScreen"
                           " === 'true'", timeout=WAIT)
    assert abs(playground_kernel(page) - edit.value) < 0.006
    # undo: the unedited network everywhere (a hidden view included)
    page.get_by_role("button", name="Undo").first.click()
    page.wait_for_function("document.getElementById('tinker').dataset.edits === '0' && "
                           "document.getElementById('tinker').dataset.settled === "
                           "document.getElementById('tinker').dataset.version", timeout=WAIT)
    assert page_edits(page) == ()
    assert_matches_core(page, model, [("conv_1_1", 0), ("relu_2_2", 3)])
    assert abs(playground_kernel(page) - start) < 0.006
    assert page.locator("#tk-banner").is_hidden()
    assert app.console_errors == []
