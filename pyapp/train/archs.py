"""The networks the trainer can build, by name: the shipped TinyVGG and its teacher."""

from __future__ import annotations

from torch import nn

from pyapp.train.model import TinyVGG
from pyapp.train.teacher import DEFAULT_WIDTH, WideTeacher

ARCHS: dict[str, type[nn.Module]] = {"tinyvgg": TinyVGG, "teacher": WideTeacher}


def build_model(arch: str, batch_norm: bool = True, width: int | None = None) -> nn.Module:
    """A freshly initialised network of kind ``arch`` (a key of :data:`ARCHS`); ``width`` is
    the teacher's first-stage channels (TinyVGG's are fixed by the product)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {sorted(ARCHS)}")
    if arch == "teacher":
        return WideTeacher(width=width or DEFAULT_WIDTH)
    return TinyVGG(batch_norm=batch_norm)


def arch_of(model: nn.Module) -> str:
    """The :data:`ARCHS` name of ``model``'s class."""
    for name, cls in ARCHS.items():
        if type(model) is cls:
            return name
    raise TypeError(f"{type(model).__name__} is not a trainer architecture")
