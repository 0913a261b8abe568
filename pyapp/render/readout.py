"""The read-out for the neuron under the pointer or focus: layer, index, shape, value range;
a conv neuron's 3x3 kernel (first input channel) and bias; an output's logit and probability.
Pure functions of the model and the activations, returning HTML (the page shows it as is)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.cnn.stats import colour_limit

from .colormaps import signed_colour, text_color_on
from .layout import Column, OverviewLayout, format_shape


def fmt(v: float, digits: int = numbers.VALUE) -> str:
    """A number as the read-out prints it (``pyapp.numbers``)."""
    return numbers.fixed(v, digits)


def _kernel_table(kernel: np.ndarray, limit: float) -> str:
    rows = []
    for r in range(kernel.shape[0]):
        cells = []
        for c in range(kernel.shape[1]):
            v = float(kernel[r, c])
            bg = signed_colour(v, limit)
            cells.append(f'<td style="background:{bg};color:{text_color_on(bg)}">{fmt(v, 3)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table class="ov-kernel" aria-label="kernel weights">' + "".join(rows) + "</table>"


def readout_html(model: Any, acts: Mapping[str, np.ndarray], layout: OverviewLayout,
                 layer: str, index: int) -> str:
    """The read-out for neuron ``index`` of column ``layer``."""
    col: Column = layout.column(layer)
    head = f"<b>{escape(col.neuron_name(index))}</b>"
    if col.kind == "output":
        logits = np.asarray(acts[layer], dtype=np.float64)
        probs = np.asarray(acts["probabilities"], dtype=np.float64)
        chip = signed_colour(float(logits[index]), colour_limit(logits))
        name = escape(model.class_names[index])
        return (f"{head}<span>class <b>{name}</b></span>"
                f'<span>logit <span class="ov-chip" style="background:{chip};'
                f'color:{text_color_on(chip)};padding:0 4px">{fmt(logits[index])}</span></span>'
                f"<span>probability <b>{numbers.percent(probs[index])}</b>"
                f" ({numbers.fraction(probs[index])})</span>")
    spec = None if col.kind == "input" else model.layer(layer)
    a = np.asarray(acts[layer])
    if spec is not None:
        a = a.reshape(spec.kind.map_shape(a.shape) or a.shape)
    a = a[..., index]
    parts = [head, f"<span>map {escape(format_shape(a.shape))}</span>",
             f"<span>min {fmt(a.min())}, max {fmt(a.max())}</span>"]
    if spec is not None and spec.kind.role == "conv":
        k = np.asarray(spec.weights["kernel"])  # HWIO
        b = float(spec.weights["bias"][index])
        lim = colour_limit(k)
        src = model.input_of(layer)
        parts.append(f'<span class="ov-kcap">kernel {k.shape[0]}&#215;{k.shape[1]}, '
                     f"input channel 1 of {k.shape[2]} ({escape(src)})</span>"
                     + _kernel_table(k[:, :, 0, index], lim))
        parts.append(f"<span>bias <b>{fmt(b, 4)}</b></span>")
    elif spec is not None:
        text = spec.kind.readout(spec.config, model.input_of(layer), index)
        if text:
            parts.append(f"<span>{escape(text)}</span>")
    return "".join(parts)
