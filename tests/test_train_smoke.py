"""Training smoke run on generated images; BatchNorm folding; export through the core."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch  # a test dependency (pyproject's [test] extra): missing fails
from test_train_data import make_jpg_tar, make_python_batches

from pyapp.cnn.formats import load_model  # noqa: E402
from pyapp.cnn.preprocess import preprocess  # noqa: E402
from pyapp.train.__main__ import main as train_main  # noqa: E402
from pyapp.train.card import render as render_card  # noqa: E402
from pyapp.train.checks import check_inputs  # noqa: E402
from pyapp.train.export import build_core_model, max_logit_difference  # noqa: E402
from pyapp.train.model import TinyVGG, count_parameters, folded_weights  # noqa: E402


def _randomised(batch_norm: bool) -> TinyVGG:
    torch.manual_seed(3)
    model = TinyVGG(batch_norm=batch_norm)
    if batch_norm:
        for bn in model.bns.values():
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.2, 2.0)
            bn.weight.data.uniform_(0.5, 1.5)
            bn.bias.data.uniform_(-0.3, 0.3)
    return model.eval()


@pytest.mark.parametrize("batch_norm", [True, False])
def test_folded_export_matches_torch(batch_norm: bool) -> None:
    model = _randomised(batch_norm)
    weights = folded_weights(model)
    assert count_parameters(weights) == 19_920
    core = build_core_model(model)
    assert core.num_params == 19_920
    assert max_logit_difference(core, model, check_inputs()) < 2e-5


@pytest.mark.parametrize("layout", ["python-batches", "jpg-tar"])
def test_one_epoch_smoke_run_exports_a_loadable_model(tmp_path: Path, layout: str) -> None:
    data = tmp_path / "cifar.tar.gz"
    if layout == "jpg-tar":
        make_jpg_tar(data, n_train=20, n_test=10)
    else:
        make_python_batches(data, per_batch=4, n_test=10)
    out = tmp_path / "model.npz"
    rc = train_main(["--data", str(data), "--quick", "--epochs", "1", "--batch-size", "8",
                     "--out", str(out), "--checkpoint", str(tmp_path / "ck.pt"),
                     "--cache-dir", ""])
    assert rc == 0 and out.exists()
    model = load_model(out)
    spec = model.spec()
    assert [layer["name"] for layer in spec["layers"]] == [
        "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
        "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "flatten", "output"]
    assert model.num_params == 19_920
    assert spec["preprocessing"]["via_size"] == 32
    prov = spec["provenance"]
    assert prov["data_layout"] == layout and prov["test_images"] == 10
    assert 0.0 <= prov["test_accuracy"] <= 1.0
    assert "--quick" in prov["command"]
    # it classifies a photo-like input through the page's preprocessing
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)
    probs = model.predict(preprocess(photo_to_pil(photo), model.input_shape,
                                     model.preprocessing))
    assert probs.shape == (10,) and abs(float(probs.sum()) - 1) < 1e-5
    # the checks recorded at export reproduce
    got = np.stack([model.predict(x) for x in check_inputs()])
    assert np.allclose(got, np.array(spec["checks"]["probabilities"]), atol=1e-6)
    # and the model card renders from what the file holds
    card = render_card(model, None)
    assert f"{100 * prov['test_accuracy']:.1f} %" in card and "19,920 parameters" in card


def photo_to_pil(arr: np.ndarray):  # noqa: ANN201 - tiny helper
    from PIL import Image

    return Image.fromarray(arr, "RGB")


def test_two_process_run_splits_batches_and_exports(tmp_path: Path) -> None:
    """``--procs 2``: a forked worker takes half of every batch; rank 0 exports the result."""
    data = tmp_path / "cifar.tar.gz"
    make_jpg_tar(data, n_train=20, n_test=10)
    out = tmp_path / "model.npz"
    rc = train_main(["--data", str(data), "--quick", "--batch-size", "8", "--procs", "2",
                     "--out", str(out), "--checkpoint", "", "--cache-dir", ""])
    assert rc == 0
    model = load_model(out)
    prov = model.spec()["provenance"]
    assert prov["recipe"]["procs"] == 2
    assert prov["steps"] == 3  # one epoch of 20 images in batches of 8 (8 + 8 + 4)
    probs = model.predict(check_inputs()[0])
    assert np.isfinite(probs).all() and abs(float(probs.sum()) - 1) < 1e-5


def test_two_process_replay_is_bit_identical() -> None:
    """Same seed, same LR trace, same number of processes: the same weights, bit for bit."""
    from pyapp.cifar10 import Split
    from pyapp.train.fit import Recipe, train

    g = np.random.default_rng(0)
    split = Split(g.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8),
                  g.integers(0, 10, 40).astype(np.int64))
    recipe = Recipe(batch_size=16, procs=2, lr_trace=[1e-3, 4e-3, 2e-3, 1e-3, 5e-4, 1e-4])
    runs = [train(recipe, split, log=lambda _s: None, log_every=0)[0].state_dict()
            for _ in range(2)]
    assert runs[0].keys() == runs[1].keys()
    for key in runs[0]:
        assert torch.equal(runs[0][key], runs[1][key]), key
