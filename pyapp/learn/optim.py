"""Gradient-descent steps, textbook and as PyTorch's ``torch.optim.SGD`` / ``Adam`` (no weight
decay, no momentum for SGD) compute them.  Each optimiser keeps its state per parameter name
and returns *new* arrays (the model being trained is never changed in place).

SGD, learning rate ``eta``::

    w <- w - eta * g

Adam (Kingma & Ba), step ``t = 1, 2, ...``, ``b1 = 0.9``, ``b2 = 0.999``, ``eps = 1e-8``::

    m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
    m^ = m / (1 - b1^t)             v^ = v / (1 - b2^t)
    w <- w - eta * m^ / (sqrt(v^) + eps)

Shapes: every ``w``, ``g``, ``m``, ``v`` has the parameter's own shape.  The arithmetic is
float64; the result keeps the parameter's dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pyapp.i18n import tr

Params = Mapping[str, np.ndarray]


def sgd_update(w: np.ndarray, g: np.ndarray, lr: float) -> np.ndarray:
    """``w - lr * g`` (same shape and dtype as ``w``)."""
    w = np.asarray(w)
    return (w.astype(np.float64) - float(lr) * np.asarray(g, np.float64)).astype(w.dtype)


def adam_update(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
                lr: float, b1: float = 0.9, b2: float = 0.999,
                eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step (module docstring) at step ``t >= 1``: ``(new w, new m, new v)``."""
    w = np.asarray(w)
    g = np.asarray(g, np.float64)
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * g * g
    m_hat = m / (1.0 - b1 ** t)
    v_hat = v / (1.0 - b2 ** t)
    new = w.astype(np.float64) - float(lr) * m_hat / (np.sqrt(v_hat) + eps)
    return new.astype(w.dtype), m, v


@dataclass
class SGD:
    """Plain stochastic gradient descent: ``w <- w - lr * g``."""

    lr: float
    name: str = "sgd"

    def step(self, params: Params, grads: Params) -> dict[str, np.ndarray]:
        return {k: sgd_update(w, grads[k], self.lr) for k, w in params.items()}

    def delta_rule(self) -> str:
        return "w \u2190 w \u2212 \u03b7\u00b7\u2202L/\u2202w"


class Adam:
    """Adam with PyTorch's defaults; ``t`` counts the steps taken."""

    name = "adam"

    def __init__(self, lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr, self.b1, self.b2, self.eps = float(lr), b1, b2, eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: Params, grads: Params) -> dict[str, np.ndarray]:
        self.t += 1
        out = {}
        for k, w in params.items():
            m = self.m.get(k, np.zeros(np.shape(w)))
            v = self.v.get(k, np.zeros(np.shape(w)))
            out[k], self.m[k], self.v[k] = adam_update(w, grads[k], m, v, self.t, self.lr,
                                                       self.b1, self.b2, self.eps)
        return out

    def delta_rule(self) -> str:
        return "w \u2190 w \u2212 \u03b7\u00b7m\u0302/(\u221av\u0302 + \u03b5)"


OPTIMISERS = ("sgd", "adam")


def make(name: str, lr: float) -> SGD | Adam:
    """The optimiser called ``name`` (:data:`OPTIMISERS`) with learning rate ``lr`` > 0."""
    if not (np.isfinite(lr) and 0 < lr <= 10):
        raise ValueError(tr("the learning rate must be a number above 0 and at most 10"))
    if name == "sgd":
        return SGD(float(lr))
    if name == "adam":
        return Adam(float(lr))
    raise ValueError(f"unknown optimiser {name!r}; choose one of {OPTIMISERS}")
