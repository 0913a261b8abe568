"""The shipped default model: loads, is exactly TinyVGG, reproduces its recorded checks, and
(where ../shared is present) still scores what its model card says on a fixed test slice."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn.formats import load_model
from pyapp.evaluate import evaluate_arrays
from pyapp.train.checks import CHECK_INPUTS_RECIPE, check_inputs

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "weights" / "tinyvgg-cifar10.npz"
CARD = ROOT / "weights" / "MODEL_CARD.md"
CIFAR_TAR = ROOT.parent / "shared" / "datasets" / "cifar10-jpg.tar.gz"
CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture(scope="module")
def model():  # noqa: ANN201
    return load_model(WEIGHTS)


def test_spec_is_tinyvgg(model) -> None:  # noqa: ANN001
    spec = model.spec()
    assert spec["format"] == "cnn-explainer-native" and spec["version"] == 1
    assert spec["input_shape"] == [64, 64, 3]
    assert spec["class_names"] == CLASSES
    assert [(layer["name"], layer["type"]) for layer in spec["layers"]] == [
        ("conv_1_1", "conv2d"), ("relu_1_1", "relu"), ("conv_1_2", "conv2d"),
        ("relu_1_2", "relu"), ("max_pool_1", "max_pool2d"), ("conv_2_1", "conv2d"),
        ("relu_2_1", "relu"), ("conv_2_2", "conv2d"), ("relu_2_2", "relu"),
        ("max_pool_2", "max_pool2d"), ("flatten", "flatten"), ("output", "dense")]
    for layer in spec["layers"]:
        if layer["type"] == "conv2d":
            assert layer["filters"] == 10 and layer["kernel_size"] == [3, 3]
            assert layer["strides"] == [1, 1] and layer["padding"] == "valid"
    assert model.shapes["max_pool_2"] == (13, 13, 10)
    assert model.shapes["flatten"] == (1690,)
    assert model.num_params == 19_920
    assert spec["preprocessing"] == {"scale": [0, 1], "crop": "center-square", "via_size": 32,
                                     "background": [255, 255, 255]}
    prov = spec["provenance"]
    for key in ("data", "date", "command", "recipe", "test_accuracy", "slice"):
        assert prov.get(key) is not None, key
    assert prov["test_images"] == 10_000


def test_recorded_check_probabilities(model) -> None:  # noqa: ANN001
    checks = model.spec()["checks"]
    assert checks["inputs"] == CHECK_INPUTS_RECIPE
    want = np.array(checks["probabilities"])
    got = np.stack([model.predict(x) for x in check_inputs()])
    assert want.shape == (4, 10)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_model_card_states_the_embedded_figures(model) -> None:  # noqa: ANN001
    text = CARD.read_text(encoding="utf-8")
    prov = model.spec()["provenance"]
    assert f"{100 * prov['test_accuracy']:.1f} %" in text
    assert f"{100 * prov['slice']['accuracy']:.1f} %" in text


@pytest.mark.shared
def test_fixed_slice_accuracy_matches_model_card(model) -> None:  # noqa: ANN001
    if not CIFAR_TAR.exists():
        pytest.skip(f"{CIFAR_TAR} is absent (needs ../shared)")
    from pyapp.cifar10 import load_test_slice

    m = re.search(r"fixed 1,000-image slice[^*]*?\*\*(\d+(?:\.\d+)?) ?%\*\*",
                  CARD.read_text(encoding="utf-8"), re.IGNORECASE)
    assert m, "MODEL_CARD.md must state the fixed-slice accuracy as **NN.N %**"
    card_figure = float(m.group(1))
    part = load_test_slice(CIFAR_TAR, 10)  # decodes only the 1,000 images it scores
    res = evaluate_arrays(model, part.images, part.labels)
    assert res.total == 1000
    assert abs(100 * res.accuracy - card_figure) <= 1.0
