"""What training starts from when the network was tinkered with, and what it keeps.

A tinkered network (:class:`pyapp.edits.EditedModel`) is its unedited ``base`` plus edits.
Training splits them in two:

* **weight edits** (a weight, a bias or a whole kernel set by hand) are starting values: the
  weights training starts from are the edited ones, and training may move them;
* **switches** (a map switched off, an input channel switched off, an activation or pooling
  swapped, the softmax temperature) are kept: the network trains *with* them, and the trained
  network has them too.  A map switched off is multiplied by 0 in every forward pass and
  passes no gradient (``y = f(x) * m``), so it stays exactly zero during and after training;
  an input channel switched off has its slice of the first kernel held at zero (its gradient
  is zeroed), so the network still never sees that colour.

The loss is the cross-entropy of the logits: the temperature changes how sure the shown
probabilities are, not what the network learns, so the network trains with temperature 1 and
gets its temperature back afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyapp import edits as E
from pyapp.cnn.model import Model
from pyapp.learn.grow import copy_model

#: the edits a network keeps through training (the others are starting values)
SWITCHES = (E.MapOff, E.InputChannelOff, E.SwapActivation, E.SwapPool, E.Temperature)


@dataclass(frozen=True)
class Start:
    """``plain``: the unedited layers with the starting weights (weight edits applied);
    ``kept``: the switches, re-applied on top of the weights as they train."""

    plain: Model
    kept: tuple[E.Edit, ...]

    @property
    def inputs_off(self) -> tuple[int, ...]:
        """Input channels switched off (0-based), last edit of each channel winning."""
        off: set[int] = set()
        for e in self.kept:
            if isinstance(e, E.InputChannelOff):
                (off.add if e.off else off.discard)(e.channel)
        return tuple(sorted(off))


def split(model: Model) -> Start:
    """The :class:`Start` of ``model`` (an unedited model keeps nothing)."""
    if not isinstance(model, E.EditedModel):
        return Start(model, ())
    weights = tuple(e for e in model.edits if not isinstance(e, SWITCHES))
    kept = tuple(e for e in model.edits if isinstance(e, SWITCHES))
    plain = E.apply(model.base, weights) if weights else model.base
    return Start(copy_model(plain), kept)


def running(plain: Model, kept: tuple[E.Edit, ...]) -> Model:
    """The network as it trains: ``plain`` with the switches, temperature 1."""
    switches = tuple(e for e in kept if not isinstance(e, E.Temperature))
    return E.apply(plain, switches) if switches else plain


def finished(plain: Model, kept: tuple[E.Edit, ...]) -> Model:
    """The trained network: ``plain`` with every switch, the temperature included."""
    return E.apply(plain, kept) if kept else plain


def hold_inputs_off(grads: dict[str, dict[str, np.ndarray]], first: str,
                    channels: tuple[int, ...]) -> None:
    """Zero ``dL/dK[:, :, c, :]`` of the first layer for every switched-off channel ``c``
    (in place), so that slice keeps its value."""
    g = grads.get(first, {}).get("kernel")
    if g is not None and channels:
        g[:, :, list(channels), :] = 0.0
