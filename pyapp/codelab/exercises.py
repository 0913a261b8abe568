"""The exercises, from easy to hard, and the hidden checks each one runs on other inputs.

An :class:`Exercise` names the core operation it re-does (``op``, a function of
``pyapp.cnn.ops``), the function the student defines (the same name and signature), its
starter body and its hidden checks.  Operations without an exercise of their own get one from
:func:`for_op` (the real signature and docstring, an empty body).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyapp.i18n import N_

from . import checker, source

#: A hidden check: what it tries, and its arguments (made from a seeded generator).
Case = tuple[str, Callable[[np.random.Generator], tuple[Any, ...]]]

_PADS = """\
from pyapp.cnn.ops import as_pair, pad2d, resolve_padding

kh, kw, c_in, c_out = kernel.shape
s, d = as_pair(strides), as_pair(dilation)
p = pad2d(x, resolve_padding(padding, x.shape[:2], (kh, kw), s, d))  # P, zero padded
h_out = (p.shape[0] - (kh - 1) * d[0] - 1) // s[0] + 1
w_out = (p.shape[1] - (kw - 1) * d[1] - 1) // s[1] + 1
"""

RELU_BODY = """\
# y has the shape of x: each positive value kept, 0 in place of the others
y = np.zeros_like(x)  # replace this line
return y
"""

POOL_BODY = """\
from pyapp.cnn.ops import as_pair, pad2d, resolve_padding

k = as_pair(pool_size)
s = as_pair(strides if strides is not None else pool_size)
p = pad2d(x, resolve_padding(padding, x.shape[:2], k, s), -np.inf)  # -inf never wins
h_out = (p.shape[0] - k[0]) // s[0] + 1
w_out = (p.shape[1] - k[1]) // s[1] + 1
y = np.zeros((h_out, w_out, x.shape[2]), dtype=x.dtype)
for i in range(h_out):
    for j in range(w_out):
        # fill in: the window of output (i, j) starts at row i * s[0], column j * s[1];
        # y[i, j] is the largest value of each channel in it
        y[i, j] = 0
return y
"""

CONV_LOOPS_BODY = _PADS + """\
y = np.zeros((h_out, w_out, c_out), dtype=np.float32)
for i in range(h_out):
    for j in range(w_out):
        for o in range(c_out):
            total = 0.0
            # fill in: add P[i*s_h + u*d_h, j*s_w + v*d_w, c] * K[u, v, c, o]
            # for every u < kh, v < kw, c < c_in; then the bias b[o]
            y[i, j, o] = total
return y
"""

CONV_VECTOR_BODY = _PADS + """\
from numpy.lib.stride_tricks import sliding_window_view

# windows[i, j, c, u, v] = P[i*s_h + u*d_h, j*s_w + v*d_w, c]
eff = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
windows = sliding_window_view(p, eff, axis=(0, 1))[::s[0], ::s[1], :, ::d[0], ::d[1]]
# fill in: one np.einsum (or np.tensordot) over c, u, v with the kernel, then the bias
y = np.zeros((h_out, w_out, c_out), dtype=np.float32)
return y
"""

FLATTEN_BODY = """\
h, w, c = x.shape
y = np.zeros(h * w * c, dtype=x.dtype)
# fill in: y[(r * w + col) * c + ch] = x[r, col, ch] for every row, column and channel
return y
"""

DENSE_BODY = """\
y = np.zeros(kernel.shape[1], dtype=np.float32)
# fill in: y[u] = b[u] + sum over n of x[n] * K[n, u]
return y
"""

SOFTMAX_BODY = """\
p = np.zeros_like(z)
# fill in: exp(z - max z), divided by its sum (compute in float64, return z's dtype)
return p
"""

EMPTY_BODY = """\
# fill in: compute y as the docstring says
y = None
return y
"""


def _img(shape: tuple[int, ...]) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.standard_normal(shape).astype(np.float32)


def _conv_case(shape: tuple[int, int, int], k: tuple[int, int], out: int, strides: Any,
               padding: Any, dilation: Any) -> Callable[[np.random.Generator], tuple]:
    def make(rng: np.random.Generator) -> tuple:
        x = rng.standard_normal(shape).astype(np.float32)
        kernel = rng.standard_normal((*k, shape[2], out)).astype(np.float32)
        bias = rng.standard_normal(out).astype(np.float32)
        return (x, kernel, bias, strides, padding, dilation)
    return make


CONV_CASES: tuple[Case, ...] = (
    (N_("stride 2"), _conv_case((9, 8, 3), (3, 3), 4, [2, 2], "valid", [1, 1])),
    (N_("padding 'same'"), _conv_case((7, 6, 2), (3, 3), 3, [1, 1], "same", [1, 1])),
    (N_("uneven padding ((1, 0), (2, 1))"), _conv_case((6, 6, 2), (3, 2), 2, [1, 1],
                                                   [[1, 0], [2, 1]], [1, 1])),
    (N_("one channel"), _conv_case((8, 8, 1), (3, 3), 2, [1, 1], "valid", [1, 1])),
    (N_("dilation 2"), _conv_case((9, 9, 2), (3, 3), 2, [1, 1], "valid", [2, 2])),
)


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``key`` (its name in links), ``op`` (the core function it re-does, and
    the student's function's name), ``title``, ``level`` (1 easy .. 4 hard), the starter's
    ``body`` and the hidden checks."""

    key: str
    op: str
    title: str
    level: int
    body: str
    cases: tuple[Case, ...] = field(default=())
    explain: checker.Explainer = checker.explain_elementwise

    @property
    def starter(self) -> str:
        return source.starter(self.op, self.body)

    @property
    def function(self) -> str:
        return self.op


EXERCISES: tuple[Exercise, ...] = (
    Exercise("relu", op="relu", title=N_("ReLU"), level=1, body=RELU_BODY, cases=(
        (N_("one channel"), lambda rng: (_img((5, 4, 1))(rng),)),
        (N_("zeros and negatives only"), lambda rng: (-np.abs(_img((3, 3, 2))(rng)).round(0),)),
    )),
    Exercise("max_pool2d", op="max_pool2d", title=N_("Max-pooling"), level=2, body=POOL_BODY,
             explain=checker.explain_pool, cases=(
        (N_("3x3 windows, stride 1 (windows overlap)"),
         lambda rng: (_img((6, 7, 2))(rng), [3, 3], [1, 1], "valid")),
        (N_("padding 'same' on an odd size"),
         lambda rng: (_img((7, 7, 2))(rng), [2, 2], [2, 2], "same")),
        (N_("one channel"), lambda rng: (_img((4, 6, 1))(rng), [2, 2], [2, 2], "valid")),
    )),
    Exercise("conv2d_loops", op="conv2d", title=N_("Convolution with loops"), level=3,
             body=CONV_LOOPS_BODY, explain=checker.explain_conv, cases=CONV_CASES),
    Exercise("conv2d", op="conv2d", title=N_("Convolution, vectorised"), level=4,
             body=CONV_VECTOR_BODY, explain=checker.explain_conv, cases=CONV_CASES),
    Exercise("flatten", op="flatten", title=N_("Flatten"), level=2, body=FLATTEN_BODY,
             explain=checker.explain_flatten, cases=(
        (N_("not square (3 x 5 x 2)"), lambda rng: (_img((3, 5, 2))(rng),)),
        (N_("one channel"), lambda rng: (_img((4, 3, 1))(rng),)),
    )),
    Exercise("dense", op="dense", title=N_("Fully connected"), level=2, body=DENSE_BODY,
             explain=checker.explain_dense, cases=(
        (N_("7 inputs, 3 units"),
         lambda rng: (_img((7,))(rng), _img((7, 3))(rng), _img((3,))(rng))),
    )),
    Exercise("softmax", op="softmax", title=N_("Softmax"), level=2, body=SOFTMAX_BODY,
             explain=checker.explain_softmax, cases=(
        (N_("large logits (1000 and more)"),
         lambda rng: (np.array([1000.0, 1001.0, 999.5], np.float32),)),
        (N_("all equal"), lambda rng: (np.zeros(4, np.float32),)),
    )),
)

BY_KEY: dict[str, Exercise] = {e.key: e for e in EXERCISES}


def for_op(op: str) -> list[Exercise]:
    """The exercises that re-do ``op``, easiest first (one with an empty body when the op
    has none of its own; ``KeyError`` for an unknown op)."""
    fn = source.op_function(op)
    found = sorted((e for e in EXERCISES if e.op == op), key=lambda e: e.level)
    if found:
        return found
    # what produced a position, from the signature: a window (pool_size) or the same element
    windowed = "pool_size" in inspect.signature(fn).parameters
    return [Exercise(op, op=op, title=op.replace("_", " "), level=2, body=EMPTY_BODY,
                     explain=checker.explain_pool if windowed else checker.explain_elementwise)]


def by_key(key: str) -> Exercise | None:
    """The exercise called ``key`` (also an op's own, see :func:`for_op`), or None."""
    if key in BY_KEY:
        return BY_KEY[key]
    try:
        return for_op(key)[0]
    except KeyError:
        return None
