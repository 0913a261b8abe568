"""Distillation (loss, teacher, a distilled run) and resuming a stopped run bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch  # a test dependency (pyproject's [test] extra): missing fails
import torch.nn.functional as F

from pyapp.cifar10 import Split
from pyapp.train.checkpoint import load_checkpoint, save_checkpoint
from pyapp.train.distill import distillation_loss
from pyapp.train.fit import Recipe, train
from pyapp.train.model import TinyVGG
from pyapp.train.teacher import WideTeacher


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _logits(seed: int, n: int = 6, k: int = 10) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(0, 3, (n, k))).double()


@pytest.mark.parametrize(("alpha", "temperature"), [(0.9, 4.0), (0.5, 1.0), (1.0, 2.5)])
def test_loss_and_gradient_are_the_textbook_formulas(alpha: float, temperature: float) -> None:
    s = _logits(0).requires_grad_(True)
    t = _logits(1)
    y = torch.tensor([0, 3, 9, 2, 2, 7])
    loss = distillation_loss(s, t, y, alpha, temperature)
    loss.backward()
    value = loss.item()
    sn, tn, yn, n = s.detach().numpy(), t.numpy(), y.numpy(), len(y)
    p_t, q_t, q_1 = _softmax(tn / temperature), _softmax(sn / temperature), _softmax(sn)
    kl = np.sum(p_t * (np.log(p_t) - np.log(q_t))) / n
    ce = -np.mean(np.log(q_1[np.arange(n), yn]))
    assert value == pytest.approx(alpha * temperature ** 2 * kl + (1 - alpha) * ce,
                                        rel=1e-12)
    onehot = np.eye(10)[yn]
    grad = (alpha * temperature * (q_t - p_t) + (1 - alpha) * (q_1 - onehot)) / n
    np.testing.assert_allclose(s.grad.numpy(), grad, rtol=1e-10, atol=1e-14)


def test_alpha_zero_is_cross_entropy_and_the_teacher_gets_no_gradient() -> None:
    s, t = _logits(2), _logits(3).requires_grad_(True)
    y = torch.tensor([1, 1, 4, 5, 0, 8])
    assert torch.equal(distillation_loss(s, t, y, 0.0, 4.0, 0.1),
                       F.cross_entropy(s, y, label_smoothing=0.1))
    distillation_loss(s.requires_grad_(True), t, y, 0.9, 4.0).backward()
    assert t.grad is None


@pytest.mark.parametrize(("alpha", "temperature"), [(-0.1, 4.0), (1.5, 4.0), (0.5, 0.0)])
def test_bad_settings_are_refused(alpha: float, temperature: float) -> None:
    with pytest.raises(ValueError):
        distillation_loss(_logits(0), _logits(1), torch.zeros(6, dtype=torch.long), alpha,
                          temperature)


def test_teacher_shapes_and_checkpoint_round_trip(tmp_path: Path) -> None:
    teacher = WideTeacher(width=8).eval()
    x = torch.rand(3, 3, 64, 64)
    assert teacher(x).shape == (3, 10)
    save_checkpoint(tmp_path / "t.pt", teacher, {"note": "x"})
    loaded, meta = load_checkpoint(tmp_path / "t.pt")
    assert isinstance(loaded, WideTeacher) and loaded.width == 8 and meta == {"note": "x"}
    assert torch.equal(loaded(x), teacher(x))


def test_checkpoints_without_an_architecture_are_tinyvgg(tmp_path: Path) -> None:
    model = TinyVGG()
    torch.save({"state_dict": model.state_dict(), "batch_norm": True, "meta": {}},
               tmp_path / "old.pt")
    assert isinstance(load_checkpoint(tmp_path / "old.pt")[0], TinyVGG)


def _split(n: int = 24, seed: int = 0) -> Split:
    g = np.random.default_rng(seed)
    return Split(g.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
                 g.integers(0, 10, n).astype(np.int64))


def _quiet(recipe: Recipe, split: Split, **kw: object) -> TinyVGG:
    return train(recipe, split, log=lambda _s: None, log_every=0, **kw)[0]  # type: ignore[arg-type]


def test_a_distilled_run_learns_from_the_teacher(tmp_path: Path) -> None:
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "t.pt", WideTeacher(width=4), {})
    split = _split()
    base = Recipe(epochs=1, batch_size=8, weight_decay=0.0)
    plain = _quiet(base, split)
    taught = _quiet(Recipe(epochs=1, batch_size=8, weight_decay=0.0,
                           distill_from=str(tmp_path / "t.pt")), split)
    assert not torch.equal(plain.output.weight, taught.output.weight)
    # alpha = 0 ignores the teacher: the very same weights as without one
    ignored = _quiet(Recipe(epochs=1, batch_size=8, weight_decay=0.0, distill_alpha=0.0,
                            distill_from=str(tmp_path / "t.pt")), split)
    for a, b in zip(plain.state_dict().values(), ignored.state_dict().values(), strict=True):
        assert torch.equal(a, b)


class _Stop(Exception):
    pass


def _stop_after(epoch: int):  # noqa: ANN202
    def on_epoch(e: int, _model: object) -> None:
        if e == epoch:
            raise _Stop
    return on_epoch


@pytest.mark.parametrize("arch", ["tinyvgg", "teacher"])
def test_a_stopped_run_resumes_bit_for_bit(tmp_path: Path, arch: str) -> None:
    split = _split()
    recipe = Recipe(epochs=3, batch_size=8, photo_aug=0.3, crop_pad=2, arch=arch,
                    teacher_width=4)
    whole = _quiet(recipe, split, state_path=str(tmp_path / "a.state"))
    with pytest.raises(_Stop):
        _quiet(recipe, split, state_path=str(tmp_path / "b.state"), on_epoch=_stop_after(2))
    resumed = _quiet(recipe, split, state_path=str(tmp_path / "b.state"), resume=True)
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name


def test_resuming_with_other_options_is_refused(tmp_path: Path) -> None:
    split = _split(16)
    with pytest.raises(_Stop):
        _quiet(Recipe(epochs=2, batch_size=8), split, state_path=str(tmp_path / "s"),
               on_epoch=_stop_after(1))
    with pytest.raises(ValueError, match="lr"):
        _quiet(Recipe(epochs=2, batch_size=8, lr=1e-3), split, state_path=str(tmp_path / "s"),
               resume=True)
    with pytest.raises(ValueError, match="state file"):
        _quiet(Recipe(epochs=2, batch_size=8), split, resume=True)


def test_two_process_run_resumes_bit_for_bit(tmp_path: Path) -> None:
    split = _split(32)
    recipe = Recipe(epochs=2, batch_size=16, procs=2, crop_pad=2)
    whole = _quiet(recipe, split, state_path=str(tmp_path / "a"))
    with pytest.raises(_Stop):
        _quiet(recipe, split, state_path=str(tmp_path / "b"), on_epoch=_stop_after(1))
    assert (tmp_path / "b.rank1").exists()
    resumed = _quiet(recipe, split, state_path=str(tmp_path / "b"), resume=True)
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_the_command_line_trains_a_teacher_then_a_distilled_student(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_train_data import make_jpg_tar

    from pyapp.cnn.formats import load_model
    from pyapp.train.__main__ import main as train_main

    data = tmp_path / "cifar.tar.gz"
    make_jpg_tar(data, n_train=20, n_test=10)
    common = ["--data", str(data), "--quick", "--batch-size", "8", "--cache-dir", ""]
    teacher_ck = tmp_path / "teacher.pt"
    assert train_main([*common, "--arch", "teacher", "--teacher-width", "4",
                       "--checkpoint", str(teacher_ck), "--out", str(tmp_path / "no.npz")]) == 0
    assert "teacher accuracy on 10 test images" in capsys.readouterr().out
    assert not (tmp_path / "no.npz").exists()  # a teacher is never exported
    assert isinstance(load_checkpoint(teacher_ck)[0], WideTeacher)
    out, ck = tmp_path / "student.npz", tmp_path / "student.pt"
    args = [*common, "--distill-from", str(teacher_ck), "--checkpoint", str(ck), "--out",
            str(out), "--skip-eval"]
    assert train_main(args) == 0
    recipe = load_model(out).provenance["recipe"]
    assert recipe["distill_from"] == str(teacher_ck) and recipe["distill_alpha"] == 0.9
    first = load_model(out).layer("output").weights["kernel"]
    # resuming a finished run trains nothing more: the same weights again
    assert train_main([*args, "--resume"]) == 0
    assert "resumed from" in capsys.readouterr().out
    np.testing.assert_array_equal(load_model(out).layer("output").weights["kernel"], first)
