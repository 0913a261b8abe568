"""Backpropagation through one neuron, as data: the gradient arriving from above, the layer's
local derivative, and the gradient it passes down, with the real numbers at one cell.

Target: the logit ``z_c`` of one class.  For a ReLU the local derivative is the 0/1 mask
``[x > 0]``; for max-pooling, the routing of each window's gradient to its maximum; for a
convolution (neuron = output channel ``o``), the flipped kernel: the gradient reaching input
channel ``c`` from channel ``o`` is the full convolution of ``dz/dy[:, :, o]`` with
``K[::-1, ::-1, c, o]`` (the input channel shown is the one this neuron sends the most to).
The cell shown is the one whose passed-down gradient is largest in size.

Plain Python (numpy), no ``js``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn import grads
from pyapp.i18n import class_label, tr
from pyapp.render.colormaps import ACTIVATION, INPUT, WEIGHT

from .saliency import Figure, Legend, fmt


def _explained(kind: Any) -> str | None:
    """Which local derivative the view explains for a layer kind: ``"rectifier"`` (ReLU,
    leaky ReLU: a 0/1 or 0/alpha mask), ``"max"`` (max-pool routing), ``"conv"`` (the flipped
    kernel), or None."""
    if kind.role == "activation" and getattr(kind, "rectifies", False):
        return "rectifier"
    if kind.role == "pool" and getattr(kind, "reduce", "") == "max":
        return "max"
    return "conv" if kind.role == "conv" else None


@dataclass(frozen=True)
class Grid:
    """A small table of numbers: ``title``, rows of printed values and the exact floats."""

    title: str
    text: tuple[tuple[str, ...], ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class BackpropView:
    class_index: int
    class_name: str
    layer: str
    kind: str
    neuron: int
    below: str
    title: str
    sentence: str
    legend: Legend
    figures: tuple[Figure, ...]
    cell: tuple[int, int]  # 0-based (row, column) in the layer's input map
    grids: tuple[Grid, ...]
    equation: str  # the cell's numbers as a sentence
    arriving: float  # the numbers of the equation, exact (for tests)
    passed: float
    summary: str


def bp_layers(model: Any) -> list[tuple[str, str, int]]:
    """``[(layer, label, neurons)]`` of the layers the view explains (spatial ReLU,
    max-pooling and convolution layers)."""
    out = []
    shapes = model.shapes
    skipped = getattr(model, "overrides", None) or {}  # a tinkered layer run as "none"
    for layer in model.layers:
        if layer.name in skipped:
            continue
        if _explained(layer.kind) and len(shapes[layer.name]) == 3:
            out.append((layer.name, f"{layer.name} ({layer.type})", shapes[layer.name][2]))
    return out


def _grid(title: str, m: np.ndarray) -> Grid:
    return Grid(title, tuple(tuple(fmt(v) for v in row) for row in m),
                tuple(tuple(float(v) for v in row) for row in m))


def backprop_view(model: Any, acts: Mapping[str, np.ndarray], class_index: int, layer: str,
                  neuron: int, gradients: grads.Gradients | None = None) -> BackpropView:
    """The backward step of ``layer``'s neuron (channel) ``neuron`` for class
    ``class_index``; ``gradients``: a ready ``backward(..., ("logit", class_index))``."""
    layers = list(model.layers)
    names = ["input"] + [ly.name for ly in layers]
    i = names.index(layer) - 1
    spec = layers[i]
    how_local = _explained(spec.kind)
    if how_local is None:
        raise ValueError(f"{layer!r} ({spec.type}): the view explains rectifiers, max-pooling "
                         "and convolutions")
    g = gradients or grads.backward(model, acts, ("logit", class_index), params=False)
    below = names[i]
    cname = list(model.class_names)[class_index]
    x = np.asarray(acts[below], np.float64)
    dy_all = g.activations[layer]
    mask = (getattr(model, "masks", None) or {}).get(layer)
    if mask is not None:  # a tinkered map switched off: y = f(x) * m passes m * dy down
        dy_all = dy_all * mask
    k = int(neuron)
    dy = dy_all[..., k]
    grid_list: list[Grid] = []
    if how_local == "rectifier":
        alpha = float(spec.config.get("alpha", 0.0))  # 0 for ReLU
        local = np.where(x[..., k] > 0, 1.0, alpha)
        down = dy * local
        channel = k
        a, b = np.unravel_index(int(np.argmax(np.abs(down))), down.shape)
        arriving, passed = float(dy[a, b]), float(down[a, b])
        values = {"r": a + 1, "c": b + 1, "x": fmt(x[a, b, k]), "local": fmt(local[a, b]),
                  "arriving": fmt(arriving), "passed": fmt(passed)}
        if x[a, b, k] > 0:
            equation = tr("At row {r}, column {c}: the input {x} is positive, so the local "
                          "derivative is {local}; gradient from above {arriving} \u00d7 "
                          "{local} = {passed} passed down.", **values)
        else:
            equation = tr("At row {r}, column {c}: the input {x} is not positive, so the local "
                          "derivative is {local}; gradient from above {arriving} \u00d7 "
                          "{local} = {passed} passed down.", **values)
        local_fig = Figure("local", tr("Local derivative: the 0/1 mask [x > 0]"),
                           tr("The mask of {layer} neuron {n}: 1 where its input is positive",
                              layer=layer, n=k + 1),
                           INPUT.rgba(local, 0.0, 1.0))
        how = tr("A ReLU passes the gradient through where its input was positive and stops "
                 "it (0) elsewhere.")
    elif how_local == "max":
        pool, strides, padding = grads._pool_args(spec.config)
        route = grads.max_pool2d_grad(np.ones_like(dy_all), x, pool, strides, padding)[..., k]
        down = g.activations[below][..., k]
        channel = k
        a, b = np.unravel_index(int(np.argmax(np.abs(down))), down.shape)
        ph, pw = (pool, pool) if isinstance(pool, int) else tuple(pool)
        sh, sw = (strides, strides) if isinstance(strides, int) else tuple(strides)
        oi, oj = a // sh, b // sw
        win = x[oi * sh: oi * sh + ph, oj * sw: oj * sw + pw, k]
        arriving, passed = float(dy[oi, oj]), float(down[a, b])
        grid_list.append(_grid(tr("Window {r},{c} of the input", r=oi + 1, c=oj + 1), win))
        equation = tr("The window at output row {orow}, column {ocol} has its maximum "
                      "{top} at input row {r}, column {c}: the whole gradient from above, "
                      "{arriving}, goes there ({passed}); the other cells of the window get 0.",
                      orow=oi + 1, ocol=oj + 1, top=fmt(win.max()), r=a + 1, c=b + 1,
                      arriving=fmt(arriving), passed=fmt(passed))
        local_fig = Figure("local", tr("Local derivative: routing to each window's maximum"),
                           tr("The routing of {layer} neuron {n}: 1 at each window's maximum",
                              layer=layer, n=k + 1),
                           INPUT.rgba(route, 0.0, 1.0))
        how = tr("Max-pooling sends each window's gradient to the cell that held the maximum.")
    else:  # conv2d: the neuron is an output channel
        kernel = np.asarray(spec.weights["kernel"], np.float64)  # (kh, kw, C, O)
        strides, padding, dilation = grads._conv_args(spec.config)
        part = grads.conv2d_input_grad(dy[..., None], x.shape, kernel[..., k: k + 1],
                                       strides, padding, dilation)  # (H, W, C)
        channel = int(np.argmax(np.abs(part).sum(axis=(0, 1))))
        down = part[..., channel]
        a, b = np.unravel_index(int(np.argmax(np.abs(down))), down.shape)
        flipped = kernel[::-1, ::-1, channel, k]
        kh, kw = flipped.shape
        s = grads.ops.as_pair(strides, "strides")
        d = grads.ops.as_pair(dilation, "dilation")
        window = np.zeros((kh, kw))
        if s == (1, 1) and d == (1, 1) and padding == "valid":
            pad = np.pad(dy, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
            window = pad[a: a + kh, b: b + kw]
            grid_list.append(_grid(tr("Gradient from above around the cell (zero outside)"),
                                   window))
        grid_list.append(_grid(tr("Kernel {n}, input channel {c}, flipped", n=k + 1,
                                  c=channel + 1), flipped))
        arriving = float(window[np.unravel_index(int(np.argmax(np.abs(window))),
                                                 window.shape)])
        passed = float(down[a, b])
        equation = tr("At input row {r}, column {c} of channel {ch}: the sum of the {size} "
                      "gradients from above times the flipped kernel is {dot}, the gradient "
                      "passed down from this neuron ({passed}).", r=a + 1, c=b + 1,
                      ch=channel + 1, size=f"{kh}\u00d7{kw}",
                      dot=fmt(float((window * flipped).sum())), passed=fmt(passed))
        local_fig = Figure("local", tr("Local derivative: kernel {n}, channel {c}, flipped",
                                       n=k + 1, c=channel + 1),
                           tr("The flipped kernel, its weights coloured"),
                           WEIGHT.rgba_symmetric(flipped, float(np.abs(flipped).max() or 1.0)))
        total = g.activations[below][..., channel]
        how = tr("A convolution sends the gradient back through the same weights, flipped: "
                 "{below} channel {c} receives this sum from every one of the {kernels} "
                 "kernels (here only kernel {n}; all together {total} at this cell).",
                 below=below, c=channel + 1, kernels=kernel.shape[3], n=k + 1,
                 total=fmt(total[a, b]))
    lim = float(max(np.abs(dy).max(), np.abs(down).max())) or 1.0
    t = fmt(lim)
    shown = class_label(cname)
    legend = Legend(ACTIVATION.css_gradient(), (f"-{t}", "0", t),
                    tr("Colour scale of the gradients: from -{t} (red, raising the value "
                       "lowers the \u2018{name}\u2019 score) through 0 (white) to {t} (blue, "
                       "raising it raises the score)", t=t, name=shown))
    figs = (Figure("arriving", tr("Gradient from above: d score / d {layer} (neuron {n})",
                                  layer=layer, n=k + 1),
                   tr("Gradient arriving at {layer} neuron {n}", layer=layer, n=k + 1),
                   ACTIVATION.rgba_symmetric(dy, lim)),
            local_fig,
            Figure("passed", tr("Gradient passed down to {below}, channel {c}", below=below,
                                c=channel + 1),
                   tr("Gradient passed down to {below} channel {c}", below=below,
                      c=channel + 1),
                   ACTIVATION.rgba_symmetric(down, lim)))
    sentence = tr("Blue = raising this value would raise the \u2018{name}\u2019 score, red = "
                  "lower it; the gradients say how the score changes for a small nudge, not "
                  "why the network chose it. {how}", name=shown, how=how)
    return BackpropView(class_index, cname, layer, spec.type, k, below,
                        tr("Backpropagation through {layer}, neuron {n}", layer=layer, n=k + 1),
                        sentence, legend, figs, (int(a), int(b)), tuple(grid_list), equation,
                        arriving, passed,
                        tr("Largest gradient passed down: {v} at row {r}, column {c}.",
                           v=fmt(passed), r=a + 1, c=b + 1))
