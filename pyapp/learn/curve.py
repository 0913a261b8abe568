"""The training curve as SVG: loss and accuracy per epoch, drawn from the trainer's numbers.

Epoch ``e`` of ``E`` sits at ``x = L + (W - L - R) e / E``; the loss ``l`` at
``y = T + (H - T - B) (1 - l / l_max)`` with ``l_max`` the largest loss so far (at least 0.1),
the accuracy ``a`` in [0, 1] at ``y = T + (H - T - B) (1 - a)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyapp.i18n import tr
from pyapp.numbers import limit, value
from pyapp.render.escaping import attr

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 34, 10, 24


class Point(Protocol):
    """One epoch's numbers (:class:`pyapp.learn.trainer.Epoch`)."""

    index: int
    loss: float
    accuracy: float


def _points(values: Sequence[tuple[int, float]], epochs: int, top: float) -> str:
    span_x, span_y = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    pts = []
    for e, v in values:
        x = LEFT + span_x * e / max(1, epochs)
        y = TOP + span_y * (1.0 - min(max(v / top, 0.0), 1.0))
        pts.append(f"{x:.1f},{y:.1f}")
    return " ".join(pts)


def curve_svg(history: Sequence[Point], epochs: int) -> str:
    """``history``: records with ``index`` (epoch, 0 = before training), ``loss`` and
    ``accuracy``; ``epochs``: the planned number (the x axis)."""
    loss = [(h.index, float(h.loss)) for h in history]
    acc = [(h.index, float(h.accuracy)) for h in history]
    top = max([0.1, *(v for _, v in loss)])
    last = history[-1] if history else None
    if last is None:
        label = tr("Training curve: no epochs yet")
    else:
        label = tr("Training curve: after epoch {epoch} of {epochs}, loss {loss}, accuracy "
                   "{pct} %", epoch=last.index, epochs=epochs, loss=value(float(last.loss)),
                   pct=round(100 * float(last.accuracy)))
    base_y = HEIGHT - BOTTOM
    parts = [
        f'<svg class="tc-curve" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{attr(label)}">',
        f'<line class="tc-axis" x1="{LEFT}" y1="{base_y}" x2="{WIDTH - RIGHT}" y2="{base_y}"/>',
        f'<line class="tc-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base_y}"/>',
        f'<line class="tc-axis" x1="{WIDTH - RIGHT}" y1="{TOP}" x2="{WIDTH - RIGHT}"'
        f' y2="{base_y}"/>',
        f'<text class="tc-tick tc-loss-t" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">'
        f'{attr(limit(top))}</text>',
        f'<text class="tc-tick tc-loss-t" x="{LEFT - 4}" y="{base_y}" text-anchor="end">0</text>',
        f'<text class="tc-tick tc-acc-t" x="{WIDTH - RIGHT + 4}" y="{TOP + 4}">100%</text>',
        f'<text class="tc-tick tc-acc-t" x="{WIDTH - RIGHT + 4}" y="{base_y}">0%</text>',
        f'<text class="tc-tick" x="{LEFT}" y="{HEIGHT - 6}">{attr(tr("epoch 0"))}</text>',
        f'<text class="tc-tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f'{int(epochs)}</text>',
    ]
    if loss:
        parts.append(f'<polyline class="tc-loss" points="{_points(loss, epochs, top)}"/>')
        parts.append(f'<polyline class="tc-acc" points="{_points(acc, epochs, 1.0)}"/>')
    parts.append("</svg>")
    return "".join(parts)
