"""The read-out for the neuron under the pointer or focus: layer, index, shape, value range;
a conv neuron's 3x3 kernel (first input channel) and bias, with an "Edit" button; an output's
logit and probability.  Pure functions of the model and the activations, returning HTML (the
page shows it as is).

Pinned (``pinned=True``, the student pressed "Edit"): the info part (``.ov-ro-info``, written
again on every change) and an empty ``.ov-ro-editor`` that the tinker view fills with the
editable kernel and keeps up to date in place, and a "Close" button."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.cnn.stats import colour_limit
from pyapp.i18n import class_label, tr

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
    return (f'<table class="ov-kernel" aria-label="{escape(tr("kernel weights"))}">'
            + "".join(rows) + "</table>")


def neuron_label(col: Column, index: int) -> str:
    """The read-out's heading: ``Column.neuron_name``, in the page's language."""
    return col.neuron_name(index)


def editable(model: Any, layer: str) -> bool:
    """Whether the read-out of ``layer`` offers "Edit" (a convolution's kernel and bias)."""
    return layer in {s.name for s in model.layers} and model.layer(layer).kind.role == "conv"


def edit_button_html(layer: str, index: int, pinned: bool) -> str:
    """"Edit" (pins the read-out to this neuron) or, pinned, "Close"."""
    q = escape
    if pinned:
        name = tr("Close the kernel editor of {layer} neuron {n}", layer=layer, n=index + 1)
        return (f'<button type="button" class="ov-ro-close" data-l="{q(layer)}"'
                f' data-i="{index}" aria-label="{q(name)}">{q(tr("Close"))}</button>')
    name = tr("Edit the kernel of {layer} neuron {n}", layer=layer, n=index + 1)
    return (f'<button type="button" class="ov-ro-edit" data-l="{q(layer)}" data-i="{index}"'
            f' aria-label="{q(name)}">{q(tr("Edit"))}</button>')


def readout_html(model: Any, acts: Mapping[str, np.ndarray], layout: OverviewLayout,
                 layer: str, index: int, pinned: bool = False) -> str:
    """The read-out for neuron ``index`` of column ``layer`` (``pinned``: the info part and
    the editor's holder, see the module's docstring)."""
    if pinned:
        return ('<div class="ov-ro-info">' + info_html(model, acts, layout, layer, index, True)
                + '</div><div class="ov-ro-editor"></div>')
    return info_html(model, acts, layout, layer, index)


def info_html(model: Any, acts: Mapping[str, np.ndarray], layout: OverviewLayout,
              layer: str, index: int, pinned: bool = False) -> str:
    """The read-out's numbers (pinned: without the kernel table, which the editor shows)."""
    col: Column = layout.column(layer)
    head = f"<b>{escape(neuron_label(col, index))}</b>"
    if col.kind == "output":
        logits = np.asarray(acts[layer], dtype=np.float64)
        probs = np.asarray(acts["probabilities"], dtype=np.float64)
        chip = signed_colour(float(logits[index]), colour_limit(logits))
        name = escape(class_label(model.class_names[index]))
        chip_html = (f'<span class="ov-chip" style="background:{chip};'
                     f'color:{text_color_on(chip)};padding:0 4px">{fmt(logits[index])}</span>')
        return (f"{head}<span>{tr('class <b>{name}</b>', name=name)}</span>"
                f"<span>{tr('logit {value}', value=chip_html)}</span>"
                "<span>" + tr("probability <b>{percent}</b> ({fraction})",
                              percent=numbers.percent(probs[index]),
                              fraction=numbers.fraction(probs[index])) + "</span>")
    spec = None if col.kind == "input" else model.layer(layer)
    a = np.asarray(acts[layer])
    if spec is not None:
        a = a.reshape(spec.kind.map_shape(a.shape) or a.shape)
    a = a[..., index]
    parts = [head, f"<span>{escape(tr('map {shape}', shape=format_shape(a.shape)))}</span>",
             f"<span>{escape(tr('min {lo}, max {hi}', lo=fmt(a.min()), hi=fmt(a.max())))}</span>"]
    if spec is not None and spec.kind.role == "conv":
        k = np.asarray(spec.weights["kernel"])  # HWIO
        b = float(spec.weights["bias"][index])
        lim = colour_limit(k)
        src = model.input_of(layer)
        if not pinned:
            cap = tr("kernel {h}\u00d7{w}, input channel 1 of {n} ({source})", h=k.shape[0],
                     w=k.shape[1], n=k.shape[2], source=src)
            parts.append(f'<span class="ov-kcap">{escape(cap)}</span>'
                         + _kernel_table(k[:, :, 0, index], lim))
        parts.append(f"<span>{tr('bias <b>{value}</b>', value=fmt(b, 4))}</span>")
        parts.append(edit_button_html(layer, index, pinned))
    elif spec is not None:
        text = spec.kind.readout(spec.config, model.input_of(layer), index)
        if text:
            parts.append(f"<span>{escape(text)}</span>")
    return "".join(parts)
