"""Torch checkpoints of a trained network (kept out of git, e.g. under runs/ or .cache/)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from pyapp.train.archs import arch_of, build_model


def save_checkpoint(
    path: str | os.PathLike[str], model: nn.Module, meta: dict[str, object]
) -> None:
    """Write the model's state dict, its architecture and the run's metadata."""
    atomic_save(path, {"state_dict": model.state_dict(), "arch": arch_of(model),
                       "batch_norm": bool(getattr(model, "batch_norm", True)),
                       "width": getattr(model, "width", None), "meta": meta})


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[Any, dict[str, object]]:
    """Read a checkpoint written by save_checkpoint; the model is in eval mode.

    Checkpoints from before the teacher existed have no ``arch``: they are TinyVGG.
    """
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = build_model(str(blob.get("arch", "tinyvgg")), batch_norm=bool(blob["batch_norm"]),
                        width=blob.get("width"))
    model.load_state_dict(blob["state_dict"])
    return model.eval(), dict(blob["meta"])


def atomic_save(path: str | os.PathLike[str], blob: dict[str, Any]) -> None:
    """``torch.save`` through a temporary file, so a killed run never leaves half a file."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    torch.save(blob, tmp)
    tmp.replace(p)
