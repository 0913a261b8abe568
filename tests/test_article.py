"""The tutorial article (CPython): real numbers from the model, sections and anchors, MathML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from pyapp.article.facts import SECTION_IDS, network_facts, section_for_layer
from pyapp.article.render import article_html
from pyapp.cnn.model import sequential_cnn, tinyvgg

MATHML = "{http://www.w3.org/1998/Math/MathML}"


@pytest.fixture(scope="module")
def model():
    return tinyvgg(rng=0)


@pytest.fixture(scope="module")
def html(model) -> str:
    return article_html(model)


def _text(html: str) -> str:
    no_math = re.sub(r"<math.*?</math>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", no_math))


def test_article_is_well_formed(html: str) -> None:
    root = ET.fromstring(html)  # raises on unbalanced tags or bare ampersands
    assert root.tag == "article" and root.get("id") == "article"


def test_real_numbers_of_tinyvgg(html: str, model) -> None:
    text = _text(html)
    assert "64 \u2192 62 \u2192 60 \u2192 30 \u2192 28 \u2192 26 \u2192 13" in text
    assert "3 \u00d7 10 = 30 kernels" in text
    assert "19,920 parameters" in text and "1,690" in text
    assert "13 \u00d7 13 \u00d7 10 = 1,690" in text
    assert "16,910 parameters" in text
    assert "(62, 62, 10)" in text and "64 \u00d7 64 \u00d7 3 = 12,288" in text
    assert model.num_params == 19920


def test_numbers_follow_the_model_not_the_text() -> None:
    other = sequential_cnn(input_shape=(32, 32, 1), blocks=((4,), (6,)), num_classes=3,
                           kernel_size=5, rng=0, name="Other net")
    facts = network_facts(other)
    text = _text(article_html(other))
    chain = " \u2192 ".join(str(v) for v in facts.spatial_chain)
    assert chain == "32 \u2192 28 \u2192 14 \u2192 10 \u2192 5"
    assert chain in text and "1 \u00d7 4 = 4 kernels" in text
    assert f"{other.num_params:,} parameters" in text and "19,920" not in text
    assert "Other net" in text and "3 classes" in text


def test_sections_anchors_and_links_back(html: str) -> None:
    root = ET.fromstring(html)
    sections = root.findall("section")
    ids = [s.get("id") for s in sections]
    for required in ("article-what", "article-input", "article-conv",
                     "article-hyperparameters", "article-relu", "article-pool",
                     "article-flatten", "article-softmax", "article-howto",
                     "article-model-card", "article-credits"):
        assert required in ids
    for section in sections:
        links = [a.get("href") for a in section.iter("a")]
        assert "#tool" in links, section.get("id")
    contents = [a.get("href") for a in root.find("nav").iter("a")]
    assert contents == [f"#{i}" for i in ids]
    for layer_type in ("input", "conv2d", "relu", "max_pool2d", "flatten", "dense"):
        assert section_for_layer(layer_type) in ids
    assert set(SECTION_IDS.values()) <= set(ids)


def test_formulas_are_native_mathml(html: str) -> None:
    root = ET.fromstring(html)
    maths = list(root.iter(f"{MATHML}math")) or list(root.iter("math"))
    assert len(maths) >= 7  # conv, size, 2 filled sizes, relu, pool, dense, softmax
    labels = " ".join(m.get("aria-label", "") for m in maths)
    for needle in ("sum over channels", "floor", "ReLU", "maximum", "e to the z sub i"):
        assert needle in labels
    lowered = html.lower()
    for forbidden in ("\\frac", "\\sum", "$$", "\\(", "mathjax", "katex", "http://",
                      "https://", "<script"):
        assert forbidden not in lowered
    # the filled-in output size of conv_1_1 shows 64 and its result 62
    labels_in_order = [m.get("aria-label", "") for m in maths]
    first = next(i for i, lab in enumerate(labels_in_order) if "64 plus 2 times 0" in lab)
    assert labels_in_order[first + 1].endswith("equals 62")


def test_model_card_reads_the_provenance() -> None:
    model = tinyvgg(rng=0)
    model.provenance.update({"data": "CIFAR-10, 50,000 training images",
                             "test_accuracy": 0.6789,
                             "per_class_accuracy": [0.7, 0.8, 0.5, 0.4, 0.6, 0.45, 0.8,
                                                    0.75, 0.8, 0.78]})
    text = _text(article_html(model))
    assert "67.9%" in text and "CIFAR-10, 50,000 training images" in text
    assert "class 3 (40%)" in text and "class 5 (45%)" in text
    assert "records no test accuracy" in _text(article_html(tinyvgg(rng=0)))
