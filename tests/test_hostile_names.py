"""Names from a model are data: layer names are validated at load, and every string that reaches
the overview's markup (layer, class and file names) is escaped, attributes included."""

from __future__ import annotations

import io
import json
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile import STRINGS  # noqa: E402

from pyapp.cnn.formats import ModelFormatError, load_native, load_tfjs, save_native  # noqa: E402
from pyapp.cnn.model import LayerSpec, sequential_cnn  # noqa: E402
from pyapp.render.layout import LayerInfo, build_layout, layer_infos  # noqa: E402
from pyapp.render.overview_html import tool_html  # noqa: E402
from pyapp.session import Bar  # noqa: E402

APP_TAGS = {"div", "section", "h2", "h3", "a", "span", "small", "canvas", "svg", "g", "path", "ul",
            "li", "button", "img", "input", "figure", "figcaption", "label", "select", "option",
            "p", "details", "summary"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def _assert_inert(html: str) -> None:
    found = tags(html)
    assert {t for t, _ in found} <= APP_TAGS, {t for t, _ in found} - APP_TAGS
    for tag, attrs in found:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)


def _native_bytes(layer_name: str) -> bytes:
    model = sequential_cnn((8, 8, 3), ((2,),), num_classes=3, rng=0)
    spec = model.spec()
    weights = model.weight_arrays()
    spec["layers"][0]["name"] = layer_name
    weights = {k.replace("conv_1_1/", f"{layer_name}/"): v for k, v in weights.items()}
    buf = io.BytesIO()
    np.savez(buf, **{"spec.json": np.frombuffer(json.dumps(spec).encode(), np.uint8)},
             **weights)
    return buf.getvalue()


@pytest.mark.parametrize("name", [*STRINGS, "", "input", "probabilities", "a/b", "a:b", "a b",
                                  "x" * 65], ids=range(len(STRINGS) + 7))
def test_a_bad_layer_name_is_refused_at_load(name: str) -> None:
    with pytest.raises(ValueError, match="layer name") as info:
        LayerSpec(name, "relu")
    assert len(str(info.value)) < 300  # a 10 kB name is not echoed back
    if "/" not in name and name:
        with pytest.raises(ModelFormatError, match="layer name"):
            load_native(_native_bytes(name))


def test_tfjs_layer_names_are_validated() -> None:
    doc = {"modelTopology": {"model_config": {"class_name": "Sequential", "config": {
        "name": "m", "layers": [
            {"class_name": "Flatten", "config": {"name": STRINGS[0],
                                                 "batch_input_shape": [None, 2, 2, 3]}},
            {"class_name": "Dense", "config": {"name": "d", "units": 2, "use_bias": False}}]}}},
        "weightsManifest": [{"paths": ["w.bin"], "weights": [
            {"name": "d/kernel", "shape": [12, 2], "dtype": "float32"}]}]}
    with pytest.raises(ModelFormatError, match="layer name"):
        load_tfjs(doc, lambda p: bytes(12 * 2 * 4))


def test_good_names_still_load() -> None:
    for name in ("conv2d_1", "block1.conv-a", "A" * 64):
        LayerSpec(name, "relu")
    model = sequential_cnn((8, 8, 3), ((2,),), num_classes=3, rng=0)
    buf = io.BytesIO()
    save_native(model, buf)
    assert [la.name for la in load_native(buf.getvalue()).layers] == [
        la.name for la in model.layers]


@pytest.mark.parametrize("text", STRINGS, ids=range(len(STRINGS)))
def test_overview_markup_escapes_every_outside_string(text: str) -> None:
    """Even a layout that bypassed validation (layer names), and class / file names (which are
    free text by design), produce only the app's own elements and no event handler."""
    model = sequential_cnn((8, 8, 3), ((2,),), num_classes=3, rng=0)
    infos = [LayerInfo(text + str(i), li.kind, li.shape)
             for i, li in enumerate(layer_infos(model))]
    layout = build_layout(model.input_shape, infos)
    gallery = [{"file": text, "label": text, "credit": text, "licence": text}]
    bars = [Bar(f"{p:.2%}", text) for p in (0.2, 0.3, 0.5)]
    snap = SimpleNamespace(layout=layout, class_names=[text, text + "1", text + "2"],
                           bars=bars, predicted=2, legends=[], range_mode="unit",
                           selected=0, detail=True)
    html = tool_html(snap, gallery, original_src=text)
    _assert_inert(html)
    ids = {a.get("id") for _, a in tags(html)}
    assert f"ov-n-{text}0-0" in ids  # the name survives as data, verbatim
