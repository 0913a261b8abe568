"""The "Why?" views in the page (Chromium): each saliency view for the predicted class and
for another class, against the CPython core; the backprop view's numbers; occlusion keeps
the page responsive (a gallery click while it fills changes the image and restarts it); the
control in a detail view's header; the gallery's mistake; the gradient toggle; Esc; and
screenshots at 390x844, 1280x720 and 1440x900."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyapp.cnn import grads
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.views import backprop
from pyapp.views import saliency as sv

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("WHY_SHOTS", Path(tempfile.gettempdir()) / "why-shots"))
STATE = "document.getElementById('why')?.dataset"


@pytest.fixture(scope="module")
def core(site_server: Any) -> tuple[Any, list[dict], Any]:
    root = Path(site_server.root)
    model = load_native(root / "weights" / "tinyvgg-cifar10.npz")
    gallery = json.loads((root / "gallery" / "gallery.json").read_text())

    def acts_of(index: int) -> dict[str, np.ndarray]:
        image = preprocess((root / "gallery" / gallery[index]["file"]).read_bytes(),
                           model.input_shape, model.preprocessing)
        return model.forward(image)
    return model, gallery, acts_of


def _open(app_page: Any) -> Any:
    app = app_page.open()
    page = app.page
    page.wait_for_selector(".why-by-output", timeout=60_000)
    return page


def _wait_state(page: Any, state: str, timeout: int = 60_000) -> dict:
    page.wait_for_function(f"({STATE} || {{}}).state === {json.dumps(state)}",
                           timeout=timeout)
    return page.evaluate(f"({{...{STATE}}})")


def _sel(page: Any, name: str) -> Any:
    """The visible select named ``name``."""
    return page.get_by_role("combobox", name=name, exact=True)


def _pick(page: Any, name: str, value: object) -> None:
    """Choose ``value`` in the visible select named ``name``, as a person does (the value
    changes, then a ``change`` event)."""
    box = _sel(page, name)
    box.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('change', "
                 "{bubbles: true})); }", str(value))
    assert box.input_value() == str(value)


def _choose(page: Any, method: str) -> None:
    page.click(f".why-m[data-method='{method}']")


def test_each_view_for_predicted_and_another_class(app_page: Any, core: Any) -> None:
    model, _, acts_of = core
    acts = acts_of(0)
    pred = int(np.argmax(acts["probabilities"]))
    other = (pred + 3) % len(model.class_names)
    page = _open(app_page)
    page.click(".why-by-output")
    d = _wait_state(page, "drawn")
    assert page.evaluate("document.activeElement.id") == "why-title"
    region = page.get_by_role("region", name="Why?")
    assert region.is_visible()
    assert d["method"] == "gradcam" and int(d["cls"]) == pred
    # the class picker is named "Class" and says which class is predicted
    select = _sel(page, "Class")
    assert "(predicted)" in select.locator("option:checked").inner_text()
    for cls in (pred, other):
        if cls != pred:
            _pick(page, "Class", cls)
        for method in ("gradcam", "gradxinput"):
            _choose(page, method)
            d = _wait_state(page, "drawn")
            want = sv.why_view(model, acts, cls, method)
            assert (d["method"], int(d["cls"])) == (method, cls)
            peak, r, c = want.peak
            assert float(d["peak"]) == pytest.approx(peak, rel=1e-4, abs=1e-7)
            assert d["peakAt"] == f"{r},{c}"
            text = page.inner_text("#why-sentence")
            assert model.class_names[cls] in text and "not" in text
            legend = page.locator(".why-legend")
            assert legend.get_attribute("aria-label").startswith("Colour scale")
        # occlusion: a coarse patch for speed; it fills in and ends equal to the core
        _choose(page, "occlusion")
        _pick(page, "Patch", "16")
        _pick(page, "Stride", "8")
        d = _wait_state(page, "done")
        run = sv.OcclusionRun(model, acts, cls, 16, 8)
        while not run.done:
            run.advance(1e9, lambda: 0.0)
        peak, r, c = run.view().peak
        assert int(d["cls"]) == cls and int(d["computed"]) == run.occ.total
        assert float(d["peak"]) == pytest.approx(peak, abs=1e-5)
        assert d["peakAt"] == f"{r},{c}"
        _pick(page, "Patch", "8")
        _pick(page, "Stride", "4")
    # Grad-CAM on another conv layer
    _choose(page, "gradcam")
    _pick(page, "Layer", "relu_1_2")
    d = _wait_state(page, "drawn")
    assert d["layer"] == "relu_1_2"
    peak, r, c = sv.why_view(model, acts, other, "gradcam", layer="relu_1_2").peak
    assert float(d["peak"]) == pytest.approx(peak, rel=1e-4, abs=1e-7)
    # Esc closes and gives focus back to the control that opened it
    page.keyboard.press("Escape")
    page.wait_for_function(f"{STATE}.state === 'closed'")
    assert page.evaluate("document.activeElement.classList.contains('why-by-output')")
    assert app_page.console_errors == []


def test_backprop_numbers_equal_the_core(app_page: Any, core: Any) -> None:
    model, _, acts_of = core
    acts = acts_of(0)
    page = _open(app_page)
    page.click(".why-by-output")
    _wait_state(page, "drawn")
    _choose(page, "backprop")
    cls = 3
    _pick(page, "Class", str(cls))
    g = grads.backward(model, acts, ("logit", cls), params=False)
    for layer, neuron in (("relu_2_2", 4), ("max_pool_1", 1), ("conv_2_1", 6)):
        _pick(page, "Layer", layer)
        _pick(page, "Neuron", str(neuron))
        page.wait_for_function(
            f"{STATE}.layer === {json.dumps(layer)} && !!document.querySelector('.why-eq')")
        eq = page.locator(".why-eq")
        want = backprop.backprop_view(model, acts, cls, layer, neuron, g)
        assert eq.get_attribute("data-cell") == f"{want.cell[0]},{want.cell[1]}"
        assert float(eq.get_attribute("data-passed")) == pytest.approx(want.passed, rel=1e-4,
                                                                        abs=1e-8)
        assert float(eq.get_attribute("data-arriving")) == pytest.approx(
            want.arriving, rel=1e-4, abs=1e-8)
        cells = [float(v) for v in page.eval_on_selector_all(
            ".why-grid td", "tds => tds.map(t => t.dataset.v)")]
        expect = [v for gr in want.grids for row in gr.values for v in row]
        np.testing.assert_allclose(cells, expect, rtol=1e-4, atol=1e-8)
        assert eq.inner_text() == want.equation
        # the three figures: from above, the local derivative, passed down
        assert page.locator(".why-more canvas").count() == 3
    assert app_page.console_errors == []


def test_occlusion_keeps_the_page_responsive(app_page: Any, core: Any) -> None:
    model, gallery, acts_of = core
    page = _open(app_page)
    page.click(".why-by-output")
    _wait_state(page, "drawn")
    _choose(page, "occlusion")
    page.wait_for_function(f"{STATE}.state === 'filling' && +{STATE}.computed > 0")
    before = page.evaluate(f"{STATE}.version")
    # a gallery click while the map fills is handled: the image changes, occlusion restarts
    page.click(".ov-thumb[data-index='2']")
    page.wait_for_function(
        "document.querySelector(\".ov-thumb[data-index='2']\").ariaPressed === 'true'")
    page.wait_for_function(f"{STATE}.version !== {json.dumps(before)}")
    d = _wait_state(page, "done", timeout=120_000)
    run = sv.OcclusionRun(model, acts_of(2), int(d["cls"]))
    while not run.done:
        run.advance(1e9, lambda: 0.0)
    assert int(np.argmax(acts_of(2)["probabilities"])) == int(d["cls"])
    assert float(d["peak"]) == pytest.approx(run.view().peak[0], abs=1e-5)
    assert app_page.console_errors == []


def test_why_from_a_detail_view_and_the_mistake(app_page: Any, core: Any) -> None:
    model, gallery, acts_of = core
    wrong = next(i for i, e in enumerate(gallery) if e.get("mistake"))
    page = _open(app_page)
    thumb = page.locator(f".ov-thumb[data-index='{wrong}']")
    assert "gets this one wrong" in thumb.get_attribute("aria-label")
    thumb.click()
    page.wait_for_function(
        f"document.querySelector(\".ov-thumb[data-index='{wrong}']\").ariaPressed === 'true'")
    # open a detail view, then its "Why?" control
    page.click("#ov-n-relu_1_1-3")
    page.wait_for_function("document.getElementById('dv')?.open")
    page.get_by_role("button", name="Why? Saliency views").click()
    d = _wait_state(page, "drawn")
    assert not page.evaluate("document.getElementById('dv').open")
    acts = acts_of(wrong)
    pred = int(np.argmax(acts["probabilities"]))
    assert int(d["cls"]) == pred and d["mistake"] == "true"
    note = page.inner_text(".why-note")
    assert gallery[wrong]["label"] in note and model.class_names[pred] in note
    # the gradient toggle repaints the overview from the backward pass, and back
    btn = page.get_by_role("button", name="Show gradients")
    # what each legend says (its scale's name and limits); where it stands is the detail
    # view's to move and put back
    legends = """() => [...document.querySelectorAll('.ov-legends .ov-legend')].map(
        (l) => [l.dataset.layers, l.getAttribute('aria-label'), l.textContent])"""
    legend_before = page.evaluate(legends)
    btn.click()
    assert btn.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.getElementById('ov-tool').dataset.maps") == "gradients"
    assert "gradient of the" in page.inner_html(".ov-legends")
    btn.click()
    assert btn.get_attribute("aria-pressed") == "false"
    assert page.evaluate(legends) == legend_before
    assert app_page.console_errors == []


def test_link_opens_a_view_and_screenshots(app_page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    app = app_page.open("?why=gradxinput&class=4")
    page = app.page
    d = _wait_state(page, "drawn")
    assert (d["method"], d["cls"]) == ("gradxinput", "3")
    _choose(page, "backprop")
    assert "why=backprop&class=4" in page.evaluate("location.search")
    page.keyboard.press("Escape")
    page.wait_for_function("!location.search.includes('why=')")
    for w, h in ((1440, 900), (1280, 720), (390, 844)):
        page.set_viewport_size({"width": w, "height": h})
        # beside the output column; on a phone, in the options row above the network
        opener = page.locator("#ov-tool .why-open:visible")
        assert opener.count() == 1
        assert (w < 700) == ("why-in-options" in opener.get_attribute("class"))
        opener.click()
        for method in ("gradcam", "occlusion", "backprop"):
            _choose(page, method)
            _wait_state(page, "done" if method == "occlusion" else "drawn", 120_000)
            page.locator("#why").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"why-{method}-{w}x{h}.png"))
            # nothing of the region sticks out of the window sideways
            overflow = page.evaluate("(() => { const r = document.getElementById('why')"
                                     ".getBoundingClientRect(); return r.right - "
                                     "document.documentElement.clientWidth; })()")
            assert overflow <= 1, (method, w, overflow)
        page.keyboard.press("Escape")
    assert app_page.console_errors == []
