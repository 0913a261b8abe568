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


# --- figures, tool links and the range modes (issue 15, item 10) -----------------------------
import base64  # noqa: E402
import io  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from pyapp import links  # noqa: E402
from pyapp.article import figures as F  # noqa: E402
from pyapp.cnn.formats import load_native  # noqa: E402
from pyapp.cnn.stats import colour_limit  # noqa: E402
from pyapp.render import ranges  # noqa: E402
from pyapp.render.colormaps import SIGNED  # noqa: E402
from pyapp.session import Session, Source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped():
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


@pytest.fixture(scope="module")
def shipped_html(shipped) -> str:
    return article_html(shipped)


@pytest.fixture(scope="module")
def shipped_figures(shipped):
    image, label = F.example_image(shipped)
    return image, F.section_figures(shipped, image, label)


def _pngs(html: str) -> list[np.ndarray]:
    """Every ``<img>`` of ``html`` decoded back to RGBA pixels."""
    out = []
    for uri in re.findall(r'<img src="data:image/png;base64,([^"]+)"', html):
        im = Image.open(io.BytesIO(base64.b64decode(uri))).convert("RGBA")
        out.append(np.asarray(im))
    return out


def test_every_layer_section_has_a_figure_and_a_tool_link(shipped, shipped_figures) -> None:
    _, figs = shipped_figures
    assert set(figs) == {"article-input", "article-conv", "article-relu", "article-pool",
                         "article-flatten", "article-softmax"}
    html = article_html(shipped)
    root = ET.fromstring(html)
    for section in root.findall("section"):
        sid = section.get("id")
        opens = [a.get("href") for a in section.iter("a") if a.get("data-opens")]
        if sid in figs:
            assert opens == [figs[sid].link], sid
            assert figs[sid].html in html
        assert sid not in figs or "Open " in "".join(section.itertext())


def test_figures_are_the_tools_own_maps(shipped, shipped_figures) -> None:
    """The pixels in the article are the overview's maps of the same activations (the
    session's ``overview_rgba``, unit range) and the layer's real kernel."""
    image, figs = shipped_figures
    snap = Session(shipped, image, Source("gallery", 0)).snapshot
    maps = snap.overview_rgba
    conv = figs["article-conv"]
    ref = links.resolve(links.parse_view_hash(conv.link), shipped, snap.predicted)[0]
    k = ref.index
    assert k == F.liveliest(snap.acts["conv_1_1"])
    kernel = shipped.layer("conv_1_1").weights["kernel"]
    want = [SIGNED.rgba_symmetric(kernel[:, :, c, k], colour_limit(kernel)) for c in range(3)]
    want.append(maps["conv_1_1"][k])
    got = _pngs(conv.html)
    assert len(got) == 4
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    assert [np.array_equal(g, maps["input"][c])
            for c, g in enumerate(_pngs(figs["article-input"].html))] == [True] * 3
    relu = _pngs(figs["article-relu"].html)
    assert np.array_equal(relu[0], maps["conv_1_1"][k])
    assert np.array_equal(relu[1], maps["relu_1_1"][k])
    pool = figs["article-pool"]
    p = links.parse_view_hash(pool.link)
    assert p.layer == "max_pool_1"
    assert np.array_equal(_pngs(pool.html)[1], maps["max_pool_1"][p.index])
    assert np.array_equal(_pngs(pool.html)[0], maps["relu_1_2"][p.index])
    flat = _pngs(figs["article-flatten"].html)
    assert len(flat) == 10 and all(np.array_equal(g, maps["max_pool_2"][c])
                                   for c, g in enumerate(flat))
    # the kernel's numbers are in its text alternative
    first = f"{kernel[0, 0, 0, k]:.2f}".replace("-", "\u2212")
    assert first in conv.pictures[0].alt
    # a figure can fail: another channel's map is not this one
    assert not np.array_equal(got[3], maps["conv_1_1"][(k + 1) % 10])


def test_each_link_names_the_matching_view(shipped, shipped_figures) -> None:
    image, figs = shipped_figures
    snap = Session(shipped, image, Source("gallery", 0)).snapshot
    want = {"article-input": ("formula", "conv_1_1"), "article-conv": ("conv", "conv_1_1"),
            "article-relu": ("activation", "relu_1_1"), "article-pool": ("pool", "max_pool_1"),
            "article-flatten": ("logit", "output"), "article-softmax": ("softmax", "output")}
    for sid, (kind, layer) in want.items():
        ref, _ = links.resolve(links.parse_view_hash(figs[sid].link), shipped, snap.predicted)
        assert (ref.kind, ref.layer) == (kind, layer), sid
        assert links.view_hash(ref, shipped) == figs[sid].link
    assert links.parse_view_hash(figs["article-softmax"].link).index == snap.predicted
    # the conv, ReLU and input figures show the same neuron
    assert len({links.parse_view_hash(figs[s].link).index
                for s in ("article-input", "article-conv", "article-relu")}) == 1


def test_range_modes_are_described_from_their_definitions(shipped, shipped_html) -> None:
    text = _text(F.range_modes_html(shipped))
    kinds = [(ly.name, ly.type) for ly in shipped.layers]
    groups = ranges.modules(kinds)
    assert len(groups) == 4
    for group in groups:
        assert " + ".join(group) in text
    assert f"({len(ranges.hidden_layers(kinds))} ranges)" in text
    howto = _text(shipped_html)
    assert "each map on its own" not in howto and "all maps of a layer (Module)" not in howto
    assert "conv_1_2 + relu_1_2 + max_pool_1" in howto


def test_the_range_text_follows_the_code(shipped, monkeypatch) -> None:
    """Change the definition and the article changes with it: nothing is written by hand."""
    def one_per_pair(acts, kinds, mode):
        names = ranges.hidden_layers(kinds)
        return [ranges.LegendSpec(tuple(names[i:i + 2]), 1.0) for i in range(0, len(names), 2)]

    monkeypatch.setattr(F, "legends", one_per_pair)
    text = re.sub(r"\s+([;,)])", r"\1", _text(F.range_modes_html(shipped)))
    assert "conv_1_1 + relu_1_1; conv_1_2 + relu_1_2;" in text


def test_a_model_without_a_gallery_input_gets_no_figures() -> None:
    other = sequential_cnn(input_shape=(32, 32, 1), blocks=((4,),), num_classes=3, rng=0)
    assert F.example_image(other) is None
    html = article_html(other)
    ET.fromstring(html)
    assert "data-opens" not in html and "article-ranges" in html
