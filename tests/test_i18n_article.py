"""The tutorial article in Japanese (issue 20, item 4): rendered under CPython inside
``with language("ja"):`` it has no English left (apart from code, formulas, layer names, the
names :mod:`tests.i18n_text` allows, and the credited people's names and works' titles), every
text the article translates is in the catalogue, and it keeps the English article's structure:
the same sections, figures, formulas, tables and "open in the tool" links."""

from __future__ import annotations

import ast
import html as htmllib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pyapp.article.render import article_html
from pyapp.cnn.formats import load_native
from pyapp.cnn.model import sequential_cnn
from pyapp.i18n import catalogue, current, language
from tests.i18n_text import CREDITED, english_words

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "pyapp" / "article"
# credited people, institutions, licences and works: names stay as they are written
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def shipped():
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


@pytest.fixture(scope="module")
def en(shipped) -> str:
    return article_html(shipped)


@pytest.fixture(scope="module")
def ja(shipped) -> str:
    with language("ja"):
        return article_html(shipped)


def visible_text(html: str) -> str:
    """The text a reader sees, without code, formulas, the titles of cited works and the
    Grad-CAM view's sentence (pyapp/views/saliency.py owns and translates that one)."""
    text = re.sub(r"<(code|pre|math|cite)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r'<span class="article-why-summary">.*?</span>', " ", text, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", text))


def attribute_text(html: str) -> list[str]:
    """Alt texts, accessible names and titles (the formulas' spoken labels included)."""
    return [htmllib.unescape(v)
            for v in re.findall(r'\b(?:alt|aria-label|title|placeholder)="([^"]*)"', html)]


def layer_names(model) -> set[str]:
    return {layer.name for layer in model.layers} | {"input", "output"}


def test_no_english_left_in_the_japanese_article(ja: str, shipped) -> None:
    allowed = layer_names(shipped) | CREDITED
    words = english_words(visible_text(ja), allowed)
    assert words == [], sorted(set(words))
    spoken = [w for a in attribute_text(ja) for w in english_words(a, allowed)]
    assert spoken == [], sorted(set(spoken))
    assert _CJK.search(visible_text(ja))


def test_the_check_can_fail(en: str, shipped) -> None:
    """The English article, checked the same way, is full of English."""
    assert len(english_words(visible_text(en), layer_names(shipped) | CREDITED)) > 500
    assert not _CJK.search(en)


def test_the_language_is_restored_and_english_is_untouched(en: str, ja: str, shipped) -> None:
    assert current() == "en"
    assert article_html(shipped) == en
    assert "How this network sees an image" in en and "How this network sees" not in ja


def _count(html: str, pattern: str) -> int:
    return len(re.findall(pattern, html))


@pytest.mark.parametrize("pattern", [
    r"<section ", r"<h2 ", r"<figure", r"<math ", r"<img ", r"<table ", r"<tr>", r"<li>",
    r"<dt>", r"<code>", r"data-opens=", r'href="#tool"', r'class="article-open"',
    r'href="#article-',
])
def test_the_structure_is_the_same(en: str, ja: str, pattern: str) -> None:
    assert _count(ja, pattern) == _count(en, pattern) > 0


def test_same_ids_links_and_numbers(en: str, ja: str) -> None:
    ids = re.compile(r'\bid="([^"]+)"')
    hrefs = re.compile(r'\bhref="([^"]+)"')
    assert ids.findall(ja) == ids.findall(en)
    assert hrefs.findall(ja) == hrefs.findall(en)
    # the model's numbers are the same ones in both languages
    for needle in ("64 \u2192 62 \u2192 60 \u2192 30 \u2192 28 \u2192 26 \u2192 13", "19,920",
                   "16,910", "13 \u00d7 13 \u00d7 10 = 1,690", "(62, 62, 10)"):
        assert needle in visible_text(ja) and needle in visible_text(en)
    # images are the same pixels
    pngs = re.compile(r'src="(data:image/png;base64,[^"]+)"')
    assert pngs.findall(ja) == pngs.findall(en)


def test_the_japanese_article_is_well_formed_and_reads_japanese(ja: str, shipped) -> None:
    root = ET.fromstring(ja)
    assert root.get("id") == "article"
    title = root.find("h1")
    assert title is not None
    assert "".join(title.itertext()) == "このネットワークは画像をどう見ているか"
    assert "畳み込み" in ja and "ソフトマックス" in ja and "最大プーリング" in ja
    # class names are shown translated (the softmax table lists every class)
    rows = [th.text for th in root.iter("th") if th.get("scope") == "row"]
    for name in shipped.class_names:
        assert catalogue("ja")[name] in rows and name not in rows


def test_the_shipped_models_own_words_are_translated(shipped, ja: str) -> None:
    """The model card quotes the model file's description of its data; the shipped one's is
    in the catalogue (a retrained model with new words shows them until they are added)."""
    assert shipped.provenance["data"] in catalogue("ja")
    assert catalogue("ja")[shipped.provenance["data"]] in ja


def test_another_model_in_japanese() -> None:
    other = sequential_cnn(input_shape=(32, 32, 1), blocks=((4,), (6,)), num_classes=3,
                           kernel_size=5, rng=0, name="Other net")
    with language("ja"):
        text = visible_text(article_html(other))
    # the model's own names (its title and its classes, "class 0" ...) are shown as it has them
    own = {"Other", "net"} | {w for name in other.class_names for w in name.split()}
    assert english_words(text, layer_names(other) | CREDITED | own) == []
    assert "32 \u2192 28 \u2192 14 \u2192 10 \u2192 5" in text


def test_other_layer_kinds_in_japanese() -> None:
    """Average and global average pooling, leaky ReLU and tanh, strided padded convolution and
    no flatten: the sentences the TinyVGG article never shows are Japanese too."""
    import numpy as np

    from pyapp.cnn.model import LayerSpec, Model

    g = np.random.default_rng(0)
    layers = [
        LayerSpec("c1", "conv2d", {"filters": 4, "kernel_size": 3, "padding": "same",
                                   "strides": 2},
                  {"kernel": g.normal(size=(3, 3, 3, 4)).astype(np.float32),
                   "bias": np.zeros(4, np.float32)}),
        LayerSpec("a1", "leaky_relu", {"alpha": 0.1}),
        LayerSpec("p1", "avg_pool2d", {"pool_size": 2, "strides": 2}),
        LayerSpec("t1", "tanh"),
        LayerSpec("gap", "global_avg_pool2d"),
        LayerSpec("output", "dense", {"units": 3},
                  {"kernel": g.normal(size=(4, 3)).astype(np.float32),
                   "bias": np.zeros(3, np.float32)}),
    ]
    model = Model(layers, (16, 16, 3), ["x", "y", "z"], name="Odd")
    with language("ja"):
        html = article_html(model)
    allowed = layer_names(model) | CREDITED | {"Odd"}
    assert english_words(visible_text(html), allowed) == []
    assert "平均プーリング層" in html and "tanh" in html
    assert "このネットワークには平坦化がありません。" in html


def _keys() -> set[str]:
    """Every literal first argument of ``tr`` / ``N_`` (and both of ``trn``) in the article."""
    keys: set[str] = set()
    for path in ARTICLE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("tr", "trn", "N_")):
                args = node.args[:2] if node.func.id == "trn" else node.args[:1]
                keys |= {a.value for a in args
                         if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return keys


def test_every_key_is_in_the_catalogue_with_its_placeholders_and_tags() -> None:
    keys = _keys()
    assert len(keys) > 150
    ja = json.loads((ROOT / "pyapp" / "i18n" / "ja.json").read_text("utf-8"))
    missing = sorted(k for k in keys if k not in ja)
    assert missing == []
    placeholder, tag = re.compile(r"\{[a-z_0-9]*\}"), re.compile(r"</?[a-z]+>")
    for key in keys:
        assert set(placeholder.findall(ja[key])) == set(placeholder.findall(key)), key
        assert sorted(tag.findall(ja[key])) == sorted(tag.findall(key)), key
        # Japanese text, not a copy of the English (names such as ReLU stay as they are)
        assert ja[key] != key or not english_words(key), key


def test_no_key_is_built_at_run_time() -> None:
    """tr() is called with literals or N_-marked constants only (keys can be collected)."""
    marked = {n.targets[0].id for path in ARTICLE.glob("*.py")
              for n in ast.walk(ast.parse(path.read_text("utf-8")))
              if isinstance(n, ast.Assign) and len(n.targets) == 1
              and isinstance(n.targets[0], ast.Name) and "N_(" in ast.unparse(n.value)}
    for path in ARTICLE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "tr":
                first = node.args[0]
                assert not isinstance(first, ast.JoinedStr), (path.name, node.lineno)
                if not isinstance(first, ast.Constant):
                    assert ast.unparse(first) in {"title", "RGB_NAMES[ch]",
                                                  "RGB_NAMES[c]", "RANGE_LABELS[mode]",
                                                  "kind_of(p.type).title"} | marked, \
                        (path.name, node.lineno, ast.unparse(first))
