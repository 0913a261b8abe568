"""Which kernels training changed, and by how much: for every layer with weights, per output
unit ``o`` (a conv neuron's kernel ``K[..., o]`` with its bias, a dense unit's column)::

    change_o = |W_after[o] - W_before[o]| / |W_before[o]|      (Euclidean norms; 0/0 = 0)

Units are matched by index; units that exist only after training (a new class) are "new".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyapp.cnn.model import Model
from pyapp.i18n import tr

#: a unit whose weights moved by at least this share counts as changed
THRESHOLD = 0.001


@dataclass(frozen=True)
class Change:
    layer: str
    unit: int  # 0-based output channel / unit
    before_norm: float
    after_norm: float
    relative: float  # change_o (module docstring); inf for a new unit


def _units(layer: object) -> np.ndarray | None:
    w = getattr(layer, "weights", {})
    if "kernel" not in w:
        return None
    k = np.asarray(w["kernel"], np.float64)
    cols = k.reshape(-1, k.shape[-1]).T  # (units, fan_in)
    b = np.asarray(w.get("bias", np.zeros(k.shape[-1])), np.float64).reshape(-1, 1)
    return np.concatenate([cols, b], axis=1)


def kernel_changes(before: Model, after: Model, threshold: float = THRESHOLD) -> list[Change]:
    """Every unit whose weights changed by at least ``threshold``, largest first."""
    out: list[Change] = []
    for layer in after.layers:
        new = _units(layer)
        if new is None:
            continue
        try:
            old = _units(before.layer(layer.name))
        except KeyError:
            old = None
        for o in range(new.shape[0]):
            a = float(np.linalg.norm(new[o]))
            if old is None or o >= old.shape[0] or old.shape[1] != new.shape[1]:
                out.append(Change(layer.name, o, 0.0, a, float("inf")))
                continue
            b = float(np.linalg.norm(old[o]))
            d = float(np.linalg.norm(new[o] - old[o]))
            rel = d / b if b > 0 else (0.0 if d == 0 else float("inf"))
            if rel >= threshold:
                out.append(Change(layer.name, o, b, a, rel))
    out.sort(key=lambda c: -c.relative)
    return out


def summary(changes: list[Change], class_names: list[str], out_layer: str,
            top: int = 3) -> list[str]:
    """Plain lines: the new units (up to ``top``), then each layer's largest change (the
    largest first), e.g. ``"conv_1_1 neuron 3: weights moved 4.2 % (size 0.512 → 0.530),
    the most in conv_1_1"``.  ``class_names`` as shown (translated)."""
    def what(c: Change) -> str:
        if c.layer == out_layer and c.unit < len(class_names):
            return tr("output \u201c{name}\u201d", name=class_names[c.unit])
        return tr("{layer} neuron {n}", layer=c.layer, n=c.unit + 1)

    new = [c for c in changes if c.relative == float("inf")]
    lines = [tr("{what}: new", what=what(c)) for c in new[:top]]
    best: dict[str, Change] = {}
    for c in changes:  # largest first: the first of each layer is its largest
        if c.relative != float("inf"):
            best.setdefault(c.layer, c)
    for c in best.values():
        lines.append(tr("{what}: weights moved {pct} % (size {before} \u2192 {after}), the most "
                        "in {layer}", what=what(c), pct=f"{100 * c.relative:.1f}",
                        before=f"{c.before_norm:.3f}", after=f"{c.after_norm:.3f}",
                        layer=c.layer))
    return lines
