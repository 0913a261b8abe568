"""A run's whole training state after each epoch, so a stopped run resumes where it was.

The lead process writes ``PATH`` (model, EMA, optimiser, step, epoch, clock, the shuffling
generator, history and the recipe); every other process writes ``PATH.rank<r>`` with its own
augmentation generator. Resuming restores all of it, so an epoch-scheduled run that is stopped
and resumed ends with exactly the weights of one that was never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from pyapp.train.checkpoint import atomic_save


@dataclass
class TrainState:
    """What the training loop needs to go on from the end of ``epoch``."""

    epoch: int
    step: int
    elapsed: float
    model: dict[str, Any]
    ema: dict[str, Any] | None
    ema_updates: int
    optimiser: dict[str, Any]
    order_rng: torch.Tensor
    augment_rng: torch.Tensor
    history: dict[str, list[float]]
    recipe: dict[str, object]


def rank_path(path: str | Path, rank: int) -> Path:
    """Where process ``rank`` keeps its part of the state."""
    return Path(path) if rank == 0 else Path(f"{path}.rank{rank}")


def save_state(path: str | Path, rank: int, state: TrainState) -> None:
    """Write ``state``: all of it on rank 0, only the augmentation generator elsewhere."""
    if rank == 0:
        atomic_save(rank_path(path, 0), dict(state.__dict__))
    else:
        atomic_save(rank_path(path, rank), {"epoch": state.epoch,
                                            "augment_rng": state.augment_rng})


def load_state(path: str | Path, rank: int, recipe: dict[str, object]) -> TrainState:
    """Read the state every process resumes from; refuses another recipe's state, or parts
    written at different epochs (a run stopped while saving)."""
    blob = torch.load(rank_path(path, 0), map_location="cpu", weights_only=True)
    if blob["recipe"] != recipe:
        changed = sorted(k for k in set(blob["recipe"]) | set(recipe)
                         if blob["recipe"].get(k) != recipe.get(k))
        raise ValueError(f"{path} was written by a run with another recipe (differs in "
                         f"{', '.join(changed)}); resume with the same options")
    state = TrainState(**blob)
    if rank != 0:
        own = torch.load(rank_path(path, rank), map_location="cpu", weights_only=True)
        if own["epoch"] != state.epoch:
            raise ValueError(f"{rank_path(path, rank)} is from epoch {own['epoch']}, {path} "
                             f"from epoch {state.epoch}: the run stopped while saving")
        state.augment_rng = own["augment_rng"]
    return state
