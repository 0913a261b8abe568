"""A sequential CNN: an ordered list of named layers, each a spec plus its weights.

Shapes are inferred from the spec (never hard-coded), so the same code runs TinyVGG
(64x64x3 -> 10 classes) and any other sequential stack of the layer kinds in
:mod:`pyapp.cnn.kinds`.  ``Model.forward`` returns every activation by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyapp.i18n import tr

from . import ops
from .kinds import KINDS, LayerKind, conv2d, dense, flatten, kind_of, max_pool2d, relu

RESERVED_NAMES = ("input", "probabilities")
#: What a layer name may be (docs/ARCHITECTURE.md, "Layer names"): names end up in element ids,
#: CSS selectors, URL hashes and "layer:index" keys, so anything else is refused at load.
LAYER_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
Shape = tuple[int, ...]


@dataclass
class LayerSpec:
    """One layer: its ``name``, ``type`` (a kind in :data:`pyapp.cnn.kinds.KINDS`),
    hyper-parameters (``config``, JSON-able, normalised by the kind) and ``weights`` (e.g.
    ``"kernel"`` and ``"bias"``, float32).  Each kind's module documents its config and
    weights; the layer asks its :attr:`kind` for shapes and the forward pass.
    """

    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in KINDS:
            raise ValueError(tr("layer {name}: unsupported layer type {type} (supported: {v})",
                                name=repr(self.name), type=repr(self.type), v=', '.join(KINDS)))
        if (not isinstance(self.name, str) or not LAYER_NAME_RE.fullmatch(self.name)
                or self.name in RESERVED_NAMES):
            shown = repr(self.name)[:40]
            raise ValueError(tr("the layer name {shown} is not allowed: a layer name is 1 to 64 "
                                "letters, digits, '_', '.' or '-' (and not 'input' or "
                                "'probabilities'); rename the layer and export the model again",
                                shown=shown))
        try:
            self.config = self.kind.normalise_config(dict(self.config))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(tr("layer {name} ({type}): invalid config: {exc}",
                                name=repr(self.name), type=self.type, exc=exc)) from exc
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in self.weights.items()}

    @property
    def kind(self) -> LayerKind:
        """The layer's kind (everything about its type)."""
        return kind_of(self.type)

    def to_json(self) -> dict[str, Any]:
        """The JSON spec entry: ``{"name", "type", **config}``."""
        return {"name": self.name, "type": self.type, **self.config}

    def output_shape(self, in_shape: Shape) -> Shape:
        """Shape of this layer's output for an input of ``in_shape`` (validated)."""
        try:
            return self.kind.output_shape(self.config, tuple(in_shape))
        except ValueError as exc:
            raise ValueError(tr("layer {name} ({type}): {exc}", name=repr(self.name),
                                type=self.type, exc=exc)) from exc

    def expected_weights(self, in_shape: Shape) -> dict[str, Shape]:
        """The weight arrays this layer needs and their shapes."""
        return self.kind.expected_weights(self.config, tuple(in_shape))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Run the layer on ``x``."""
        return self.kind.forward(self.config, self.weights, x)


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
            raise ValueError(tr("input_shape must be (H, W, C), got {input_shape}",
                                input_shape=self.input_shape))
        if not self.layers:
            raise ValueError(tr("a model needs at least one layer"))
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError(tr("duplicate layer names in {names}", names=names))
        self._index = {n: i for i, n in enumerate(names)}
        self.shapes: dict[str, Shape] = {"input": self.input_shape}
        shape = self.input_shape
        for layer in self.layers:
            out_shape = layer.output_shape(shape)
            for key, want in layer.expected_weights(shape).items():
                got = layer.weights.get(key)
                if got is None:
                    raise ValueError(tr("layer {name}: missing weight {key} {want}",
                                        name=repr(layer.name), key=repr(key), want=want))
                if tuple(got.shape) != want:
                    raise ValueError(tr("layer {name}: weight {key} has shape {v}, expected "
                                        "{want}", name=repr(layer.name), key=repr(key),
                                        v=tuple(got.shape), want=want))
            shape = out_shape
            self.shapes[layer.name] = shape
        if len(shape) != 1:
            raise ValueError(tr("the last layer must output a vector of logits, got {shape}",
                                shape=shape))
        n = shape[0]
        self.class_names = list(class_names) if class_names is not None else [
            f"class {i}" for i in range(n)]
        if len(self.class_names) != n:
            raise ValueError(tr("{n} class names for {n2} outputs", n=len(self.class_names), n2=n))
        self.shapes["probabilities"] = shape

    # --- structure -----------------------------------------------------------------------
    def layer(self, name: str) -> LayerSpec:
        """The layer called ``name`` (``KeyError`` naming it if absent)."""
        if name not in self._index:
            raise KeyError(tr("no layer named {name}; layers: {v}", name=repr(name),
                              v=list(self._index)))
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
            raise ValueError(tr("image has shape {shape}, the model expects {input_shape}",
                                shape=x.shape, input_shape=self.input_shape))
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
            add(LayerSpec(f"conv_{b}_{i}", conv2d.KIND.type,
                          {"filters": f, "kernel_size": kernel_size},
                          {"kernel": init(kernel_size * kernel_size * shape[2], k),
                           "bias": np.zeros(f, np.float32)}))
            add(LayerSpec(f"relu_{b}_{i}", relu.KIND.type))
        add(LayerSpec(f"max_pool_{b}", max_pool2d.KIND.type, {"pool_size": 2, "strides": 2}))
    add(LayerSpec("flatten", flatten.KIND.type))
    add(LayerSpec("output", dense.KIND.type, {"units": num_classes},
                  {"kernel": init(shape[0], (shape[0], num_classes)),
                   "bias": np.zeros(num_classes, np.float32)}))
    return Model(layers, input_shape, class_names, name=name)


def tinyvgg(class_names: Sequence[str] | None = None,
            rng: np.random.Generator | int | None = None) -> Model:
    """The reference TinyVGG with random weights: 64x64x3 -> 4 convs of 10 -> 10 classes."""
    return sequential_cnn(class_names=class_names, rng=rng)
