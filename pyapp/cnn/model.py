"""A sequential CNN: an ordered list of named layers, each a spec plus its weights.

Shapes are inferred from the spec (never hard-coded), so the same code runs TinyVGG
(64x64x3 -> 10 classes) and any other sequential stack of conv2d / relu / max_pool2d /
flatten / dense layers.  ``Model.forward`` returns every activation by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops

LAYER_TYPES = ("conv2d", "relu", "max_pool2d", "flatten", "dense")
RESERVED_NAMES = ("input", "probabilities")
#: What a layer name may be (docs/ARCHITECTURE.md, "Layer names"): names end up in element ids,
#: CSS selectors, URL hashes and "layer:index" keys, so anything else is refused at load.
LAYER_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
Shape = tuple[int, ...]


def _norm_padding(padding: Any) -> str | list[list[int]]:
    """Padding as stored in a spec: ``"valid"``, ``"same"`` or ``[[top, bottom], [l, r]]``."""
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"unknown padding {padding!r}")
        return padding.lower()
    # resolve with dummy sizes: explicit paddings do not depend on them
    pads = ops.resolve_padding(padding, (1, 1), (1, 1), (1, 1))
    return [list(pads[0]), list(pads[1])]


@dataclass
class LayerSpec:
    """One layer: its ``name``, ``type`` (one of :data:`LAYER_TYPES`), hyper-parameters
    (``config``, JSON-able) and ``weights`` (``"kernel"`` and ``"bias"``, float32).

    ``conv2d`` config: ``filters``, ``kernel_size`` ``[kh, kw]``, ``strides``, ``padding``,
    ``dilation``; kernel HWIO ``(kh, kw, C_in, filters)``.  ``max_pool2d``: ``pool_size``,
    ``strides``, ``padding``.  ``dense``: ``units``; kernel ``(inputs, units)``.
    """

    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in LAYER_TYPES:
            raise ValueError(f"layer {self.name!r}: unsupported layer type {self.type!r} "
                             f"(supported: {', '.join(LAYER_TYPES)})")
        if (not isinstance(self.name, str) or not LAYER_NAME_RE.fullmatch(self.name)
                or self.name in RESERVED_NAMES):
            shown = repr(self.name)[:40]
            raise ValueError(f"the layer name {shown} is not allowed: a layer name is 1 to 64 "
                             "letters, digits, '_', '.' or '-' (and not 'input' or "
                             "'probabilities'); rename the layer and export the model again")
        c = dict(self.config)
        if self.type == "conv2d":
            c = {
                "filters": int(c["filters"]),
                "kernel_size": list(ops.as_pair(c["kernel_size"], "kernel_size")),
                "strides": list(ops.as_pair(c.get("strides", 1), "strides")),
                "padding": _norm_padding(c.get("padding", "valid")),
                "dilation": list(ops.as_pair(c.get("dilation", 1), "dilation")),
            }
        elif self.type == "max_pool2d":
            pool = list(ops.as_pair(c.get("pool_size", 2), "pool_size"))
            c = {
                "pool_size": pool,
                "strides": list(ops.as_pair(c.get("strides") or pool, "strides")),
                "padding": _norm_padding(c.get("padding", "valid")),
            }
        elif self.type == "dense":
            c = {"units": int(c["units"])}
        else:
            c = {}
        self.config = c
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in self.weights.items()}

    def to_json(self) -> dict[str, Any]:
        """The JSON spec entry: ``{"name", "type", **config}``."""
        return {"name": self.name, "type": self.type, **self.config}

    def output_shape(self, in_shape: Shape) -> Shape:
        """Shape of this layer's output for an input of ``in_shape`` (validated)."""
        c = self.config
        if self.type in ("conv2d", "max_pool2d"):
            if len(in_shape) != 3:
                raise ValueError(f"layer {self.name!r} ({self.type}) needs an (H, W, C) input, "
                                 f"got {in_shape}")
            h, w, ch = in_shape
            k = c["kernel_size"] if self.type == "conv2d" else c["pool_size"]
            d = c.get("dilation", [1, 1])
            pads = ops.resolve_padding(c["padding"], (h, w), tuple(k), tuple(c["strides"]),
                                       tuple(d))
            out_hw = [ops.conv_output_size(n, kk, s, sum(p), dd) for n, kk, s, p, dd
                      in zip((h, w), k, c["strides"], pads, d, strict=True)]
            if min(out_hw) < 1:
                raise ValueError(f"layer {self.name!r}: window does not fit input {in_shape}")
            return (out_hw[0], out_hw[1], c["filters"] if self.type == "conv2d" else ch)
        if self.type == "relu":
            return in_shape
        if self.type == "flatten":
            return (int(np.prod(in_shape)),)
        if len(in_shape) != 1:
            raise ValueError(f"dense layer {self.name!r} needs a flat input (add a flatten "
                             f"layer), got {in_shape}")
        return (c["units"],)

    def expected_weights(self, in_shape: Shape) -> dict[str, Shape]:
        """The weight arrays this layer needs and their shapes."""
        if self.type == "conv2d":
            kh, kw = self.config["kernel_size"]
            f = self.config["filters"]
            return {"kernel": (kh, kw, in_shape[2], f), "bias": (f,)}
        if self.type == "dense":
            u = self.config["units"]
            return {"kernel": (in_shape[0], u), "bias": (u,)}
        return {}

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Run the layer on ``x``."""
        c, w = self.config, self.weights
        if self.type == "conv2d":
            return ops.conv2d(x, w["kernel"], w["bias"], c["strides"], c["padding"],
                              c["dilation"])
        if self.type == "relu":
            return ops.relu(x)
        if self.type == "max_pool2d":
            return ops.max_pool2d(x, c["pool_size"], c["strides"], c["padding"])
        if self.type == "flatten":
            return ops.flatten(x)
        return ops.dense(x, w["kernel"], w["bias"])


class Model:
    """An ordered list of named layers with an input shape, class names and metadata.

    ``forward(image)`` returns ``{"input": ..., <layer name>: ..., "probabilities": ...}`` in
    order; the last layer must output one logit per class.
    """

    def __init__(
        self,
        layers: Iterable[LayerSpec],
        input_shape: Sequence[int],
        class_names: Sequence[str] | None = None,
        name: str = "model",
        preprocessing: Mapping[str, Any] | None = None,
        provenance: Mapping[str, Any] | None = None,
        checks: Mapping[str, Any] | None = None,
    ) -> None:
        self.layers: list[LayerSpec] = list(layers)
        self.input_shape: Shape = tuple(int(v) for v in input_shape)
        self.name = name
        self.preprocessing: dict[str, Any] = dict(preprocessing or {"scale": [0, 1],
                                                                    "crop": "center-square"})
        self.provenance: dict[str, Any] = dict(provenance or {})
        self.checks: dict[str, Any] = dict(checks or {})
        if len(self.input_shape) != 3:
            raise ValueError(f"input_shape must be (H, W, C), got {self.input_shape}")
        if not self.layers:
            raise ValueError("a model needs at least one layer")
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate layer names in {names}")
        self._index = {n: i for i, n in enumerate(names)}
        self.shapes: dict[str, Shape] = {"input": self.input_shape}
        shape = self.input_shape
        for layer in self.layers:
            out_shape = layer.output_shape(shape)
            for key, want in layer.expected_weights(shape).items():
                got = layer.weights.get(key)
                if got is None:
                    raise ValueError(f"layer {layer.name!r}: missing weight {key!r} {want}")
                if tuple(got.shape) != want:
                    raise ValueError(f"layer {layer.name!r}: weight {key!r} has shape "
                                     f"{tuple(got.shape)}, expected {want}")
            shape = out_shape
            self.shapes[layer.name] = shape
        if len(shape) != 1:
            raise ValueError(f"the last layer must output a vector of logits, got {shape}")
        n = shape[0]
        self.class_names = list(class_names) if class_names is not None else [
            f"class {i}" for i in range(n)]
        if len(self.class_names) != n:
            raise ValueError(f"{len(self.class_names)} class names for {n} outputs")
        self.shapes["probabilities"] = shape

    # --- structure -----------------------------------------------------------------------
    def layer(self, name: str) -> LayerSpec:
        """The layer called ``name`` (``KeyError`` naming it if absent)."""
        if name not in self._index:
            raise KeyError(f"no layer named {name!r}; layers: {list(self._index)}")
        return self.layers[self._index[name]]

    def input_of(self, name: str) -> str:
        """Name of the activation a layer reads (``"input"`` for the first layer)."""
        i = self._index[self.layer(name).name]
        return "input" if i == 0 else self.layers[i - 1].name

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def num_params(self) -> int:
        return sum(int(w.size) for layer in self.layers for w in layer.weights.values())

    # --- computation ---------------------------------------------------------------------
    def forward(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Every activation by name: ``input``, each layer (the last are the logits),
        ``probabilities`` = softmax(logits).  ``image``: ``input_shape``, values as the
        model's preprocessing gives them (float32 in [0, 1])."""
        x = np.asarray(image, dtype=np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"image has shape {x.shape}, the model expects {self.input_shape}")
        acts: dict[str, np.ndarray] = {"input": x}
        for layer in self.layers:
            x = layer.apply(x)
            acts[layer.name] = x
        acts["probabilities"] = ops.softmax(x)
        return acts

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities ``(num_classes,)``."""
        return self.forward(image)["probabilities"]

    # --- serialisation helpers -----------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """The JSON spec (no weights), as embedded in the native format."""
        return {
            "format": "cnn-explainer-native",
            "version": 1,
            "name": self.name,
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names),
            "preprocessing": self.preprocessing,
            "layers": [layer.to_json() for layer in self.layers],
            "provenance": self.provenance,
            "checks": self.checks,
        }

    def weight_arrays(self) -> dict[str, np.ndarray]:
        """``{"<layer>/kernel": array, "<layer>/bias": array, ...}`` in layer order."""
        return {f"{layer.name}/{k}": v for layer in self.layers for k, v in layer.weights.items()}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], weights: Mapping[str, np.ndarray]) -> Model:
        """Build a model from a JSON spec and ``"<layer>/<kernel|bias>"`` arrays."""
        layers = []
        for entry in spec["layers"]:
            entry = dict(entry)
            lname, ltype = entry.pop("name"), entry.pop("type")
            w = {k.split("/", 1)[1]: v for k, v in weights.items() if k.split("/", 1)[0] == lname}
            layers.append(LayerSpec(lname, ltype, entry, w))
        return cls(
            layers,
            spec["input_shape"],
            spec.get("class_names"),
            name=spec.get("name", "model"),
            preprocessing=spec.get("preprocessing"),
            provenance=spec.get("provenance"),
            checks=spec.get("checks"),
        )


def sequential_cnn(
    input_shape: Sequence[int] = (64, 64, 3),
    blocks: Sequence[Sequence[int]] = ((10, 10), (10, 10)),
    num_classes: int = 10,
    kernel_size: int = 3,
    class_names: Sequence[str] | None = None,
    rng: np.random.Generator | int | None = None,
    name: str = "TinyVGG",
) -> Model:
    """A VGG-style model with He-uniform random weights and zero biases.

    Block ``b`` (1-based) has one conv (valid padding, stride 1) + ReLU per entry of
    ``blocks[b-1]`` (its filter count), named ``conv_b_i`` / ``relu_b_i``, then a 2x2/2
    ``max_pool_b``; then ``flatten`` and the dense ``output`` layer.  The defaults are TinyVGG.
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if class_names is not None:
        num_classes = len(class_names)
    layers: list[LayerSpec] = []
    shape: Shape = tuple(int(v) for v in input_shape)

    def add(layer: LayerSpec) -> None:
        nonlocal shape
        layers.append(layer)
        shape = layer.output_shape(shape)

    def init(fan_in: int, size: tuple[int, ...]) -> np.ndarray:
        limit = np.sqrt(6.0 / fan_in)
        return gen.uniform(-limit, limit, size).astype(np.float32)

    for b, filters in enumerate(blocks, start=1):
        for i, f in enumerate(filters, start=1):
            k = (kernel_size, kernel_size, shape[2], f)
            add(LayerSpec(f"conv_{b}_{i}", "conv2d", {"filters": f, "kernel_size": kernel_size},
                          {"kernel": init(kernel_size * kernel_size * shape[2], k),
                           "bias": np.zeros(f, np.float32)}))
            add(LayerSpec(f"relu_{b}_{i}", "relu"))
        add(LayerSpec(f"max_pool_{b}", "max_pool2d", {"pool_size": 2, "strides": 2}))
    add(LayerSpec("flatten", "flatten"))
    add(LayerSpec("output", "dense", {"units": num_classes},
                  {"kernel": init(shape[0], (shape[0], num_classes)),
                   "bias": np.zeros(num_classes, np.float32)}))
    return Model(layers, input_shape, class_names, name=name)


def tinyvgg(class_names: Sequence[str] | None = None,
            rng: np.random.Generator | int | None = None) -> Model:
    """The reference TinyVGG with random weights: 64x64x3 -> 4 convs of 10 -> 10 classes."""
    return sequential_cnn(class_names=class_names, rng=rng)
