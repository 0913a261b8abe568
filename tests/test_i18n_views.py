"""The detail views in Japanese (issue 20 item 4): every view kind's markup, its dialog and
controls, and the sentences its frames build, rendered inside ``with language("ja")``, hold
no English words (code, formulas, layer names and units apart); every key the views'
modules translate is in ``ja.json`` with the same placeholders; English stays as it was."""

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
from pyapp.i18n import catalogue, language
from pyapp.ui.detail.markup import dialog_html
from pyapp.ui.detail.panels import make_panel
from pyapp.views.route import ViewRef

ROOT = Path(__file__).resolve().parents[1]
FILES = ["pyapp/views/conv.py", "pyapp/views/dense.py", "pyapp/views/elementwise.py",
         "pyapp/ui/detail/markup.py", "pyapp/ui/detail/conv_panels.py",
         "pyapp/ui/detail/dense_panels.py", "pyapp/ui/detail/map_panels.py",
         "pyapp/ui/detail/controller.py", "pyapp/ui/detail/__init__.py"]
# (kind, layer, index, input channel): every view kind of the shipped model
VIEWS = [("conv", "conv_1_1", 0, None), ("conv", "conv_1_2", 4, None),
         ("formula", "conv_1_2", 3, 2), ("activation", "relu_1_1", 5, None),
         ("pool", "max_pool_2", 1, None), ("logit", "output", 2, None),
         ("softmax", "output", 0, None)]
@pytest.fixture(scope="module")
def net():
    model = load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")
    image = np.random.default_rng(3).random(model.input_shape, dtype=np.float32)
    return model, model.forward(image)


def names(model) -> list[str]:
    """The model's layer names (kept as they are in every language)."""
    return ["input"] + [layer.name for layer in model.layers]


@pytest.mark.parametrize("maps", ["map", "layer"])
@pytest.mark.parametrize("view", VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS])
def test_every_view_in_japanese_has_no_english(net, view, maps: str) -> None:
    model, acts = net
    kind, layer, index, channel = view
    with language("ja"):
        panel = make_panel(ViewRef(kind, layer, index, channel), model, acts, "unit", maps)
        html = panel.html() + dialog_html()
        vm = panel.vm
        said = [str(vm.title)]
        for i in (0, vm.count // 2, vm.count - 1):  # the frames' sentences
            f = vm.frame(i)
            said += [f.a11y, getattr(f, "caption", "")]
        said.append(panel.position_text(vm.count - 1))
    text = readable(html) + " " + " ".join(said)
    assert re.search("[\u3040-\u30ff\u4e00-\u9fff]", text)  # it is Japanese
    assert english_words(text, names(model)) == []


def keys() -> set[str]:
    """Every literal key of tr(), trn() and N_() in the views' modules."""
    found = set()
    for f in FILES:
        for node in ast.walk(ast.parse((ROOT / f).read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("tr", "trn", "N_") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_is_in_the_japanese_catalogue() -> None:
    ja = json.loads((ROOT / "pyapp" / "i18n" / "ja.json").read_text("utf-8"))
    found = keys()
    assert len(found) > 80
    missing = sorted(k for k in found if k not in ja)
    assert missing == []
    for k in found:  # the same placeholders, and no English left in the translation
        assert fields(ja[k]) == fields(k), k
        assert english_words(re.sub(r"\{\w+\}", " ", ja[k])) == [], k


def test_kind_titles_and_classes_are_translated() -> None:
    from pyapp.cnn.kinds import KINDS
    from pyapp.i18n import CIFAR10_CLASSES

    ja = catalogue("ja")
    for kind in KINDS.values():
        assert kind.title in ja, kind.title
    assert all(c in ja for c in CIFAR10_CLASSES)


def test_english_is_unchanged(net) -> None:
    model, acts = net
    panel = make_panel(ViewRef("conv", "conv_1_1", 0), model, acts, "unit")
    assert panel.vm.title == "Convolution: conv_1_1, neuron 1"
    f = panel.vm.frame(0)
    assert f.caption.startswith("Row 1, column 1: 3 partial sums ")
    assert "Add up all intermediate results, then add the bias" in panel.html()
