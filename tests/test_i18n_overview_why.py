"""Japanese for the overview's markup, the Why? views, backpropagation and the playground
(issue 20 item 4): rendered inside ``with language("ja"):`` no English is left in the text or
the accessible names (code, formulas, layer names and the photos' credits apart), every key
these modules use is in the catalogue, and the English rendering is what it always was."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import numpy as np
import pytest
from i18n_text import english_words, readable

from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.i18n import catalogue, language
from pyapp.playground import view as pv
from pyapp.playground.geometry import Settings
from pyapp.playground.kernels import classic_kernel, network_kernel
from pyapp.playground.session import Choices, evaluate, first_conv_kernels
from pyapp.playground.validity import check
from pyapp.render.overview_html import tool_html
from pyapp.session import Session, Source
from pyapp.views import backprop, gradients, why_html
from pyapp.views import saliency as sv

ROOT = Path(__file__).resolve().parents[1]
GALLERY = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text("utf-8"))
FILES = ["pyapp/render/overview_html.py", "pyapp/views/why_html.py", "pyapp/views/saliency.py",
         "pyapp/views/backprop.py", "pyapp/views/gradients.py", "pyapp/ui/why.py",
         "pyapp/ui/playground.py", *sorted(str(p.relative_to(ROOT))
                                           for p in (ROOT / "pyapp" / "playground").glob("*.py"))]
# settings that raise every finding: fits, too big (with and without dilation), leftover
# rows, skipped padding, gaps between windows, dilation gaps, many terms
SETTINGS = (Settings(), Settings(5, 0, 5, 1, 2), Settings(3, 0, 3, 1, 2), Settings(3, 0, 3, 1, 1),
            Settings(7, 0, 2, 3, 1), Settings(7, 1, 3, 2, 1), Settings(9, 0, 3, 2, 3),
            Settings(8, 1, 3, 3, 1), Settings(16, 2, 6, 1, 1), Settings(4, 0, 4, 1, 1))
# the Japanese of a key may use a value the English does not show (" (every {ordinal} cell)"
# reads "{d} マスごと": Japanese needs no ordinal)
EXTRA_FIELDS = {" (every {ordinal} cell)": {"d"}}


@pytest.fixture(scope="module")
def setup():
    model = load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")
    image = preprocess((ROOT / "www" / "gallery" / GALLERY[0]["file"]).read_bytes(),
                       model.input_shape, model.preprocessing)
    acts = model.forward(image)
    return model, acts, Session(model, acts["input"], Source("gallery", 0)).snapshot


def allowed(model, snap) -> set[str]:
    """Words that stay: the model's layer names and types, what the photos' credits say
    (authors, titles, licences, file names), and the strings of the layout (another module
    translates its neuron names and short labels; when it does, nothing is left here)."""
    words = {w for ly in model.layers for w in (ly.name, ly.type)} | {"input", "output"}
    words |= {"CREDITS", "mod"}  # the credits file, linked by name; "mod" in a formula
    for e in GALLERY:
        for key in ("credit", "licence", "file"):
            words |= set(english_words(str(e.get(key, ""))))
    for col in snap.layout.columns:
        words |= set(english_words(col.short_label))
        for j in range(col.count):
            words |= set(english_words(col.neuron_name(j)))
    return words


def overview_markup(snap) -> list[str]:
    return [tool_html(snap, GALLERY)]


def why_markup(model, acts, snap) -> list[str]:
    out = [why_html.region_html(snap.class_names, sv.cam_layers(model)),
           why_html.why_button_html("why-by-output"),
           sv.mistake_note("cat", "dog"), sv.edited_note(type("M", (), {"edits": (1,)})()),
           sv.edited_note(type("M", (), {"edits": (1, 2)})())]
    for c in (snap.predicted, (snap.predicted + 1) % len(snap.class_names)):
        for method in ("gradcam", "gradxinput"):
            for layer in (None, sv.cam_layers(model)[0][0]):
                v = sv.why_view(model, acts, c, method, layer=layer, predicted=snap.predicted)
                out += [v.title, v.sentence, v.summary, v.legend.label,
                        why_html.figures_html(v.figures)]
        run = sv.OcclusionRun(model, acts, c, 16, 8, snap.predicted)
        for _ in range(3):
            v = run.view()
            out += [v.title, v.sentence, v.summary, v.legend.label,
                    why_html.figures_html(v.figures)]
            run.occ.step(8)
    for name, label, n in backprop.bp_layers(model):
        for k in (0, n - 1):
            v = backprop.backprop_view(model, acts, snap.predicted, name, k)
            out += [label, v.title, v.sentence, v.summary, v.legend.label, v.equation,
                    why_html.figures_html(v.figures), why_html.grids_html(v.grids)]
    gm = gradients.for_snapshot(snap)
    out.append(why_html.gradient_legends_html(snap.layout, gm.legends, gm.input_limit,
                                              gm.class_name))
    return out


def playground_markup(model, acts) -> list[str]:
    net = first_conv_kernels(model)
    image = np.asarray(acts["input"])
    out = [pv.shell_html(), pv.controls_html(Settings()),
           pv.sources_html(pv.source_options(True), "image-0",
                           pv.kernel_options(net.filters, net.layer), "network-0"),
           pv.sources_html(pv.source_options(False), "integers", pv.kernel_options(0, ""),
                           "edge")]
    for st in SETTINGS:
        for ch in (Choices("integers", "edge"), Choices("image-1", "network-2"),
                   Choices("image-2", "sharpen")):
            res, kernel = evaluate(st, ch, image, net)
            # (formula_html is the article's formula, translated with the article)
            out += [pv.stage_html(res), pv.issues_html(res), kernel.label, kernel.note]
            if res.output is not None:
                out.append(pv.window_html(res, res.window(0, 0)))
    for name in ("edge", "blur", "sharpen"):
        for k in (1, 3):
            out += [classic_kernel(name, k).label, classic_kernel(name, k).note]
    for k in (1, 3, 5):
        kernel = network_kernel(net.weights, net.layer, 0, 1, k)
        out += [kernel.label, kernel.note]
    return out


def test_overview_in_japanese_has_no_english(setup):
    model, acts, _ = setup
    with language("ja"):
        snap = Session(model, acts["input"], Source("gallery", 0)).snapshot
        text = readable("".join(overview_markup(snap)))
        left = english_words(text, allowed(model, snap))
    assert left == [], sorted(set(left))
    assert "ネットワークの答え" in text and "画像をアップロード" in text
    # class names are shown translated (the model's names stay the keys)
    assert catalogue("ja")[snap.class_names[snap.predicted]] in text


def test_why_views_in_japanese_have_no_english(setup):
    model, acts, snap = setup
    with language("ja"):
        text = readable(" ".join(why_markup(model, acts, snap)))
        left = english_words(text, allowed(model, snap))
    assert left == [], sorted(set(left))
    assert "勾配×入力" in text and "遮蔽（オクルージョン）" in text and "Grad-CAM" in text


def test_playground_in_japanese_has_no_english(setup):
    model, acts, snap = setup
    with language("ja"):
        text = readable(" ".join(playground_markup(model, acts)))
        left = english_words(text, allowed(model, snap))
    assert left == [], sorted(set(left))
    assert "ストライド" in text and "パディング" in text and "ぼかし" in text


def test_validity_findings_in_japanese():
    with language("ja"):
        found = {i.kind: i.message for st in SETTINGS for i in check(st).issues}
    assert {"kernel-too-big", "stride-leftover", "stride-gaps", "dilation-gaps",
            "unused-cells", "stride-leftover-padding"} <= set(found)
    for message in found.values():
        assert english_words(message, {"mod"}) == [], message


def keys_used() -> list[str]:
    """Every literal passed to tr / trn / N_ in these modules (trn: both forms)."""
    keys = []
    for f in FILES:
        for node in ast.walk(ast.parse((ROOT / f).read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("tr", "trn", "N_")):
                n = 2 if node.func.id == "trn" else 1
                keys += [a.value for a in node.args[:n]
                         if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return keys


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_is_in_the_japanese_catalogue():
    keys = keys_used()
    assert len(keys) > 150  # the collector finds the calls
    ja = json.loads((ROOT / "pyapp" / "i18n" / "ja.json").read_text("utf-8"))
    missing = sorted({k for k in keys if k not in ja})
    assert missing == []
    for k in set(keys):
        # the translation fills only values the caller passes, and is itself Japanese
        assert fields(ja[k]) <= fields(k) | EXTRA_FIELDS.get(k, set()), k
        assert english_words(re.sub(r"\{\w*\}", "", ja[k]), {"mod"}) == [], (k, ja[k])


def test_no_calls_with_computed_keys():
    """``tr(f"...")`` or ``tr(a + b)`` cannot be collected: only literals and marked
    constants (names, subscripts of marked tables, attributes holding them) go in."""
    for f in FILES:
        for node in ast.walk(ast.parse((ROOT / f).read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("tr", "trn", "N_") and node.args):
                assert not isinstance(node.args[0], ast.JoinedStr | ast.BinOp), (f, node.lineno)


def test_english_is_unchanged(setup):
    """The default language renders the English text itself (the keys)."""
    model, acts, snap = setup
    html = tool_html(snap, GALLERY)
    assert "The network says:" in html and "Upload image" in html
    assert 'aria-label="Example images"' in html
    region = why_html.region_html(snap.class_names, sv.cam_layers(model))
    assert ">Gradient \u00d7 input<" in region and ">Occlusion<" in region
    assert "(after relu_1_1)" in region
    assert "Edge (Laplacian)" in pv.kernel_options(0, "")[0][1]
