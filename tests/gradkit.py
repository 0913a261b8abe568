"""Test helpers for the gradient tests: a minimal sequential model that accepts every layer kind
(including those ``Model`` does not wire in yet), and the same network written in PyTorch.

``Stack(layers, input_shape).forward(x)`` returns activations like ``Model.forward`` (keeping
``x``'s dtype, so float64 models serve the finite-difference checks).  ``torch_run(stack, x,
target)`` runs the network in float64 PyTorch, back-propagates the target and returns the
gradients of every activation (HWC) and parameter, for comparison with ``grads.backward``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyapp.cnn import ops


@dataclass
class Layer:
    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


def _apply(layer: Layer, x: np.ndarray) -> np.ndarray:
    c, w = layer.config, layer.weights
    pool = (c.get("pool_size", 2), c.get("strides"), c.get("padding", "valid"))
    return {
        "conv2d": lambda: ops.conv2d(x, w["kernel"], w["bias"], c.get("strides", 1),
                                     c.get("padding", "valid"), c.get("dilation", 1)),
        "relu": lambda: ops.relu(x),
        "leaky_relu": lambda: ops.leaky_relu(x, c.get("alpha", 0.3)),
        "sigmoid": lambda: ops.sigmoid(x),
        "tanh": lambda: ops.tanh(x),
        "softmax": lambda: ops.softmax(x),
        "max_pool2d": lambda: ops.max_pool2d(x, *pool),
        "avg_pool2d": lambda: ops.avg_pool2d(x, *pool),
        "global_avg_pool2d": lambda: ops.global_avg_pool2d(x),
        "flatten": lambda: ops.flatten(x),
        "dense": lambda: ops.dense(x, w["kernel"], w["bias"]),
    }[layer.type]()


class Stack:
    """Layers in order; ``forward`` as ``Model.forward`` but in the input's float dtype."""

    def __init__(self, layers: Sequence[Layer], input_shape: Sequence[int]) -> None:
        self.layers = list(layers)
        self.input_shape = tuple(input_shape)

    def forward(self, x: np.ndarray) -> dict[str, np.ndarray]:
        acts = {"input": x}
        for layer in self.layers:
            x = _apply(layer, x)
            acts[layer.name] = x
        acts["probabilities"] = ops.softmax(x)
        return acts


def random_stack(spec: Sequence[tuple[str, dict]], input_shape: Sequence[int], seed: int,
                 dtype: Any = np.float32) -> Stack:
    """``spec``: ``(type, config)`` pairs; conv ``filters`` / dense ``units`` get random weights
    (and random, non-zero biases, so their gradients are tested too)."""
    g = np.random.default_rng(seed)
    shape = tuple(input_shape)
    probe = g.random(shape)
    layers = []
    for i, (kind, cfg) in enumerate(spec):
        cfg = dict(cfg)
        w = {}
        if kind == "conv2d":
            k = ops.as_pair(cfg.pop("kernel_size", 3))
            f = cfg.pop("filters")
            fan = k[0] * k[1] * probe.shape[2]
            w = {"kernel": g.uniform(-1, 1, (*k, probe.shape[2], f)) * np.sqrt(3 / fan),
                 "bias": g.uniform(-0.1, 0.1, f)}
        elif kind == "dense":
            u = cfg.pop("units")
            w = {"kernel": g.uniform(-1, 1, (probe.shape[0], u)) * np.sqrt(3 / probe.shape[0]),
                 "bias": g.uniform(-0.1, 0.1, u)}
        w = {k: v.astype(dtype) for k, v in w.items()}
        layer = Layer(f"{kind}_{i}", kind, cfg, w)
        layers.append(layer)
        probe = _apply(layer, probe.astype(dtype))
    return Stack(layers, input_shape)


# --- the same network in PyTorch (float64, NCHW inside, HWC at the edges) ----------------
def torch_run(stack: Any, x: np.ndarray, target: tuple[str, int],
              pin: dict[str, np.ndarray] | None = None):
    """``(activation grads, param grads, logits, activations)`` from PyTorch autograd, numpy
    float64, activations and their gradients in HWC (or flat) layout keyed like ``acts``.

    ``pin``: activations (ours, ``stack.forward(x)``) that replace torch's forward values
    layer by layer, ``h + (ours - h).detach()``, leaving autograd's chain rule untouched.  This
    evaluates torch's gradient at exactly our forward point: where a max-pool window holds a
    tie (flat white background), float rounding differs between the two convolutions and
    would otherwise pick different, equally valid, maxima.

    A tinkered ``stack`` (``pyapp.edits.EditedModel``) runs as its ``forward`` does: a layer
    overridden with ``"none"`` passes its input through, ``masks`` multiply each channel of a
    layer's output, and the target is taken on the logits divided by ``temperature``."""
    import torch

    F = torch.nn.functional
    x64 = np.asarray(x, np.float64)
    xt = torch.tensor(x64.transpose(2, 0, 1)[None] if x64.ndim == 3 else x64,
                      requires_grad=True)
    outs, params = {"input": xt}, {}
    masks = getattr(stack, "masks", None) or {}
    overrides = getattr(stack, "overrides", None) or {}
    h = xt
    for layer in stack.layers:
        c = layer.config
        w = {k: torch.tensor(np.asarray(v, np.float64), requires_grad=True)
             for k, v in layer.weights.items()}
        params.update({f"{layer.name}/{k}": v for k, v in w.items()})
        if overrides.get(layer.name) == "none":
            pass  # the identity
        elif layer.type == "conv2d":
            kh, kw = w["kernel"].shape[:2]
            s, d = ops.as_pair(c.get("strides", 1)), ops.as_pair(c.get("dilation", 1))
            (t, b), (le, r) = ops.resolve_padding(c.get("padding", "valid"), h.shape[2:],
                                                  (kh, kw), s, d)
            h = F.conv2d(F.pad(h, (le, r, t, b)), w["kernel"].permute(3, 2, 0, 1), w["bias"],
                         s, 0, d)
        elif layer.type in ("max_pool2d", "avg_pool2d"):
            k = ops.as_pair(c.get("pool_size", 2))
            s = ops.as_pair(c.get("strides") or k)
            (t, b), (le, r) = ops.resolve_padding(c.get("padding", "valid"), h.shape[2:], k, s)
            if layer.type == "max_pool2d":
                h = F.max_pool2d(F.pad(h, (le, r, t, b), value=float("-inf")), k, s)
            else:
                ones = F.pad(torch.ones(1, 1, *h.shape[2:], dtype=h.dtype), (le, r, t, b))
                h = F.avg_pool2d(F.pad(h, (le, r, t, b)), k, s) / F.avg_pool2d(ones, k, s)
        elif layer.type == "global_avg_pool2d":
            h = h.mean(dim=(2, 3))[0]
        elif layer.type == "flatten":
            h = h[0].permute(1, 2, 0).reshape(-1)  # HWC order
        elif layer.type == "dense":
            h = h @ w["kernel"] + w["bias"]
        elif layer.type == "leaky_relu":
            h = F.leaky_relu(h, c.get("alpha", 0.3))
        elif layer.type == "softmax":
            h = F.softmax(h, -1)
        else:
            h = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[layer.type](h)
        if layer.name in masks:
            m = torch.tensor(np.asarray(masks[layer.name], np.float64))
            h = h * (m.view(1, -1, 1, 1) if h.ndim == 4 else m)
        if pin is not None:
            ours = np.asarray(pin[layer.name], np.float64)
            ours = ours.transpose(2, 0, 1)[None] if ours.ndim == 3 else ours
            h = h + (torch.from_numpy(np.ascontiguousarray(ours)) - h).detach()
        h.retain_grad()
        outs[layer.name] = h
    kind, index = target
    score = h / float(getattr(stack, "temperature", 1.0))
    if kind == "logit":
        score[index].backward()
    else:
        F.cross_entropy(score[None], torch.tensor([index])).backward()

    def hwc(t):
        g = t.detach().numpy()
        return g[0].transpose(1, 2, 0) if g.ndim == 4 else g

    return ({k: hwc(v.grad) for k, v in outs.items()},
            {k: v.grad.detach().numpy() for k, v in params.items()},
            h.detach().numpy(), {k: hwc(v) for k, v in outs.items()})


def rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    """``max |ours - ref| / max |ref|`` (the error relative to the gradient's scale)."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    scale = np.abs(ref).max()
    return float(np.abs(ours - ref).max() / (scale if scale > 0 else 1.0))
