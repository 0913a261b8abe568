"""Which detail view is open, as a value and as the URL hash.

``#conv_1_2/4``   conv_1_2, output channel 4: the elastic convolution view
``#conv_1_2/4/2`` ... its input channel 2: the convolution formula view
``#relu_1_1/3``   an activation's view (ReLU, leaky ReLU, sigmoid, tanh: its own curve)
``#max_pool_1/3`` a pooling view (max, average, global average)
``#output/5``     the last (dense) layer after a flatten, class 5: the flatten view
                  (view kind ``logit``)
``#softmax/5``    the softmax view, class 5 highlighted

Which view a layer opens is its kind's ``view`` (:mod:`pyapp.cnn.kinds`).  Indices are 0-based
(as the overview's ``data-i``).  Anything else is "no view".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("conv", "formula", "activation", "pool", "logit", "softmax")
SOFTMAX = "softmax"
#: The views that show one channel's feature maps (their layer's output must be maps).
MAP_VIEWS = ("conv", "activation", "pool")


@dataclass(frozen=True)
class ViewRef:
    kind: str
    layer: str
    index: int
    channel: int | None = None  # input channel (formula view)

    def to_hash(self) -> str:
        if self.kind == "softmax":
            return f"#{SOFTMAX}/{self.index}"
        tail = f"/{self.channel}" if self.kind == "formula" else ""
        return f"#{self.layer}/{self.index}{tail}"


def _channels(model: Any, layer: str) -> int:
    return int(model.shapes[layer][-1])


def ref_for(model: Any, layer: str, index: int, channel: int | None = None) -> ViewRef | None:
    """The view a click on neuron ``index`` of ``layer`` opens (None: that neuron has none)."""
    if layer == SOFTMAX:
        return ViewRef("softmax", model.layers[-1].name, index) \
            if 0 <= index < model.num_classes else None
    try:
        spec = model.layer(layer)
    except KeyError:
        return None
    kind = spec.kind.view
    if kind is None or not 0 <= index < _channels(model, layer):
        return None
    if kind == "logit" and (model.layers[-1].name != layer
                            or model.input_of(layer) == "input"
                            or model.layer(model.input_of(layer)).kind.role != "reshape"):
        return None
    if kind in MAP_VIEWS and spec.kind.map_shape(model.shapes[layer]) is None:
        return None
    if kind in MAP_VIEWS and len(model.shapes[model.input_of(layer)]) != 3:
        return None
    if channel is not None:
        if kind != "conv" or not 0 <= channel < _channels(model, model.input_of(layer)):
            return None
        return ViewRef("formula", layer, index, channel)
    return ViewRef(kind, layer, index)


def parse_hash(text: str, model: Any) -> ViewRef | None:
    """``location.hash`` -> the view it names, or None."""
    parts = text.lstrip("#").split("/")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts[1:]):
        return None
    channel = int(parts[2]) if len(parts) == 3 else None
    return ref_for(model, parts[0], int(parts[1]), channel)
