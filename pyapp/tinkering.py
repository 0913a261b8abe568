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
from pyapp.i18n import N_, class_label, tr
from pyapp.render.colormaps import SIGNED
from pyapp.session import Session, Snapshot


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
        start = base if base is not None else session.model
        # an edited network (e.g. one trained with its switches kept) starts with its edits
        self.base = getattr(start, "base", start)
        self.edits = E.EditList(getattr(start, "edits", ()))
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

    def compare(self, snap: Snapshot, maps: bool = True) -> Comparison:
        """Before and after for ``snap`` (``maps=False``: without the changed maps, which
        a drag leaves for its end)."""
        before_acts = self.before_acts(snap)
        before, after = before_acts["probabilities"], snap.probabilities
        bi, ai = int(np.argmax(before)), int(np.argmax(after))
        names = snap.class_names
        edited = bool(self.current)
        banner = (f"{class_label(names[bi])} {percent(before[bi])} \u2192 "
                  f"{class_label(names[ai])} {percent(after[ai])}" if edited else "")
        changed: set[tuple[str, int]] = set()
        if edited and maps:
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
        return SIGNED.rgba_symmetric(d, limit if limit > 0 else 1.0), limit


# --- controls -----------------------------------------------------------------------------
def weight_name(layer: str, out: int, ch: int, row: int, col: int) -> str:
    return tr("{layer} neuron {n}, channel {c}, weight row {r} column {k}", layer=layer,
              n=out + 1, c=ch + 1, r=row + 1, k=col + 1)


def bias_name(layer: str, out: int) -> str:
    return tr("{layer} neuron {n}, bias", layer=layer, n=out + 1)


def shown(value: float) -> str:
    """A weight as its spin button shows it (three decimals; the link keeps every digit)."""
    text = f"{float(value):.3f}"
    return "0.000" if text == "-0.000" else text


def kernel_values(model: Model, base: Model, layer: str, out: int, ch: int
                  ) -> tuple[list[tuple[int, int, str, bool]], tuple[str, bool]]:
    """The editor's numbers: ``(row, column, text, edited)`` a weight, and the bias's
    ``(text, edited)``; edited: it differs from the unedited network."""
    k = model.layer(layer).weights["kernel"]
    k0 = base.layer(layer).weights["kernel"]
    cells = [(r, c, shown(k[r, c, ch, out]), bool(k[r, c, ch, out] != k0[r, c, ch, out]))
             for r in range(k.shape[0]) for c in range(k.shape[1])]
    b = model.layer(layer).weights["bias"][out]
    b0 = base.layer(layer).weights["bias"][out]
    return cells, (shown(b), bool(b != b0))


def edited_weights(model: Model, base: Model, layer: str, out: int) -> list[list[bool]]:
    """Per input channel, row by row: whether each weight of neuron ``out`` differs from the
    unedited network (to mark the kernels the detail views draw)."""
    k = model.layer(layer).weights["kernel"][..., out]
    k0 = base.layer(layer).weights["kernel"][..., out]
    diff = k != k0  # (kh, kw, C_in)
    return [[bool(v) for v in diff[:, :, c].ravel()] for c in range(diff.shape[2])]


def kernel_editor_html(model: Model, base: Model, layer: str, out: int, ch: int,
                       open_: bool = True, prefix: str = "tk") -> str:
    """The editable kernel of ``layer`` neuron ``out`` for input channel ``ch``: one spin
    button a weight, the bias, and the classic kernels (edited values marked); ``prefix``
    starts the inputs' ids (``tk``: the detail view's, ``ro``: the overview read-out's)."""
    kh, kw, cin, _ = model.layer(layer).weights["kernel"].shape
    cells, (btext, bedited) = kernel_values(model, base, layer, out, ch)
    q = escape
    grid_name = tr("{layer} neuron {n}, channel {c} weights", layer=layer, n=out + 1, c=ch + 1)
    rows = []
    for r in range(kh):
        row = []
        for _, c, text, edited in cells[r * kw:(r + 1) * kw]:
            row.append(
                f'<input type="number" class="tk-w{" tk-edited" if edited else ""}"'
                f' step="0.1" inputmode="decimal" data-row="{r}" data-col="{c}"'
                f' id="{prefix}-w-{r}-{c}" value="{q(text)}"'
                f' aria-label="{q(weight_name(layer, out, ch, r, c))}">')
        rows.append('<div class="tk-row">' + "".join(row) + "</div>")
    channel_opts = "".join(
        f'<option value="{i}"{" selected" if i == ch else ""}>'
        f'{q(tr("channel {n}", n=i + 1))}</option>' for i in range(cin))
    classic = "".join(f'<option value="{n}">{q(tr(E.CLASSIC_LABELS[n]))}</option>'
                      for n in E.CLASSIC) if (kh, kw) == (3, 3) else ""
    kname = tr("Edit the kernel of {layer} neuron {n}", layer=layer, n=out + 1)
    chname = tr("{layer} neuron {n}: input channel to edit", layer=layer, n=out + 1)
    cname = tr("Classic kernel for {layer} neuron {n}, channel {c}", layer=layer, n=out + 1,
               c=ch + 1)
    return (
        f'<section class="tk-kernel" data-layer="{q(layer)}" data-out="{out}" data-ch="{ch}"'
        f' aria-label="{q(kname)}">'
        f'<details class="tk-details"{" open" if open_ else ""}>'
        f'<summary class="tk-h">{q(tr("Change this kernel"))}</summary>'
        f'<p class="tk-hint">{q(tr(EDITOR_HINT))}</p>'
        '<div class="tk-kgrid">'
        f'<label class="tk-lab">{q(tr("Input channel"))} <select class="tk-ch"'
        f' aria-label="{q(chname)}">{channel_opts}</select></label>'
        f'<div class="tk-grid" role="group" aria-label="{q(grid_name)}">'
        + "".join(rows) + "</div>"
        f'<label class="tk-lab">{q(tr("Bias"))} <input type="number" class="tk-b'
        f'{" tk-edited" if bedited else ""}" step="0.1" id="{prefix}-b" value="{q(btext)}"'
        f' aria-label="{q(bias_name(layer, out))}"></label>'
        + (f'<label class="tk-lab">{q(tr("Classic kernel"))} <select class="tk-classic"'
           f' aria-label="{q(cname)}"><option value="">{q(tr("choose…"))}</option>'
           f'{classic}</select></label>' if classic else "")
        + f'<button type="button" class="tk-mapoff" aria-pressed="false"'
          f' data-layer="{q(layer)}" data-ch="{out}">{q(tr(MAP_OFF))}</button>'
        + "</div></details></section>")


EDITOR_HINT = N_("Type a number, drag a weight up or down, or use the arrow keys (Shift: "
                 "steps of 1). Every layer after this one is recomputed.")
MAP_OFF = N_("Switch this map off")
MAP_ON = N_("Switch this map on")


@dataclass(frozen=True)
class PanelState:
    """What the tinker controls show: each swappable layer's operation, the temperature
    (its text and the slider's position, log10 T), and the input channels switched off."""

    ops: tuple[tuple[str, str, str], ...]  # (layer, "act" or "pool", kind)
    temperature: str
    slider: str
    inputs_off: frozenset[int]
    input_channels: int  # 0 when input channels cannot be switched off


def panel_state(snap: Snapshot, tinker: Tinker) -> PanelState:
    current = {e.key(): e for e in tinker.current}
    ops = []
    for layer in tinker.base.layers:
        what = "act" if E.is_activation(layer) else "pool" if E.is_pool(layer) else ""
        if what:
            ops.append((layer.name, what, getattr(current.get((what, layer.name)), "kind",
                                                  E.own_kind(layer))))
    t = float(getattr(snap.model, "temperature", 1.0))
    off: set[int] = set()
    for e in tinker.current:
        if isinstance(e, E.InputChannelOff):
            (off.add if e.off else off.discard)(e.channel)
    base = tinker.base
    channels = base.input_shape[2] if (base.input_shape[2] <= 4
                                       and E.has_kernels(base.layers[0])) else 0
    return PanelState(tuple(ops), E.num_text(t), f"{np.log10(t):.2f}", frozenset(off),
                      channels)


def panel_html(snap: Snapshot, tinker: Tinker) -> str:
    """The tinker section's controls for the current model (activation and pooling swaps,
    the temperature with its formula, input channels)."""
    q = escape
    state = panel_state(snap, tinker)
    parts = ['<div class="tk-ops">']
    for i, (layer, what, kind) in enumerate(state.ops):
        if what == "act":
            opts = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>'
                           f'{q(E.activation_label(k))}</option>' for k in E.ACTIVATIONS)
            label = tr("{layer} activation", layer=layer)
        else:
            opts = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>'
                           f'{q(tr("average pooling") if k == "avg" else tr("max pooling"))}'
                           '</option>' for k in E.POOLS)
            label = tr("{layer} pooling", layer=layer)
        parts.append(
            f'<label class="tk-op">{q(layer)} <select class="tk-{what}" id="tk-op-{i}"'
            f' data-layer="{q(layer)}" aria-label="{q(label)}">{opts}</select></label>')
    parts.append("</div>")
    parts.append(
        f'<div class="tk-temp"><label for="tk-t">{q(tr("Softmax temperature"))} T = '
        f'<output id="tk-t-out" for="tk-t">{q(state.temperature)}</output></label>'
        f'<input type="range" id="tk-t" min="-1" max="1" step="0.01"'
        f' value="{state.slider}" aria-label="{q(tr("Softmax temperature"))}"'
        f' aria-valuetext="{q(state.temperature)}">'
        '<p class="tk-formula">p<sub>i</sub> = e<sup>z<sub>i</sub> / T</sup> / '
        '\u03a3<sub>j</sub> e<sup>z<sub>j</sub> / T</sup></p></div>')
    if state.input_channels:
        buttons = "".join(
            f'<button type="button" class="tk-in" data-ch="{c}" id="tk-in-{c}"'
            f' aria-pressed="{"true" if c in state.inputs_off else "false"}">'
            f'{q(channel_off_label(c))}</button>' for c in range(state.input_channels))
        parts.append(f'<div class="tk-inputs" role="group"'
                     f' aria-label="{q(tr("Input channels"))}">'
                     f'{q(tr("Input channels:"))} {buttons}</div>')
    return "".join(parts)


def channel_off_label(c: int) -> str:
    """The input channel buttons' text: "red off" ... ("channel 4 off" past the third)."""
    if c < 3:
        return tr("{name} off", name=tr(E.CHANNEL_NAMES[c]))
    return tr("channel {n} off", n=c + 1)


def panel_shell_html() -> str:
    """The tinker section's frame: controls, explanation, actions, the list, the difference."""
    q = escape
    return (
        '<div class="tk-panel">'
        '<div class="tk-controls"></div>'
        '<p class="tk-explain" aria-live="polite"></p>'
        '<div class="tk-actions">'
        '<button type="button" class="tk-undo" aria-keyshortcuts="Control+Z">'
        f'{q(tr("Undo"))}</button>'
        '<button type="button" class="tk-redo" aria-keyshortcuts="Control+Shift+Z">'
        f'{q(tr("Redo"))}</button>'
        f'<button type="button" class="tk-reset">{q(tr("Reset all changes"))}</button>'
        f'<button type="button" class="tk-save">{q(tr("Save the edited network (.npz)"))}'
        '</button></div>'
        f'<h3 class="tk-h" id="tk-list-h">{q(tr("Changes made"))}</h3>'
        '<ol class="tk-list" aria-labelledby="tk-list-h"></ol>'
        f'<div class="tk-diff"><h3 class="tk-h">{q(tr("Difference: new minus original"))}</h3>'
        f'<label>{q(tr("Map"))} <select class="tk-diff-map"'
        f' aria-label="{q(tr("Map to compare"))}"></select>'
        '</label><canvas class="tk-diff-canvas" width="1" height="1" role="img"'
        f' aria-label="{q(tr("Difference map"))}"></canvas><p class="tk-diff-note"></p></div>'
        '</div>')


def map_option(layer: str, channel: int) -> str:
    """The difference view's choice of a changed map: "conv_1_1 map 3"."""
    return tr("{layer} map {n}", layer=layer, n=channel + 1)


def diff_note(layer: str, channel: int, limit: float) -> str:
    return tr("{layer} map {n}: blue where the new value is higher, red where it is lower; "
              "the largest difference is {limit}.", layer=layer, n=channel + 1,
              limit=f"{limit:.3g}")


def history_text(action: str) -> str:
    """What undo, redo and reset say."""
    if action == "undo":
        return tr("The last change was undone.")
    if action == "redo":
        return tr("The change was made again.")
    return tr("Every change was undone: this is the original network.")


def banner_text(banner: str) -> str:
    return tr("Changed network: {change}", change=banner)


def changes_html(tinker: Tinker) -> str:
    if not tinker.current:
        return f'<li class="tk-none">{escape(tr("No changes yet."))}</li>'
    return "".join(f"<li>{escape(E.describe(e))}</li>" for e in tinker.current)


def explanation(edit: E.Edit | None, tinker_base: Model) -> str:
    """The one plain sentence shown where the change was made."""
    if isinstance(edit, E.SwapActivation):
        return E.explain_activation(edit.kind, E.own_kind(tinker_base.layer(edit.layer)))
    if isinstance(edit, E.SwapPool):
        return E.explain_pool(edit.kind)
    if isinstance(edit, E.Temperature):
        return E.explain_temperature(edit.t)
    if isinstance(edit, E.MapOff):
        return (tr("Map {n} of {layer} is now all zeros: the layers after it no longer see "
                   "that feature.", n=edit.channel + 1, layer=edit.layer) if edit.off else
                tr("Map {n} of {layer} is on again.", n=edit.channel + 1, layer=edit.layer))
    if isinstance(edit, E.InputChannelOff):
        name = tr(E.CHANNEL_NAMES[edit.channel]) if edit.channel < 3 else str(edit.channel + 1)
        return (tr("The network no longer sees the {name} channel of the photo.", name=name)
                if edit.off else tr("The network sees the {name} channel again.", name=name))
    if isinstance(edit, E.SetKernel) and isinstance(edit.kernel, str):
        return tr("{layer} neuron {n} now looks at channel {c} through the {name} kernel.",
                  layer=edit.layer, n=edit.out + 1, c=edit.in_ch + 1,
                  name=tr(E.CLASSIC_LABELS[edit.kernel]))
    if edit is not None:
        return tr("{change}.", change=E.describe(edit))
    return ""
