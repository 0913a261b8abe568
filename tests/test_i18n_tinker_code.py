"""Japanese for tinkering and the Code tab (issue 20): their markup and sentences rendered with
``language("ja")`` leave no English word outside code, formulas and layer names, every key
these modules pass to ``tr`` is in ``ja.json``, and English stays the default."""

from __future__ import annotations

import ast
import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from i18n_text import english_words

from pyapp import edits as E
from pyapp.cnn.formats import load_native
from pyapp.codelab import exercises as EX
from pyapp.codelab import lab, link, markup, runner, swap
from pyapp.codelab.checker import compare, explain_conv, explain_dense, explain_flatten
from pyapp.i18n import catalogue, language
from pyapp.render.readout import readout_html
from pyapp.session import Session, Source
from pyapp.tinkering import (
    Tinker,
    banner_text,
    changes_html,
    diff_note,
    explanation,
    history_text,
    kernel_editor_html,
    map_option,
    panel_html,
    panel_shell_html,
)

ROOT = Path(__file__).resolve().parents[1]
FILES = ["pyapp/edits.py", "pyapp/tinkering.py", "pyapp/ui/tinker.py", "pyapp/ui/code.py",
         "pyapp/render/readout.py", "pyapp/ui/overview.py",
         *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pyapp/codelab").glob("*.py"))]
EDITS = (E.SetWeight("conv_1_1", 2, 0, 0, 1, 2.5), E.SetBias("conv_1_1", 2, -1.0),
         E.SetKernel("conv_1_2", 0, 1, "sobel_x"), E.SetKernel("conv_1_2", 1, 0, [0.0] * 9),
         E.MapOff("conv_1_2", 3, True), E.MapOff("conv_1_2", 3, False),
         E.InputChannelOff(1, True), E.InputChannelOff(1, False),
         E.SwapActivation("relu_1_1", "none"), E.SwapActivation("relu_2_1", "tanh"),
         E.SwapActivation("relu_2_2", "sigmoid"), E.SwapActivation("relu_1_2", "leaky_relu"),
         E.SwapPool("max_pool_1", "avg"), E.SwapPool("max_pool_2", "max"),
         E.Temperature(2.0), E.Temperature(0.5), E.Temperature(1.0))


@pytest.fixture(scope="module")
def model():
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


@pytest.fixture(scope="module")
def image(model):
    return np.random.default_rng(5).random(model.input_shape).astype(np.float32)


def shown_text(html: str) -> str:
    """What a person reads: tags, and the content of code, pre and math, left out."""
    html = re.sub(r"<(code|pre|math|kbd)\b.*?</\1>", " ", html, flags=re.S)
    attrs = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + attrs)


def english(texts, model) -> list[tuple[str, list[str]]]:
    allowed = [s.name for s in model.layers] + ["ops", "np", "dtype", "float32", "float64",
                                                 "int64", "exercise", "code", "relu", "same",
                                                 "return", "def", "None", "while",
                                                 "input", "conv2d",
                                                 "max_pool2d", "flatten", "dense", "softmax",
                                                 # what the tests typed, echoed as typed
                                                 "nope", "cube", "abc"]
    bad = []
    for text in texts:
        words = english_words(shown_text(text), allowed)
        if words:
            bad.append((text[:160], words))
    return bad


def keys_used() -> set[str]:
    keys = set()
    for f in FILES:
        for node in ast.walk(ast.parse((ROOT / f).read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("tr", "trn", "N_")):
                n = 2 if node.func.id == "trn" else 1
                keys.update(a.value for a in node.args[:n]
                            if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return keys


def test_every_key_is_in_the_japanese_catalogue() -> None:
    keys = keys_used()
    assert len(keys) > 200
    ja = json.loads((ROOT / "pyapp/i18n/ja.json").read_text("utf-8"))
    assert sorted(keys - set(ja)) == []
    for key in keys:  # the same placeholders, so format() never fails
        assert set(re.findall(r"\{\w+\}", key)) == set(re.findall(r"\{\w+\}", ja[key])), key


def tinker_texts(model, image) -> list[str]:
    session = Session(model, image, Source("gallery", 0))
    tinker = Tinker(session)
    texts = [panel_shell_html(), changes_html(tinker), history_text("undo"),
             history_text("redo"), history_text("reset"), map_option("conv_1_1", 2),
             diff_note("conv_1_1", 2, 0.25)]
    for edit in EDITS:
        tinker.push(edit)
        texts += [E.describe(edit), explanation(edit, model)]
    snap = session.snapshot
    cmp = tinker.compare(snap)
    texts += [banner_text(cmp.banner), panel_html(snap, tinker), changes_html(tinker),
              kernel_editor_html(snap.model, model, "conv_1_1", 2, 0),
              kernel_editor_html(snap.model, model, "conv_1_2", 1, 4, prefix="ro")]
    for bad in ([E.SetWeight("conv_1_1", 99, 0, 0, 0, 1.0)], [E.SetBias("relu_1_1", 0, 1.0)],
                [E.SwapActivation("conv_1_1", "tanh")], [E.SwapPool("relu_1_1", "avg")],
                [E.MapOff("nope", 0, True)], [E.SetKernel("conv_1_1", 0, 0, [1.0])]):
        with pytest.raises(E.EditError) as err:
            E.apply(model, bad)
        texts.append(str(err.value))
    for text in ("w:conv_1_1:1", "zz:1", "t:99", "w:conv_1_1:a:1:1:1:1", "act:relu_1_1:cube"):
        with pytest.raises(E.EditError) as err:
            E.decode(text)
        texts.append(E.link_problem(str(err.value)))
    for value in ("abc", "1e9"):
        with pytest.raises(E.EditError) as err:
            E.f32(value)
        texts.append(str(err.value))
    lay = snap.layout
    texts += [readout_html(snap.model, snap.acts, lay, "conv_1_1", 2),
              readout_html(snap.model, snap.acts, lay, "conv_1_1", 2, pinned=True),
              readout_html(snap.model, snap.acts, lay, "output", 7)]
    return texts


def test_tinkering_in_japanese(model, image) -> None:
    with language("ja"):
        texts = tinker_texts(model, image)
        session = Session(model, image, Source("gallery", 0))
        tinker = Tinker(session)
        tinker.push(E.SetKernel("conv_1_1", 0, 0, "edge"))
        banner = tinker.compare(session.snapshot).banner
    assert english(texts, model) == []
    # the banner names the classes as the catalogue does: "馬 85.3 % → 鹿 40.1 %"
    names = model.class_names
    before, after = model.forward(image)["probabilities"], session.snapshot.probabilities
    ja = catalogue("ja")
    assert banner == (f"{ja[names[int(np.argmax(before))]]} {100 * before.max():.1f} % \u2192 "
                      f"{ja[names[int(np.argmax(after))]]} {100 * after.max():.1f} %")
    assert "\u30cb\u30e5\u30fc\u30ed\u30f3" not in kernel_editor_html(model, model,
                                                                       "conv_1_1", 0, 0)
    with language("ja"):
        assert "\u30cb\u30e5\u30fc\u30ed\u30f3" in kernel_editor_html(model, model, "conv_1_1",
                                                                       0, 0)


def test_english_stays_the_default(model, image) -> None:
    html = kernel_editor_html(model, model, "conv_1_1", 2, 0)
    assert 'aria-label="conv_1_1 neuron 3, channel 1, weight row 1 column 2"' in html
    assert 'aria-label="conv_1_1 neuron 3, bias"' in html
    assert E.describe(E.SwapPool("max_pool_1", "avg")) == "max_pool_1 uses average pooling"
    assert history_text("undo") == "The last change was undone."


CONV_BUGGY = """import numpy as np
def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1):
    kh, kw, c_in, c_out = kernel.shape
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((h, w, c_out), np.float32)
    for i in range(h):
        for j in range(w):
            y[i, j] = np.tensordot(x[i:i + kh, j:j + kw], kernel, axes=3)
    return y
"""


def code_texts(model, image) -> list[str]:
    acts = model.forward(image)
    texts = [markup.tabs_html(), markup.banner_html(), markup.no_code_html(),
             markup.running_text(3.0), markup.running_on_text("conv_1_1"),
             markup.failed_in_text("conv_1_1"), markup.in_use_text(["conv_1_1"], 0.012),
             markup.url_note(False, False), markup.url_note(True, True)]
    for layer, key in (("conv_1_1", "conv2d_loops"), ("relu_1_1", "relu"),
                       ("max_pool_1", "max_pool2d"), ("output", "dense"),
                       ("flatten", "flatten")):
        ex = EX.by_key(key)
        texts.append(markup.panel_html(model, EX.for_op(ex.op), ex, layer))
    texts.append(markup.panel_html(model, EX.for_op("softmax"), EX.by_key("softmax"),
                                   "output"))
    ex = EX.by_key("conv2d_loops")
    bad = runner.load(CONV_BUGGY, ex.function, ex.key)
    result = lab.check_layer(model, acts, ex, bad, "conv_1_1")
    summary, details, _ = markup.result_texts(result)
    texts += [summary, *details, markup.jump_text(result)]
    good = runner.load(CONV_BUGGY.replace("axes=3)", "axes=3) + bias"), ex.function, ex.key)
    result = lab.check_layer(model, acts, ex, good, "conv_1_1")
    summary, details, hidden = markup.result_texts(result)
    texts += [summary, *details, *(f"{n}: {t}" for n, _, t in hidden)]
    student = swap.StudentModel(model, good, ex, swap.layers_for(model, ex))
    student.forward(image)
    texts += [markup.banner_text(student), markup.short_banner(student)]
    x = np.ones((4, 4, 2), np.float32)
    for got in (None, [[1]], np.zeros((2, 4, 4), np.float32), np.zeros((3, 3, 2), np.int64),
                np.zeros((4, 4, 3), np.float32)):
        texts.append(compare(got, x, [x]).summary)
    k = np.ones((3, 3, 2, 1), np.float32)
    texts += explain_conv([x, k, np.ones(1, np.float32)], {}, (0, 0, 0), 17.0, 19.0)
    texts += explain_dense([np.ones(4, np.float32), np.ones((4, 2), np.float32),
                            np.ones(2, np.float32)], {}, (1,), 4.0, 5.0)
    texts += explain_flatten([np.arange(8, dtype=np.float32).reshape(2, 2, 2)], {}, (1,),
                             4.0, 1.0)
    for code in ("def relu(x):\n    return x +\n", "x = 1\n", 5):
        with pytest.raises(runner.StudentError) as err:
            runner.load(code, "relu", "relu")
        texts.append(err.value.text.splitlines()[0])
    texts.append(runner.stopped_text(3.0))
    for value in ("nope~abc", "!!", "relu~@@"):
        with pytest.raises(link.CodeLinkError) as err:
            link.decode(value)
        texts.append(link.problem_text(str(err.value)))
    return texts


def test_code_lab_in_japanese(model, image) -> None:
    with language("ja"):
        texts = code_texts(model, image)
    assert english(texts, model) == []
    with language("ja"):
        html = markup.panel_html(model, EX.for_op("conv2d"), EX.by_key("conv2d"), "conv_1_1")
    assert "\u81ea\u5206\u306e\u30b3\u30fc\u30c9\u3092\u4f7f\u3046" in html  # 自分のコードを使う
    assert "Use my code" in markup.panel_html(model, EX.for_op("conv2d"), EX.by_key("conv2d"),
                                              "conv_1_1")
