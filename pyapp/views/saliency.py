"""The "Why?" views as data: saliency maps for one class, ready to paint.

From a snapshot's model, activations and a class, :func:`why_view` computes every number the
page shows for one method and returns a frozen :class:`WhyView`: RGBA images (overlays with
their own alpha, drawn over the 64x64 input and the original photo), the legend, one plain
sentence of what the map shows and what it does not, and a short text of its numbers.
:class:`OcclusionRun` is the progressive variant: the page calls :meth:`OcclusionRun.advance`
once per animation frame (a few patch positions under a time budget) and paints
:meth:`OcclusionRun.view`.

Methods (``METHODS``): ``"gradcam"`` (any rectified conv layer, :func:`cam_layers`),
``"gradxinput"`` (per channel and combined) and ``"occlusion"`` (patch and stride).

Plain Python (numpy), no ``js``: the page, the article's figures and the tests share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn import saliency
from pyapp.i18n import N_, class_label, tr, trn
from pyapp.render.colormaps import ACTIVATION, ColorMap

METHODS = ("gradcam", "gradxinput", "occlusion")
# marked for the catalogue; translated where shown (tr(METHOD_LABELS[m]))
METHOD_LABELS = {"gradcam": N_("Grad-CAM"), "gradxinput": N_("Gradient \u00d7 input"),
                 "occlusion": N_("Occlusion")}
# gradient x input's channel figures: caption, and the words in the accessible name
CHANNEL_CAPTIONS = (N_("Red channel"), N_("Green channel"), N_("Blue channel"))
CHANNEL_WORDS = (N_("red channel"), N_("green channel"), N_("blue channel"))
PATCHES = (4, 6, 8, 12, 16)
STRIDES = (2, 4, 8)
DEFAULT_PATCH, DEFAULT_STRIDE = 8, 4
#: most opaque an overlay gets (of 255): the photo always shows through
MAX_ALPHA = 210

# ColorBrewer YlOrRd (sequential, colour-blind safe), for maps that are never negative
_YLORRD = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
           "#bd0026", "#800026"]


def _table(stops: Sequence[str], n: int = 256) -> np.ndarray:
    rgb = np.array([[int(s[i: i + 2], 16) for i in (1, 3, 5)] for s in stops], np.float64)
    pos, t = np.linspace(0.0, 1.0, len(stops)), np.linspace(0.0, 1.0, n)
    out = np.full((n, 4), 255, np.uint8)
    for ch in range(3):
        out[:, ch] = np.round(np.interp(t, pos, rgb[:, ch])).astype(np.uint8)
    return out


HEAT = ColorMap("heat", _table(_YLORRD), False)


def fmt(v: float) -> str:
    """A map value as printed (4 significant digits)."""
    v = float(v)
    if v == 0 or not np.isfinite(v):
        return "0" if v == 0 else str(v)
    return f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.2e}"


@dataclass(frozen=True)
class Legend:
    """A colour bar: CSS gradient, three tick texts, and its accessible description."""

    gradient: str
    ticks: tuple[str, str, str]
    label: str


@dataclass(frozen=True)
class Figure:
    """One image of a view: ``rgba`` ``(H, W, 4)`` uint8; ``overlay``: drawn over the
    input and the photo (it carries its own alpha); ``label``: its accessible name."""

    key: str
    caption: str
    label: str
    rgba: np.ndarray
    overlay: bool = False


@dataclass(frozen=True)
class WhyView:
    method: str
    class_index: int
    class_name: str
    predicted: bool
    title: str
    sentence: str
    legend: Legend
    figures: tuple[Figure, ...]
    summary: str
    layer: str | None = None
    progress: float = 1.0
    values: np.ndarray | None = None  # the map (float64) the figures show, for tests

    @property
    def peak(self) -> tuple[float, int, int]:
        """The map's largest value and where (0-based row, column); NaN if none yet."""
        v = self.values
        if v is None or not np.isfinite(v).any():
            return float("nan"), -1, -1
        r, c = np.unravel_index(int(np.nanargmax(v)), v.shape)
        return float(v[r, c]), int(r), int(c)


def edited_note(model: Any) -> str:
    """The plain sentence for a tinkered network (``model.edits``), or ``""``: the maps and
    gradients are those of the network as changed (the backward pass follows every edit)."""
    n = len(getattr(model, "edits", None) or ())
    if not n:
        return ""
    return trn("These maps are computed on the network as you changed it ({n} change "
               "under \u201cTinker with the network\u201d): maps switched off, swapped "
               "operations and the temperature are followed exactly.",
               "These maps are computed on the network as you changed it ({n} changes "
               "under \u201cTinker with the network\u201d): maps switched off, swapped "
               "operations and the temperature are followed exactly.", n)


def mistake_note(label: str, predicted: str) -> str:
    """The plain sentence for an example the network gets wrong."""
    return tr("The network gets this example wrong: it is a {label}, but the network says "
              "{predicted}. Grad-CAM for \u2018{predicted}\u2019 shows where it found that "
              "evidence (often the background); pick \u2018{label}\u2019 under Class to "
              "compare.", label=class_label(label), predicted=class_label(predicted))


def cam_layers(model: Any) -> list[tuple[str, str]]:
    """``[(activation name, label)]`` of the layers Grad-CAM can use: each convolution's
    rectified output (the convolution itself when no rectifier follows it)."""
    layers = list(model.layers)
    out = []
    for i, layer in enumerate(layers):
        if layer.kind.role != "conv":
            continue
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if nxt is not None and getattr(nxt.kind, "rectifies", False):
            out.append((nxt.name, tr("{layer} (after {rectifier})", layer=layer.name,
                                     rectifier=nxt.name)))
        else:
            out.append((layer.name, layer.name))
    return out


def _alpha_overlay(cmap: ColorMap, values: np.ndarray, lo: float, hi: float,
                   strength: np.ndarray) -> np.ndarray:
    """Colours of ``values`` with alpha ``strength`` in [0, 1] (NaN: fully transparent)."""
    rgba = cmap.rgba(values, lo, hi).copy()
    s = np.nan_to_num(np.clip(strength, 0.0, 1.0), nan=0.0)
    rgba[..., 3] = np.rint(s * MAX_ALPHA).astype(np.uint8)
    return rgba


def _limit(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    lim = float(finite.max()) if finite.size else 0.0
    return lim if lim > 0 else 1.0


def _diverging_legend(lim: float, what: str, up: str, down: str) -> Legend:
    t = fmt(lim)
    return Legend(ACTIVATION.css_gradient(), (f"-{t}", "0", t),
                  tr("Colour scale of {what}: from -{t} (red, {down}) through 0 (white) "
                     "to {t} (blue, {up})", what=what, t=t, down=down, up=up))


def _where(values: np.ndarray) -> str:
    r, c = np.unravel_index(int(np.nanargmax(values)), values.shape)
    return tr("row {r}, column {c}", r=r + 1, c=c + 1)


def why_view(model: Any, acts: Mapping[str, np.ndarray], class_index: int, method: str,
             *, layer: str | None = None, predicted: int | None = None) -> WhyView:
    """The view of ``method`` (not ``"occlusion"``: see :class:`OcclusionRun`) for class
    ``class_index``; ``predicted``: the model's predicted class (for the sentences)."""
    if method == "gradcam":
        return gradcam_view(model, acts, class_index, layer, predicted)
    if method == "gradxinput":
        return gradxinput_view(model, acts, class_index, predicted)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS[:2]} or OcclusionRun")


def _common(model: Any, acts: Mapping[str, np.ndarray], class_index: int,
            predicted: int | None) -> tuple[str, bool, float]:
    names = list(model.class_names)
    if not 0 <= class_index < len(names):
        raise IndexError(f"class {class_index} outside the model's {len(names)} classes")
    pred = int(np.argmax(acts["probabilities"])) if predicted is None else predicted
    return names[class_index], class_index == pred, float(acts["probabilities"][class_index])


def gradcam_view(model: Any, acts: Mapping[str, np.ndarray], class_index: int,
                 layer: str | None = None, predicted: int | None = None) -> WhyView:
    name, is_pred, _ = _common(model, acts, class_index, predicted)
    layer = layer or saliency.default_cam_layer(model)
    cam = saliency.grad_cam(model, acts, class_index, layer)
    h, w = acts["input"].shape[:2]
    big = saliency.upsample(cam, (h, w))
    top = float(cam.max())
    lim = top if top > 0 else 1.0
    overlay = _alpha_overlay(HEAT, big, 0.0, lim, big / lim)
    coarse = HEAT.rgba(cam, 0.0, lim)
    t = fmt(top)
    shown = class_label(name)
    size = f"{cam.shape[0]}\u00d7{cam.shape[1]}"
    legend = Legend(HEAT.css_gradient(), ("0", fmt(top / 2), t),
                    tr("Colour scale of the Grad-CAM map: from 0 (pale yellow, no evidence) "
                       "to {t} (dark red, the strongest evidence)", t=t))
    sentence = tr("Bright = where {layer} found features that, taken together, raise the "
                  "\u2018{name}\u2019 score; it shows where the evidence is, not which pixels "
                  "to change, and it is only as sharp as that layer ({size}).",
                  layer=layer, name=shown, size=size)
    if top <= 0:
        summary = tr("The map is zero everywhere: {layer} holds no evidence for "
                     "\u2018{name}\u2019 in this image.", layer=layer, name=shown)
    else:
        summary = tr("Strongest evidence {t} at {layer} {where}; on the input, the "
                     "map is brightest at {where_input}.", t=t, layer=layer,
                     where=_where(cam), where_input=_where(big))
    figs = (Figure("overlay", tr("Over the model input"),
                   tr("Grad-CAM for {name} over the model input", name=shown), overlay, True),
            Figure("map", tr("{layer} map ({size})", layer=layer, size=size),
                   tr("Grad-CAM map of {name} at the resolution of {layer}", name=shown,
                      layer=layer), coarse))
    return WhyView("gradcam", class_index, name, is_pred,
                   tr("Grad-CAM for \u2018{name}\u2019", name=shown),
                   sentence, legend, figs, summary, layer, 1.0, cam)


def gradxinput_view(model: Any, acts: Mapping[str, np.ndarray], class_index: int,
                    predicted: int | None = None) -> WhyView:
    name, is_pred, _ = _common(model, acts, class_index, predicted)
    per = saliency.gradient_x_input(model, acts, class_index)  # (H, W, C)
    combined = per.sum(axis=2)
    lim = _limit(combined)
    lim_c = _limit(per)
    strength = np.abs(combined) / lim
    overlay = _alpha_overlay(ACTIVATION, combined, -lim, lim, strength)
    shown = class_label(name)
    figs = [Figure("overlay", tr("Combined, over the model input"),
                   tr("Gradient times input for {name}, all channels, over the model input",
                      name=shown), overlay, True),
            Figure("combined", tr("Combined (sum of the channels)"),
                   tr("Gradient times input for {name}, sum of the channels", name=shown),
                   ACTIVATION.rgba_symmetric(combined, lim))]
    for i in range(per.shape[2]):
        if per.shape[2] == 3:
            caption, words = tr(CHANNEL_CAPTIONS[i]), tr(CHANNEL_WORDS[i])
        else:  # the English reads "Channel 4 channel" as it always has
            caption = tr("Channel {n} channel", n=i + 1)
            words = tr("channel {n} channel", n=i + 1)
        figs.append(Figure(f"ch{i}", caption,
                           tr("Gradient times input for {name}, {channel}", name=shown,
                              channel=words),
                           ACTIVATION.rgba_symmetric(per[..., i], lim_c)))
    legend = _diverging_legend(lim, tr("gradient \u00d7 input (the combined map; each "
                                       "channel map to \u00b1{t})", t=fmt(lim_c)),
                               tr("raises the score"), tr("lowers the score"))
    sentence = tr("Blue = these pixel values raise the \u2018{name}\u2019 score and red = "
                  "they lower it (each value is how much the score would fall, to first "
                  "order, if that pixel were made black); it says nothing about larger "
                  "changes to the image.", name=shown)
    r, c = np.unravel_index(int(np.argmax(combined)), combined.shape)
    total = float(combined.sum())
    summary = tr("Largest push up {v} at input row {r}, column {c}; all pixels together: "
                 "{total}.", v=fmt(combined[r, c]), r=r + 1, c=c + 1, total=fmt(total))
    return WhyView("gradxinput", class_index, name, is_pred,
                   tr("Gradient \u00d7 input for \u2018{name}\u2019", name=shown), sentence,
                   legend, tuple(figs), summary, None, 1.0, combined)


def occlusion_pixels(drop: np.ndarray, shape: tuple[int, int], patch: int,
                     stride: int) -> np.ndarray:
    """Per input pixel, the mean drop of the computed patches that cover it (NaN where no
    computed patch covers it yet)."""
    h, w = shape
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    for r, q in zip(*np.nonzero(np.isfinite(drop)), strict=True):
        top, left = r * stride, q * stride
        total[top: top + patch, left: left + patch] += drop[r, q]
        count[top: top + patch, left: left + patch] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


class OcclusionRun:
    """A progressive occlusion map for one image and class; ``advance`` computes positions,
    ``view`` paints what is computed so far."""

    def __init__(self, model: Any, acts: Mapping[str, np.ndarray], class_index: int,
                 patch: int = DEFAULT_PATCH, stride: int = DEFAULT_STRIDE,
                 predicted: int | None = None) -> None:
        self.name, self.is_pred, _ = _common(model, acts, class_index, predicted)
        self.class_index = class_index
        self.occ = saliency.Occlusion(model, acts["input"], class_index, patch, stride)
        self.shape = tuple(acts["input"].shape[:2])

    @property
    def done(self) -> bool:
        return self.occ.done

    def advance(self, budget_ms: float, now: Callable[[], float]) -> int:
        """Compute patch positions one at a time while ``now()`` (ms) stays within
        ``budget_ms`` of the start; at least one.  Returns how many were computed."""
        start = now()
        n = 0
        while not self.occ.done:
            n += self.occ.step(1)
            if now() - start >= budget_ms:
                break
        return n

    def view(self) -> WhyView:
        occ = self.occ
        name = self.name
        drop = occ.baseline - occ.map  # NaN where not computed
        pixels = occlusion_pixels(drop, self.shape, occ.patch, occ.stride)
        done = occ.done
        lim = _limit(drop) if np.isfinite(drop).any() else 1.0
        overlay = _alpha_overlay(ACTIVATION, pixels, -lim, lim, np.abs(pixels) / lim)
        grid = ACTIVATION.rgba_symmetric(drop, lim).copy()
        grid[~np.isfinite(drop)] = (238, 238, 238, 255)
        shown = class_label(name)
        legend = _diverging_legend(lim, tr("the drop in probability when a patch is greyed"),
                                   tr("covering it lowers the probability"),
                                   tr("covering it raises the probability"))
        sentence = tr("Blue = covering this part with a grey {size} patch lowers the "
                      "\u2018{name}\u2019 probability, so the model relies on it; red = "
                      "covering it raises the probability; it needs no gradients, but it "
                      "misses anything smaller than the patch.",
                      size=f"{occ.patch}\u00d7{occ.patch}", name=shown)
        computed = int(np.isfinite(drop).sum())
        if computed:
            r, q = np.unravel_index(int(np.nanargmax(drop)), drop.shape)
            summary = tr("{computed} of {total} patch positions computed; without any patch "
                         "the probability is {baseline}%; the largest drop is {drop} points, "
                         "with the patch at input row {r}, column {c}.", computed=computed,
                         total=occ.total, baseline=f"{100 * occ.baseline:.1f}",
                         drop=f"{100 * float(drop[r, q]):.1f}", r=r * occ.stride + 1,
                         c=q * occ.stride + 1)
        else:
            summary = tr("0 of {total} patch positions computed.", total=occ.total)
        figs = (Figure("overlay", tr("Over the model input"),
                       tr("Occlusion sensitivity for {name} over the model input", name=shown),
                       overlay, True),
                Figure("map", tr("One cell per patch position ({size})",
                                 size=f"{drop.shape[0]}\u00d7{drop.shape[1]}"),
                       tr("Occlusion map of {name}, one cell per patch position", name=shown),
                       grid))
        return WhyView("occlusion", self.class_index, name, self.is_pred,
                       tr("Occlusion for \u2018{name}\u2019", name=shown), sentence, legend,
                       figs, summary, None, occ.progress if not done else 1.0, drop)
