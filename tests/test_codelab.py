"""Code it yourself (issue 19), under CPython: the real source, the starters, the checker (the
core's own functions and correct student versions pass; an off-by-one window, a missing bias, a
flipped kernel and the wrong flatten order fail at the right first position), the runner's time
limit and tracebacks, the network run on the student's function, and the ``?code=`` link."""

from __future__ import annotations

import inspect
import time
from pathlib import Path

import numpy as np
import pytest

from pyapp import links
from pyapp.budgets import MAX_CODE_PARAM
from pyapp.cnn import ops
from pyapp.cnn.formats import load_native
from pyapp.cnn.kinds import KINDS
from pyapp.cnn.model import LayerSpec
from pyapp.codelab import exercises as E
from pyapp.codelab import lab, link, runner, source, swap
from pyapp.codelab.checker import compare, explain_elementwise
from pyapp.session import Session, Source
from pyapp.views.route import ViewRef

ROOT = Path(__file__).resolve().parents[1]

RELU = """\
import numpy as np

def relu(x):
    return np.where(x > 0, x, 0).astype(x.dtype)
"""

CONV_LOOPS = """\
import numpy as np
from pyapp.cnn.ops import as_pair, pad2d, resolve_padding

def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1):
    kh, kw, c_in, c_out = kernel.shape
    s, d = as_pair(strides), as_pair(dilation)
    p = pad2d(x, resolve_padding(padding, x.shape[:2], (kh, kw), s, d))
    h_out = (p.shape[0] - (kh - 1) * d[0] - 1) // s[0] + 1
    w_out = (p.shape[1] - (kw - 1) * d[1] - 1) // s[1] + 1
    y = np.zeros((h_out, w_out, c_out), dtype=np.float32)
    for i in range(h_out):
        for j in range(w_out):
            r, c = i * s[0], j * s[1]
            win = p[r:r + (kh - 1) * d[0] + 1:d[0], c:c + (kw - 1) * d[1] + 1:d[1], :]
            for o in range(c_out):
                y[i, j, o] = np.sum(win * kernel[:, :, :, o]) + (0 if bias is None else bias[o])
    return y
"""

CONV_VECTOR = """\
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from pyapp.cnn.ops import as_pair, pad2d, resolve_padding

def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1):
    kh, kw, c_in, c_out = kernel.shape
    s, d = as_pair(strides), as_pair(dilation)
    p = pad2d(x, resolve_padding(padding, x.shape[:2], (kh, kw), s, d))
    eff = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
    win = sliding_window_view(p, eff, axis=(0, 1))[::s[0], ::s[1], :, ::d[0], ::d[1]]
    y = np.einsum("ijcuv,uvco->ijo", win, kernel, optimize=True).astype(np.float32)
    return y if bias is None else y + bias
"""


def buggy_conv(old: str, new: str) -> str:
    assert old in CONV_LOOPS
    return CONV_LOOPS.replace(old, new)


# a classic off-by-one: the window's first row is skipped (range starts at 1)
OFF_BY_ONE = """\
import numpy as np

def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1):
    kh, kw, c_in, c_out = kernel.shape
    h_out, w_out = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((h_out, w_out, c_out), dtype=np.float32)
    for i in range(h_out):
        for j in range(w_out):
            for o in range(c_out):
                total = bias[o]
                for u in range(1, kh):
                    for v in range(kw):
                        total += np.dot(x[i + u, j + v], kernel[u, v, :, o])
                y[i, j, o] = total
    return y
"""
NO_BIAS = buggy_conv(" + (0 if bias is None else bias[o])", "")
FLIPPED = buggy_conv("kernel[:, :, :, o]", "kernel[::-1, ::-1, :, o]")

FLATTEN_CHW = """\
def flatten(x):
    return x.transpose(2, 0, 1).reshape(-1)
"""


@pytest.fixture(scope="module")
def model():
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


@pytest.fixture(scope="module")
def image(model):
    return np.random.default_rng(3).random(model.input_shape).astype(np.float32)


@pytest.fixture(scope="module")
def acts(model, image):
    return model.forward(image)


def loaded(exercise: E.Exercise, code: str) -> runner.Loaded:
    return runner.load(code, exercise.function, exercise.key)


def core_code(op: str) -> str:
    """The core's own function as a student would paste it."""
    return (source.PRELUDE + "from pyapp.cnn import ops\nglobals().update(vars(ops))\n\n"
            + source.real_source(op))


# --- the real code and the starters --------------------------------------------------------
@pytest.mark.parametrize("op", ["conv2d", "relu", "max_pool2d", "flatten", "dense", "softmax",
                                *KINDS])
def test_real_source_is_the_function_the_core_runs(op: str) -> None:
    assert source.real_source(op) == inspect.getsource(getattr(ops, op))
    assert source.real_source(op).startswith(f"def {op}(")


def test_every_kind_runs_the_op_named_as_the_kind() -> None:
    """The swap relies on it: each kind's forward calls ``ops.<type>`` once, and the
    recorded arguments give the core's output again."""
    rng = np.random.default_rng(0)
    for name in KINDS:
        cfg = ({"filters": 2, "kernel_size": [3, 3]} if name == "conv2d"
               else {"units": 3} if name == "dense" else {})
        x = rng.standard_normal((8,) if name == "dense" else (6, 6, 2)).astype(np.float32)
        spec = LayerSpec("probe", name, cfg)
        spec.weights = {k: rng.standard_normal(shape).astype(np.float32)
                        for k, shape in spec.expected_weights(x.shape).items()}
        call = swap.recorded_call(spec, x)
        np.testing.assert_array_equal(call.output, spec.apply(x))
        np.testing.assert_array_equal(getattr(ops, name)(*call.args, **call.kwargs),
                                      call.output)
    assert ops.conv2d.__module__ == ops.__name__  # restored after the recording


def test_unknown_op_is_refused() -> None:
    for bad in ("_windows", "np", "os", "pad2d-", "Padding"):
        with pytest.raises(KeyError):
            source.op_function(bad)


@pytest.mark.parametrize("exercise", E.EXERCISES, ids=lambda e: e.key)
def test_starters_keep_the_signature_and_docstring_and_run(exercise: E.Exercise) -> None:
    text = exercise.starter
    fn = getattr(ops, exercise.op)
    assert inspect.getdoc(fn).splitlines()[0] in text
    lo = loaded(exercise, text)
    assert inspect.signature(lo.function).parameters.keys() == \
        inspect.signature(fn).parameters.keys()


def test_levels_go_from_easy_to_hard() -> None:
    keys = [e.key for e in sorted(E.EXERCISES, key=lambda e: e.level)]
    assert keys.index("relu") < keys.index("max_pool2d") < keys.index("conv2d_loops") \
        < keys.index("conv2d")
    assert [e.key for e in E.for_op("conv2d")] == ["conv2d_loops", "conv2d"]
    assert E.for_op("sigmoid")[0].starter.count("def sigmoid(") == 1


# --- the checker -----------------------------------------------------------------------------
@pytest.mark.parametrize("exercise", E.EXERCISES, ids=lambda e: e.key)
def test_the_cores_own_functions_pass(model, acts, exercise: E.Exercise) -> None:
    lo = loaded(exercise, core_code(exercise.op))
    for layer in swap.layers_for(model, exercise):
        result = lab.check_layer(model, acts, exercise, lo, layer)
        assert result.ok, (layer, result.check.summary, result.hidden)
        assert result.check.summary.startswith("All ")


@pytest.mark.parametrize("code", [CONV_LOOPS, CONV_VECTOR], ids=["loops", "vectorised"])
def test_correct_student_convolutions_pass_every_layer_and_hidden_check(model, acts,
                                                                      code: str) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    lo = loaded(ex, code)
    for layer in ("conv_1_1", "conv_2_2"):
        result = lab.check_layer(model, acts, ex, lo, layer)
        assert result.check.ok, result.check.summary
        assert [name for name, c in result.hidden if not c.ok] == []
        assert len(result.hidden) == len(ex.cases) == 5


def test_correct_relu_passes(model, acts) -> None:
    ex = E.BY_KEY["relu"]
    assert lab.check_layer(model, acts, ex, loaded(ex, RELU), "relu_1_1").ok


def test_starters_fail_with_a_position(model, acts) -> None:
    ex = E.BY_KEY["relu"]
    res = lab.check_layer(model, acts, ex, loaded(ex, ex.starter), "relu_1_1")
    x = acts["conv_1_1"]
    first = tuple(int(v) for v in np.argwhere(x > 1e-5)[0])
    assert not res.ok and res.check.position == first
    assert "It comes from the input" in res.check.details[0]


def first_diff(want: np.ndarray, got: np.ndarray) -> tuple[int, ...]:
    bad = ~np.isclose(got, want, rtol=1e-5, atol=1e-5)
    return tuple(int(v) for v in np.argwhere(bad)[0])


@pytest.mark.parametrize(("code", "words"), [
    (OFF_BY_ONE, "window of the input at rows"),
    (NO_BIAS, "is the bias missing?"),
    (FLIPPED, "kernel flipped"),
])
def test_buggy_convolutions_fail_at_the_first_differing_position(model, acts, code: str,
                                                                 words: str) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    lo = loaded(ex, code)
    res = lab.check_layer(model, acts, ex, lo, "conv_1_2")
    want = acts["conv_1_2"]
    got = runner.call(lo, (acts["relu_1_1"], model.layer("conv_1_2").weights["kernel"],
                           model.layer("conv_1_2").weights["bias"], [1, 1], "valid", [1, 1]))
    pos = first_diff(want, got)
    assert not res.ok and res.check.position == pos
    assert res.check.want == pytest.approx(float(want[pos]))
    assert res.check.got == pytest.approx(float(got[pos]))
    r, c, o = pos
    assert f"row {r + 1}, column {c + 1}, channel {o + 1}" in res.check.summary
    assert any(words in d for d in res.check.details), res.check.details
    assert res.hidden == ()  # hidden checks run only once the current image passes


def test_off_by_one_is_named_at_the_very_first_output(model, acts) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    res = lab.check_layer(model, acts, ex, loaded(ex, OFF_BY_ONE), "conv_1_1")
    assert res.check.position == (0, 0, 0)
    assert "rows 1\u20133, columns 1\u20133, all 3 channels" in res.check.details[0]


def test_wrong_flatten_order_fails_at_element_two(model, acts) -> None:
    ex = E.BY_KEY["flatten"]
    res = lab.check_layer(model, acts, ex, loaded(ex, FLATTEN_CHW), "flatten")
    x = acts[model.input_of("flatten")]
    got = x.transpose(2, 0, 1).reshape(-1)
    assert res.check.position == first_diff(ops.flatten(x), got)
    assert res.check.position[0] >= 1  # element 0 is x[0, 0, 0] in both orders
    assert any("channels first" in d for d in res.check.details)


def test_shape_and_dtype_mistakes_in_words(model, acts) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    cases = {
        "return None": "returned None",
        "return np.zeros((10, 62, 62), np.float32)": "channels-first",
        "return np.zeros((60, 60, 10), np.float32)": "rows or columns differs",
        "return np.zeros((62, 62, 10), int)": "not floats",
        "return 'y'": "real numbers",
        "return [1, 2]": "shape",
    }
    for body, words in cases.items():
        code = f"import numpy as np\ndef conv2d(x, kernel, *a):\n    {body}\n"
        res = lab.check_layer(model, acts, ex, loaded(ex, code), "conv_1_1")
        assert not res.ok and words in res.check.summary, (body, res.check.summary)
        assert res.check.position is None


def test_float64_passes_with_a_note(model, acts) -> None:
    ex = E.BY_KEY["relu"]
    code = "import numpy as np\ndef relu(x):\n    return np.maximum(x, 0).astype(np.float64)\n"
    res = lab.check_layer(model, acts, ex, loaded(ex, code), "relu_1_1")
    assert res.ok and "float64" in res.check.details[0]


def test_hidden_checks_find_what_the_current_image_does_not(model, acts) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    no_stride = CONV_LOOPS.replace("r, c = i * s[0], j * s[1]", "r, c = i, j")
    res = lab.check_layer(model, acts, ex, loaded(ex, no_stride), "conv_1_1")
    assert res.check.ok and not res.ok
    assert [n for n, c in res.hidden if not c.ok] == ["stride 2"]


# --- the view a position opens ---------------------------------------------------------------
def test_a_position_opens_the_formula_view_there(model) -> None:
    ref, pos = lab.view_at(model, "conv_1_2", (4, 7, 3))
    assert ref == ViewRef("formula", "conv_1_2", 3, 0)
    assert links.position_label(ref, model, pos) == "5,8"
    ref, pos = lab.view_at(model, "relu_1_1", (1, 2, 0))
    assert ref.kind == "activation" and links.position_label(ref, model, pos) == "2,3"
    ref, pos = lab.view_at(model, "flatten", (120,))
    assert ref.kind == "logit" and pos == 120
    ref, pos = lab.view_at(model, "probabilities", (6,))
    assert ref.kind == "softmax" and ref.index == 6


# --- safe to fail ----------------------------------------------------------------------------
def test_an_endless_loop_is_stopped_within_the_limit() -> None:
    for code in ("while True:\n    pass\n",
                 "def relu(x):\n    while True:\n        try:\n            pass\n"
                 "        except BaseException:\n            pass\n"):
        t0 = time.monotonic()
        with pytest.raises(runner.StudentError) as info:
            lo = runner.load(code, "relu", "relu", limit_s=0.3)
            runner.call(lo, (np.zeros(2),), limit_s=0.3)
        assert info.value.stopped and "stopped after 0.3 s" in info.value.text
        assert time.monotonic() - t0 < 2.0


def test_tracebacks_number_lines_as_in_the_editor() -> None:
    code = "import numpy as np\n\ndef relu(x):\n    y = x + 1\n    return y[5, 5, 5]\n"
    lo = runner.load(code, "relu", "relu")
    with pytest.raises(runner.StudentError) as info:
        runner.call(lo, (np.zeros((2, 2, 2), np.float32),))
    text = info.value.text
    assert "Line 5, in relu" in text and "return y[5, 5, 5]" in text and "IndexError" in text
    assert info.value.line == 5
    assert "site-packages" not in text and "codelab" not in text
    with pytest.raises(runner.StudentError) as info:
        runner.load("def relu(x):\n    return (x\n", "relu", "relu")
    assert info.value.line == 2 and "SyntaxError" in info.value.text
    with pytest.raises(runner.StudentError, match="does not define a function called relu"):
        runner.load("def rlu(x):\n    return x\n", "relu", "relu")
    with pytest.raises(runner.StudentError, match="SystemExit"):
        runner.load("raise SystemExit(3)\n", "relu", "relu")
    assert runner.load("x = 1\ndef relu(x):\n    return x\n", "relu", "relu").namespace["x"] == 1


def test_no_trace_function_is_left_behind() -> None:
    import sys

    before = sys.gettrace()
    with pytest.raises(runner.StudentError):
        runner.load("while True:\n    pass\n", "relu", "relu", limit_s=0.05)
    assert sys.gettrace() is before


# --- the network on the student's function --------------------------------------------------
def test_use_my_code_gives_identical_numbers_through_the_session(model, image) -> None:
    session = Session(model, image, Source("gallery", 0))
    before = session.snapshot
    ex = E.BY_KEY["conv2d_loops"]
    student = swap.StudentModel(model, loaded(ex, CONV_VECTOR), ex, swap.layers_for(model, ex))
    snap = session.set_model(student, before.image, before.source)
    assert snap.model is student and student.problems == {}
    for name, want in before.acts.items():
        np.testing.assert_allclose(snap.acts[name], want, rtol=1e-5, atol=1e-5)
    assert set(student.seconds) == {"conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"}
    back = session.set_model(student.original, before.image, before.source)
    assert back.model is model


def test_a_buggy_function_changes_only_its_layers(model, image) -> None:
    ex = E.BY_KEY["conv2d_loops"]
    student = swap.StudentModel(model, loaded(ex, NO_BIAS), ex, ["conv_2_1"])
    acts, want = student.forward(image), model.forward(image)
    np.testing.assert_array_equal(acts["conv_1_2"], want["conv_1_2"])
    bias = model.layer("conv_2_1").weights["bias"]
    np.testing.assert_allclose(acts["conv_2_1"], want["conv_2_1"] - bias, atol=1e-5)
    assert not np.allclose(acts["probabilities"], want["probabilities"])


def test_a_failing_function_falls_back_to_the_core_and_says_so(model, image) -> None:
    ex = E.BY_KEY["relu"]
    want = model.forward(image)
    for code, words in (("def relu(x):\n    while True:\n        pass\n", "stopped"),
                        ("def relu(x):\n    return x[0]\n", "shape"),
                        ("def relu(x):\n    return 1 / 0\n", "ZeroDivisionError")):
        student = swap.StudentModel(model, loaded(ex, code), ex, ["relu_1_1"], limit_s=0.2)
        acts = student.forward(image)
        np.testing.assert_array_equal(acts["relu_1_1"], want["relu_1_1"])
        assert words in student.problems["relu_1_1"]


def test_softmax_exercise_targets_the_probabilities(model, image) -> None:
    ex = E.BY_KEY["softmax"]
    assert swap.layers_for(model, ex) == ["probabilities"]
    code = ("import numpy as np\ndef softmax(z):\n    e = np.exp(z - z.max())\n"
            "    return e / e.sum()\n")
    student = swap.StudentModel(model, loaded(ex, code), ex, ["probabilities"])
    np.testing.assert_allclose(student.forward(image)["probabilities"],
                               model.forward(image)["probabilities"], atol=1e-6)


# --- the link --------------------------------------------------------------------------------
def test_code_link_round_trip_and_budgets() -> None:
    value = link.encode("conv2d_loops", CONV_LOOPS)
    assert len(value) < 1000 and link.fits("conv2d_loops", CONV_LOOPS)
    got = link.decode(value)
    assert got.exercise.key == "conv2d_loops" and got.code == CONV_LOOPS
    assert link.decode("relu").code is None
    assert link.decode("sigmoid").exercise.op == "sigmoid"
    bad = {"nope": "no exercise called", "relu~!!": "exercise~code",
           "relu~abc": "damaged", "x" * (MAX_CODE_PARAM + 1): "longer than",
           link.encode("relu", CONV_LOOPS)[:-8]: "cut short"}
    for value, words in bad.items():
        with pytest.raises(link.CodeLinkError, match=words):
            link.decode(value)
    bomb = link.encode("relu", "#" * 2_000_000)
    assert len(bomb) < MAX_CODE_PARAM
    with pytest.raises(link.CodeLinkError, match="longer than"):
        link.decode(bomb)
    assert not link.fits("relu", "import os\n" * 5000)


def test_time_limits_add_up_to_one_budget(model, image) -> None:
    """Hidden checks share one budget, and a stop in one layer skips the later ones, so an
    endless loop holds the page for one limit, not one per case or layer."""
    ex = E.BY_KEY["relu"]
    code = ("def relu(x):\n    if x.shape[-1] == 1:\n        while True:\n            pass\n"
            "    return x * (x > 0)\n")
    t0 = time.monotonic()
    hidden = lab.hidden_checks(ex, loaded(ex, code), limit_s=0.3)
    assert time.monotonic() - t0 < 2.0
    assert [c.ok for _, c in hidden] == [False, False]  # the one-channel case loops ...
    assert "stopped" in hidden[0][1].summary
    assert hidden[1][1].summary.startswith("not run")  # ... and used the whole budget
    looping = "def relu(x):\n    while True:\n        pass\n"
    student = swap.StudentModel(model, loaded(ex, looping), ex, swap.layers_for(model, ex),
                                limit_s=0.3)
    t0 = time.monotonic()
    student.forward(image)
    assert time.monotonic() - t0 < 2.0
    assert "stopped" in student.problems["relu_1_1"]
    assert student.problems["relu_2_2"].startswith("not run")


def test_the_code_tab_markup_names_its_controls_and_escapes_the_source(model) -> None:
    from pyapp.codelab import markup

    ex = E.for_op("conv2d")
    html = markup.panel_html(model, ex, ex[0], "conv_1_2")
    assert 'aria-label="conv2d code"' in html
    assert ">Check my code<" in html and ">Use my code<" in html
    assert 'value="one">only conv_1_2<' in html and "every convolution layer" in html
    assert "&quot;&quot;&quot;2-D convolution" in html and '"""2-D' not in html
    assert "ops.im2col" in html  # the helper it calls, folded
    assert markup.gutter_html(3, 2) == "<span>1</span><span class=cl-bad>2</span><span>3</span>"


def test_a_kind_without_its_own_exercise_gets_the_right_explanation(model, acts) -> None:
    avg = E.for_op("avg_pool2d")[0]
    code = "import numpy as np\ndef avg_pool2d(x, pool_size=2, strides=None, padding='valid'):\n" \
           "    return x[::2, ::2] * 1.0\n"
    x = acts["relu_1_1"]
    got = runner.call(loaded(avg, code), (x, [2, 2], [2, 2], "valid"))
    args = (x, [2, 2], [2, 2], "valid")
    check = compare(got, ops.avg_pool2d(*args), args, explain=avg.explain)
    assert not check.ok and check.details[0].startswith("Its window: rows")
    assert E.for_op("sigmoid")[0].explain is explain_elementwise


def test_a_gallery_change_reruns_the_students_function(model, image) -> None:
    session = Session(model, image, Source("gallery", 0))
    ex = E.BY_KEY["relu"]
    student = swap.StudentModel(model, loaded(ex, RELU), ex, ["relu_1_1"])
    session.set_model(student, image, Source("gallery", 0))
    other = np.random.default_rng(9).random(model.input_shape).astype(np.float32)
    snap = session.set_image(other, Source("gallery", 1))
    assert snap.model is student and student.problems == {}
    np.testing.assert_array_equal(snap.acts["relu_1_1"], model.forward(other)["relu_1_1"])


def test_steps_run_one_student_layer_at_a_time_and_forward_reuses_them(model, image) -> None:
    ex = E.BY_KEY["relu"]
    student = swap.StudentModel(model, loaded(ex, RELU), ex, swap.layers_for(model, ex))
    names = list(student.steps(image))
    assert names == ["relu_1_1", "relu_1_2", "relu_2_1", "relu_2_2"]
    student.loaded = loaded(ex, "def relu(x):\n    raise ValueError('not run again')\n")
    acts = student.forward(image.copy())  # the same image: the finished pass, not a new one
    assert student.problems == {}
    np.testing.assert_array_equal(acts["relu_2_2"], model.forward(image)["relu_2_2"])
    student.forward(image + np.float32(0.01))  # another image: the student's function again
    assert "not run again" in student.problems["relu_1_1"]


def test_the_banner_says_what_is_in_use_and_that_edits_wait(model, image) -> None:
    from pyapp import edits
    from pyapp.codelab import markup

    ex = E.BY_KEY["relu"]
    plain = swap.StudentModel(model, loaded(ex, RELU), ex, ["relu_1_1", "relu_2_2"])
    assert markup.banner_text(plain).startswith("Your relu code is in use for relu_1_1, "
                                                "relu_2_2")
    edited = edits.apply(model, [edits.Temperature(2.0)])
    student = swap.StudentModel(edited, loaded(ex, RELU), ex, ["relu_1_1"])
    assert student.base is model and student.original is edited
    assert "tinkering changes come back" in markup.banner_text(student)
