"""The article's figures and its "open this in the tool" links, drawn at build time by the
tool's own code from the current model and the first gallery example.

Every picture is a map the tool itself paints: the session's ``overview_rgba`` (the same
colour map and range mode as the overview) or a kernel coloured on its layer's weight range as
the convolution view colours it, written pixel for pixel as a PNG data URI
(:func:`pyapp.render.png.png_data_uri`; enlarged on screen by CSS, never resampled). Each link
is the lesson-link hash of the matching detail view (:func:`pyapp.links.view_hash`).

:func:`range_modes_html` describes the Scale menu's modes from the code that defines them
(:func:`pyapp.render.ranges.legends` run on this example's activations), so the text cannot
drift from the tool.

Which neuron: the channel of a layer whose map varies most (largest standard deviation), so
the figure shows structure rather than a flat map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from pyapp.cnn.kinds import kind_of
from pyapp.cnn.stats import colour_limit
from pyapp.links import view_hash
from pyapp.numbers import fixed
from pyapp.render.colormaps import SIGNED
from pyapp.render.overview_html import RANGE_LABELS
from pyapp.render.png import png_data_uri
from pyapp.render.ranges import RANGE_MODES, legends
from pyapp.views.route import SOFTMAX, ref_for

GALLERY = Path(__file__).resolve().parents[2] / "www" / "gallery"
#: How large a map is drawn on screen (CSS pixels on a side; the PNG keeps the map's own size).
SHOWN_PX = 96


@dataclass(frozen=True)
class Picture:
    """One drawn map: the RGBA pixels written to the PNG, and what it shows."""

    rgba: np.ndarray  # (H, W, 4) uint8
    alt: str
    caption: str


@dataclass(frozen=True)
class SectionFigure:
    """A section's figure: its pictures (for the tests), its HTML and the tool link."""

    section: str
    pictures: tuple[Picture, ...]
    link: str  # the view's hash, e.g. "#/conv_1_1/3"
    link_text: str
    html: str


def example_image(model: Any, gallery_dir: Path = GALLERY) -> tuple[np.ndarray, str] | None:
    """The model input of the first gallery example and its label (None without a gallery),
    as the page starts on it."""
    from pyapp.cnn.preprocess import preprocess

    try:
        entry = json.loads((gallery_dir / "gallery.json").read_text("utf-8"))[0]
        data = (gallery_dir / entry["file"]).read_bytes()
        return preprocess(data, model.input_shape, model.preprocessing), str(entry["label"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def liveliest(a: np.ndarray) -> int:
    """The channel of an ``(H, W, C)`` activation with the largest standard deviation."""
    return int(np.argmax(np.asarray(a, np.float64).std(axis=(0, 1))))


def _img(p: Picture, cls: str = "") -> str:
    h, w = p.rgba.shape[:2]
    side = max(h, w)
    return (f'<figure class="article-map{cls}"><img src="{png_data_uri(p.rgba)}" '
            f'width="{SHOWN_PX * w // side}" height="{SHOWN_PX * h // side}" '
            f'alt="{escape(p.alt, quote=True)}"/>'
            f"<figcaption>{p.caption}</figcaption></figure>")


def _link(ref: Any, model: Any, text: str) -> tuple[str, str]:
    hash_ = view_hash(ref, model)
    return hash_, (f'<p class="article-open"><a href="{escape(hash_, quote=True)}" '
                   f'data-opens="{escape(hash_, quote=True)}">{text}</a></p>')


def _figure(section: str, pictures: list[Picture], ref: Any, model: Any, link_text: str,
            lead: str, extra: str = "") -> SectionFigure:
    hash_, link = _link(ref, model, link_text)
    body = "".join(_img(p) for p in pictures)
    html = (f'<div class="article-figure" role="group" aria-label="{escape(lead, quote=True)}">'
            f'<p class="article-figure-lead">{lead}</p><div class="article-maps">{body}</div>'
            f"{extra}{link}</div>")
    return SectionFigure(section, tuple(pictures), hash_, link_text, html)


def _first(model: Any, role: str) -> Any:
    return next((ly for ly in model.layers if kind_of(ly.type).role == role), None)


def _after(model: Any, name: str) -> Any:
    names = [ly.name for ly in model.layers]
    i = names.index(name)
    return model.layers[i + 1] if i + 1 < len(names) else None


def kernel_pictures(model: Any, layer: str, out: int) -> list[Picture]:
    """Neuron ``out``'s kernel, one picture per input channel, on the layer's symmetric
    weight range ``[-m, m]``, ``m = max |K|`` (as the convolution view colours weights)."""
    k = np.asarray(model.layer(layer).weights["kernel"], np.float32)
    limit = colour_limit(k)
    cin = k.shape[2]
    names = ("red", "green", "blue") if cin == 3 and layer == model.layers[0].name else None
    pics = []
    for ch in range(cin):
        what = names[ch] if names else f"channel {ch + 1}"
        values = ", ".join(fixed(float(v), 2) for v in k[:, :, ch, out].ravel())
        pics.append(Picture(SIGNED.rgba_symmetric(k[:, :, ch, out], limit),
                            f"{layer} neuron {out + 1}, kernel for the {what} input, weights "
                            f"row by row: {values}",
                            f"kernel, {escape(what)}"))
    return pics


def _map(maps: dict[str, np.ndarray], layer: str, ch: int, alt: str, caption: str) -> Picture:
    return Picture(maps[layer][ch], alt, caption)


def section_figures(model: Any, image: np.ndarray, label: str = "") -> dict[str, SectionFigure]:
    """``{section id: figure}`` for the input, convolution, ReLU, pooling, flatten and softmax
    sections (those the model has), from ``image``'s forward pass in the session."""
    from pyapp.session import Session, Source

    snap = Session(model, image, Source("gallery", 0), range_mode="unit").snapshot
    maps, acts = snap.overview_rgba, snap.acts
    what = f"this {escape(label)} photo" if label else "the first example"
    out: dict[str, SectionFigure] = {}
    conv = _first(model, "conv")
    if conv is not None:
        k = liveliest(acts[conv.name])
        names = ("red", "green", "blue") if image.shape[2] == 3 else None
        pics = [_map(maps, "input", c, f"The {names[c] if names else c + 1} channel of the "
                     f"model input, {image.shape[0]} by {image.shape[1]} pixels",
                     f"{names[c] if names else f'channel {c + 1}'}")
                for c in range(image.shape[2])]
        ref = ref_for(model, conv.name, k, 0)
        out["article-input"] = _figure(
            "article-input", pics, ref, model,
            f"Open {escape(conv.name)} neuron {k + 1} on the first channel in the tool",
            f"The input channels of {what}, as the network receives them (brighter = larger).")
        pics = kernel_pictures(model, conv.name, k) + [
            _map(maps, conv.name, k, f"{conv.name} neuron {k + 1}: its output map",
                 f"output of {escape(conv.name)} neuron {k + 1}")]
        out["article-conv"] = _figure(
            "article-conv", pics, ref_for(model, conv.name, k), model,
            f"Open {escape(conv.name)} neuron {k + 1} in the tool",
            f"A real kernel: the weights of {escape(conv.name)} neuron {k + 1} for each input "
            f"channel (blue positive, red negative), and the map they make from {what}.")
        act = _after(model, conv.name)
        if act is not None and kind_of(act.type).role == "activation":
            pics = [_map(maps, conv.name, k, f"{conv.name} neuron {k + 1} before the "
                         "activation", f"{escape(conv.name)} (before)"),
                    _map(maps, act.name, k, f"{act.name} neuron {k + 1}: after the activation",
                         f"{escape(act.name)} (after)")]
            out["article-relu"] = _figure(
                "article-relu", pics, ref_for(model, act.name, k), model,
                f"Open {escape(act.name)} neuron {k + 1} in the tool",
                f"The same map before and after {escape(act.name)}: the negative (red) values "
                "become 0.")
    pool = _first(model, "pool")
    if pool is not None and pool.name in maps:
        below = model.input_of(pool.name)
        if below in maps:
            k = liveliest(acts[pool.name])
            pics = [_map(maps, below, k, f"{below} neuron {k + 1}, the pooling's input",
                         f"{escape(below)} (input)"),
                    _map(maps, pool.name, k, f"{pool.name} neuron {k + 1}, the pooled map",
                         f"{escape(pool.name)} (pooled)")]
            ref = ref_for(model, pool.name, k)
            if ref is not None:
                out["article-pool"] = _figure(
                    "article-pool", pics, ref, model,
                    f"Open {escape(pool.name)} neuron {k + 1} in the tool",
                    f"{escape(pool.name)} on {what}: the map shrinks and its strongest values "
                    "stay.")
    last = model.layers[-1].name
    pred = snap.predicted
    cname = escape(snap.class_names[pred])
    flat = _first(model, "reshape")
    if flat is not None:
        src = model.input_of(flat.name)
        ref = ref_for(model, last, pred)
        if src in maps and ref is not None:
            pics = [_map(maps, src, c, f"{src} neuron {c + 1}", f"{c + 1}")
                    for c in range(maps[src].shape[0])]
            out["article-flatten"] = _figure(
                "article-flatten", pics, ref, model,
                f"Open the flatten view of \u2018{cname}\u2019 in the tool",
                f"The {len(pics)} maps of {escape(src)} that the flatten step lays out in one "
                f"list for {what}.")
    ref = ref_for(model, SOFTMAX, pred)
    if ref is not None:
        rows = "".join(
            f'<tr><th scope="row">{escape(name)}</th>'
            f"<td>{escape(fixed(float(acts[last][i]), 2))}</td><td>{escape(bar.text)}</td>"
            "</tr>" for i, (name, bar) in enumerate(zip(snap.class_names, snap.bars,
                                                        strict=True)))
        table = (f'<table class="article-table" tabindex="0"><caption>Logits and probabilities'
                 f" for {what}</caption><thead><tr><th scope=\"col\">class</th>"
                 '<th scope="col">logit</th><th scope="col">probability</th></tr></thead>'
                 f"<tbody>{rows}</tbody></table>")
        out["article-softmax"] = _figure(
            "article-softmax", [], ref, model,
            f"Open the softmax view of \u2018{cname}\u2019 in the tool",
            f"The network's answer for {what}: \u2018{cname}\u2019.", table)
    return out


def range_modes_html(model: Any, image: np.ndarray | None = None) -> str:
    """The Scale menu's modes, described from :func:`pyapp.render.ranges.legends` on this
    model (and ``image``'s activations: the limits the tool would show)."""
    x = image if image is not None else np.zeros(model.input_shape, np.float32)
    acts = model.forward(x)
    kinds = [(ly.name, ly.type) for ly in model.layers]
    items = []
    for mode in RANGE_MODES:
        specs = legends(acts, kinds, mode)
        if not specs:
            continue
        label = RANGE_LABELS.get(mode, mode)
        if all(len(s.layers) == 1 for s in specs):
            how = (f"each layer has its own range, shared by all the maps of that layer "
                   f"({len(specs)} ranges)")
        elif len(specs) == 1:
            how = (f"one range for all {len(specs[0].layers)} layers of feature maps in the "
                   "network")
        else:
            groups = "; ".join(" + ".join(f"<code>{escape(n)}</code>" for n in s.layers)
                               for s in specs)
            how = (f"the layers of each module share one range ({len(specs)} ranges: "
                   f"{groups})")
        items.append(f"<li><strong>{escape(label)}</strong>: {how}.</li>")
    return ('<ul class="article-ranges">' + "".join(items) + "</ul>"
            "<p>Each range is symmetric, from \u2212m to +m, where m is the largest absolute "
            "value in the maps that share it; the input always spans 0 to 1.</p>")
