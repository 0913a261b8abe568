"""A teacher's TF.js layers model with average pooling, leaky ReLU, batch normalisation and
dropout (written here as model.json + one .bin shard) loads through ``?model=``, draws, opens
each detail view and gives PyTorch's numbers; a layer the page cannot show is named."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from sitekit import messages

from pyapp.cnn import explain as ex
from pyapp.cnn.formats import load_tfjs_path
from pyapp.cnn.preprocess import preprocess

pytestmark = pytest.mark.browser

F = torch.nn.functional
CLASSES = ["circle", "square", "star", "wave"]
PROB_TOL = 0.0005 + 1e-6  # shown as "12.3%"
NUM = r"-?\d+\.\d+"
SHARD = "group1-shard1of1.bin"


def layer(cls: str, **cfg: Any) -> dict:
    return {"class_name": cls, "config": cfg}


def write_model(folder: Path, layers: list[dict], weights: dict[str, np.ndarray]) -> Path:
    """``model.json`` + one little-endian float32 shard, as the TF.js converter writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    blob = b"".join(np.asarray(w, "<f4").tobytes() for w in weights.values())
    (folder / SHARD).write_bytes(blob)
    manifest = [{"name": k, "shape": list(np.shape(v)), "dtype": "float32"}
                for k, v in weights.items()]
    doc = {"format": "layers-model", "generatedBy": "keras v2.15.0",
           "convertedBy": "TensorFlow.js Converter v4.17.0",
           "modelTopology": {"class_name": "Sequential", "config": {
               "name": "teacher_cnn", "layers": layers}},
           "weightsManifest": [{"paths": [SHARD], "weights": manifest}],
           "userDefinedMetadata": {"class_names": CLASSES}}
    path = folder / "model.json"
    path.write_text(json.dumps(doc))
    return path


def teacher_model(folder: Path) -> tuple[Path, dict[str, np.ndarray]]:
    g = np.random.default_rng(5)
    n = g.standard_normal
    weights = {
        "c1/kernel": n((3, 3, 3, 6)) * 0.4, "c1/bias": n(6) * 0.1,
        "bn/gamma": 1 + 0.3 * n(6), "bn/beta": 0.2 * n(6),
        "bn/moving_mean": 0.2 * n(6), "bn/moving_variance": g.uniform(0.2, 1.5, 6),
        "c2/kernel": n((3, 3, 6, 5)) * 0.4, "c2/bias": n(5) * 0.1,
        "out/kernel": n((6 * 6 * 5, 4)) * 0.2, "out/bias": n(4) * 0.1,
    }
    layers = [
        layer("InputLayer", name="input_1", batch_input_shape=[None, 32, 32, 3]),
        layer("Conv2D", name="c1", filters=6, kernel_size=[3, 3], strides=[1, 1],
              padding="valid", activation="linear", use_bias=True),
        layer("BatchNormalization", name="bn", axis=-1, epsilon=1e-3),
        layer("LeakyReLU", name="lr", alpha=0.1),
        layer("AveragePooling2D", name="ap", pool_size=[2, 2], strides=[2, 2],
              padding="valid"),
        layer("Dropout", name="drop", rate=0.3),
        layer("Conv2D", name="c2", filters=5, kernel_size=[3, 3], padding="valid",
              activation="sigmoid"),
        layer("MaxPooling2D", name="mp", pool_size=[2, 2], padding="valid"),
        layer("Flatten", name="flat"),
        layer("Dense", name="out", units=4, activation="softmax"),
    ]
    return write_model(folder, layers, weights), weights


def torch_logits(w: dict[str, np.ndarray], image: np.ndarray) -> np.ndarray:
    """The same network in PyTorch, batch normalisation unfolded, dropout in eval mode."""
    t = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in w.items()}
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
    with torch.no_grad():
        x = F.conv2d(x, t["c1/kernel"].permute(3, 2, 0, 1), t["c1/bias"])
        x = F.batch_norm(x, t["bn/moving_mean"], t["bn/moving_variance"], t["bn/gamma"],
                         t["bn/beta"], training=False, eps=1e-3)
        x = F.dropout(F.avg_pool2d(F.leaky_relu(x, 0.1), 2), 0.3, training=False)
        x = torch.sigmoid(F.conv2d(x, t["c2/kernel"].permute(3, 2, 0, 1), t["c2/bias"]))
        x = F.max_pool2d(x, 2).permute(0, 2, 3, 1).reshape(1, -1)
        x = x @ t["out/kernel"] + t["out/bias"]
    return x[0].numpy()


def serve(app_page: Any, folder: Path, prefix: str) -> None:
    """Answer ``<site>/<prefix>/<file>`` with the files of ``folder``."""
    def answer(body: bytes) -> Any:
        return lambda route: route.fulfill(status=200, body=body)

    for path in folder.iterdir():
        app_page.page.route(f"**/{prefix}/{path.name}", answer(path.read_bytes()))


def shown(page: Any, what: str) -> list[str]:
    return page.eval_on_selector_all(f".ov-out {what}", "els => els.map(e => e.textContent)")


# (hash, the view kind it opens)
VIEWS = [("#c1/2", "conv"), ("#lr/1", "activation"), ("#ap/3", "pool"),
         ("#c2_sigmoid/0", "activation"), ("#mp/4", "pool"), ("#out/2", "logit"),
         ("#softmax/1", "softmax")]


def open_each_view(page: Any, model: Any, acts: dict[str, np.ndarray],
                   views: list[tuple[str, str]]) -> None:
    """Open each ``(hash, view kind)`` by its URL hash; check its numbers against the core."""
    for hash_, kind in views:
        page.evaluate("(h) => { location.hash = h; }", hash_)
        page.wait_for_function(
            "(h) => { const d = document.getElementById('dv'); "
            "return d && d.open && d.dataset.hash === h; }", arg=hash_, timeout=30_000)
        assert page.evaluate("document.getElementById('dv').dataset.kind") == kind, hash_
        if page.evaluate("document.getElementById('dv').dataset.playing") == "true":
            page.click("#dv .dv-play")
        record = page.inner_text("#dv-record")
        pos = int(page.evaluate("document.getElementById('dv').dataset.position"))
        name, idx = hash_[1:].split("/")
        if kind in ("activation", "pool"):  # the output maps' width (global pooling: 1)
            w = model.layer(name).kind.map_shape(model.shapes[name])[1]
        if kind == "activation":
            rec = ex.explain_at(model, acts, name, (pos // w, pos % w, int(idx)))
            m = re.search(rf"input ({NUM}); .* = output ({NUM})$", record)
            assert m, record
            assert abs(float(m[1]) - rec.input) <= 5e-4 and abs(float(m[2]) - rec.output) <= 5e-4
            curve = page.get_attribute("#dv .dv-curve", "d") or ""
            assert curve.count("L") >= 96  # the kind's own sampled curve
        elif kind == "pool":
            rec = ex.explain_at(model, acts, name, (pos // w, pos % w, int(idx)))
            word = "mean" if isinstance(rec, ex.AvgPoolExplanation) else "maximum"
            m = re.search(rf"{word} ({NUM})", record)
            assert m, record
            assert abs(float(m[1]) - rec.value) <= 5e-4
        assert page.inner_text("#dv").strip()
        page.keyboard.press("Escape")
        page.wait_for_function("!document.getElementById('dv').open", timeout=20_000)


def test_teacher_tfjs_model_loads_draws_and_opens_every_view(app_page: Any, built_site: Path,
                                                            tmp_path: Path) -> None:
    path, weights = teacher_model(tmp_path / "teach")
    model = load_tfjs_path(path)
    assert [x.type for x in model.layers] == ["conv2d", "leaky_relu", "avg_pool2d", "conv2d",
                                              "sigmoid", "max_pool2d", "flatten", "dense"]
    first = json.loads((built_site / "gallery" / "gallery.json").read_text())[0]["file"]
    image = preprocess((built_site / "gallery" / first).read_bytes(), model.input_shape,
                       model.preprocessing)
    acts = model.forward(image)
    np.testing.assert_allclose(acts["out"], torch_logits(weights, image), atol=1e-5, rtol=0)

    serve(app_page, tmp_path / "teach", "models/teach")
    app_page.open("?model=models/teach/model.json")
    page = app_page.page
    assert shown(page, ".ov-cls") == CLASSES
    probs = np.array([float(t.rstrip("%")) / 100 for t in shown(page, ".ov-prob")])
    np.testing.assert_allclose(probs, acts["probabilities"], atol=PROB_TOL)
    assert "Showing the model models/teach/model.json (teacher_cnn" in messages(page)
    heads = page.eval_on_selector_all(".ov-col", "els => els.map(e => e.dataset.l)")
    assert heads == ["input", "c1", "lr", "ap", "c2", "c2_sigmoid", "mp", "out"]
    sizes = page.eval_on_selector_all('.ov-col[data-l="ap"] .ov-n canvas',
                                      "els => els.map(e => [e.width, e.height])")
    assert sizes == [[15, 15]] * 6

    open_each_view(page, model, acts, VIEWS)
    assert app_page.outside_requests == [] and app_page.console_errors == []


def test_a_layer_the_page_cannot_show_is_named(app_page: Any, tmp_path: Path) -> None:
    folder = tmp_path / "vox"
    write_model(folder, [
        layer("InputLayer", name="input_1", batch_input_shape=[None, 8, 8, 3]),
        layer("Conv3D", name="vox", filters=2, kernel_size=[1, 1, 1]),
        layer("Flatten", name="flat"), layer("Dense", name="out", units=4)],
        {"out/kernel": np.zeros((8 * 8 * 3, 4)), "out/bias": np.zeros(4)})
    serve(app_page, folder, "models/vox")
    app_page.open("?model=models/vox/model.json")
    page = app_page.page
    text = messages(page)
    assert ("The model's layer 'vox' is of kind 'Conv3D', which this app cannot show"
            in text), text
    assert "Showing the default model instead." in text
    assert len(shown(page, ".ov-cls")) == 10  # the default model's classes
    assert app_page.outside_requests == []


def test_global_average_pooling_and_fused_tanh(app_page: Any, built_site: Path,
                                               tmp_path: Path) -> None:
    g = np.random.default_rng(8)
    folder = tmp_path / "gap"
    path = write_model(folder, [
        layer("InputLayer", name="input_1", batch_input_shape=[None, 16, 16, 3]),
        layer("Conv2D", name="c1", filters=4, kernel_size=[3, 3], padding="same",
              activation="tanh"),
        layer("GlobalAveragePooling2D", name="gap"),
        layer("Dense", name="out", units=4, activation="softmax")],
        {"c1/kernel": g.standard_normal((3, 3, 3, 4)), "c1/bias": g.standard_normal(4) * 0.1,
         "out/kernel": g.standard_normal((4, 4)), "out/bias": g.standard_normal(4) * 0.1})
    model = load_tfjs_path(path)
    first = json.loads((built_site / "gallery" / "gallery.json").read_text())[0]["file"]
    acts = model.forward(preprocess((built_site / "gallery" / first).read_bytes(),
                                    model.input_shape, model.preprocessing))
    serve(app_page, folder, "models/gap")
    app_page.open("?model=models/gap/model.json")
    page = app_page.page
    probs = np.array([float(t.rstrip("%")) / 100 for t in shown(page, ".ov-prob")])
    np.testing.assert_allclose(probs, acts["probabilities"], atol=PROB_TOL)
    sizes = page.eval_on_selector_all('.ov-col[data-l="gap"] .ov-n canvas',
                                      "els => els.map(e => [e.width, e.height])")
    assert sizes == [[1, 1]] * 4
    open_each_view(page, model, acts, [("#c1_tanh/3", "activation"), ("#gap/2", "pool")])
    assert app_page.outside_requests == [] and app_page.console_errors == []
