"""This network's real numbers for the article, read from the model (never typed in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyapp.cnn import ops
from pyapp.cnn.kinds import kind_of
from pyapp.sections import SECTION_IDS, section_for_layer  # noqa: F401 - re-exported


@dataclass(frozen=True)
class LayerFact:
    """One layer: its name, type, output shape, parameter count and hyperparameters."""

    name: str
    type: str
    shape: tuple[int, ...]
    in_shape: tuple[int, ...]
    params: int
    config: dict[str, Any]


@dataclass(frozen=True)
class NetworkFacts:
    """What the article quotes about a model."""

    name: str
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]
    layers: tuple[LayerFact, ...]
    total_params: int
    preprocessing: dict[str, Any]
    provenance: dict[str, Any]

    def of_type(self, layer_type: str) -> list[LayerFact]:
        """The layers of one type, in order."""
        return [layer for layer in self.layers if layer.type == layer_type]

    def of_role(self, role: str) -> list[LayerFact]:
        """The layers whose kind has ``role`` (``"conv"``, ``"pool"``, ...), in order."""
        return [layer for layer in self.layers if kind_of(layer.type).role == role]

    @property
    def spatial_chain(self) -> tuple[int, ...]:
        """The side of the feature maps, every time it changes: input, then each
        conv / pool layer (64, 62, 60, 30, 28, 26, 13 for TinyVGG)."""
        chain = [self.input_shape[0]]
        for layer in self.layers:
            if kind_of(layer.type).role in ("conv", "pool") and len(layer.shape) == 3:
                chain.append(layer.shape[0])
        return tuple(chain)

    @property
    def pixel_values(self) -> int:
        """How many numbers the input holds (64 x 64 x 3 = 12,288)."""
        h, w, c = self.input_shape
        return h * w * c


def _params(layer: object) -> int:
    return sum(int(w.size) for w in getattr(layer, "weights", {}).values())


def network_facts(model: Any) -> NetworkFacts:
    """Read the facts from a :class:`pyapp.cnn.model.Model` (its inferred ``shapes``)."""
    layers = []
    previous = tuple(model.input_shape)
    for layer in model.layers:
        shape = tuple(model.shapes[layer.name])
        layers.append(LayerFact(layer.name, layer.type, shape, previous, _params(layer),
                                dict(layer.config)))
        previous = shape
    return NetworkFacts(
        name=str(model.name),
        input_shape=tuple(model.input_shape),
        class_names=tuple(model.class_names),
        layers=tuple(layers),
        total_params=int(model.num_params),
        preprocessing=dict(model.preprocessing),
        provenance=dict(model.provenance),
    )


def conv_geometry(layer: LayerFact) -> dict[str, int]:
    """``n, p, k, s, d`` and the output side ``o`` of a conv / pool layer along rows, with
    ``o`` computed by the core's formula (explicit padding: the top amount)."""
    cfg = layer.config
    kind = kind_of(layer.type)
    if kind.role == "conv":
        k = int(cfg["kernel_size"][0])
        d = int(cfg.get("dilation", [1, 1])[0])
    else:
        k = int(cfg["pool_size"][0])
        d = 1
    s = int(cfg["strides"][0])
    padding = cfg.get("padding", "valid")
    n = int(layer.in_shape[0])
    (top, bottom), _ = ops.resolve_padding(padding, (n, n), (k, k), (s, s), (d, d))
    return {"n": n, "p": top, "k": k, "s": s, "d": d,
            "o": ops.conv_output_size(n, k, s, top + bottom, d)}
