"""The backward pass: each layer kind's gradient with respect to its input and its weights.

Notation: ``x`` is a layer's input, ``y`` its output, ``dy = dT/dy`` the gradient of the
target ``T`` (a class logit or the cross-entropy loss) with respect to ``y``, of ``y``'s shape;
every function returns ``dx = dT/dx`` (of ``x``'s shape) or ``dT/dK``, ``dT/db`` (of the
weights' shapes).  Shapes are channels-last as in :mod:`ops`: maps ``(H, W, C)``, conv kernels
HWIO ``(kh, kw, C, O)``, dense kernels ``(N, U)``.

All vectorised numpy; loops run at most over the cells of a kernel or pooling window, never over
pixels.  The gradients come out in float64 (the seed is float64 and numpy promotes), so they
are the exact derivatives of the float32 forward pass up to float64 rounding.

:data:`GRADIENTS` maps a layer type to its ``(input_grad, param_grad)`` pair;
:func:`backward` chains them through a model, following a tinkered network exactly (read from
the model's optional ``masks``, ``overrides`` and ``temperature``, as ``EditedModel.forward``
runs them): a map switched off is ``y = f(x) * m`` with a 0/1 mask per channel, so
``dT/df = dT/dy * m``; a layer run as ``"none"`` is the identity, ``dx = dy``; the temperature
``t`` scores the class on ``z / t``, so the seed on the logits ``z`` is divided by ``t``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import ops

Acts = Mapping[str, np.ndarray]
Target = tuple[str, int]


# --- element-wise activations -------------------------------------------------------------
def relu_grad(dy: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``y = max(0, x)``:  ``dx = dy * [x > 0]`` (0 at ``x = 0``, as PyTorch); same shape."""
    return dy * (x > 0)


def leaky_relu_grad(dy: np.ndarray, x: np.ndarray, alpha: float = 0.3) -> np.ndarray:
    """``y = x if x > 0 else alpha x``:  ``dx = dy * (1 if x > 0 else alpha)``; same shape."""
    return dy * np.where(x > 0, 1.0, alpha)


def sigmoid_grad(dy: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y = sigmoid(x)``:  ``dx = dy * y * (1 - y)`` (from the output); same shape."""
    y = y.astype(np.float64)
    return dy * y * (1.0 - y)


def tanh_grad(dy: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y = tanh(x)``:  ``dx = dy * (1 - y^2)`` (from the output); same shape."""
    y = y.astype(np.float64)
    return dy * (1.0 - y * y)


def softmax_grad(dy: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``p = softmax(z)``, Jacobian ``dp_i/dz_j = p_i (delta_ij - p_j)``:

        dz = p * (dy - sum_i dy_i p_i)          (N,) -> (N,)
    """
    p = p.astype(np.float64)
    return p * (dy - np.dot(dy, p))


def cross_entropy_grad(z: np.ndarray, label: int) -> np.ndarray:
    """``L = -log softmax(z)[label]``:  ``dL/dz = softmax(z) - onehot(label)``;  (N,) -> (N,)."""
    g = ops.softmax(np.asarray(z, dtype=np.float64))
    g[label] -= 1.0
    return g


# --- reshaping, dense ---------------------------------------------------------------------
def flatten_grad(dy: np.ndarray, x_shape: Sequence[int]) -> np.ndarray:
    """``y = flatten(x)`` (HWC order):  ``dx = dy.reshape(H, W, C)``."""
    return dy.reshape(tuple(x_shape))


def dense_input_grad(dy: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``y = x K + b``:  ``dx[n] = sum_u K[n, u] dy[u]``, i.e. ``dx = K dy``;  (U,) -> (N,)."""
    return kernel @ dy


def dense_param_grad(dy: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``y = x K + b``:  ``dK[n, u] = x[n] dy[u]`` (outer product, ``(N, U)``), ``db = dy``."""
    return np.outer(x, dy), dy.copy()


# --- convolution --------------------------------------------------------------------------
def conv2d_input_grad(
    dy: np.ndarray,
    x_shape: Sequence[int],
    kernel: np.ndarray,
    strides: int | Sequence[int] = 1,
    padding: ops.Padding = "valid",
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """Gradient of :func:`ops.conv2d` with respect to its input, as a *full convolution with the
    flipped kernel*.

    From ``y[i, j, o] = sum_{u, v, c} P[i s_h + u d_h, j s_w + v d_w, c] K[u, v, c, o]``:

        dP[a, b, c] = sum_{i, j, u, v, o : a = i s_h + u d_h, b = j s_w + v d_w}
                      dy[i, j, o] K[u, v, c, o]

    which is ``dy`` spread out by the stride (``s - 1`` zeros between its rows / columns),
    zero-padded by ``k_e - 1 = (k - 1) d`` on each side and cross-correlated (dilation ``d``)
    with the kernel flipped in ``u, v`` and transposed in ``c, o``: ``K'[u, v, o, c] =
    K[kh-1-u, kw-1-v, c, o]``.  Then ``dx`` is ``dP`` without the forward's padding (rows the
    stride skipped get 0).  ``dy``: ``(H_out, W_out, O)`` -> ``dx``: ``x_shape`` ``(H, W, C)``.
    """
    h, w, _ = x_shape
    kh, kw, _, _ = kernel.shape
    s, d = ops.as_pair(strides, "strides"), ops.as_pair(dilation, "dilation")
    (top, bottom), (left, right) = ops.resolve_padding(padding, (h, w), (kh, kw), s, d)
    ho, wo, o = dy.shape
    up = np.zeros(((ho - 1) * s[0] + 1, (wo - 1) * s[1] + 1, o), dtype=dy.dtype)
    up[:: s[0], :: s[1]] = dy
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    eh, ew = (kh - 1) * d[0], (kw - 1) * d[1]
    dp = ops.conv2d(up, flipped, None, 1, ((eh, eh), (ew, ew)), d)
    # dp covers padded rows 0 .. (ho-1) s + k_e - 1; those beyond were never read
    hp, wp = h + top + bottom, w + left + right
    dp = np.pad(dp, ((0, hp - dp.shape[0]), (0, wp - dp.shape[1]), (0, 0)))
    return dp[top: top + h, left: left + w]


def conv2d_param_grad(
    dy: np.ndarray,
    x: np.ndarray,
    kernel_hw: Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: ops.Padding = "valid",
    dilation: int | Sequence[int] = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`ops.conv2d` with respect to its kernel and bias:

        dK[u, v, c, o] = sum_{i, j} P[i s_h + u d_h, j s_w + v d_w, c] dy[i, j, o]
                       = (cols^T dy_mat)  reshaped to (kh, kw, C, O)
        db[o] = sum_{i, j} dy[i, j, o]

    with ``cols`` the ``(H_out W_out, kh kw C)`` window matrix of :func:`ops.im2col` and
    ``dy_mat`` ``dy`` as ``(H_out W_out, O)``.
    """
    k = ops.as_pair(tuple(kernel_hw), "kernel_size")
    cols, _ = ops.im2col(x, k, strides, padding, dilation)
    o = dy.shape[-1]
    dk = (cols.T @ dy.reshape(-1, o)).reshape(k[0], k[1], x.shape[2], o)
    return dk, dy.sum(axis=(0, 1))


# --- pooling ------------------------------------------------------------------------------
def max_pool2d_grad(
    dy: np.ndarray,
    x: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    padding: ops.Padding = "valid",
) -> np.ndarray:
    """Gradient of :func:`ops.max_pool2d`: each output's gradient goes to its window's maximum
    (the first one in row-major window order on ties, as PyTorch), summed where windows overlap:

        dx[r, q, c] = sum_{i, j : argmax of window (i, j, c) is (r, q)} dy[i, j, c]

    ``dy``: ``(H_out, W_out, C)`` -> ``dx``: ``x.shape``.  The argmax is one ``argmax`` over
    the strided window view; the scatter-add is one ``np.bincount`` on flat indices.
    """
    k = ops.as_pair(pool_size, "pool_size")
    s = ops.as_pair(strides if strides is not None else k, "strides")
    h, w, c = x.shape
    pads = ops.resolve_padding(padding, (h, w), k, s)
    xp = ops.pad2d(x, pads, -np.inf)
    win = ops._windows(xp, k, s, (1, 1))  # (H_out, W_out, C, kh, kw)
    ho, wo = win.shape[:2]
    best = win.reshape(ho, wo, c, k[0] * k[1]).argmax(axis=3)  # first maximum on ties
    u, v = np.divmod(best, k[1])
    rows = np.arange(ho)[:, None, None] * s[0] + u
    cols = np.arange(wo)[None, :, None] * s[1] + v
    flat = (rows * xp.shape[1] + cols) * c + np.arange(c)
    dxp = np.bincount(flat.ravel(), weights=dy.ravel(), minlength=xp.size).reshape(xp.shape)
    (top, _), (left, _) = pads
    return dxp[top: top + h, left: left + w]


def avg_pool2d_grad(
    dy: np.ndarray,
    x_shape: Sequence[int],
    pool_size: int | Sequence[int] = 2,
    strides: int | Sequence[int] | None = None,
    padding: ops.Padding = "valid",
) -> np.ndarray:
    """Gradient of :func:`ops.avg_pool2d`: each output's gradient is shared equally among the
    real cells of its window (``|W_ij|`` of them; padded cells get nothing):

        dx[r, q, c] = sum_{i, j : (r, q) in W_ij} dy[i, j, c] / |W_ij|

    ``dy``: ``(H_out, W_out, C)`` -> ``dx``: ``x_shape``.  One strided add per window cell.
    """
    k = ops.as_pair(pool_size, "pool_size")
    s = ops.as_pair(strides if strides is not None else k, "strides")
    h, w, c = x_shape
    pads = ops.resolve_padding(padding, (h, w), k, s)
    share = dy / ops.avg_pool_counts((h, w), k, s, pads)
    ho, wo = dy.shape[:2]
    (top, bottom), (left, right) = pads
    dxp = np.zeros((h + top + bottom, w + left + right, c), dtype=share.dtype)
    for u in range(k[0]):  # a loop over the window's cells, not over pixels
        for v in range(k[1]):
            dxp[u: u + (ho - 1) * s[0] + 1: s[0], v: v + (wo - 1) * s[1] + 1: s[1]] += share
    return dxp[top: top + h, left: left + w]


def global_avg_pool2d_grad(dy: np.ndarray, x_shape: Sequence[int]) -> np.ndarray:
    """``y[c] = mean_{i, j} x[i, j, c]``:  ``dx[i, j, c] = dy[c] / (H W)``;  (C,) -> (H, W, C)."""
    h, w, c = x_shape
    return np.broadcast_to(dy / (h * w), (h, w, c)).copy()


# --- the table the layer registry adopts -------------------------------------------------
Layer = Any  # anything with ``name``, ``type``, ``config`` and ``weights`` (a LayerSpec)
InputGrad = Callable[[Layer, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
ParamGrad = Callable[[Layer, np.ndarray, np.ndarray], dict[str, np.ndarray]]


class LayerGradients(NamedTuple):
    """A layer kind's backward rules, with the layer's own config and weights:
    ``input(layer, x, y, dy) -> dx`` and ``params(layer, x, dy) -> {"kernel": dK, "bias": db}``
    (``None`` for kinds without weights)."""

    input: InputGrad
    params: ParamGrad | None = None


def _pool_args(c: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    pool = c.get("pool_size", 2)
    return pool, c.get("strides") or pool, c.get("padding", "valid")


def _conv_args(c: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    return c.get("strides", 1), c.get("padding", "valid"), c.get("dilation", 1)


def _conv_params(layer: Layer, x: np.ndarray, dy: np.ndarray) -> dict[str, np.ndarray]:
    dk, db = conv2d_param_grad(dy, x, layer.weights["kernel"].shape[:2],
                               *_conv_args(layer.config))
    return {"kernel": dk, "bias": db}


def _dense_params(layer: Layer, x: np.ndarray, dy: np.ndarray) -> dict[str, np.ndarray]:
    dk, db = dense_param_grad(dy, x)
    return {"kernel": dk, "bias": db}


GRADIENTS: dict[str, LayerGradients] = {
    "conv2d": LayerGradients(
        lambda layer, x, y, dy: conv2d_input_grad(dy, x.shape, layer.weights["kernel"],
                                                  *_conv_args(layer.config)),
        _conv_params),
    "relu": LayerGradients(lambda layer, x, y, dy: relu_grad(dy, x)),
    "leaky_relu": LayerGradients(
        lambda layer, x, y, dy: leaky_relu_grad(dy, x, layer.config.get("alpha", 0.3))),
    "sigmoid": LayerGradients(lambda layer, x, y, dy: sigmoid_grad(dy, y)),
    "tanh": LayerGradients(lambda layer, x, y, dy: tanh_grad(dy, y)),
    "softmax": LayerGradients(lambda layer, x, y, dy: softmax_grad(dy, y)),
    "max_pool2d": LayerGradients(
        lambda layer, x, y, dy: max_pool2d_grad(dy, x, *_pool_args(layer.config))),
    "avg_pool2d": LayerGradients(
        lambda layer, x, y, dy: avg_pool2d_grad(dy, x.shape, *_pool_args(layer.config))),
    "global_avg_pool2d": LayerGradients(
        lambda layer, x, y, dy: global_avg_pool2d_grad(dy, x.shape)),
    "flatten": LayerGradients(lambda layer, x, y, dy: flatten_grad(dy, x.shape)),
    "dense": LayerGradients(
        lambda layer, x, y, dy: dense_input_grad(dy, layer.weights["kernel"]), _dense_params),
}


# --- the whole model ----------------------------------------------------------------------
@dataclass(frozen=True)
class Gradients:
    """The result of :func:`backward`.

    ``target``: ``("logit", class)`` or ``("loss", label)``.  ``activations``: ``dT/da`` for
    ``"input"`` and every layer's output, by name as in ``Model.forward`` (not
    ``"probabilities"``: the logit target does not depend on them), each of the activation's
    shape.  ``params``: ``dT/dw`` keyed ``"<layer>/kernel"`` and ``"<layer>/bias"``.
    """

    target: Target
    activations: dict[str, np.ndarray]
    params: dict[str, np.ndarray]

    @property
    def input(self) -> np.ndarray:
        """``dT/dx`` for the input image, ``(H, W, C)``."""
        return self.activations["input"]


def target_grad(logits: np.ndarray, target: Target, temperature: float = 1.0) -> np.ndarray:
    """The seed ``dT/dz`` on the logits ``z`` ``(N,)`` for the scores ``s = z / t`` (``t``:
    the softmax temperature, 1 for an unedited model): ``onehot(class) / t`` for
    ``("logit", class)`` (``T = s_c``); ``(softmax(s) - onehot(label)) / t`` for
    ``("loss", label)`` (``T = -log softmax(s)[label]``)."""
    kind, index = target
    n = logits.shape[0]
    if not 0 <= int(index) < n:
        raise IndexError(f"class {index} outside the model's {n} outputs")
    t = float(temperature)
    if not t > 0:
        raise ValueError(f"the temperature must be positive, not {temperature!r}")
    if kind == "logit":
        seed = np.zeros(n, dtype=np.float64)
        seed[int(index)] = 1.0
    elif kind == "loss":
        # the forward pass divides in float32 (EditedModel.forward): take the same scores
        z = np.asarray(logits) if t == 1 else np.asarray(logits) / np.float32(t)
        seed = cross_entropy_grad(z, int(index))
    else:
        raise ValueError(f"unknown target {kind!r}: use ('logit', class) or ('loss', label)")
    return seed if t == 1 else seed / t


def backward(model: Any, acts: Acts, target: Target, *, params: bool = True,
             stop_at: str | None = None) -> Gradients:
    """See :func:`backward_steps` (this runs every step at once)."""
    steps = backward_steps(model, acts, target, params=params, stop_at=stop_at)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def backward_steps(model: Any, acts: Acts, target: Target, *, params: bool = True,
                   stop_at: str | None = None) -> Generator[str, None, Gradients]:
    """Back-propagate ``target`` through ``model`` (layers in order, as in ``Model.forward``)
    given the activations ``acts = model.forward(image)``.

    Chain rule, last layer first: ``dT/dx_l = J_l(x_l)^T dT/dy_l`` via
    :data:`GRADIENTS`; weight gradients on the way when ``params``.  ``stop_at``: an
    activation name (e.g. a Grad-CAM layer) after whose gradient to stop, skipping the
    layers below it.  A tinkered model (``masks``, ``overrides``, ``temperature``, see the
    module's docstring) is differentiated as it runs; ``activations[name]`` is then the
    gradient with respect to the layer's output as ``acts`` holds it (after its mask).
    A generator: it yields a layer's name after its weight gradients and again after its
    input gradient, and returns the :class:`Gradients`, so the page can spread one backward
    pass over several frames.
    """
    layers = list(model.layers)
    names = ["input"] + [layer.name for layer in layers]
    if stop_at is not None and stop_at not in names:
        raise KeyError(f"no activation named {stop_at!r}; activations: {names}")
    masks: Mapping[str, np.ndarray] = getattr(model, "masks", None) or {}
    overrides: Mapping[str, str] = getattr(model, "overrides", None) or {}
    dy = target_grad(acts[layers[-1].name], target, getattr(model, "temperature", 1.0))
    grads_a: dict[str, np.ndarray] = {layers[-1].name: dy}
    grads_p: dict[str, np.ndarray] = {}
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if layer.name == stop_at:
            break
        mask = masks.get(layer.name)
        if mask is not None:  # y = f(x) * m: channels switched off pass no gradient
            dy = dy * mask
        override = overrides.get(layer.name)
        if override is not None:
            if override != "none":
                raise ValueError(f"layer {layer.name!r}: no gradient for the operation "
                                 f"{override!r}")
            grads_a[names[i]] = dy  # run as the identity: no weights take part
            continue
        rules = GRADIENTS.get(layer.type)
        if rules is None:
            raise ValueError(f"layer {layer.name!r}: no gradient for type {layer.type!r}")
        x, y = acts[names[i]], acts[layer.name]
        if params and rules.params is not None:
            for key, g in rules.params(layer, x, dy).items():
                grads_p[f"{layer.name}/{key}"] = g
            yield layer.name  # a convolution's two halves are each a few milliseconds
        dy = rules.input(layer, x, y, dy)
        grads_a[names[i]] = dy
        yield layer.name  # one layer done: a caller may pause here (training in the page)
    ordered = {n: grads_a[n] for n in names if n in grads_a}
    return Gradients(tuple(target), ordered, grads_p)
