"""What every layer kind declares: :class:`LayerKind` and the shared helpers of its modules.

A kind is a stateless object; a layer (:class:`pyapp.cnn.model.LayerSpec`) holds a kind's
name, its normalised ``config`` and its ``weights``, and asks the kind for everything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from pyapp.i18n import tr

from .. import ops

Shape = tuple[int, ...]
Config = dict[str, Any]
Weights = Mapping[str, np.ndarray]

#: What a kind does, for the code that treats kinds alike (layout, colour ranges, article):
#: ``conv`` (learned windows), ``linear`` (a fully connected layer), ``activation`` (a
#: function of each value on its own), ``pool`` (a fixed summary of each window),
#: ``reshape`` (moves values, computes nothing).
ROLES = ("conv", "linear", "activation", "pool", "reshape")


class LayerKind:
    """One layer kind: its spec fields, shapes, forward pass and how the page shows it.

    Class attributes (each module's subclass sets them):

    - ``type``: the name in a spec (``"conv2d"``); ``title``: a human name ("convolution").
    - ``role``: one of :data:`ROLES`.
    - ``short_label``: the overview's column heading.
    - ``draws_maps``: the layer gets an overview column of feature maps.
    - ``starts_module``: a colour-range module (and a wider gap) starts at this layer.
    - ``view``: the detail view a neuron opens (``"conv"``, ``"activation"``, ``"pool"``,
      ``"logit"``) or ``None``.
    - ``article_section``: the id of the article section that explains the kind.
    - ``rectifies`` (activations): keeps the positive part as it is (ReLU, leaky ReLU), so
      Grad-CAM may use the layer.
    - ``keras_classes``: the Keras / TF.js class names read as this kind;
      ``keras_activation``: the name of a Keras ``activation`` that is this kind.
    """

    type: ClassVar[str] = ""
    title: ClassVar[str] = ""
    role: ClassVar[str] = ""
    short_label: ClassVar[str] = ""
    draws_maps: ClassVar[bool] = False
    starts_module: ClassVar[bool] = False
    view: ClassVar[str | None] = None
    article_section: ClassVar[str] = "article-what"
    keras_classes: ClassVar[tuple[str, ...]] = ()
    keras_activation: ClassVar[str | None] = None

    # --- the spec ---------------------------------------------------------------------
    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        """The validated, JSON-able config (defaults filled in); ``ValueError`` if invalid."""
        return {}

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        """Shape of the output for an input of ``in_shape`` (``ValueError`` if it cannot run)."""
        return tuple(in_shape)

    def expected_weights(self, cfg: Config, in_shape: Shape) -> dict[str, Shape]:
        """The weight arrays the layer needs and their shapes."""
        return {}

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        """The layer applied to one input ``x``."""
        raise NotImplementedError

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        """This kind's config from a Keras layer config (``ValueError`` if unsupported)."""
        return {}

    # --- the page ---------------------------------------------------------------------
    def map_shape(self, shape: Shape) -> tuple[int, int, int] | None:
        """The output as ``(H, W, C)`` feature maps, or ``None`` when it is not maps."""
        return (shape[0], shape[1], shape[2]) if len(shape) == 3 else None

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        """The explanation record (``pyapp.cnn.explain``) of ``layer`` at ``position``."""
        raise ValueError(tr("layer {layer}: no explanation for a {title}", layer=repr(layer),
                            title=self.title))

    def readout(self, cfg: Config, source: str, index: int) -> str:
        """One plain sentence for the overview's read-out of neuron ``index`` (or "")."""
        return ""

    def __repr__(self) -> str:
        return f"<layer kind {self.type}>"


def norm_padding(padding: Any) -> str | list[list[int]]:
    """Padding as stored in a spec: ``"valid"``, ``"same"`` or ``[[top, bottom], [l, r]]``."""
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(tr("unknown padding {padding}", padding=repr(padding)))
        return padding.lower()
    # resolve with dummy sizes: explicit paddings do not depend on them
    pads = ops.resolve_padding(padding, (1, 1), (1, 1), (1, 1))
    return [list(pads[0]), list(pads[1])]


def keras_padding(cfg: Mapping[str, Any]) -> str:
    """A Keras ``padding`` (``"valid"`` or ``"same"``; anything else is a ``ValueError``)."""
    padding = cfg.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise ValueError(tr("padding {padding} is not supported", padding=repr(padding)))
    return padding


def window_output_shape(in_shape: Shape, kernel: Sequence[int], strides: Sequence[int],
                        padding: Any, dilation: Sequence[int], channels: int) -> Shape:
    """``(H_out, W_out, channels)`` of a sliding window over an ``(H, W, C)`` input."""
    if len(in_shape) != 3:
        raise ValueError(tr("needs an (H, W, C) input, got {v}", v=tuple(in_shape)))
    h, w, _ = in_shape
    pads = ops.resolve_padding(padding, (h, w), tuple(kernel), tuple(strides), tuple(dilation))
    out_hw = [ops.conv_output_size(n, k, s, sum(p), d) for n, k, s, p, d
              in zip((h, w), kernel, strides, pads, dilation, strict=True)]
    if min(out_hw) < 1:
        raise ValueError(tr("the window does not fit the input {v}", v=tuple(in_shape)))
    return (out_hw[0], out_hw[1], channels)


class ActivationKind(LayerKind):
    """A function applied to every value on its own: same shape, no weights.

    Subclasses give :meth:`function` (the maths, on arrays) and :meth:`formula` (the same as
    text, e.g. ``"max(0, x)"``); the detail view draws :meth:`graph` as its curve.
    """

    role = "activation"
    draws_maps = True
    view = "activation"
    article_section = "article-relu"
    rectifies: ClassVar[bool] = False

    def function(self, cfg: Config, x: np.ndarray) -> np.ndarray:
        """``y = f(x)`` element-wise."""
        raise NotImplementedError

    def formula(self, cfg: Config, x: str = "x") -> str:
        """The function applied to ``x`` as plain text."""
        raise NotImplementedError

    def forward(self, cfg: Config, weights: Weights, x: np.ndarray) -> np.ndarray:
        return self.function(cfg, np.asarray(x))

    def graph(self, cfg: Config, xs: np.ndarray) -> np.ndarray:
        """The curve the detail view draws: ``f`` at ``xs`` (float64)."""
        return np.asarray(self.function(cfg, np.asarray(xs, np.float64)), np.float64)

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        from ..explain import explain_activation

        return explain_activation(model, acts, layer, position)

    def readout(self, cfg: Config, source: str, index: int) -> str:
        return f"= {self.formula(cfg, f'{source} neuron {index + 1}')}"


class PoolKind(LayerKind):
    """A fixed summary (``reduce``: ``"max"`` or ``"mean"``) of every window of each channel.

    Config: ``pool_size`` ``[p_h, p_w]``, ``strides`` (default: the window) and ``padding``.
    """

    role = "pool"
    draws_maps = True
    view = "pool"
    article_section = "article-pool"
    reduce: ClassVar[str] = "max"

    def normalise_config(self, cfg: Mapping[str, Any]) -> Config:
        pool = list(ops.as_pair(cfg.get("pool_size", 2), "pool_size"))
        return {"pool_size": pool,
                "strides": list(ops.as_pair(cfg.get("strides") or pool, "strides")),
                "padding": norm_padding(cfg.get("padding", "valid"))}

    def window(self, cfg: Config, in_shape: Shape) -> tuple[ops.Pair, ops.Pair, ops.Pads]:
        """``(pool_size, strides, pads)`` of the windows over an ``(H, W, C)`` input."""
        k, s = ops.as_pair(cfg["pool_size"]), ops.as_pair(cfg["strides"])
        return k, s, ops.resolve_padding(cfg["padding"], (in_shape[0], in_shape[1]), k, s)

    def output_shape(self, cfg: Config, in_shape: Shape) -> Shape:
        return window_output_shape(in_shape, cfg["pool_size"], cfg["strides"], cfg["padding"],
                                   (1, 1), in_shape[2] if len(in_shape) == 3 else 0)

    def from_keras(self, cfg: Mapping[str, Any]) -> Config:
        return {"pool_size": cfg.get("pool_size", [2, 2]), "strides": cfg.get("strides"),
                "padding": keras_padding(cfg)}

    def explain(self, model: Any, acts: Mapping[str, np.ndarray], layer: str,
                position: Sequence[int]) -> Any:
        from ..explain import explain_pool

        pos = [int(p) for p in position]
        row, col, channel = (0, 0, pos[0]) if len(pos) == 1 else pos
        return explain_pool(model, acts, layer, channel, row, col)

    def readout(self, cfg: Config, source: str, index: int) -> str:
        p = cfg["pool_size"]
        word = "maximum" if self.reduce == "max" else "mean"
        return f"= {word} of each {p[0]}\u00d7{p[1]} window of {source} neuron {index + 1}"
