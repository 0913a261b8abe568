"""Tinker in the browser: edit a weight (typing, keys), switch a map off, swap ReLU, the
temperature, undo, and a link that opens the same edited network; every number checked
against the CPython core for the same edits (read back from the page's own link)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from conftest import new_app_page

from pyapp import edits as E
from pyapp.cnn.formats import load_native
from pyapp.render.layout import build_layout, layer_infos
from pyapp.render.maps import overview_rgba

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
PROB_TOL = 0.0005 + 1e-6  # the bars print 0.1 %
WAIT = 30_000


@pytest.fixture(scope="module")
def model() -> Any:
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


def edits_shown(page: Any) -> int:
    return int(page.evaluate("document.getElementById('tinker').dataset.edits || -1"))


def wait_edits(page: Any, n: int) -> None:
    page.wait_for_function(f"document.getElementById('tinker').dataset.edits === '{n}'",
                           timeout=WAIT)


def page_edits(page: Any) -> tuple[E.Edit, ...]:
    """The edits the page's address holds (what a copied link sends)."""
    query = parse_qs(urlparse(page.url).query)
    return E.decode(query["edit"][0]) if "edit" in query else ()


def shown_probs(page: Any) -> np.ndarray:
    texts = page.eval_on_selector_all(".ov-out .ov-prob", "els => els.map(e => e.textContent)")
    return np.array([float(t.strip().rstrip("%").strip()) / 100 for t in texts])


def canvas_rgba(page: Any, selector: str) -> np.ndarray:
    w, h, px = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [c.width, c.height, Array.from(d.data)]; }""", selector)
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


def core_of(page: Any, model: Any) -> tuple[Any, dict]:
    """The CPython core's edited model and activations for the page's input and edits."""
    shown = canvas_rgba(page, "#ov-processed")[..., :3].astype(np.float32) / np.float32(255.0)
    edited = E.apply(model, page_edits(page))
    return edited, edited.forward(shown)


def assert_matches_core(page: Any, model: Any, maps: list[tuple[str, int]]) -> dict:
    edited, acts = core_of(page, model)
    want = overview_rgba(acts, build_layout(model.input_shape, layer_infos(model)), "unit")
    for layer, j in maps:
        got = canvas_rgba(page, f"#ov-n-{layer}-{j} canvas")
        diff = np.abs(got.astype(int) - want[layer][j].astype(int))
        assert diff.max() <= 2, (layer, j, diff.max())  # summation order: a level or two
    assert np.allclose(shown_probs(page), acts["probabilities"], atol=PROB_TOL)
    return acts


def banner(page: Any) -> Any:
    return page.get_by_role("status").filter(has_text="\u2192")


def open_editor(page: Any) -> None:
    """The view's kernel editor, collapsed at first: open it by its one named control."""
    page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
    page.wait_for_function("document.querySelector('#dv .tk-details').open", timeout=WAIT)


def test_edit_weight_by_typing_and_keys(app_page: Any, model: Any) -> None:
    app = app_page.open()
    page = app.page
    before = shown_probs(page)
    page.click("#ov-n-conv_1_1-2")
    page.wait_for_selector("#dv[open] .tk-kernel")
    open_editor(page)
    page.focus('#dv .dv-map[data-map="inter"][data-ch="0"]')
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('dv').dataset.hash === '#conv_1_1/2/0'",
                           timeout=WAIT)
    weight = page.get_by_role("spinbutton",
                              name="conv_1_1 neuron 3, channel 1, weight row 1 column 2")
    weight.fill("2.5")
    weight.press("Enter")
    wait_edits(page, 1)
    assert page_edits(page) == (E.SetWeight("conv_1_1", 2, 0, 0, 1, 2.5),)
    weight.press("ArrowUp")
    weight.press("ArrowUp")
    page.wait_for_function("document.getElementById('tk-w-0-1').value === '2.700'",
                           timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "tk-w-0-1"  # focus stays
    assert edits_shown(page) == 1  # arrow steps on one weight are one change to undo
    (edit,) = page_edits(page)
    assert edit == E.SetWeight("conv_1_1", 2, 0, 0, 1, E.f32(2.7))
    assert "tk-edited" in weight.get_attribute("class")
    # the formula view shows the new weight (its second kernel cell)
    cells = page.eval_on_selector_all("#dv .dv-w", "els => els.map(e => e.textContent)")
    cell = cells[1]
    marked = page.eval_on_selector_all("#dv .dv-w", "els => els.map(e => "
                                       "e.classList.contains('tk-edited'))")
    assert marked == [i == 1 for i in range(9)]
    assert abs(float(cell.replace("\u00d7", "").strip()) - 2.7) < 0.01
    page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias").fill("-1")
    page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias").press("Enter")
    wait_edits(page, 2)
    page.click("#dv .dv-close")  # back to the parent view (the neuron's convolution)
    page.wait_for_function("document.getElementById('dv').dataset.hash === '#conv_1_1/2'",
                           timeout=WAIT)
    assert edits_shown(page) == 2  # Back keeps the edits (and writes them to the address)
    page.wait_for_function("location.search.includes('edit=')", timeout=WAIT)
    page.click("#dv .dv-close")
    page.wait_for_function("!document.getElementById('dv').open", timeout=WAIT)
    acts = assert_matches_core(page, model, [("conv_1_1", 2), ("conv_1_1", 1), ("relu_1_1", 2),
                                             ("conv_2_1", 4), ("max_pool_2", 9)])
    base = model.forward(acts["input"])
    assert np.array_equal(acts["conv_1_1"][..., 1], base["conv_1_1"][..., 1])
    assert banner(page).count() == 1
    text = banner(page).inner_text()
    names = model.class_names
    b, a = int(np.argmax(base["probabilities"])), int(np.argmax(acts["probabilities"]))
    assert f"{names[b]} {100 * base['probabilities'][b]:.1f} % \u2192 {names[a]}" in text
    assert np.allclose(before, base["probabilities"], atol=PROB_TOL)
    # the changed map is marked, an unchanged one is not; the bars carry the before mark
    assert page.evaluate("document.getElementById('ov-n-conv_1_1-2').classList"
                         ".contains('tk-changed')")
    assert not page.evaluate("document.getElementById('ov-n-conv_1_1-1').classList"
                             ".contains('tk-changed')")
    assert page.locator(".ov-out .tk-before").count() == model.num_classes
    assert app.console_errors == []


def test_map_off_relu_swap_temperature_undo(app_page: Any, model: Any) -> None:
    app = app_page.open()
    page = app.page
    original = shown_probs(page)
    page.click("#ov-n-conv_1_2-3")
    page.wait_for_selector("#dv[open] .tk-kernel")
    open_editor(page)
    page.click("#dv .tk-mapoff")
    wait_edits(page, 1)
    assert page.get_attribute("#dv .tk-mapoff", "aria-pressed") == "true"
    page.click("#dv .dv-close")
    page.wait_for_function("!document.getElementById('dv').open", timeout=WAIT)
    acts = assert_matches_core(page, model, [("conv_1_2", 3), ("relu_1_2", 3),
                                             ("conv_2_1", 0)])
    assert not acts["conv_1_2"][..., 3].any()

    page.get_by_label("relu_1_1 activation").select_option("none")
    wait_edits(page, 2)
    assert "Without ReLU, negative values pass through" in page.inner_text(".tk-explain")
    acts = assert_matches_core(page, model, [("relu_1_1", 0), ("conv_1_2", 0)])
    assert (acts["relu_1_1"] < 0).any()

    page.get_by_label("Softmax temperature").fill("0.30103")  # log10 T: T = 2
    page.wait_for_function("document.getElementById('tk-t-out').textContent === '2'",
                           timeout=WAIT)
    wait_edits(page, 3)
    assert page_edits(page)[-1] == E.Temperature(2.0)
    edited, acts = core_of(page, model)
    np.testing.assert_allclose(acts["probabilities"],
                               E.ops.softmax(acts["output"] / np.float32(2)), rtol=1e-6)
    assert_matches_core(page, model, [("relu_2_2", 1)])
    assert page.locator(".tk-list li").count() == 3

    page.locator("body").focus()
    for n in (2, 1, 0):
        page.keyboard.press("Control+z")
        wait_edits(page, n)
    assert np.allclose(shown_probs(page), original, atol=1e-9)
    assert banner(page).count() == 0
    assert "edit=" not in page.url
    page.keyboard.press("Control+Shift+z")
    wait_edits(page, 1)
    assert app.console_errors == []


def test_link_opens_the_same_edited_network(app_page: Any, browser: Any, site_server: Any,
                                            model: Any) -> None:
    app = app_page.open("?edit=k:conv_1_1:3:1:edge,act:relu_2_1:tanh,t:2")
    page = app.page
    wait_edits(page, 3)
    page.get_by_label("max_pool_1 pooling").select_option("avg")
    wait_edits(page, 4)
    url, probs, text = page.url, shown_probs(page), banner(page).inner_text()
    assert_matches_core(page, model, [("conv_1_1", 2), ("max_pool_1", 0), ("relu_2_1", 3)])
    assert url.startswith(app.base_url)
    fresh = new_app_page(browser, app.base_url, viewport={"width": 390, "height": 844})
    try:
        other = fresh.open(url[len(app.base_url):]).page
        wait_edits(other, 4)
        assert banner(other).inner_text() == text
        assert np.allclose(shown_probs(other), probs, atol=1e-9)
        assert page_edits(other) == page_edits(page)
    finally:
        fresh.close()


def test_drag_a_weight(app_page: Any, model: Any) -> None:
    app = app_page.open()
    page = app.page
    page.click("#ov-n-conv_1_1-0")
    page.wait_for_selector("#dv[open] .tk-kernel")
    open_editor(page)
    page.get_by_label("conv_1_1 neuron 1: input channel to edit").select_option("1")
    name = "conv_1_1 neuron 1, channel 2, weight row 3 column 3"
    weight = page.get_by_role("spinbutton", name=name)
    weight.scroll_into_view_if_needed()  # the editor scrolls inside the dialog
    box = weight.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start = float(model.layer("conv_1_1").weights["kernel"][2, 2, 1, 0])
    page.mouse.move(x, y)
    page.mouse.down()
    for dy in range(2, 44, 2):
        page.mouse.move(x, y - dy)
    page.mouse.up()
    page.wait_for_function("document.getElementById('tinker').dataset.edits === '1'",
                           timeout=WAIT)
    (edit,) = page_edits(page)  # the whole drag is one change
    assert edit.row == 2 and edit.col == 2 and edit.in_ch == 1 and edit.out == 0
    assert edit.value > start + 0.2  # 42 px up at 0.01 a pixel (after a 4 px dead zone)
    # the changed maps are marked once the drag ends
    page.wait_for_function("document.getElementById('ov-n-conv_1_1-0').classList"
                           ".contains('tk-changed')", timeout=WAIT)
    assert page.locator(".tk-list li").count() == 1
    assert_matches_core(page, model, [("conv_1_1", 0), ("relu_2_2", 3)])
    assert app.console_errors == []


def test_save_edited_network(app_page: Any, model: Any, tmp_path: Path) -> None:
    app = app_page.open("?edit=k:conv_1_1:3:1:edge,off:conv_1_2:2,t:2")
    page = app.page
    wait_edits(page, 3)
    with page.expect_download() as info:
        page.get_by_role("button", name="Save the edited network (.npz)").click()
    path = tmp_path / "edited.npz"
    info.value.save_as(path)
    assert info.value.suggested_filename == "edited-network.npz"
    saved = load_native(path)
    _edited, acts = core_of(page, model)
    np.testing.assert_allclose(saved.forward(acts["input"])["probabilities"],
                               acts["probabilities"], rtol=1e-4, atol=1e-6)
    assert np.allclose(shown_probs(page), acts["probabilities"], atol=PROB_TOL)
    assert app.outside_requests == [] and app.console_errors == []


def test_bad_link_opens_the_unedited_network(app_page: Any, model: Any) -> None:
    app = app_page.open("?edit=w:conv_1_1:99:1:1:1:2")
    page = app.page
    page.wait_for_function("document.querySelectorAll('#notices .notice').length >= 1",
                           timeout=WAIT)
    notice = page.inner_text("#notices")
    assert "network changes could not be read" in notice
    assert "showing the unedited network" in notice
    assert edits_shown(page) == 0
    assert banner(page).count() == 0
    assert "edit=" not in page.url
    assert app.console_errors == []


def test_edit_from_the_overview_readout(app_page: Any, model: Any) -> None:
    """The read-out's "Edit" pins it to one conv neuron; its spin buttons (named as the
    detail view's) edit the network through the same path, hover elsewhere leaves it, undo
    works, and a detail view opened meanwhile has the only editor."""
    app = app_page.open()
    page = app.page
    page.hover("#ov-n-conv_1_1-2")
    edit = page.get_by_role("button", name="Edit the kernel of conv_1_1 neuron 3")
    edit.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('ov-tool').dataset.pinned === 'conv_1_1:2'",
                           timeout=WAIT)
    name = "conv_1_1 neuron 3, channel 1, weight row 1 column 2"
    weight = page.get_by_role("spinbutton", name=name)
    original = weight.input_value()
    weight.fill("2.5")
    weight.press("Enter")
    wait_edits(page, 1)
    assert page_edits(page) == (E.SetWeight("conv_1_1", 2, 0, 0, 1, 2.5),)
    page.hover("#ov-n-conv_2_1-5")  # the pinned read-out stays
    assert "conv_1_1, neuron 3" in page.inner_text("#ov-readout")
    weight.press("ArrowUp")
    weight.press("ArrowUp")
    page.wait_for_function("document.getElementById('ro-w-0-1').value === '2.700'",
                           timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "ro-w-0-1"  # focus stays
    assert edits_shown(page) == 1
    assert page_edits(page) == (E.SetWeight("conv_1_1", 2, 0, 0, 1, E.f32(2.7)),)
    assert "tk-edited" in weight.get_attribute("class")
    acts = assert_matches_core(page, model, [("conv_1_1", 2), ("relu_1_1", 2),
                                             ("conv_2_1", 4), ("max_pool_2", 9)])
    info = page.inner_text("#ov-readout .ov-ro-info")  # the pinned read-out's numbers follow
    shown_max = float(info.split("max ", 1)[1].split()[0].replace("\u2212", "-"))
    assert abs(shown_max - float(acts["conv_1_1"][..., 2].max())) < 0.002
    assert page.evaluate("document.getElementById('ov-n-conv_1_1-2').classList"
                         ".contains('tk-changed')")
    # a channel picked in the read-out edits that channel
    page.get_by_label("conv_1_1 neuron 3: input channel to edit").select_option("2")
    bias = page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias")
    page.get_by_role("spinbutton",
                     name="conv_1_1 neuron 3, channel 3, weight row 3 column 3").fill("-1")
    page.get_by_role("spinbutton",
                     name="conv_1_1 neuron 3, channel 3, weight row 3 column 3").press("Enter")
    wait_edits(page, 2)
    assert page_edits(page)[-1] == E.SetWeight("conv_1_1", 2, 2, 2, 2, -1.0)
    assert_matches_core(page, model, [("conv_1_1", 2), ("conv_1_2", 0)])
    # a detail view opened: its editor is the only one on screen
    page.click("#ov-n-conv_1_1-2")
    page.wait_for_selector("#dv[open] .tk-kernel")
    assert page.locator("#ov-readout .tk-kernel").count() == 0
    open_editor(page)
    assert page.get_by_role("spinbutton", name="conv_1_1 neuron 3, bias").count() == 1
    page.click("#dv .dv-close")
    page.wait_for_function("!document.getElementById('dv').open", timeout=WAIT)
    page.wait_for_selector("#ov-readout .tk-kernel")
    bias.focus()
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    wait_edits(page, 0)
    page.get_by_label("conv_1_1 neuron 3: input channel to edit").select_option("0")
    assert weight.input_value() == original
    assert banner(page).count() == 0
    page.get_by_role("button", name="Close the kernel editor of conv_1_1 neuron 3").click()
    page.wait_for_function("!document.getElementById('ov-tool').dataset.pinned", timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "ov-n-conv_1_1-2"
    page.hover("#ov-n-conv_2_1-5")
    assert "conv_2_1, neuron 6" in page.inner_text("#ov-readout")
    assert app.console_errors == []
