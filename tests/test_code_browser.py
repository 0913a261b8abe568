"""Code it yourself in the browser (issue 19): the Code tab shows the function the page runs;
a correct ReLU and a correct loop-based convolution, used for the network, redraw it with the
same numbers; a bug is named at its first differing position and the formula view opens there;
an exception shows its traceback; ``while True: pass`` is stopped and the gallery still works;
code from a link is shown and runs only on a click; the code downloads."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest

from pyapp.cnn import ops
from pyapp.cnn.formats import load_native
from pyapp.codelab import link, runner
from pyapp.codelab.checker import first_difference
from tests.conftest import new_app_page
from tests.test_a11y_axe import RUN as AXE_RUN
from tests.test_a11y_axe import axe_js  # noqa: F401 - the fixture that installs axe-core
from tests.test_codelab import CONV_LOOPS, NO_BIAS, RELU

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
WAIT = 30_000
DONE = "(n) => Number(document.getElementById('cl-panel').dataset.runs) >= n"


@pytest.fixture(scope="module")
def model() -> Any:
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


class Lab:
    """The Code tab of one page: type, press a button, wait for the run to finish."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.page = app.page
        self.runs = 0

    def open_code(self, hash_: str) -> None:
        self.page.evaluate("(h) => { location.hash = h; }", hash_)
        self.page.wait_for_function("document.getElementById('dv').open", timeout=WAIT)
        self.dialog.get_by_role("tab", name="Code").click()
        self.page.wait_for_function("document.getElementById('dv').dataset.tab === 'code'")

    @property
    def dialog(self) -> Any:
        return self.page.locator("#dv")

    def run(self, op: str, code: str | None, button: str) -> str:
        if code is not None:
            self.dialog.get_by_role("textbox", name=f"{op} code").fill(code)
        self.dialog.get_by_role("button", name=button).click()
        self.runs += 1
        self.page.wait_for_function(DONE, arg=self.runs, timeout=WAIT)
        return str(self.page.evaluate("document.getElementById('cl-panel').dataset.state"))

    def summary(self) -> str:
        return self.page.inner_text("#cl-panel .cl-summary")


def shown_probs(page: Any) -> list[str]:
    return page.eval_on_selector_all(".ov-out .ov-prob", "els => els.map(e => e.textContent)")


def canvas_rgba(page: Any, selector: str) -> np.ndarray:
    w, h, px = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [c.width, c.height, Array.from(d.data)]; }""", selector)
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


MAPS = ["#ov-n-conv_1_1-0 canvas", "#ov-n-relu_1_1-3 canvas", "#ov-n-conv_2_2-5 canvas",
        "#ov-n-max_pool_2-9 canvas"]


def overview(page: Any) -> tuple[list[str], list[np.ndarray]]:
    return shown_probs(page), [canvas_rgba(page, sel) for sel in MAPS]


SHOWN_JS = """async (sel) => { const c = document.querySelector(sel);
    const bg = c.style.backgroundImage;
    let src = c;
    if (bg && bg.startsWith('url(')) {  // the kept pre-render (app:prerender-kept)
      src = new Image(); src.src = bg.slice(5, -2); await src.decode();
    }
    const off = document.createElement('canvas');
    off.width = c.width; off.height = c.height;
    const ctx = off.getContext('2d');
    ctx.drawImage(src, 0, 0, c.width, c.height);
    return [c.width, c.height, Array.from(ctx.getImageData(0, 0, c.width, c.height).data)];
}"""


def page_input(page: Any) -> np.ndarray:
    """The 64x64 input the page shows (painted, or the kept pre-rendered one)."""
    w, h, px = page.evaluate(SHOWN_JS, "#ov-processed")
    rgba = np.array(px, dtype=np.uint8).reshape(h, w, 4)
    return rgba[..., :3].astype(np.float32) / np.float32(255.0)


def test_correct_relu_and_loop_convolution_redraw_the_same_network(app_page: Any,
                                                                   model: Any) -> None:
    app = app_page.open()
    page = app.page
    lab = Lab(app)
    # the baseline as the page itself paints it (a default load keeps the build's picture,
    # unpainted: app:prerender-kept): the first example chosen again
    drawn = app.mark_count("app:image-drawn")
    page.locator(".ov-thumb").nth(0).click()
    app.wait_for_mark("app:image-drawn", more_than=drawn)
    probs0, maps0 = overview(page)

    lab.open_code("#/relu_1_1/1")
    shown = page.locator("#cl-panel .cl-src").first.text_content()
    assert shown == inspect.getsource(ops.relu)  # the real function, from the shipped source
    assert lab.dialog.get_by_role("textbox", name="relu code").input_value().count(
        "def relu(") == 1
    assert lab.run("relu", RELU, "Check my code") == "passed"
    assert "All 38,440 values equal" in lab.summary()
    assert lab.run("relu", None, "Use my code") == "in-use"
    assert page.evaluate("document.getElementById('dv').dataset.code") == "student"
    in_use = lab.dialog.get_by_role("status").filter(has_text="is in use for")
    assert "relu_1_1, relu_1_2, relu_2_1, relu_2_2" in in_use.inner_text()
    probs1, maps1 = overview(page)
    assert probs1 == probs0
    for a, b in zip(maps0, maps1, strict=True):
        np.testing.assert_array_equal(a, b)

    # the convolution, with loops, for every conv layer: the same picture
    lab.open_code("#/conv_1_1/1")
    assert page.locator("#cl-panel .cl-src").first.text_content() == \
        inspect.getsource(ops.conv2d)
    assert lab.run("conv2d", CONV_LOOPS, "Check my code") == "passed"
    assert "5 hidden checks pass too" in lab.summary()
    assert lab.run("conv2d", None, "Use my code") == "in-use"
    assert "conv_1_1, conv_1_2, conv_2_1, conv_2_2" in in_use.inner_text()
    probs2, maps2 = overview(page)
    assert probs2 == probs0
    for a, b in zip(maps0, maps2, strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1  # float32 summation order

    # another photo (programmatic: the open dialog makes the page inert to the pointer): the
    # network runs the student's convolution on it, with the core's numbers
    drawn = app.mark_count("app:image-drawn")
    page.evaluate("document.querySelector('.ov-thumb[data-index=\"3\"]').click()")
    app.wait_for_mark("app:image-drawn", more_than=drawn, timeout_ms=WAIT)
    assert page.evaluate("document.getElementById('dv').dataset.code") == "student"
    want = model.forward(page_input(page))["probabilities"]
    got = np.array([float(t.strip().rstrip("%").strip()) / 100 for t in shown_probs(page)])
    assert np.allclose(got, want, atol=0.0005 + 1e-6)  # the bars print 0.1 %
    texts3 = shown_probs(page)

    lab.dialog.get_by_role("button", name="Back to the original").click()
    page.wait_for_function("document.getElementById('dv').dataset.code === 'core'")
    page.wait_for_function("document.getElementById('cl-panel').dataset.state === 'idle'")
    assert shown_probs(page) == texts3
    assert app.console_errors == [] and app.outside_requests == []


def test_a_bug_a_traceback_and_an_endless_loop(app_page: Any, model: Any) -> None:
    app = app_page.open()
    page = app.page
    lab = Lab(app)
    lab.open_code("#/conv_1_2/2")

    # a missing bias: the first differing position, computed here on the page's own input
    assert lab.run("conv2d", NO_BIAS, "Check my code") == "failed"
    acts = model.forward(page_input(page))
    layer = model.layer("conv_1_2")
    lo = runner.load(NO_BIAS, "conv2d", "conv2d")
    got = runner.call(lo, (acts["relu_1_1"], layer.weights["kernel"], layer.weights["bias"],
                           [1, 1], "valid", [1, 1]))
    r, c, o = first_difference(got, acts["conv_1_2"])
    assert f"row {r + 1}, column {c + 1}, channel {o + 1}" in lab.summary()
    assert "is the bias missing?" in page.inner_text("#cl-panel .cl-details")
    # ... opened in the formula view, at that position
    page.wait_for_function("document.getElementById('dv').dataset.kind === 'formula'")
    assert app.dv("position") == f"{r + 1},{c + 1}"
    assert page.evaluate("location.hash") == f"#/conv_1_2/{o + 1}/1@{r + 1},{c + 1}"
    note = lab.dialog.get_by_role("status").filter(has_text="Your code differs here")
    assert f"row {r + 1}, column {c + 1}, channel {o + 1}" in note.inner_text()

    # an exception: its traceback, lines as in the editor
    lab.dialog.get_by_role("button", name="Back to my code").click()
    bad = ("import numpy as np\n\ndef conv2d(x, kernel, bias=None, strides=1, padding='valid',"
           " dilation=1):\n    y = x[:, :, 0]\n    return y[100, 0]\n")
    assert lab.run("conv2d", bad, "Check my code") == "error"
    trace = page.inner_text("#cl-panel .cl-trace")
    assert "Line 5, in conv2d" in trace and "return y[100, 0]" in trace
    assert "IndexError" in trace and "codelab" not in trace
    assert page.inner_text("#cl-panel .cl-gutter .cl-bad") == "5"

    # an endless loop: stopped, with a plain message; the page still answers
    loop = "def conv2d(x, kernel, bias=None, strides=1, padding='valid', dilation=1):\n" \
           "    while True:\n        pass\n"
    assert lab.run("conv2d", loop, "Check my code") == "stopped"
    assert f"stopped after {runner.CODE_TIME_LIMIT_S:g} s" in lab.summary()
    assert "endless loop" in lab.summary()
    app.close_all()
    drawn = app.mark_count("app:image-drawn")
    page.click('.ov-thumb[data-index="2"]')
    app.wait_for_mark("app:image-drawn", more_than=drawn, timeout_ms=WAIT)
    assert page.evaluate("document.querySelector('.ov-thumb[aria-pressed=\"true\"]')"
                         ".dataset.index") == "2"
    assert app.console_errors == []


def test_linked_code_is_shown_and_runs_only_on_a_click(app_page: Any) -> None:
    code = ("import js\njs.document.title = 'student code ran'\n\n" + RELU)
    value = link.encode("relu", code)
    app = app_page.open(f"?code={quote(value, safe='~')}")
    page = app.page
    page.wait_for_function("document.getElementById('dv').open", timeout=WAIT)
    assert page.evaluate("document.getElementById('dv').dataset.tab") == "code"
    box = page.locator("#dv").get_by_role("textbox", name="relu code")
    assert box.input_value() == code
    assert page.locator("#cl-panel .cl-linked").is_visible()
    assert page.title() != "student code ran"  # shown, not run
    lab = Lab(app)
    assert lab.run("relu", None, "Check my code") == "passed"
    assert page.title() == "student code ran"
    with page.expect_download() as info:
        lab.dialog.get_by_role("button", name="Download my code").click()
    assert info.value.suggested_filename == "relu.py"
    assert Path(info.value.path()).read_text() == code
    assert "code=relu~" in page.url


def test_a_broken_code_link_says_so_and_a_lesson_link_opens_its_exercise(app_page: Any) -> None:
    app = app_page.open("?code=relu~!!")
    page = app.page
    page.get_by_text("The link's code could not be read").wait_for(timeout=WAIT)
    assert "code=" not in page.url
    # a lesson link to an exercise whose layer has no view: the view that reads it, Code tab
    app.open("?code=flatten")
    page.wait_for_function("document.getElementById('dv').open", timeout=WAIT)
    assert app.dv("kind") == "logit" and app.dv("tab") == "code"
    assert page.locator("#dv").get_by_role("textbox", name="flatten code").is_visible()
    assert app.console_errors == []


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["1440x900", "390x844"])
def test_the_code_tab_has_no_axe_violations(browser: Any, site_server: Any,
                                            axe_js: Path,  # noqa: F811 - the fixture
                                            viewport: tuple[int, int]) -> None:
    """The tabs, the real code, the editor and a failed check's outcome, under axe-core."""
    # bypass_csp: only so that the test can inject axe-core (the CSP is tested elsewhere)
    app = new_app_page(browser, site_server.url, bypass_csp=True,
                       viewport={"width": viewport[0], "height": viewport[1]})
    try:
        app.open()
        app.page.add_script_tag(path=str(axe_js))
        lab = Lab(app)
        lab.open_code("#/max_pool_1/2")
        assert lab.run("max_pool2d", None, "Check my code") == "failed"  # the starter
        lab.dialog.get_by_role("button", name="Back to my code").click()
        app.page.wait_for_function("document.getElementById('dv').dataset.tab === 'code'")
        app.settle("#dv")
        assert app.page.evaluate(AXE_RUN, "dialog#dv") == []
    finally:
        app.close()
