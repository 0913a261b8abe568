"""Training maths against PyTorch (float64 where the optimisers are compared alone, float32
where a Trainer step is): the mean cross-entropy and its gradient, one SGD step, several Adam
steps, one Trainer step of the output layer and one of the whole network."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn.model import sequential_cnn
from pyapp.learn import optim
from pyapp.learn.loss import cross_entropy, cross_entropy_grad
from pyapp.learn.trainer import TrainConfig, Trainer

sys.path.insert(0, str(Path(__file__).parent))
from gradkit import torch_run  # noqa: E402

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
TOL = 1e-5


def test_cross_entropy_and_its_gradient_match_torch() -> None:
    g = np.random.default_rng(0)
    z = g.standard_normal((7, 5)) * 4
    y = g.integers(0, 5, 7)
    zt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(y))
    loss.backward()
    assert abs(cross_entropy(z, y) - float(loss.detach())) <= TOL
    assert np.abs(cross_entropy_grad(z, y) - zt.grad.numpy()).max() <= TOL


def _dense_problem(seed: int = 1):
    g = np.random.default_rng(seed)
    f = g.standard_normal((6, 4))
    y = g.integers(0, 3, 6)
    k = g.standard_normal((4, 3))
    b = g.standard_normal(3)
    return f, y, k, b


def _torch_dense_grads(f, y, k, b):
    kt = torch.tensor(k, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    torch.nn.functional.cross_entropy(torch.tensor(f) @ kt + bt, torch.tensor(y)).backward()
    return kt, bt


def _ours_dense_grads(f, y, k, b):
    gz = cross_entropy_grad(f @ k + b, y)
    return {"kernel": f.T @ gz, "bias": gz.sum(axis=0)}


def test_one_sgd_step_matches_torch() -> None:
    f, y, k, b = _dense_problem()
    kt, bt = _torch_dense_grads(f, y, k, b)
    torch.optim.SGD([kt, bt], lr=0.3).step()
    new = optim.SGD(0.3).step({"kernel": k, "bias": b}, _ours_dense_grads(f, y, k, b))
    assert np.abs(new["kernel"] - kt.detach().numpy()).max() <= TOL
    assert np.abs(new["bias"] - bt.detach().numpy()).max() <= TOL


def test_adam_steps_match_torch() -> None:
    f, y, k, b = _dense_problem(2)
    kt = torch.tensor(k, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    opt_t = torch.optim.Adam([kt, bt], lr=0.05)
    ours = optim.Adam(0.05)
    params = {"kernel": k, "bias": b}
    for _ in range(4):  # the bias corrections differ per step: several steps
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(torch.tensor(f) @ kt + bt, torch.tensor(y)).backward()
        opt_t.step()
        params = ours.step(params, _ours_dense_grads(f, y, params["kernel"], params["bias"]))
        assert np.abs(params["kernel"] - kt.detach().numpy()).max() <= TOL
        assert np.abs(params["bias"] - bt.detach().numpy()).max() <= TOL


def _small(seed: int = 3):
    model = sequential_cnn((10, 10, 3), ((3,),), num_classes=3, rng=seed)
    g = np.random.default_rng(seed)
    images = g.random((4, 10, 10, 3)).astype(np.float32)
    return model, images, np.array([0, 1, 2, 1])


@pytest.mark.parametrize("optimiser", ["sgd", "adam"])
def test_a_trainer_step_of_the_output_layer_matches_torch(optimiser: str) -> None:
    model, images, labels = _small()
    t = Trainer(model, images, labels, model.class_names,
                TrainConfig("output", optimiser, 0.1, 1, batch_size=len(labels)))
    t.run(len(labels))  # the features, one per step
    feats = np.stack([model.forward(x)["flatten"] for x in images]).astype(np.float64)
    k = model.layer("output").weights["kernel"].astype(np.float64)
    b = model.layer("output").weights["bias"].astype(np.float64)
    t.step()  # one full-batch update
    kt, bt = _torch_dense_grads(feats, labels, k, b)
    opt = torch.optim.SGD if optimiser == "sgd" else torch.optim.Adam
    opt([kt, bt], lr=0.1).step()
    got = t.model.layer("output").weights
    assert np.abs(got["kernel"] - kt.detach().numpy()).max() <= TOL
    assert np.abs(got["bias"] - bt.detach().numpy()).max() <= TOL


def test_a_trainer_step_of_the_whole_network_matches_torch() -> None:
    model, images, labels = _small(4)
    t = Trainer(model, images, labels, model.class_names,
                TrainConfig("all", "sgd", 0.05, 1, batch_size=len(labels)))
    t.run(len(labels))  # the features
    while t.updates < 1:  # each photo's passes, one layer a step, then one update
        t.step()
    assert t.updates == 1 and t.epoch == 1
    mean: dict[str, np.ndarray] = {}
    for x, y in zip(images, labels, strict=True):
        _, params, *_ = torch_run(model, x, ("loss", int(y)))
        for key, g in params.items():
            mean[key] = mean.get(key, 0) + g / len(labels)
    tensors = {k: torch.tensor(np.asarray(model.layer(k.split("/")[0]).weights[k.split("/")[1]],
                                          np.float64)) for k in mean}
    for key, p in tensors.items():
        p.grad = torch.tensor(mean[key])
    torch.optim.SGD(list(tensors.values()), lr=0.05).step()
    for key, p in tensors.items():
        name, k = key.split("/")
        got = t.model.layer(name).weights[k]
        assert np.abs(got - p.numpy()).max() <= TOL, key
