"""Explanation records: plain dataclasses holding every number a detail view draws.

Each record is made from a model and the activations of one ``Model.forward`` call, for one
position of one layer.  Each has ``value`` (the activation it explains, read from the forward
pass) and ``recompose()`` (the same value rebuilt from the record's parts), which the tests
compare.  Sums are accumulated in float64 from the float32 operands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops
from .kinds import (
    ActivationKind,
    LayerKind,
    PoolKind,
    conv2d,
    dense,
    flatten,
    kind_of,
    max_pool2d,
    relu,
)
from .model import Model

Acts = Mapping[str, np.ndarray]


@dataclass
class ConvChannelTerm:
    """One input channel's share of a convolution output:
    ``partial_sum = sum_{u,v} window[u, v] * kernel[u, v]`` (``products`` element-wise)."""

    input_channel: int
    window: np.ndarray  # (kh, kw) input values under the (dilated) kernel; 0 where padding
    kernel: np.ndarray  # (kh, kw) weights K[:, :, input_channel, out_channel]
    products: np.ndarray  # (kh, kw) window * kernel
    partial_sum: float


@dataclass
class ConvExplanation:
    """``y[row, col, out_channel] = sum_c partial_sum_c + bias``.

    ``window_rows[u]`` / ``window_cols[v]`` are the input coordinates of the window's cells
    (``top + u * dilation``); a coordinate outside ``[0, H)`` / ``[0, W)`` is zero padding.
    """

    layer: str
    input_layer: str
    out_channel: int
    row: int
    col: int
    terms: list[ConvChannelTerm]
    channel_sum: float
    bias: float
    result: float
    value: float
    top: int
    left: int
    window_rows: np.ndarray
    window_cols: np.ndarray
    strides: tuple[int, int]
    dilation: tuple[int, int]

    def recompose(self) -> float:
        return float(sum(float(t.products.sum(dtype=np.float64)) for t in self.terms) + self.bias)


@dataclass
class IntermediateMaps:
    """Per input channel ``c``, the single-channel convolution without bias:
    ``maps[c, i, j] = sum_{u,v} P[i*s + u*d, j*s + v*d, c] * K[u, v, c, o]``;
    ``output = sum_c maps[c] + bias`` equals the layer's channel ``o``."""

    layer: str
    input_layer: str
    out_channel: int
    maps: np.ndarray  # (C_in, H_out, W_out)
    bias: float
    output: np.ndarray  # (H_out, W_out)

    def recompose(self) -> np.ndarray:
        return self.maps.sum(axis=0, dtype=np.float64) + self.bias


@dataclass
class ActivationExplanation:
    """``output = f(input)`` at ``position`` (row, col, channel) or (unit,), where ``f`` is the
    layer's activation (``kind``, e.g. ``"relu"``; its ``formula`` as text, e.g.
    ``"max(0, x)"``)."""

    layer: str
    input_layer: str
    position: tuple[int, ...]
    input: float
    output: float
    value: float
    kind: str
    config: dict
    formula: str

    def recompose(self) -> float:
        f = kind_of(self.kind).function  # type: ignore[attr-defined]
        return float(f(self.config, np.asarray([self.input], np.float32))[0])


#: The ReLU's record is the activation record of kind ``relu``.
ReluExplanation = ActivationExplanation


@dataclass
class MaxPoolExplanation:
    """``value = max(window)``; the maximum sits at ``window[argmax]`` = input
    ``(argmax_row, argmax_col)``.  Padding cells (``"same"``) hold ``-inf``."""

    layer: str
    input_layer: str
    channel: int
    row: int
    col: int
    window: np.ndarray  # (p_h, p_w)
    window_rows: np.ndarray
    window_cols: np.ndarray
    argmax: tuple[int, int]
    argmax_row: int
    argmax_col: int
    value: float

    def recompose(self) -> float:
        return float(self.window[self.argmax])


@dataclass
class AvgPoolExplanation:
    """``value = total / count``: the mean of the window's ``count`` real cells
    (``inside``; padding cells hold 0 and are not counted)."""

    layer: str
    input_layer: str
    channel: int
    row: int
    col: int
    window: np.ndarray  # (p_h, p_w)
    inside: np.ndarray  # (p_h, p_w) bool
    window_rows: np.ndarray
    window_cols: np.ndarray
    count: int
    total: float
    value: float

    def recompose(self) -> float:
        return float(self.window[self.inside].sum(dtype=np.float64) / self.count)


@dataclass
class FlattenExplanation:
    """``flat[index] = x[row, col, channel]`` with ``index = (row * W + col) * C + channel``."""

    layer: str
    input_layer: str
    input_shape: tuple[int, int, int]
    index: int
    row: int
    col: int
    channel: int
    input: float
    value: float

    def recompose(self) -> float:
        return self.input


@dataclass
class DenseExplanation:
    """``result = sum_n inputs[n] * weights[n] + bias`` for one unit (class)."""

    layer: str
    input_layer: str
    unit: int
    class_name: str | None
    inputs: np.ndarray  # (N,)
    weights: np.ndarray  # (N,)  K[:, unit]
    products: np.ndarray  # (N,)
    total: float
    bias: float
    result: float
    value: float

    def recompose(self) -> float:
        return float(self.products.sum(dtype=np.float64) + self.bias)


@dataclass
class SoftmaxExplanation:
    """``p_i = exp(z_i / T - shift) / sum_j exp(z_j / T - shift)``.  ``T`` is the softmax
    temperature (1 unless the model was tinkered with, ``pyapp.edits.Temperature``).
    ``shift`` is 0 (so ``exponentials`` are the true ``exp(z_i / T)``) unless a scaled logit
    exceeds 80, where it is their maximum, to avoid overflow; the probabilities are the same
    either way.  ``logits`` are the raw ``z``."""

    class_names: list[str]
    logits: np.ndarray
    shift: float
    exponentials: np.ndarray
    total: float
    probabilities: np.ndarray
    value: np.ndarray
    temperature: float = 1.0

    def recompose(self) -> np.ndarray:
        return self.exponentials / self.total


# --- builders --------------------------------------------------------------------------
def _check_kind(model: Model, layer: str, kind: LayerKind | type[LayerKind]) -> None:
    """``ValueError`` unless ``layer`` is of ``kind`` (a kind object or a kind class)."""
    got = model.layer(layer).kind
    ok = isinstance(got, kind) if isinstance(kind, type) else got is kind
    if not ok:
        want = kind.role if isinstance(kind, type) else kind.type
        raise ValueError(f"layer {layer!r} is of kind {got.type!r}, not {want!r}")


def _check_pos(pos: Sequence[int], shape: Sequence[int], layer: str) -> None:
    if len(pos) != len(shape) or any(not 0 <= p < n for p, n in zip(pos, shape, strict=True)):
        raise IndexError(f"position {tuple(pos)} outside {layer!r} of shape {tuple(shape)}")


def _conv_geometry(model: Model, layer: str) -> tuple[ops.Pads, tuple[int, int], tuple[int, int]]:
    spec = model.layer(layer)
    c = spec.config
    in_shape = model.shapes[model.input_of(layer)]
    s, d = tuple(c["strides"]), tuple(c["dilation"])
    pads = ops.resolve_padding(c["padding"], in_shape[:2], tuple(c["kernel_size"]), s, d)
    return pads, s, d


def explain_conv(model: Model, acts: Acts, layer: str, channel: int, row: int,
                 col: int) -> ConvExplanation:
    """The convolution at ``(row, col, channel)`` of ``layer``, channel by channel."""
    _check_kind(model, layer, conv2d.KIND)
    _check_pos((row, col, channel), model.shapes[layer], layer)
    src = model.input_of(layer)
    x = acts[src]
    spec = model.layer(layer)
    kernel, bias = spec.weights["kernel"], float(spec.weights["bias"][channel])
    kh, kw = kernel.shape[:2]
    pads, s, d = _conv_geometry(model, layer)
    top, left = row * s[0] - pads[0][0], col * s[1] - pads[1][0]
    rows = top + d[0] * np.arange(kh)
    cols = left + d[1] * np.arange(kw)
    ok_r = (rows >= 0) & (rows < x.shape[0])
    ok_c = (cols >= 0) & (cols < x.shape[1])
    windows = np.zeros((kh, kw, x.shape[2]), dtype=np.float32)
    windows[np.ix_(ok_r, ok_c)] = x[np.ix_(rows[ok_r], cols[ok_c])]
    k = kernel[:, :, :, channel]
    prods = windows.astype(np.float64) * k.astype(np.float64)
    partial = prods.sum(axis=(0, 1))
    terms = [ConvChannelTerm(c, windows[:, :, c], k[:, :, c], prods[:, :, c], float(partial[c]))
             for c in range(x.shape[2])]
    total = float(partial.sum())
    return ConvExplanation(
        layer, src, channel, row, col, terms, total, bias, total + bias,
        float(acts[layer][row, col, channel]), int(top), int(left), rows, cols, s, d)


def intermediate_maps(model: Model, acts: Acts, layer: str, channel: int) -> IntermediateMaps:
    """All single-channel convolution maps (no bias) feeding output channel ``channel``."""
    _check_kind(model, layer, conv2d.KIND)
    if not 0 <= channel < model.shapes[layer][2]:
        raise IndexError(f"channel {channel} outside {layer!r}")
    src = model.input_of(layer)
    spec = model.layer(layer)
    kernel = spec.weights["kernel"]
    pads, s, d = _conv_geometry(model, layer)
    xp = ops.pad2d(acts[src], pads)
    h, w = model.shapes[layer][:2]
    k = kernel[:, :, :, channel]  # (kh, kw, C)
    acc = np.zeros((h, w, xp.shape[2]), dtype=np.float32)
    for u in range(k.shape[0]):  # a loop over the kernel's cells, not over pixels
        for v in range(k.shape[1]):
            r0, c0 = u * d[0], v * d[1]
            acc += xp[r0:r0 + (h - 1) * s[0] + 1:s[0], c0:c0 + (w - 1) * s[1] + 1:s[1]] * k[u, v]
    maps = np.ascontiguousarray(acc.transpose(2, 0, 1))
    return IntermediateMaps(layer, src, channel, maps, float(spec.weights["bias"][channel]),
                            acts[layer][:, :, channel])


def explain_activation(model: Model, acts: Acts, layer: str,
                       position: Sequence[int]) -> ActivationExplanation:
    """An activation layer (ReLU, leaky ReLU, sigmoid, tanh, ...) at ``position``
    ((row, col, channel) or (unit,))."""
    _check_kind(model, layer, ActivationKind)
    pos = tuple(int(p) for p in position)
    _check_pos(pos, model.shapes[layer], layer)
    src = model.input_of(layer)
    spec = model.layer(layer)
    kind: Any = spec.kind
    return ActivationExplanation(layer, src, pos, float(acts[src][pos]), float(acts[layer][pos]),
                                 float(acts[layer][pos]), spec.type, dict(spec.config),
                                 kind.formula(spec.config))


def explain_relu(model: Model, acts: Acts, layer: str,
                 position: Sequence[int]) -> ActivationExplanation:
    """ReLU at ``position`` ((row, col, channel) or (unit,))."""
    _check_kind(model, layer, relu.KIND)
    return explain_activation(model, acts, layer, position)


def _pool_window(model: Model, acts: Acts, layer: str, channel: int, row: int, col: int,
                 fill: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The window of pooling ``layer`` at output ``(row, col)`` of ``channel``: its values
    (``fill`` on padding), which cells are inside the input, and their input rows / columns."""
    x = acts[model.input_of(layer)]
    spec = model.layer(layer)
    kind: Any = spec.kind
    k, s, pads = kind.window(spec.config, x.shape)
    top, left = row * s[0] - pads[0][0], col * s[1] - pads[1][0]
    rows, cols = top + np.arange(k[0]), left + np.arange(k[1])
    ok_r = (rows >= 0) & (rows < x.shape[0])
    ok_c = (cols >= 0) & (cols < x.shape[1])
    window = np.full(k, fill, dtype=np.float32)
    window[np.ix_(ok_r, ok_c)] = x[np.ix_(rows[ok_r], cols[ok_c], [channel])][:, :, 0]
    return window, np.outer(ok_r, ok_c), rows, cols


def _pool_value(model: Model, acts: Acts, layer: str, channel: int, row: int,
                col: int) -> float:
    """The pooled value at ``(row, col, channel)`` of the layer's output maps (a global pool's
    ``(C,)`` output is ``C`` maps of 1x1)."""
    maps = model.layer(layer).kind.map_shape(model.shapes[layer])
    assert maps is not None, f"{layer!r} does not output maps"
    _check_pos((row, col, channel), maps, layer)
    return float(np.asarray(acts[layer]).reshape(maps)[row, col, channel])


def explain_max_pool(model: Model, acts: Acts, layer: str, channel: int, row: int,
                     col: int) -> MaxPoolExplanation:
    """Max-pool at ``(row, col, channel)``: its window and where the maximum is."""
    _check_kind(model, layer, max_pool2d.KIND)
    value = _pool_value(model, acts, layer, channel, row, col)
    window, _, rows, cols = _pool_window(model, acts, layer, channel, row, col, -np.inf)
    u, v = np.unravel_index(int(np.argmax(window)), window.shape)
    return MaxPoolExplanation(layer, model.input_of(layer), channel, row, col, window, rows,
                              cols, (int(u), int(v)), int(rows[u]), int(cols[v]), value)


def explain_avg_pool(model: Model, acts: Acts, layer: str, channel: int, row: int,
                     col: int) -> AvgPoolExplanation:
    """Average pooling (or global average pooling: ``row = col = 0``) at ``(row, col,
    channel)``: its window, how many real cells it covers, their sum and mean."""
    _check_kind(model, layer, PoolKind)
    value = _pool_value(model, acts, layer, channel, row, col)
    window, inside, rows, cols = _pool_window(model, acts, layer, channel, row, col, 0.0)
    count = int(inside.sum())
    return AvgPoolExplanation(layer, model.input_of(layer), channel, row, col, window, inside,
                              rows, cols, count, float(window.sum(dtype=np.float64)), value)


def explain_pool(model: Model, acts: Acts, layer: str, channel: int, row: int,
                 col: int) -> MaxPoolExplanation | AvgPoolExplanation:
    """The pooling record the layer's kind calls for (max or mean)."""
    kind: Any = model.layer(layer).kind
    if kind.reduce == "max":
        return explain_max_pool(model, acts, layer, channel, row, col)
    return explain_avg_pool(model, acts, layer, channel, row, col)


def explain_flatten(model: Model, acts: Acts, layer: str, index: int) -> FlattenExplanation:
    """Where flat ``index`` comes from (see :func:`ops.unflat_index` / :func:`ops.flat_index`)."""
    _check_kind(model, layer, flatten.KIND)
    src = model.input_of(layer)
    shape = model.shapes[src]
    if len(shape) != 3:
        raise ValueError(f"flatten {layer!r} reads a {shape} input, not (H, W, C)")
    r, c, ch = ops.unflat_index(int(index), shape)
    return FlattenExplanation(layer, src, (shape[0], shape[1], shape[2]), int(index), r, c, ch,
                              float(acts[src][r, c, ch]), float(acts[layer][index]))


def explain_flatten_at(model: Model, acts: Acts, layer: str, row: int, col: int,
                       channel: int) -> FlattenExplanation:
    """Where ``x[row, col, channel]`` lands in the flattened vector (the other direction)."""
    _check_kind(model, layer, flatten.KIND)
    shape = model.shapes[model.input_of(layer)]
    _check_pos((row, col, channel), shape, layer)
    return explain_flatten(model, acts, layer, ops.flat_index(row, col, channel, shape))


def explain_dense(model: Model, acts: Acts, layer: str, unit: int) -> DenseExplanation:
    """One dense unit (a class, for the output layer): every input times its weight."""
    _check_kind(model, layer, dense.KIND)
    _check_pos((unit,), model.shapes[layer], layer)
    src = model.input_of(layer)
    spec = model.layer(layer)
    inputs = acts[src]
    weights = spec.weights["kernel"][:, unit]
    prods = inputs.astype(np.float64) * weights.astype(np.float64)
    total = float(prods.sum())
    bias = float(spec.weights["bias"][unit])
    is_last = model.layers[-1].name == layer
    return DenseExplanation(layer, src, unit, model.class_names[unit] if is_last else None,
                            inputs, weights, prods, total, bias, total + bias,
                            float(acts[layer][unit]))


def explain_softmax(model: Model, acts: Acts) -> SoftmaxExplanation:
    """The softmax over the logits (the last layer's output), divided by the model's
    temperature (``model.temperature``, 1 when it has none) as its forward pass does."""
    z = acts[model.layers[-1].name].astype(np.float64)
    t = float(np.float32(getattr(model, "temperature", 1.0)))
    scaled = z if t == 1.0 else z / t
    shift = 0.0 if scaled.max() <= 80.0 else float(scaled.max())
    e = np.exp(scaled - shift)
    total = float(e.sum())
    return SoftmaxExplanation(list(model.class_names), z, shift, e, total, e / total,
                              acts["probabilities"], t)


Record = (ConvExplanation | ActivationExplanation | MaxPoolExplanation | AvgPoolExplanation
          | FlattenExplanation | DenseExplanation)


def explain_at(model: Model, acts: Acts, layer: str, position: Sequence[int]) -> Record:
    """The record for ``layer`` at ``position`` (``(row, col, channel)`` or ``(index,)``),
    whatever the layer's kind (each kind's ``explain`` hook)."""
    return model.layer(layer).kind.explain(model, acts, layer, tuple(int(p) for p in position))
