"""The overview HTML (pre-render and live share it), the read-out and the pre-render."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from pyapp import prerender
from pyapp.cnn.model import sequential_cnn
from pyapp.numbers import fixed
from pyapp.numbers import parse as parse_number
from pyapp.render.layout import build_layout, layer_infos
from pyapp.render.overview_html import format_prob, tool_html
from pyapp.render.readout import readout_html
from pyapp.session import Session, Source

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def setup():
    model = sequential_cnn(rng=3, class_names=CLASSES)
    acts = model.forward(np.random.default_rng(1).random((64, 64, 3), dtype=np.float32))
    lay = build_layout(model.input_shape, layer_infos(model))
    return model, acts, lay


def snapshot(model, acts, mode="unit"):
    return Session(model, acts["input"], Source("gallery", 0), range_mode=mode).snapshot


def parse(html):
    p = Collect()
    p.feed(html)
    return p.tags


def test_tool_structure(setup):
    model, acts, lay = setup
    probs = [float(p) for p in acts["probabilities"]]
    gallery = [{"file": "a.jpg", "label": "cat", "credit": "x"}]
    tags = parse(tool_html(snapshot(model, acts, "module"), gallery))
    sections = [a for t, a in tags if t == "section"]
    assert [s["data-l"] for s in sections][0] == "input" and len(sections) == 12
    neurons = [a for t, a in tags if a.get("role") == "button"]
    assert len(neurons) == 3 + 100 + 10
    assert len({a["id"] for a in neurons}) == len(neurons)
    assert sum(a.get("tabindex") == "0" for a in neurons) == 1  # roving tab stop
    canvases = [a for t, a in tags if t == "canvas" and "id" not in a]
    assert len(canvases) == 103
    assert any(a["aria-label"] == "conv_1_1, neuron 4 of 10" for a in neurons)
    pred = int(np.argmax(probs))
    preds = [a for a in neurons if "ov-pred" in a.get("class", "")]
    assert len(preds) == 1 and preds[0]["data-i"] == str(pred)
    legend_tags = [a for t, a in tags if "ov-legend" in a.get("class", "").split()]
    assert len(legend_tags) == 1 + 4 + 1  # input, one per module, output
    groups = [a for t, a in tags if t == "g"]
    assert len(groups) == 100 + 10  # one edge group per target neuron


def test_output_text_is_the_core_probability(setup):
    model, acts, lay = setup
    probs = [float(p) for p in acts["probabilities"]]
    html = tool_html(snapshot(model, acts), [])
    shown = [float(v) / 100 for v in re.findall(r'class="ov-prob">([0-9.]+)%<', html)]
    assert np.allclose(shown, probs, atol=0.0005 + 1e-9)
    assert format_prob(0.12345) == "12.3%"


def test_readout_conv_shows_kernel_and_bias(setup):
    model, acts, lay = setup
    html = readout_html(model, acts, lay, "conv_1_2", 3)
    k = model.layer("conv_1_2").weights["kernel"][:, :, 0, 3]
    cells = [parse_number(v) for v in re.findall(r"<td[^>]*>(\u2212?[0-9.]+)</td>", html)]
    assert np.allclose(cells, k.ravel(), atol=5e-4)
    b = float(model.layer("conv_1_2").weights["bias"][3])
    assert f"bias <b>{fixed(b, 4)}</b>" in html
    a = acts["conv_1_2"][..., 3]
    assert f"min {fixed(a.min(), 3)}, max {fixed(a.max(), 3)}" in html and "(60, 60)" in html


def test_readout_output_and_relu(setup):
    model, acts, lay = setup
    html = readout_html(model, acts, lay, "output", 2)
    assert "bird" in html and fixed(acts['output'][2], 3) in html
    assert format_prob(acts["probabilities"][2]) in html
    assert "max(0, conv_1_1 neuron 5)" in readout_html(model, acts, lay, "relu_1_1", 4)


def test_prerender_injects_the_network(tmp_path, setup):
    from pyapp.cnn.formats import save_native

    model = sequential_cnn(rng=5, class_names=CLASSES)
    model_path = tmp_path / "m.npz"
    save_native(model, model_path)
    gallery = ROOT / "www" / "gallery" / "gallery.json"
    index = tmp_path / "index.html"
    index.write_text('<html><body><main id="app" aria-busy="true"></main></body></html>')
    assert prerender.main([str(index), "--model", str(model_path), "--gallery",
                           str(gallery)]) == 0
    html = index.read_text()
    tags = parse(html)
    bg = [a for t, a in tags if t == "canvas" and "background-image" in a.get("style", "")]
    assert len(bg) == 103 + 1  # every map and the processed input
    assert '<script src="./first-paint.js"></script>' in html
    # the bars equal the core's probabilities for the first gallery photo
    from pyapp.cnn.preprocess import preprocess

    first = json.loads(gallery.read_text())[0]["file"]
    x = preprocess(str(gallery.parent / first), model.input_shape, model.preprocessing)
    probs = model.forward(x)["probabilities"]
    shown = [float(v) / 100 for v in re.findall(r'class="ov-prob">([0-9.]+)%<', html)]
    assert np.allclose(shown, probs, atol=0.0005 + 1e-9)


def test_prerender_without_model_is_a_no_op(tmp_path, capsys):
    index = tmp_path / "index.html"
    index.write_text('<main id="app"></main>')
    assert prerender.main([str(index), "--model", str(tmp_path / "none.npz")]) == 0
    assert index.read_text() == '<main id="app"></main>'
