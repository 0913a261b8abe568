"""The layer kinds, declared once: one module per kind, registered here.

``KINDS`` maps a spec's ``type`` name to its :class:`~.base.LayerKind`; ``kind_of(name)``
looks one up with a plain error.  Everything about a kind (spec fields and validation, output
shape, weights, forward pass, explanation record, detail view, overview label, article
section, Keras class) is on its object, so the rest of the code asks the kind instead of
comparing type names.  To add a kind: write ``<kind>.py`` with a ``KIND`` and list it below.
"""

from __future__ import annotations

from pyapp.i18n import tr

from . import (
    avg_pool2d,
    conv2d,
    dense,
    flatten,
    global_avg_pool2d,
    leaky_relu,
    max_pool2d,
    relu,
    sigmoid,
    tanh,
)
from .base import ROLES, ActivationKind, LayerKind, PoolKind

__all__ = ["KINDS", "ROLES", "ActivationKind", "LayerKind", "PoolKind", "UnknownKindError",
           "draws_maps", "kind_of", "starts_module"]

KINDS: dict[str, LayerKind] = {m.KIND.type: m.KIND for m in (
    conv2d, relu, leaky_relu, sigmoid, tanh, max_pool2d, avg_pool2d, global_avg_pool2d,
    flatten, dense)}


class UnknownKindError(ValueError):
    """A layer type no module declares."""


def kind_of(type_name: str) -> LayerKind:
    """The kind called ``type_name`` (``UnknownKindError`` listing the known ones)."""
    try:
        return KINDS[type_name]
    except (KeyError, TypeError):
        raise UnknownKindError(tr("unknown layer kind {type_name} (known: {v})",
                                  type_name=repr(type_name), v=', '.join(KINDS))) from None


def draws_maps(type_name: str) -> bool:
    """Whether a layer of this type (or ``"input"`` / ``"output"`` column) is feature maps
    drawn in a hidden overview column; False for anything not a kind."""
    kind = KINDS.get(type_name)
    return kind is not None and kind.draws_maps


def starts_module(type_name: str) -> bool:
    """Whether a colour-range module starts at a layer of this type."""
    kind = KINDS.get(type_name)
    return kind is not None and kind.starts_module

