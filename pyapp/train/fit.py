"""The training loop: AdamW + one-cycle, label smoothing, EMA of weights, seeded; optionally
distilled from a teacher, and resumable after any epoch."""

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

from pyapp.cifar10 import Split
from pyapp.train.archs import build_model
from pyapp.train.augment import eval_batch, train_batch
from pyapp.train.distill import distillation_loss
from pyapp.train.model import INPUT_SIZE, TinyVGG
from pyapp.train.parallel import Group, run_in_group


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
    photo_aug: float = 0.0
    ema_decay: float = 0.999
    batch_norm: bool = True
    seed: int = 0
    threads: int = 1
    procs: int = 1
    time_budget_s: float = 0.0
    lr_trace: list[float] | None = None
    channels_last: bool = True
    init_from: str | None = None
    arch: str = "tinyvgg"
    distill_from: str | None = None
    distill_alpha: float = 0.9
    distill_temperature: float = 4.0
    teacher_width: int = 32

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly copy (a replayed LR trace is summarised by its length)."""
        d = asdict(self)
        if self.arch != "teacher":
            del d["teacher_width"]
        if not self.distill_from:  # settings that did nothing stay out of the provenance
            del d["distill_alpha"], d["distill_temperature"]
        if self.lr_trace is not None:
            d["lr_trace"] = f"{len(self.lr_trace)} steps replayed"
        return d


def one_cycle_lr(progress: float, max_lr: float, warmup: float = 0.15) -> float:
    """One-cycle: cosine from max_lr/25 up to max_lr over ``warmup``, then cosine down to
    max_lr/25e4 (torch's OneCycleLR defaults); ``progress`` in [0, 1]."""
    start, end = max_lr / 25, max_lr / 25e4
    if progress < warmup:
        t = progress / warmup
        return start + (max_lr - start) * (1 - math.cos(math.pi * t)) / 2
    t = (progress - warmup) / (1 - warmup)
    return end + (max_lr - end) * (1 + math.cos(math.pi * t)) / 2


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


def _teacher(recipe: Recipe) -> torch.nn.Module | None:
    """The frozen teacher a distilled run learns from, or None."""
    if not recipe.distill_from:
        return None
    from pyapp.train.checkpoint import load_checkpoint

    teacher = load_checkpoint(recipe.distill_from)[0]
    for p in teacher.parameters():
        p.requires_grad_(False)
    fmt = torch.channels_last if recipe.channels_last else torch.contiguous_format
    return teacher.to(memory_format=fmt).eval()


def _fmt_time(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s"


def train(
    recipe: Recipe,
    train_split: Split,
    test_split: Split | None = None,
    log: Callable[[str], None] = print,
    eval_every: int = 1,
    on_epoch: Callable[[int, TinyVGG], None] | None = None,
    log_every: int = 50,
    state_path: str | None = None,
    resume: bool = False,
) -> tuple[TinyVGG, dict[str, object]]:
    """Train ``recipe.arch``; return the EMA model (eval mode) and a history dict.

    ``test_split`` is only monitored (printed), never used to pick a model: the result is the
    EMA weights after the last epoch. ``on_epoch(epoch, ema_model)`` runs after each epoch.
    With ``recipe.procs > 1`` each batch is split over that many processes (see parallel.py);
    logging, the EMA, monitoring and ``on_epoch`` happen on this process only.
    ``state_path``: the whole training state is saved there after every epoch (resume.py);
    ``resume``: start from it instead of from the beginning.
    """

    def body(group: Group) -> tuple[TinyVGG, dict[str, object]]:
        if group.lead:
            return _train(group, recipe, train_split, test_split, log, eval_every, on_epoch,
                          log_every, state_path, resume)
        return _train(group, recipe, train_split, None, lambda _s: None, eval_every, None, 0,
                      state_path, resume)

    return run_in_group(recipe.procs, body)  # type: ignore[return-value]


def _train(
    group: Group,
    recipe: Recipe,
    train_split: Split,
    test_split: Split | None,
    log: Callable[[str], None],
    eval_every: int,
    on_epoch: Callable[[int, TinyVGG], None] | None,
    log_every: int,
    state_path: str | None,
    resume: bool,
) -> tuple[TinyVGG, dict[str, object]]:
    from pyapp.train.resume import TrainState, load_state, save_state

    torch.set_num_threads(recipe.threads)
    gen = seed_everything(recipe.seed)
    # One process: the same generator orders and augments (older runs replay bit for bit).
    # Several: the order is shared, each rank augments its own share with its own stream.
    aug_gen = gen
    if group.world > 1:
        aug_gen = torch.Generator()
        aug_gen.manual_seed(recipe.seed * 1000 + 1 + group.rank)
    model = build_model(recipe.arch, batch_norm=recipe.batch_norm, width=recipe.teacher_width)
    teacher = _teacher(recipe)
    if recipe.init_from:  # fine-tuning: given weights, fresh optimiser and schedule
        from pyapp.train.checkpoint import load_checkpoint

        start_model = load_checkpoint(recipe.init_from)[0]
        if start_model.batch_norm != recipe.batch_norm:
            raise ValueError(f"{recipe.init_from}: batch_norm={start_model.batch_norm}, "
                             f"the recipe asks for {recipe.batch_norm}")
        model.load_state_dict(start_model.state_dict())
    group.same_parameters(model)
    fmt = torch.channels_last if recipe.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    params = list(model.parameters())
    ema = Ema(model, recipe.ema_decay) if group.lead else None
    opt = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    n = len(train_split)
    steps_per_epoch = math.ceil(n / recipe.batch_size)
    trace = list(recipe.lr_trace or [])
    total_steps = len(trace) if trace else recipe.epochs * steps_per_epoch
    budget = recipe.time_budget_s if not trace else 0.0
    images = torch.from_numpy(train_split.images)
    labels = torch.from_numpy(train_split.labels)
    history: dict[str, list[float]] = {"loss": [], "train_acc": [], "test_acc": [], "epoch_s": [],
                                       "lr": []}
    start = time.perf_counter()
    step, epoch, done = 0, 0, False
    if resume:
        if not state_path:
            raise ValueError("resuming needs the state file of the run to go on with")
        saved = load_state(state_path, group.rank, recipe.as_dict())
        model.load_state_dict(saved.model)
        opt.load_state_dict(saved.optimiser)
        if ema is not None and saved.ema is not None:
            ema.model.load_state_dict(saved.ema)
            ema.updates = saved.ema_updates
        gen.set_state(saved.order_rng)
        aug_gen.set_state(saved.augment_rng)
        history = saved.history
        step, epoch = saved.step, saved.epoch
        start -= saved.elapsed  # a clock-driven schedule goes on where it was
        done = step >= total_steps if not budget else saved.elapsed >= budget
        log(f"resumed from {state_path}: epoch {epoch}, step {step}")
    while not done:
        epoch += 1
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct, seen = 0.0, 0.0, 0
        for i in range(0, n, recipe.batch_size):
            elapsed = time.perf_counter() - start
            if trace:
                lr = trace[step]
            else:
                progress = elapsed / budget if budget > 0 else step / total_steps
                lr = one_cycle_lr(min(progress, 1.0), recipe.lr)
            (lr,) = group.from_lead([lr])  # rank 0's clock drives a budgeted schedule
            for g in opt.param_groups:
                g["lr"] = lr
            batch = perm[i:i + recipe.batch_size]
            seen += len(batch)
            idx = batch[group.rank::group.world]  # this process's share
            x = train_batch(images[idx], INPUT_SIZE, aug_gen, recipe.crop_pad, recipe.jitter,
                            recipe.photo_aug)
            x = x.contiguous(memory_format=fmt)
            y = labels[idx]
            logits = model(x)
            if teacher is None:
                loss = F.cross_entropy(logits, y, label_smoothing=recipe.label_smoothing)
            else:
                with torch.no_grad():
                    taught = teacher(x)
                loss = distillation_loss(logits, taught, y, recipe.distill_alpha,
                                         recipe.distill_temperature, recipe.label_smoothing)
            opt.zero_grad(set_to_none=True)
            # Mean over the whole batch: each rank's share is weighted by its size.
            (loss * (len(idx) * group.world / len(batch))).backward()
            batch_loss, batch_correct = group.average_gradients(
                params, [float(loss.detach()) * len(idx), float((logits.argmax(1) == y).sum())])
            opt.step()
            if ema is not None:
                ema.update(model)
            step += 1
            history["lr"].append(lr)
            loss_sum += batch_loss
            correct += batch_correct
            elapsed = time.perf_counter() - start
            if budget > 0:
                done = elapsed >= budget
                left = max(0.0, budget - elapsed)
            else:
                done = step >= total_steps
                left = elapsed / step * (total_steps - step)
            (flag,) = group.from_lead([float(done)])
            done = bool(flag)
            if log_every and step % log_every == 0:
                log(f"  step {step} (epoch {epoch}, {seen}/{n}) loss {loss_sum / seen:.4f} "
                    f"acc {correct / seen:.4f} lr {lr:.2e} | elapsed {_fmt_time(elapsed)}, "
                    f"left ~{_fmt_time(left)}")
            if done:
                break
        dt = time.perf_counter() - t0
        history["loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)
        history["epoch_s"].append(dt)
        msg = (f"epoch {epoch} ({seen} images, step {step}) loss {loss_sum / seen:.4f} "
               f"train_acc {correct / seen:.4f}")
        if ema is not None and test_split is not None and (epoch % eval_every == 0 or done):
            acc = accuracy(ema.model, test_split)
            history["test_acc"].append(acc)
            msg += f" monitor_acc(ema) {acc:.4f}"
        log(f"{msg} | {dt:.1f}s/epoch, elapsed {_fmt_time(time.perf_counter() - start)}")
        if state_path:
            save_state(state_path, group.rank, TrainState(
                epoch=epoch, step=step, elapsed=time.perf_counter() - start,
                model=model.state_dict(), ema=ema.model.state_dict() if ema else None,
                ema_updates=ema.updates if ema else 0, optimiser=opt.state_dict(),
                order_rng=gen.get_state(), augment_rng=aug_gen.get_state(),
                history=history, recipe=recipe.as_dict()))
        if ema is not None and on_epoch is not None:
            on_epoch(epoch, ema.model)
    history_out: dict[str, object] = dict(history)
    history_out["seconds"] = time.perf_counter() - start
    history_out["steps"] = step
    history_out["epochs_done"] = step / steps_per_epoch
    return (ema.model if ema is not None else model).eval(), history_out
