"""The training loop: AdamW + one-cycle, label smoothing, EMA of weights, seeded."""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from pyapp.train.augment import eval_batch, train_batch
from pyapp.train.data import Split
from pyapp.train.model import INPUT_SIZE, TinyVGG


@dataclass
class Recipe:
    """Everything that determines a training run (recorded in the model's provenance)."""

    epochs: int = 60
    batch_size: int = 128
    lr: float = 4e-3
    weight_decay: float = 5e-4
    label_smoothing: float = 0.05
    crop_pad: int = 4
    jitter: float = 0.0
    ema_decay: float = 0.999
    batch_norm: bool = True
    seed: int = 0
    threads: int = 2

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly copy."""
        return asdict(self)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return the generator the augmentation draws from."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


class Ema:
    """Exponential moving average of parameters and buffers (BN statistics copied)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))  # warm-up
        src = model.state_dict()
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


@torch.no_grad()
def accuracy(model: torch.nn.Module, split: Split, batch_size: int = 500) -> float:
    """Top-1 accuracy of ``model`` on ``split`` (torch, enlarged 32 -> 64 bilinear)."""
    model.eval()
    images = torch.from_numpy(split.images)
    labels = torch.from_numpy(split.labels)
    correct = 0
    for i in range(0, len(split), batch_size):
        logits = model(eval_batch(images[i:i + batch_size], INPUT_SIZE))
        correct += int((logits.argmax(1) == labels[i:i + batch_size]).sum())
    return correct / max(1, len(split))


def _fmt_time(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s"


def train(
    recipe: Recipe,
    train_split: Split,
    test_split: Split | None = None,
    log: Callable[[str], None] = print,
    eval_every: int = 5,
    on_epoch: Callable[[int, TinyVGG], None] | None = None,
) -> tuple[TinyVGG, dict[str, object]]:
    """Train TinyVGG; return the EMA model (eval mode) and a history dict.

    ``test_split`` is only monitored (printed), never used to pick a model: the result is the
    EMA weights after the last epoch. ``on_epoch(epoch, ema_model)`` runs after each epoch.
    """
    torch.set_num_threads(recipe.threads)
    gen = seed_everything(recipe.seed)
    model = TinyVGG(batch_norm=recipe.batch_norm)
    ema = Ema(model, recipe.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    n = len(train_split)
    steps_per_epoch = math.ceil(n / recipe.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=recipe.lr, epochs=recipe.epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.15,
    )
    images = torch.from_numpy(train_split.images)
    labels = torch.from_numpy(train_split.labels)
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": [], "epoch_s": []}
    start = time.perf_counter()
    for epoch in range(1, recipe.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, recipe.batch_size):
            idx = perm[i:i + recipe.batch_size]
            x = train_batch(images[idx], INPUT_SIZE, gen, recipe.crop_pad, recipe.jitter)
            y = labels[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=recipe.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema.update(model)
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        dt = time.perf_counter() - t0
        history["loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["epoch_s"].append(dt)
        msg = (f"epoch {epoch}/{recipe.epochs} loss {loss_sum / n:.4f} "
               f"train_acc {correct / n:.4f}")
        if test_split is not None and (epoch % eval_every == 0 or epoch == recipe.epochs):
            acc = accuracy(ema.model, test_split)
            history["test_acc"].append(acc)
            msg += f" test_acc(ema) {acc:.4f}"
        elapsed = time.perf_counter() - start
        left = elapsed / epoch * (recipe.epochs - epoch)
        log(f"{msg} | {dt:.1f}s/epoch, elapsed {_fmt_time(elapsed)}, left ~{_fmt_time(left)}")
        if on_epoch is not None:
            on_epoch(epoch, ema.model)
    history_out: dict[str, object] = dict(history)
    history_out["seconds"] = time.perf_counter() - start
    return ema.model.eval(), history_out
