"""One conv neuron's kernel before and after training, and the difference, with the real
numbers: the view model and its markup (plain Python; the page only inserts it).

For conv layer ``l`` with kernel ``K`` ``(kh, kw, C_in, C_out)`` and bias ``b`` ``(C_out,)``,
neuron ``o`` (0-based)::

    before = K_before[:, :, :, o]     after = K_after[:, :, :, o]     (kh, kw, C_in)
    change = after - before           (float64, so the printed change is the true one)

Before and after are coloured on :data:`pyapp.render.colormaps.SIGNED` over one shared range
``[-m, m]``, ``m = max(|before|, |after|)``, so the same colour is the same weight in both; the
change on the same map over its own ``[-d, d]``, ``d = max |change|`` (blue: the weight
grew, red: it shrank).  Weights print with 3 decimals; the changes, often a thousand times
smaller, with :func:`change_decimals` ``(d)`` decimals (two significant digits for the largest),
the same for every cell so they line up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pyapp.cnn.model import Model
from pyapp.i18n import tr, trn
from pyapp.learn.changes import Change
from pyapp.numbers import fixed, value
from pyapp.render.colormaps import signed_colour, text_color_on
from pyapp.render.escaping import attr

#: at most this many changed kernels offered in the list
CHOICES = 6
MAX_DECIMALS = 8


def change_decimals(d: float) -> int:
    """Decimals that show ``d > 0`` with two significant digits: ``1 - floor(log10 d)``,
    3 to :data:`MAX_DECIMALS`."""
    if not np.isfinite(d) or d <= 0:
        return 3
    return int(min(MAX_DECIMALS, max(3, 1 - np.floor(np.log10(d)))))


@dataclass(frozen=True)
class KernelDiff:
    """See the module docstring; ``relative`` is ``|change| / |before|`` over kernel and
    bias (:mod:`pyapp.learn.changes`)."""

    layer: str
    unit: int
    before: np.ndarray  # (kh, kw, C_in) float64
    after: np.ndarray
    change: np.ndarray
    bias_before: float
    bias_after: float
    limit: float  # m
    change_limit: float  # d

    @property
    def decimals(self) -> int:
        """How the changes print (:func:`change_decimals` of ``change_limit``)."""
        return change_decimals(self.change_limit)

    def change_text(self, v: float) -> str:
        return fixed(v, self.decimals)

    @property
    def bias_change(self) -> float:
        return self.bias_after - self.bias_before

    @property
    def relative(self) -> float:
        old = np.append(self.before.ravel(), self.bias_before)
        new = np.append(self.after.ravel(), self.bias_after)
        norm = float(np.linalg.norm(old))
        d = float(np.linalg.norm(new - old))
        return d / norm if norm > 0 else (0.0 if d == 0 else float("inf"))


def is_conv(model: Model, layer: str) -> bool:
    """Whether ``layer`` has a 4-D kernel (a convolution)."""
    try:
        w = model.layer(layer).weights
    except KeyError:
        return False
    return "kernel" in w and np.ndim(w["kernel"]) == 4


def choices(changes: Sequence[Change], model: Model, top: int = CHOICES) -> list[Change]:
    """Changed conv neurons to offer (not new ones): the most-moved of each layer (largest
    first), then the next most-moved overall, ``top`` in all."""
    moved = sorted((c for c in changes if c.relative != float("inf") and is_conv(model, c.layer)),
                   key=lambda c: -c.relative)
    firsts: dict[str, Change] = {}
    for c in moved:
        firsts.setdefault(c.layer, c)
    rest = [c for c in moved if firsts[c.layer] is not c]
    return (list(firsts.values()) + rest)[:top]


def kernel_diff(before: Model, after: Model, layer: str, unit: int) -> KernelDiff:
    """Neuron ``unit`` of conv ``layer`` in ``before`` and ``after`` (module docstring)."""
    wb, wa = before.layer(layer).weights, after.layer(layer).weights
    kb = np.asarray(wb["kernel"], np.float64)[..., unit]
    ka = np.asarray(wa["kernel"], np.float64)[..., unit]
    if kb.shape != ka.shape:
        raise ValueError(f"{layer}: the kernels before and after differ in shape")
    bb = float(np.asarray(wb.get("bias", np.zeros(unit + 1)), np.float64)[unit])
    ba = float(np.asarray(wa.get("bias", np.zeros(unit + 1)), np.float64)[unit])
    change = ka - kb
    m = float(max(np.abs(kb).max(initial=0.0), np.abs(ka).max(initial=0.0), abs(bb), abs(ba)))
    d = float(max(np.abs(change).max(initial=0.0), abs(ba - bb)))
    return KernelDiff(layer, unit, kb, ka, change, bb, ba, m or 1.0, d or 1.0)


def _cell(v: float, limit: float, text: str) -> str:
    bg = signed_colour(v, limit)
    return f'<td style="background:{bg};color:{text_color_on(bg)}">{attr(text)}</td>'


def _grid(values: np.ndarray, limit: float, caption: str, fmt: Callable[[float], str]) -> str:
    rows = "".join("<tr>" + "".join(_cell(float(v), limit, fmt(float(v))) for v in row)
                   + "</tr>" for row in values)
    return f'<table class="tc-k"><caption>{attr(caption)}</caption>{rows}</table>'


def choice_label(c: Change) -> str:
    """A changed kernel's button text."""
    return tr("{layer} neuron {n}: moved {pct} %", layer=c.layer, n=c.unit + 1,
              pct=f"{100 * c.relative:.1f}")


def before_after_html(kd: KernelDiff, during: bool = False) -> str:
    """The before / after / change grids of every input channel, and the bias line."""
    what = tr("{layer} neuron {n}", layer=kd.layer, n=kd.unit + 1)
    title = (tr("Kernel of {what}: before training and now (training is still running)",
                what=what) if during
             else tr("Kernel of {what}: before and after training", what=what))
    head = f'<h4 class="tc-h4" id="tc-ba-h">{attr(title)}</h4>'
    channels = kd.before.shape[-1]
    lead = tr("{channels} Change = after \u2212 before (blue: the weight grew, red: it "
              "shrank). The weights moved {pct} % in all.",
              channels=trn("{n} input channel.", "{n} input channels.", channels),
              pct=f"{100 * kd.relative:.1f}")
    lead_html = f'<p class="tc-ba-lead">{attr(lead)}</p>'
    rows = []
    for c in range(channels):
        rows.append(
            f'<div class="tc-ba-row" role="group" aria-label="'
            f'{attr(tr("Input channel {c} of {what}", c=c + 1, what=what))}">'
            f'<span class="tc-ba-ch">{attr(tr("input channel {c}", c=c + 1))}</span>'
            + _grid(kd.before[:, :, c], kd.limit, tr("before"), value)
            + _grid(kd.after[:, :, c], kd.limit, tr("after"), value)
            + _grid(kd.change[:, :, c], kd.change_limit, tr("change"), kd.change_text)
            + "</div>")
    bias = tr("bias: {before} \u2192 {after} (change {change})", before=value(kd.bias_before),
              after=value(kd.bias_after), change=kd.change_text(kd.bias_change))
    bias_html = f'<p class="tc-ba-bias">{attr(bias)}</p>'
    return (head + lead_html + '<div class="tc-ba-grids">' + "".join(rows) + "</div>"
            + bias_html)
