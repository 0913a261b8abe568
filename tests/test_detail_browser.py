"""The layer detail views in the page (Chromium): opening by click, keyboard and deep link,
closing with Esc and focus return, history, the numbers against the CPython core, the
animation controls, and screenshots at 1440x900 and 390x844 with a text-overlap check."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import AppPage, new_app_page, url_hash

from pyapp.cnn import explain as ex
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.numbers import parse

pytestmark = pytest.mark.browser

NUM = r"[-\u2212]?\d+\.\d+(?:e[+\-\u2212]\d+)?"
SHOTS = Path(os.environ.get("DETAIL_SHOTS", Path(tempfile.gettempdir()) / "detail-shots"))
# (hash, how the overview opens it): neuron element id or a selector
VIEWS = {
    "conv": ("#conv_1_2/4", "#ov-n-conv_1_2-4"),
    "activation": ("#relu_1_1/3", "#ov-n-relu_1_1-3"),
    "pool": ("#max_pool_1/1", "#ov-n-max_pool_1-1"),
    "logit": ("#output/3", "#ov-n-output-3"),
}


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def core(site_server: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """The CPython core on the same model and image as the page (gallery entry 0)."""
    root = Path(site_server.root)
    model = load_native(root / "weights" / "tinyvgg-cifar10.npz")
    first = json.loads((root / "gallery" / "gallery.json").read_text())[0]["file"]
    image = preprocess((root / "gallery" / first).read_bytes(), model.input_shape,
                       model.preprocessing)
    return model, model.forward(image)


Page = AppPage  # the tests below name the harness by its role here


def load(app: AppPage, hash_: str = "") -> None:
    """Open the site at ``hash_``; the detail dialog must be installed by start-up."""
    app.open(hash_)
    try:
        app.page.wait_for_selector("#dv", state="attached", timeout=20_000)
    except Exception:  # noqa: BLE001 - reported as the failure below
        pytest.fail("no detail dialog on the page: the app's start-up must install "
                    "pyapp.ui.detail")


@pytest.fixture(scope="module")
def app(browser: Any, site_server: Any) -> Any:
    p = new_app_page(browser, site_server.url, viewport={"width": 1440, "height": 900})
    load(p)
    yield p
    p.close()
    assert [e for e in p.console_errors if e.startswith("pageerror")] == []


@pytest.fixture()
def fresh(app: Page) -> Page:
    app.close_all()
    return app


# --- opening and closing ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(VIEWS))
def test_open_by_click_close_by_esc(fresh: Page, kind: str) -> None:
    hash_, opener = VIEWS[kind]
    fresh.page.click(opener)
    fresh.wait_open(hash_)
    assert fresh.page.evaluate("location.hash") == url_hash(hash_)
    assert fresh.page.evaluate("document.activeElement.closest('#dv') !== null")
    fresh.page.keyboard.press("Escape")
    fresh.wait_closed()
    assert fresh.active_id() == opener[1:]
    assert fresh.page.evaluate("location.hash") == ""


@pytest.mark.parametrize("kind", sorted(VIEWS))
def test_open_by_keyboard(fresh: Page, kind: str) -> None:
    hash_, opener = VIEWS[kind]
    fresh.page.focus(opener)
    fresh.page.keyboard.press("Enter")
    fresh.wait_open(hash_)
    fresh.page.click("#dv .dv-close")
    fresh.wait_closed()
    assert fresh.active_id() == opener[1:]


def test_formula_opens_from_intermediate_map_and_history(fresh: Page) -> None:
    page = fresh.page
    page.click("#ov-n-conv_1_1-2")
    fresh.wait_open("#conv_1_1/2")
    inter = '#dv .dv-map[data-map="inter"][data-ch="1"]'
    page.focus(inter)
    page.keyboard.press("Enter")
    fresh.wait_open("#conv_1_1/2/1")
    page.keyboard.press("Escape")  # back to the elastic view, focus on the map it came from
    fresh.wait_open("#conv_1_1/2")
    assert page.evaluate(f"document.activeElement === document.querySelector('{inter}')")
    page.click(inter)
    fresh.wait_open("#conv_1_1/2/1")
    page.go_back()
    fresh.wait_open("#conv_1_1/2")
    page.go_back()
    fresh.wait_closed()
    page.go_forward()
    fresh.wait_open("#conv_1_1/2")


def test_softmax_control_and_flatten_button(fresh: Page) -> None:
    page = fresh.page
    page.click(".dv-softmax-btn")
    page.wait_for_function("document.getElementById('dv').dataset.kind === 'softmax'")
    page.keyboard.press("Escape")
    fresh.wait_closed()
    assert page.evaluate("document.activeElement.classList.contains('dv-softmax-btn')")
    page.click("#ov-n-output-3")
    fresh.wait_open("#output/3")
    page.click("#dv .dv-soft")
    fresh.wait_open("#softmax/3")
    page.keyboard.press("Escape")
    fresh.wait_open("#output/3")
    assert page.evaluate("document.activeElement.classList.contains('dv-soft')")


def test_deep_link_opens_and_esc_clears_the_hash(app: Page) -> None:
    load(app, "#conv_2_1/3/7")
    app.wait_open("#conv_2_1/3/7")
    assert "channel 8 of 10" in app.page.inner_text("#dv-title")
    app.page.keyboard.press("Escape")
    app.wait_closed()
    # the address follows the session's snapshot (its subscriber may run a task later)
    app.page.wait_for_function("location.hash === ''", timeout=20_000)
    assert app.active_id() == "ov-n-conv_2_1-3"


def test_hash_change_opens_and_closes(fresh: Page) -> None:
    fresh.page.evaluate("location.hash = '#relu_2_2/9'")
    fresh.wait_open("#relu_2_2/9")
    fresh.page.evaluate("location.hash = ''")
    fresh.wait_closed()


# --- the numbers are the core's -----------------------------------------------------------------
def nums(text: str) -> list[float]:
    return [parse(x) for x in re.findall(NUM, text)]


def near(a: float, b: float, digits: int = 3, units: float = 0.5) -> bool:
    return abs(a - b) <= units * 10 ** -digits + 1e-6


def hover_random(page: Any, selector: str, rng: np.random.Generator) -> None:
    box = page.locator(selector).bounding_box()
    x = box["x"] + box["width"] * float(rng.uniform(0.02, 0.98))
    y = box["y"] + box["height"] * float(rng.uniform(0.02, 0.98))
    page.mouse.move(x, y)


def check_conv(rec: ex.ConvExplanation, text: str) -> None:
    m = re.search(rf"row (\d+), column (\d+);.* partial sums ([^;]*); sum ({NUM}); "
                  rf"bias ({NUM}); result ({NUM})$", text)
    assert m, text
    assert (int(m[1]) - 1, int(m[2]) - 1) == (rec.row, rec.col)  # 1-based on the page
    partials = nums(m[3])
    assert len(partials) == len(rec.terms)
    # the terms of a sum: within one unit of their last digit, so that they add up at the
    # view's decimals (pyapp.numbers); the result rounded to the nearest
    assert all(near(p, t.partial_sum, units=1.0)
               for p, t in zip(partials, rec.terms, strict=True))
    assert near(parse(m[4]), rec.channel_sum, units=1.0)
    assert near(parse(m[5]), rec.bias, units=1.0)
    assert near(parse(m[6]), rec.value)


@pytest.mark.parametrize("hash_,target", [
    ("#conv_1_2/4", '.dv-map[data-map="output"]'),
    ("#conv_2_2/0/5", '.dv-map[data-map="input"]'),
    ("#relu_1_2/6", '.dv-map[data-map="output"]'),
    ("#max_pool_2/2", '.dv-map[data-map="input"]'),
    ("#output/7", '.dv-map[data-map="strip"]'),
    ("#softmax/1", ".dv-sm-table tbody tr"),
])
def test_page_numbers_equal_core(fresh: Page, core: Any, hash_: str, target: str) -> None:
    model, acts = core
    page = fresh.page
    page.evaluate(f"location.hash = '{hash_}'")
    fresh.wait_open(hash_)
    kind = fresh.dv("kind")
    if fresh.dv("playing") == "true":  # the numbers at a pinned position, not a moving one
        fresh.pause()
    rng = np.random.default_rng(sum(map(ord, hash_)))
    for _ in range(3):
        if kind == "softmax":
            # a click chooses the class (hovering does not: the view stays on the chosen one)
            page.click(f"#dv .dv-sm-table tbody tr:nth-child({int(rng.integers(1, 11))})")
        else:
            hover_random(page, f"#dv {target}", rng)
        fresh.frames(2)  # the pointer's position is drawn
        i = fresh.position()
        text = fresh.record()
        layer, idx = hash_[1:].split("/")[:2]
        if kind in ("conv", "formula"):
            w = model.shapes[layer][1]
            rec = ex.explain_conv(model, acts, layer, int(idx), i // w, i % w)
            check_conv(rec, text)
            if kind == "formula":
                ch = int(hash_.split("/")[2])
                m = re.search(rf"partial sum ({NUM})", text)
                # (a sum's terms within one unit, so they add up at 3 decimals: numbers)
                assert m and near(parse(m[1]), rec.terms[ch].partial_sum, units=1.0)
                vals = nums(re.search(r"column \d+; (.*); partial sum", text)[1])
                # "value times weight is product", nine times
                assert np.allclose(vals[0::3], rec.terms[ch].window.ravel(), atol=5e-3)
                assert np.allclose(vals[1::3], rec.terms[ch].kernel.ravel(), atol=5e-3)
                assert np.allclose(vals[2::3], rec.terms[ch].products.ravel(),
                                   atol=1e-3 + 1e-6)
                assert near(parse(page.inner_text("#dv .dv-value")), rec.value)
            else:
                assert near(parse(page.inner_text("#dv .dv-result")), rec.result)
        elif kind == "activation":
            w = model.shapes[layer][1]
            rec = ex.explain_relu(model, acts, layer, (i // w, i % w, int(idx)))
            m = re.search(rf"row (\d+), column (\d+); input ({NUM}); .* = output ({NUM})$", text)
            assert m and (int(m[1]) - 1, int(m[2]) - 1) == rec.position[:2]
            assert near(parse(m[3]), rec.input) and near(parse(m[4]), rec.output)
            assert near(parse(page.inner_text("#dv .dv-y")), rec.output)
        elif kind == "pool":
            w = model.shapes[layer][1]
            rec = ex.explain_max_pool(model, acts, layer, int(idx), i // w, i % w)
            m = re.search(rf"values (.*); maximum ({NUM}) from row (\d+), column (\d+)", text)
            assert m and np.allclose(nums(m[1]), rec.window.ravel(), atol=5e-4)
            assert near(parse(m[2]), rec.value)
            assert (int(m[3]) - 1, int(m[4]) - 1) == (rec.argmax_row, rec.argmax_col)
        elif kind == "logit":
            fr = ex.explain_flatten(model, acts, "flatten", i)
            dr = ex.explain_dense(model, acts, layer, int(idx))
            m = re.search(rf"row (\d+), column (\d+), channel (\d+): value ({NUM}); weight "
                          rf"({NUM}); product ({NUM}); sum of all products ({NUM}); bias "
                          rf"({NUM}); logit of .* ({NUM})$", text)
            assert m, text
            assert (int(m[1]) - 1, int(m[2]) - 1, int(m[3]) - 1) == (fr.row, fr.col, fr.channel)
            got = [parse(m[j]) for j in range(4, 10)]
            want = [fr.input, dr.weights[i], dr.products[i], dr.total, dr.bias, dr.value]
            assert all(near(g, v) for g, v in zip(got, want, strict=True))
        else:
            rec = ex.explain_softmax(model, acts)
            m = re.search(rf"exp\(({NUM})\) = ({NUM}); sum of all \d+ exponentials ({NUM}); "
                          rf"probability .* = ({NUM})$", text)
            assert m, text
            assert near(parse(m[1]), rec.logits[i])
            assert parse(m[2]) == pytest.approx(rec.exponentials[i], rel=1e-3, abs=5e-4)
            assert parse(m[3]) == pytest.approx(rec.total, rel=1e-3)
            assert near(parse(m[4]), float(acts["probabilities"][i]), 4)
            assert page.evaluate(f"document.querySelector('#dv tr[data-i=\"{i}\"]')"
                                 ".classList.contains('is-cur')")


# --- the controls ------------------------------------------------------------------------------
def test_play_pause_step(fresh: Page) -> None:
    page = fresh.page
    page.evaluate("location.hash = '#relu_1_1/0'")
    fresh.wait_open("#relu_1_1/0")
    assert fresh.dv("playing") == "true"
    a = fresh.position()
    fresh.wait_position_change(a)  # playing: it advances
    fresh.pause()
    b = fresh.position()
    fresh.frames(60)  # a second of frames at 60 Hz, several steps' worth while playing
    assert fresh.position() == b  # paused: it stays
    page.click('#dv button[data-act="fwd"]')
    assert fresh.position() == b + 1
    page.click('#dv button[data-act="back"]')
    page.click('#dv button[data-act="back"]')
    assert fresh.position() == b - 1
    page.evaluate("document.querySelector('#dv .dv-caption').setAttribute('tabindex', '-1');"
                  "document.querySelector('#dv .dv-caption').focus()")
    page.keyboard.press("ArrowRight")
    assert fresh.position() == b
    page.keyboard.press("Space")
    assert fresh.dv("playing") == "true"
    page.keyboard.press("Space")
    assert fresh.dv("playing") == "false"
    b = fresh.position()  # a map view's sweep moves several positions a frame (20 s a sweep)
    page.focus('#dv .dv-map[data-map="output"]')
    page.keyboard.press("ArrowDown")  # on a map, arrows move the window in 2-D
    assert fresh.position() == b + 62
    # replay starts again from the first position (read in the same task as the click: a
    # map view's sweep moves several positions a frame)
    step = page.evaluate("() => { document.querySelector('#dv button[data-act=\"replay\"]')"
                         ".click(); return document.getElementById('dv').dataset.step; }")
    assert fresh.dv("playing") == "true"
    assert int(step) < 5


def test_reduced_motion_nothing_moves_by_itself(browser: Any, site_server: Any) -> None:
    p = new_app_page(browser, site_server.url, reduced_motion="reduce")
    try:
        load(p, "#conv_1_1/0")
        p.wait_open("#conv_1_1/0")
        assert p.dv("playing") == "false"
        a = p.position()
        p.frames(60)
        assert p.position() == a
        p.page.click('#dv button[data-act="fwd"]')
        assert p.position() == a + 1
    finally:
        p.close()


# --- screenshots and overlap ----------------------------------------------------------------
OVERLAPS = """() => {
  const d = document.getElementById('dv');
  const walker = document.createTreeWalker(d, NodeFilter.SHOW_TEXT);
  const boxes = [];
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (el.closest('svg') || getComputedStyle(el).visibility === 'hidden') continue;
    // the text of a closed <details> (the folded notes) is not drawn
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    // what the scrolling containers clip away is not visible: cut the boxes to them
    let clip = [-1e9, -1e9, 1e9, 1e9];
    for (let a = el; a && a !== d.parentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflow !== 'visible') {
        const c = a.getBoundingClientRect();
        clip = [Math.max(clip[0], c.left), Math.max(clip[1], c.top),
                Math.min(clip[2], c.right), Math.min(clip[3], c.bottom)];
      }
    }
    const r = document.createRange(); r.selectNodeContents(n);
    for (const b of r.getClientRects()) {
      const x0 = Math.max(b.left, clip[0]), y0 = Math.max(b.top, clip[1]);
      const x1 = Math.min(b.right, clip[2]), y1 = Math.min(b.bottom, clip[3]);
      const label = n.textContent.trim().slice(0, 30);
      if (x1 - x0 > 0 && y1 - y0 > 0) boxes.push([x0, y0, x1, y1, label]);
    }
  }
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    if (w > 1.5 && h > 1.5) out.push([a[4], b[4]]);
  }
  return out;
}"""

ALL = ["#conv_1_1/0", "#conv_2_2/4", "#conv_1_2/3/2", "#relu_2_1/5", "#max_pool_1/1",
       "#output/2", "#softmax/0"]


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["1440x900", "390x844"])
def test_screenshots_and_no_text_overlap(fresh: Page, size: tuple[int, int]) -> None:
    page = fresh.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for h in ALL:
            page.evaluate(f"location.hash = '{h}'")
            fresh.wait_open(h)
            fresh.pause()
            fresh.settle("#dv")  # past the opening transition
            name = h[1:].replace("/", "-")
            page.screenshot(path=str(SHOTS / f"{name}-{size[0]}x{size[1]}.png"))
            assert page.evaluate(OVERLAPS) == [], h
            fresh.close_all()
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})


# --- the numbers on the page are the view models' and add up ----------------------------------
TEXTS = "(sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent)"


def test_shown_sums_are_the_view_models_and_add_up(fresh: Page, core: Any) -> None:
    """The DOM's strings of the elastic, formula, flatten and softmax views are the CPython
    view models' frame strings (to the last printed digit where float32 rounding in Pyodide
    makes a sum's terms take more decimals), and the shown terms add up to the shown totals."""
    from pyapp.numbers import adds_up, decimals_of, parse
    from pyapp.views.conv import ConvElastic, ConvFormula
    from pyapp.views.dense import FlattenView, SoftmaxView

    model, acts = core
    page = fresh.page

    def texts(sel: str) -> list[str]:
        return page.evaluate(TEXTS, f"#dv {sel}")

    def show(hash_: str) -> int:
        page.evaluate(f"location.hash = '{hash_}'")
        fresh.wait_open(hash_)
        fresh.pause()
        fresh.frames(2)
        return fresh.position()

    def agree(shown: list[str], cpython: list[str]) -> bool:
        # Pyodide's float32 sums may differ from CPython's in their last bit; where the terms
        # of a sum then need more decimals to add up (numbers.sum_terms), the page prints
        # more: allow one unit of the coarser printed digit, the page's own sums add up exactly
        return len(shown) == len(cpython) and all(
            abs(parse(a) - parse(b)) <= 1.01 * 10 ** -min(decimals_of(a), decimals_of(b))
            for a, b in zip(shown, cpython, strict=True))

    i = show("#conv_1_2/4")
    f = ConvElastic(model, acts, "conv_1_2", 4).frame(i)
    partials, total = texts(".dv-partial"), texts(".dv-total")
    assert agree(partials, f.partials) and adds_up(f.partials, f.total)
    assert agree(total, [f.total]) and adds_up(partials, total[0])
    assert texts(".dv-bias") + texts(".dv-result") == [f.bias, f.result]
    fresh.close_all()

    i = show("#conv_1_2/3/2")
    f = ConvFormula(model, acts, "conv_1_2", 3, 2).frame(i)
    products = [p for row in f.products for p in row]
    shown_products = [p.removeprefix("= ") for p in texts(".dv-p")]
    shown_partial, shown_terms = texts(".dv-partial"), texts(".dv-pt")
    assert agree(shown_products, products) and adds_up(products, f.partial)
    assert agree(shown_partial, [f.partial]) and adds_up(shown_products, shown_partial[0])
    assert agree(shown_terms, [t.partial for t in f.terms])
    assert texts(".dv-bias") + texts(".dv-result") == [f.bias, f.result]
    assert adds_up([t.partial for t in f.terms] + [f.bias], f.result)
    assert adds_up(shown_terms + [f.bias], f.result)
    fresh.close_all()

    show("#output/3")
    vm = FlattenView(model, acts, "output", 3)
    shown = texts(".dv-fl-sum .dv-eq > b:not(.dv-chip):not(.dv-prod)")
    assert shown == [vm.total, vm.bias, vm.result] and adds_up([vm.total, vm.bias], vm.result)
    fresh.close_all()

    show("#softmax/3")
    sm = SoftmaxView(model, acts, "output", 3)
    exps = texts(".dv-sm-table tbody td:nth-of-type(2)")
    # exp() of a logit that differs in its last float32 bit (numpy in Pyodide against CPython)
    # may round the other way: the page's strings are its own view model's, so allow one unit
    # of the last printed digit against the CPython one, and demand that they add up exactly
    assert len(exps) == len(sm.terms) and all(
        abs(parse(a) - parse(b.exp)) <= 1.01 * 10 ** -decimals_of(b.exp)
        for a, b in zip(exps, sm.terms, strict=True))
    total = texts(".dv-den")[1]
    assert abs(parse(total) - parse(sm.total)) <= 1.01 * 10 ** -decimals_of(sm.total)
    assert texts(".dv-sm-table tfoot td")[1] == total and adds_up(exps, total)
    fresh.close_all()
