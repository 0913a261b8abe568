"""The reference app's TF.js TinyVGG, read by our TF.js reader, reproduces its outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.cnn.formats import load_tfjs_path
from pyapp.cnn.preprocess import preprocess

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REF = SHARED / "reference" / "cnn-explainer"
CLASSES = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso",
           "red panda", "orange", "sport car"]

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (REF / "tfjs_outputs.json").is_file(),
                       reason=f"reference data absent: {REF}"),
]


@pytest.fixture(scope="module")
def model():
    return load_tfjs_path(REF / "model" / "model.json", CLASSES)


def test_reader_builds_tinyvgg(model) -> None:
    assert model.input_shape == (64, 64, 3)
    assert [layer.name for layer in model.layers] == [
        "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "conv_2_1", "relu_2_1",
        "conv_2_2", "relu_2_2", "max_pool_2", "flatten", "output"]
    assert model.num_params == 19920
    assert model.shapes["max_pool_2"] == (13, 13, 10)
    assert model.shapes["flatten"] == (1690,)


def test_probabilities_match_tfjs(model) -> None:
    expected = json.loads((REF / "tfjs_outputs.json").read_text())
    assert len(expected) == 10
    for image, want in expected.items():
        path = REF / "images" / image
        x = preprocess(path, model.input_shape, model.preprocessing)
        # the images are already 64x64: preprocessing only scales them
        raw = np.asarray(Image.open(path).convert("RGB"), np.float32) / 255
        assert np.array_equal(x, raw), image
        acts = model.forward(x)
        assert np.abs(acts["probabilities"] - np.array(want["probs"])).max() <= 1e-5, image
        assert np.abs(acts["output"] - np.array(want["logits"])).max() <= 1e-4, image
        assert int(np.argmax(acts["probabilities"])) == int(np.argmax(want["probs"]))
