"""Torch checkpoints of a trained TinyVGG (kept out of git, e.g. under runs/ or .cache/)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from pyapp.train.model import TinyVGG


def save_checkpoint(
    path: str | os.PathLike[str], model: TinyVGG, meta: dict[str, object]
) -> None:
    """Write the model's state dict and the run's metadata (recipe, history, command)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    torch.save({"state_dict": model.state_dict(), "batch_norm": model.batch_norm, "meta": meta},
               tmp)
    tmp.replace(p)


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[TinyVGG, dict[str, object]]:
    """Read a checkpoint written by save_checkpoint; the model is in eval mode."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = TinyVGG(batch_norm=bool(blob["batch_norm"]))
    model.load_state_dict(blob["state_dict"])
    return model.eval(), dict(blob["meta"])
