"""The overview's state, in one small object other views can read (no ``js`` here).

``STATE`` is the page's single instance once the app has started: the model, its layout, the
current image (the model input and a label for where it came from), the activations of the
last forward pass, the colour-range mode and the detail toggle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyapp.render.layout import OverviewLayout, build_layout, layer_infos
from pyapp.render.ranges import RANGE_MODES


@dataclass
class OverviewState:
    model: Any  # pyapp.cnn.model.Model
    layout: OverviewLayout
    image: np.ndarray | None = None  # (H, W, 3) float32 in [0, 1]
    source: str = ""  # "gallery:<index>" or "upload:<file name>"
    acts: dict[str, np.ndarray] = field(default_factory=dict)
    range_mode: str = "unit"
    detail: bool = True
    selected: int | None = 0  # gallery index, None for the user's own image

    @classmethod
    def for_model(cls, model: Any) -> OverviewState:
        return cls(model, build_layout(model.input_shape, layer_infos(model)))

    def set_image(self, image: np.ndarray, source: str, selected: int | None) -> None:
        """Run the model on ``image`` and make it current (nothing changes if it fails)."""
        acts = self.model.forward(image)
        self.image, self.acts, self.source, self.selected = image, acts, source, selected

    def set_range_mode(self, mode: str) -> None:
        if mode not in RANGE_MODES:
            raise ValueError(f"unknown range mode {mode!r}")
        self.range_mode = mode

    @property
    def probabilities(self) -> np.ndarray:
        return self.acts["probabilities"]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.acts["probabilities"]))


STATE: OverviewState | None = None
