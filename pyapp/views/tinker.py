"""Tinkering, the session side: :class:`Tinker` keeps the unedited model and the undoable list
of edits, and turns each change into one ``Session.set_model(apply(base, edits), ...)``;
:func:`compare` gives every "before / after" number a view paints (the banner, both bars, the
changed maps, a difference map); the ``*_html`` functions write the controls (every outside
string escaped).  Plain Python (numpy), no ``js``: the page and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pyapp import edits as E
from pyapp.cnn.model import Model
from pyapp.render.colormaps import ACTIVATION
from pyapp.session import Session, Snapshot

ACTIVATION_TYPES = E.ACTIVATION_TYPES
POOL_TYPES = tuple(E.POOL_TYPES.values())


def percent(p: float) -> str:
    """A probability as the banner prints it: ``"85.3 %"``."""
    return f"{100.0 * float(p):.1f} %"


@dataclass(frozen=True)
class Comparison:
    """Before (the unedited network) and after (the snapshot's) for one image."""

    before: np.ndarray  # probabilities of the unedited network
    after: np.ndarray
    before_class: int
    after_class: int
    banner: str  # "horse 85.3 % → deer 40.1 %" ("" when nothing is edited)
    before_widths: tuple[str, ...]  # CSS widths of the "before" marks on the bars
    changed: frozenset[tuple[str, int]]  # (layer, channel) of every map that differs
    edited: bool


class Tinker:
    """The edits of one session.  ``base``: the unedited model (the session's model when
    made).  Every change publishes one snapshot through ``session.set_model``."""

    def __init__(self, session: Session, base: Model | None = None) -> None:
        self.session = session
        self.base = base if base is not None else getattr(session.model, "base", session.model)
        self.edits = E.EditList()
        self._before: tuple[int, Any, dict[str, np.ndarray]] | None = None

    # --- changing --------------------------------------------------------------------------
    @property
    def current(self) -> tuple[E.Edit, ...]:
        return self.edits.edits

    def push(self, edit: E.Edit, merge: bool = False) -> Snapshot:
        """Add one edit (checked against the model first: a bad one changes nothing)."""
        E.apply(self.base, self.current + (edit,))
        self.edits.push(edit, merge)
        return self._publish()

    def undo(self) -> Snapshot | None:
        return self._publish() if self.edits.undo() else None

    def redo(self) -> Snapshot | None:
        return self._publish() if self.edits.redo() else None

    def reset(self) -> Snapshot | None:
        if not self.current:
            return None
        self.edits.replace(())
        return self._publish()

    def load(self, text: str) -> str:
        """The edits of a link; returns "" or the plain message (then nothing is edited)."""
        try:
            edits = E.decode(text)
            E.apply(self.base, edits)
        except E.EditError as exc:
            return E.link_problem(str(exc))
        if edits:
            self.edits = E.EditList(edits)
            self._publish()
        return ""

    def link_text(self) -> str:
        return E.encode(self.current)

    def _publish(self) -> Snapshot:
        s = self.session.snapshot
        model = E.apply(self.base, self.current) if self.current else self.base
        return self.session.set_model(model, s.image, s.source)

    # --- reading ---------------------------------------------------------------------------
    def follows(self, snap: Snapshot) -> bool:
        """Whether ``snap``'s model is this tinker's (else another model was loaded)."""
        return snap.model is self.base or getattr(snap.model, "base", None) is self.base

    def before_acts(self, snap: Snapshot) -> dict[str, np.ndarray]:
        """The unedited network's activations on ``snap``'s image (cached per image)."""
        if snap.model is self.base:
            return dict(snap.acts)
        cached = self._before
        if cached is not None and cached[1] is snap.image:
            return cached[2]
        acts = self.base.forward(snap.image)
        self._before = (snap.version, snap.image, acts)
        return acts

    def compare(self, snap: Snapshot) -> Comparison:
        before_acts = self.before_acts(snap)
        before, after = before_acts["probabilities"], snap.probabilities
        bi, ai = int(np.argmax(before)), int(np.argmax(after))
        names = snap.class_names
        edited = bool(self.current)
        banner = (f"{names[bi]} {percent(before[bi])} \u2192 {names[ai]} {percent(after[ai])}"
                  if edited else "")
        changed: set[tuple[str, int]] = set()
        if edited:
            for col in snap.layout.columns:
                a, b = snap.acts.get(col.name), before_acts.get(col.name)
                if a is None or b is None or a.ndim != 3:
                    continue
                for c in np.flatnonzero(np.any(a != b, axis=(0, 1))):
                    changed.add((col.name, int(c)))
        return Comparison(before, after, bi, ai, banner,
                          tuple(f"{100.0 * float(p):.2f}%" for p in before),
                          frozenset(changed), edited)

    def difference(self, snap: Snapshot, layer: str, channel: int) -> tuple[np.ndarray, float]:
        """New minus original for one map, as ``(H, W, 4)`` RGBA on the diverging activation
        scale (symmetric around 0), and the largest absolute difference."""
        a = np.asarray(snap.acts[layer][..., channel], np.float64)
        b = np.asarray(self.before_acts(snap)[layer][..., channel], np.float64)
        d = a - b
        limit = float(np.max(np.abs(d))) if d.size else 0.0
        return ACTIVATION.rgba_symmetric(d, limit if limit > 0 else 1.0), limit


# --- controls -----------------------------------------------------------------------------
def weight_name(layer: str, out: int, ch: int, row: int, col: int) -> str:
    return (f"{layer} neuron {out + 1}, channel {ch + 1}, weight row {row + 1} column "
            f"{col + 1}")


def bias_name(layer: str, out: int) -> str:
    return f"{layer} neuron {out + 1}, bias"


def kernel_editor_html(model: Model, base: Model, layer: str, out: int, ch: int) -> str:
    """The editable kernel of ``layer`` neuron ``out`` for input channel ``ch``: one spin
    button a weight, the bias, and the classic kernels (edited values marked)."""
    spec = model.layer(layer)
    k = spec.weights["kernel"]
    k0 = base.layer(layer).weights["kernel"]
    kh, kw, cin, _ = k.shape
    q = escape
    grid_name = f"{layer} neuron {out + 1}, channel {ch + 1} weights"
    rows = []
    for r in range(kh):
        cells = []
        for c in range(kw):
            v, v0 = float(k[r, c, ch, out]), float(k0[r, c, ch, out])
            edited = " tk-edited" if v != v0 else ""
            cells.append(
                f'<input type="number" class="tk-w{edited}" step="0.1" inputmode="decimal"'
                f' data-row="{r}" data-col="{c}" id="tk-w-{r}-{c}"'
                f' value="{q(E.num_text(v))}" data-base="{q(E.num_text(v0))}"'
                f' aria-label="{q(weight_name(layer, out, ch, r, c))}">')
        rows.append('<div class="tk-row">' + "".join(cells) + "</div>")
    b, b0 = float(spec.weights["bias"][out]), float(base.layer(layer).weights["bias"][out])
    channel_opts = "".join(
        f'<option value="{i}"{" selected" if i == ch else ""}>channel {i + 1}</option>'
        for i in range(cin))
    classic = "".join(f'<option value="{n}">{q(E.CLASSIC_LABELS[n])}</option>'
                      for n in E.CLASSIC) if (kh, kw) == (3, 3) else ""
    return (
        f'<section class="tk-kernel" data-layer="{q(layer)}" data-out="{out}" data-ch="{ch}"'
        f' aria-label="{q(f"Edit the kernel of {layer} neuron {out + 1}")}">'
        f'<h3 class="tk-h">Change this kernel</h3>'
        '<p class="tk-hint">Type a number, drag a weight up or down, or use the arrow keys '
        '(Shift: steps of 1). Every layer after this one is recomputed.</p>'
        '<div class="tk-kgrid">'
        f'<label class="tk-lab">Input channel <select class="tk-ch"'
        f' aria-label="{q(f"{layer} neuron {out + 1}: input channel to edit")}">'
        f'{channel_opts}</select></label>'
        f'<div class="tk-grid" role="group" aria-label="{q(grid_name)}">'
        + "".join(rows) + "</div>"
        f'<label class="tk-lab">Bias <input type="number" class="tk-b'
        f'{" tk-edited" if b != b0 else ""}" step="0.1" id="tk-b" value="{q(E.num_text(b))}"'
        f' aria-label="{q(bias_name(layer, out))}"></label>'
        + (f'<label class="tk-lab">Classic kernel <select class="tk-classic"'
           f' aria-label="{q(f"Classic kernel for {layer} neuron {out + 1}, channel {ch + 1}")}">'
           f'<option value="">choose\u2026</option>{classic}</select></label>' if classic else "")
        + f'<button type="button" class="tk-mapoff" aria-pressed="false"'
          f' data-layer="{q(layer)}" data-ch="{out}">Switch this map off</button>'
        + "</div></section>")


def panel_html(snap: Snapshot, tinker: Tinker) -> str:
    """The tinker section's controls for the current model (activation and pooling swaps,
    the temperature, input channels, undo / redo / reset, save) with their explanations."""
    q = escape
    model, base = snap.model, tinker.base
    current = {e.key(): e for e in tinker.current}
    parts = ['<div class="tk-ops">']
    for layer in base.layers:
        if layer.type in ACTIVATION_TYPES:
            kind = getattr(current.get(("act", layer.name)), "kind", layer.type)
            opts = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>'
                           f'{q(E.ACTIVATION_LABELS[k])}</option>' for k in E.ACTIVATIONS)
            parts.append(
                f'<label class="tk-op">{q(layer.name)} <select class="tk-act"'
                f' data-layer="{q(layer.name)}" aria-label="{q(layer.name)} activation">'
                f'{opts}</select></label>')
        elif layer.type in POOL_TYPES:
            kind = getattr(current.get(("pool", layer.name)), "kind",
                           "avg" if layer.type == "avg_pool2d" else "max")
            opts = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>'
                           f'{"average" if k == "avg" else "max"} pooling</option>'
                           for k in E.POOLS)
            parts.append(
                f'<label class="tk-op">{q(layer.name)} <select class="tk-pool"'
                f' data-layer="{q(layer.name)}" aria-label="{q(layer.name)} pooling">'
                f'{opts}</select></label>')
    parts.append("</div>")
    t = float(getattr(model, "temperature", 1.0))
    parts.append(
        '<div class="tk-temp"><label for="tk-t">Softmax temperature '
        f'<output id="tk-t-out" for="tk-t">{q(E.num_text(t))}</output></label>'
        f'<input type="range" id="tk-t" min="-1" max="1" step="0.01"'
        f' value="{np.log10(t):.2f}" aria-label="Softmax temperature"'
        f' aria-valuetext="{q(E.num_text(t))}">'
        '<p class="tk-formula">p<sub>i</sub> = e<sup>z<sub>i</sub> / T</sup> / '
        '\u03a3<sub>j</sub> e<sup>z<sub>j</sub> / T</sup></p></div>')
    if base.input_shape[2] <= 4 and base.layers[0].type == "conv2d":
        off = {e.channel for e in tinker.current
               if isinstance(e, E.InputChannelOff) and e.off}
        for e in tinker.current:
            if isinstance(e, E.InputChannelOff) and not e.off:
                off.discard(e.channel)
        buttons = "".join(
            f'<button type="button" class="tk-in" data-ch="{c}"'
            f' aria-pressed="{"true" if c in off else "false"}">'
            f'{q(E.CHANNEL_NAMES[c] if c < 3 else f"channel {c + 1}")} off</button>'
            for c in range(base.input_shape[2]))
        parts.append(f'<div class="tk-inputs" role="group" aria-label="Input channels">'
                     f'Input channels: {buttons}</div>')
    return "".join(parts)


def changes_html(tinker: Tinker) -> str:
    if not tinker.current:
        return '<li class="tk-none">No changes yet.</li>'
    return "".join(f"<li>{escape(E.describe(e))}</li>" for e in tinker.current)


def explanation(edit: E.Edit | None) -> str:
    """The one plain sentence shown where the change was made."""
    if isinstance(edit, E.SwapActivation):
        return E.EXPLAIN_ACTIVATION[edit.kind]
    if isinstance(edit, E.SwapPool):
        return E.EXPLAIN_POOL[edit.kind]
    if isinstance(edit, E.Temperature):
        return E.explain_temperature(edit.t)
    if isinstance(edit, E.MapOff):
        return (f"Map {edit.channel + 1} of {edit.layer} is now all zeros: the layers after it "
                "no longer see that feature." if edit.off else
                f"Map {edit.channel + 1} of {edit.layer} is on again.")
    if isinstance(edit, E.InputChannelOff):
        name = E.CHANNEL_NAMES[edit.channel] if edit.channel < 3 else str(edit.channel + 1)
        return (f"The network no longer sees the {name} channel of the photo." if edit.off
                else f"The network sees the {name} channel again.")
    if isinstance(edit, E.SetKernel) and isinstance(edit.kernel, str):
        return (f"{edit.layer} neuron {edit.out + 1} now looks at channel {edit.in_ch + 1} "
                f"through the {E.CLASSIC_LABELS[edit.kernel]} kernel.")
    if edit is not None:
        return E.describe(edit) + "."
    return ""
