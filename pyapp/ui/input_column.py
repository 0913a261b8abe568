"""The network view's input column: the example's red, green and blue channels."""

from __future__ import annotations

import numpy as np

from pyapp.ui import dom
from pyapp.ui.example import CHANNEL_NAMES, Example, channel_rgba


def render_input_column(example: Example) -> object:
    """A column with the source image and one labelled canvas per channel."""
    pixels = example.pixels
    height, width, channels = pixels.shape
    title = dom.el("h2", {"class": "layer-title"}, text="input ")
    title.appendChild(dom.el("span", {"class": "shape"}, text=f"({height}, {width}, {channels})"))
    source_rgba = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], -1)
    source = dom.el("figure", {"class": "source-image"}, [
        dom.canvas_from_rgba(source_rgba, {"id": "input-image", "role": "img",
                                           "aria-label": f"Example image: {example.label}"}),
        dom.el("figcaption", text=example.label),
        dom.el("small", {"class": "credit"}, text=example.credit),
    ])
    column = dom.el("section", {"class": "layer-column", "id": "layer-input",
                                "aria-label": "Input layer"}, [title])
    for index, name in enumerate(CHANNEL_NAMES):
        canvas = dom.canvas_from_rgba(channel_rgba(pixels, index), {
            "id": f"input-{name}", "class": "channel-canvas", "data-channel": str(index),
            "role": "img", "aria-label": f"{name} channel of the input image"})
        column.appendChild(dom.el("figure", {"class": "channel"}, [
            canvas, dom.el("figcaption", text=f"{name} channel")]))
    return dom.el("div", {"class": "network"}, [source, column])
