"""The mean cross-entropy of a batch and its gradient with respect to the logits.

For logits ``Z`` ``(N, K)`` and labels ``y`` ``(N,)``::

    p_n = softmax(Z_n),   L = -(1/N) sum_n log p_n[y_n]
    dL/dZ = (P - onehot(y)) / N                     (N, K)

Computed in float64 with the log-sum-exp trick (``log p = z - m - log sum exp(z - m)``).
"""

from __future__ import annotations

import numpy as np


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log softmax`` over the last axis, float64: ``z - m - log(sum(exp(z - m)))``."""
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def _check(z: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    y = np.asarray(labels).astype(np.intp).reshape(-1)
    if y.shape[0] != z.shape[0]:
        raise ValueError(f"{y.shape[0]} labels for {z.shape[0]} rows of logits")
    if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
        raise IndexError(f"a label is outside the {z.shape[1]} classes")
    return z, y


def cross_entropy(z: np.ndarray, labels: np.ndarray) -> float:
    """``L = -(1/N) sum_n log softmax(Z_n)[y_n]``; ``z`` ``(N, K)``, ``labels`` ``(N,)``."""
    z, y = _check(z, labels)
    if not y.size:
        return 0.0
    return float(-log_softmax(z)[np.arange(y.size), y].mean())


def cross_entropy_grad(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``dL/dZ = (softmax(Z) - onehot(y)) / N``, ``(N, K)`` float64."""
    z, y = _check(z, labels)
    g = np.exp(log_softmax(z))
    g[np.arange(y.size), y] -= 1.0
    return g / max(1, y.size)


def accuracy(z: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows whose largest logit is the label (0 for no rows)."""
    z, y = _check(z, labels)
    return float((z.argmax(axis=1) == y).mean()) if y.size else 0.0
