"""Which panel shows which view (the view kind comes from the layer's kind, see
:mod:`pyapp.views.route`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from pyapp.views.conv import ConvElastic, ConvFormula
from pyapp.views.dense import FlattenView, SoftmaxView
from pyapp.views.elementwise import ActivationView, PoolView
from pyapp.views.route import ViewRef

from .conv_panels import ElasticPanel, FormulaPanel
from .dense_panels import FlattenPanel, SoftmaxPanel
from .map_panels import ActivationPanel, PoolPanel
from .panel import Panel


def make_panel(ref: ViewRef, model: Any, acts: Mapping[str, np.ndarray], mode: str,
               maps: str = "map") -> Panel:
    """``mode``: the session's range mode; ``maps``: the map views' colour range
    (``render.ranges.MAP_RANGES``)."""
    if ref.kind == "conv":
        return ElasticPanel(ConvElastic(model, acts, ref.layer, ref.index, mode, maps))
    if ref.kind == "formula":
        assert ref.channel is not None
        return FormulaPanel(ConvFormula(model, acts, ref.layer, ref.index, ref.channel, mode,
                                        maps))
    if ref.kind == "activation":
        return ActivationPanel(ActivationView(model, acts, ref.layer, ref.index, mode, maps))
    if ref.kind == "pool":
        return PoolPanel(PoolView(model, acts, ref.layer, ref.index, mode, maps))
    if ref.kind == "logit":
        return FlattenPanel(FlattenView(model, acts, ref.layer, ref.index, mode))
    if ref.kind == "softmax":
        return SoftmaxPanel(SoftmaxView(model, acts, ref.layer, ref.index, mode), ref.index)
    raise ValueError(f"no detail view of kind {ref.kind!r}")
