"""``python -m pyapp saliency``: each method's JSON equals the library's maps on the images as
``classify`` preprocesses them; --class, --layer, --patch / --stride; bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_cnn_cli import CLASSES, model_and_images

from pyapp.__main__ import main
from pyapp.cnn import saliency as sal
from pyapp.cnn.preprocess import preprocess

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def setup(tmp_path):
    return model_and_images(tmp_path, [((64, 64), "PNG"), ((120, 80), "JPEG")])


def run_json(capsys, *args: str) -> list[dict]:
    assert main(["saliency", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_gradcam_default_layer_and_predicted_class(setup, capsys) -> None:
    model, model_path, images = setup
    out = run_json(capsys, "--method", "gradcam", "--model", str(model_path), str(images))
    assert [Path(r["image"]).name for r in out] == ["img0.png", "img1.jpg"]
    for r in out:
        assert set(r) == {"image", "method", "layer", "class", "class_index", "map"}
        x = preprocess(r["image"], model.input_shape, model.preprocessing)
        acts = model.forward(x)
        c = int(acts["probabilities"].argmax())
        assert (r["method"], r["layer"], r["class_index"], r["class"]) == (
            "gradcam", "relu_2_2", c, CLASSES[c])
        assert np.array(r["map"]).shape == (26, 26)
        assert np.allclose(r["map"], sal.grad_cam(model, acts, c), rtol=0, atol=1e-12)


def test_gradient_x_input_with_a_named_class(setup, capsys) -> None:
    model, model_path, images = setup
    out = run_json(capsys, "--method", "gradient-x-input", "--class", "cat", "--model",
                   str(model_path), str(images / "img1.jpg"))
    (r,) = out
    assert set(r) == {"image", "method", "class", "class_index", "map"}  # no layer
    assert (r["class"], r["class_index"]) == ("cat", 3)
    x = preprocess(r["image"], model.input_shape, model.preprocessing)
    want = sal.gradient_x_input(model, model.forward(x), 3)
    assert np.array(r["map"]).shape == (64, 64, 3)
    assert np.allclose(r["map"], want, rtol=0, atol=1e-12)


def test_gradcam_layer_and_occlusion_patch(setup, capsys) -> None:
    model, model_path, images = setup
    img = str(images / "img0.png")
    (r,) = run_json(capsys, "--method", "gradcam", "--layer", "relu_1_1", "--class", "7",
                    "--model", str(model_path), img)
    assert r["layer"] == "relu_1_1" and r["class_index"] == 7
    assert np.array(r["map"]).shape == (62, 62)
    (o,) = run_json(capsys, "--method", "occlusion", "--patch", "16", "--stride", "8",
                    "--class", "ship", "--model", str(model_path), img)
    x = preprocess(img, model.input_shape, model.preprocessing)
    assert np.array(o["map"]).shape == (7, 7)
    assert np.allclose(o["map"], sal.occlusion(model, x, 8, 16, 8), rtol=0, atol=1e-12)


@pytest.mark.parametrize("args,words", [
    (["--method", "gradcam", "--class", "unicorn"], "unknown class"),
    (["--method", "occlusion", "--layer", "relu_1_1"], "--layer"),
    (["--method", "gradcam", "--layer", "nope"], "nope"),
    (["--method", "gradcam", "--layer", "flatten"], "not spatial"),
])
def test_bad_options(setup, capsys, args, words) -> None:
    _, model_path, images = setup
    assert main(["saliency", *args, "--model", str(model_path), str(images)]) == 2
    assert words in capsys.readouterr().err


def test_bad_image_among_good_ones(setup, capsys) -> None:
    _, model_path, images = setup
    (images / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    rc = main(["saliency", "--method", "gradcam", "--model", str(model_path), "--json",
               str(images)])
    captured = capsys.readouterr()
    assert rc == 1 and "broken.png" in captured.err
    assert len(json.loads(captured.out)) == 2


def test_module_entry_point_with_the_default_model() -> None:
    img = ROOT / "www" / "gallery" / "cat_1.png"
    proc = subprocess.run([sys.executable, "-m", "pyapp", "saliency", "--method", "gradcam",
                           "--json", str(img)], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    (r,) = json.loads(proc.stdout)
    assert r["layer"] == "relu_2_2" and np.array(r["map"]).shape == (26, 26)
