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
from pyapp.i18n import N_, class_label, tr
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


#: The colour channels of an RGB input, in order (translated where shown).
RGB_NAMES = (N_("red"), N_("green"), N_("blue"))


def _channel_name(ch: int, rgb: bool) -> str:
    """``red`` / ``green`` / ``blue`` for an RGB input, else ``channel 4``."""
    return tr(RGB_NAMES[ch]) if rgb else tr("channel {n}", n=ch + 1)


def kernel_pictures(model: Any, layer: str, out: int) -> list[Picture]:
    """Neuron ``out``'s kernel, one picture per input channel, on the layer's symmetric
    weight range ``[-m, m]``, ``m = max |K|`` (as the convolution view colours weights)."""
    k = np.asarray(model.layer(layer).weights["kernel"], np.float32)
    limit = colour_limit(k)
    cin = k.shape[2]
    rgb = cin == 3 and layer == model.layers[0].name
    pics = []
    for ch in range(cin):
        what = _channel_name(ch, rgb)
        values = ", ".join(fixed(float(v), 2) for v in k[:, :, ch, out].ravel())
        pics.append(Picture(SIGNED.rgba_symmetric(k[:, :, ch, out], limit),
                            tr("{layer} neuron {n}, kernel for the {what} input, weights row "
                               "by row: {values}", layer=layer, n=out + 1, what=what,
                               values=values),
                            tr("kernel, {what}", what=escape(what))))
    return pics


def _map(maps: dict[str, np.ndarray], layer: str, ch: int, alt: str, caption: str) -> Picture:
    return Picture(maps[layer][ch], alt, caption)


def section_figures(model: Any, image: np.ndarray, label: str = "") -> dict[str, SectionFigure]:
    """``{section id: figure}`` for the input, convolution, ReLU, pooling, flatten and softmax
    sections (those the model has), from ``image``'s forward pass in the session."""
    from pyapp.session import Session, Source

    snap = Session(model, image, Source("gallery", 0), range_mode="unit").snapshot
    maps, acts = snap.overview_rgba, snap.acts
    what = (tr("this {label} photo", label=escape(class_label(label))) if label
            else tr("the first example"))
    out: dict[str, SectionFigure] = {}
    conv = _first(model, "conv")
    if conv is not None:
        k = liveliest(acts[conv.name])
        lname = escape(conv.name)
        rgb = image.shape[2] == 3
        pics = [_map(maps, "input", c,
                     tr("The {channel} channel of the model input, {h} by {w} pixels",
                        channel=tr(RGB_NAMES[c]) if rgb else c + 1, h=image.shape[0],
                        w=image.shape[1]),
                     escape(_channel_name(c, rgb)))
                for c in range(image.shape[2])]
        ref = ref_for(model, conv.name, k, 0)
        out["article-input"] = _figure(
            "article-input", pics, ref, model,
            tr("Open {layer} neuron {n} on the first channel in the tool", layer=lname,
               n=k + 1),
            tr("The input channels of {what}, as the network receives them (brighter = "
               "larger).", what=what))
        pics = kernel_pictures(model, conv.name, k) + [
            _map(maps, conv.name, k, tr("{layer} neuron {n}: its output map", layer=conv.name,
                                        n=k + 1),
                 tr("output of {layer} neuron {n}", layer=lname, n=k + 1))]
        out["article-conv"] = _figure(
            "article-conv", pics, ref_for(model, conv.name, k), model,
            tr("Open {layer} neuron {n} in the tool", layer=lname, n=k + 1),
            tr("A real kernel: the weights of {layer} neuron {n} for each input channel (blue "
               "positive, red negative), and the map they make from {what}.", layer=lname,
               n=k + 1, what=what))
        act = _after(model, conv.name)
        if act is not None and kind_of(act.type).role == "activation":
            aname = escape(act.name)
            pics = [_map(maps, conv.name, k, tr("{layer} neuron {n} before the activation",
                                                layer=conv.name, n=k + 1),
                         tr("{layer} (before)", layer=lname)),
                    _map(maps, act.name, k, tr("{layer} neuron {n}: after the activation",
                                               layer=act.name, n=k + 1),
                         tr("{layer} (after)", layer=aname))]
            out["article-relu"] = _figure(
                "article-relu", pics, ref_for(model, act.name, k), model,
                tr("Open {layer} neuron {n} in the tool", layer=aname, n=k + 1),
                tr("The same map before and after {layer}: the negative (red) values become "
                   "0.", layer=aname))
    pool = _first(model, "pool")
    if pool is not None and pool.name in maps:
        below = model.input_of(pool.name)
        if below in maps:
            k = liveliest(acts[pool.name])
            pname = escape(pool.name)
            pics = [_map(maps, below, k, tr("{layer} neuron {n}, the pooling's input",
                                            layer=below, n=k + 1),
                         tr("{layer} (input)", layer=escape(below))),
                    _map(maps, pool.name, k, tr("{layer} neuron {n}, the pooled map",
                                                layer=pool.name, n=k + 1),
                         tr("{layer} (pooled)", layer=pname))]
            ref = ref_for(model, pool.name, k)
            if ref is not None:
                out["article-pool"] = _figure(
                    "article-pool", pics, ref, model,
                    tr("Open {layer} neuron {n} in the tool", layer=pname, n=k + 1),
                    tr("{layer} on {what}: the map shrinks and its strongest values stay.",
                       layer=pname, what=what))
    last = model.layers[-1].name
    pred = snap.predicted
    cname = escape(class_label(snap.class_names[pred]))
    flat = _first(model, "reshape")
    if flat is not None:
        src = model.input_of(flat.name)
        ref = ref_for(model, last, pred)
        if src in maps and ref is not None:
            pics = [_map(maps, src, c, tr("{layer} neuron {n}", layer=src, n=c + 1), f"{c + 1}")
                    for c in range(maps[src].shape[0])]
            out["article-flatten"] = _figure(
                "article-flatten", pics, ref, model,
                tr("Open the flatten view of \u2018{name}\u2019 in the tool", name=cname),
                tr("The {n} maps of {layer} that the flatten step lays out in one list for "
                   "{what}.", n=len(pics), layer=escape(src), what=what))
    ref = ref_for(model, SOFTMAX, pred)
    if ref is not None:
        rows = "".join(
            f'<tr><th scope="row">{escape(class_label(name))}</th>'
            f"<td>{escape(fixed(float(acts[last][i]), 2))}</td><td>{escape(bar.text)}</td>"
            "</tr>" for i, (name, bar) in enumerate(zip(snap.class_names, snap.bars,
                                                        strict=True)))
        heads = "".join(f'<th scope="col">{text}</th>'
                        for text in (tr("class"), tr("logit"), tr("probability")))
        table = (f'<table class="article-table" tabindex="0"><caption>'
                 f'{tr("Logits and probabilities for {what}", what=what)}</caption><thead><tr>'
                 f"{heads}</tr></thead><tbody>{rows}</tbody></table>")
        out["article-softmax"] = _figure(
            "article-softmax", [], ref, model,
            tr("Open the softmax view of \u2018{name}\u2019 in the tool", name=cname),
            tr("The network's answer for {what}: \u2018{name}\u2019.", what=what, name=cname),
            table)
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
        # the menu's own label, translated by the catalogue the menu uses
        label = tr(RANGE_LABELS[mode])
        if all(len(s.layers) == 1 for s in specs):
            how = tr("each layer has its own range, shared by all the maps of that layer "
                     "({n} ranges)", n=len(specs))
        elif len(specs) == 1:
            how = tr("one range for all {n} layers of feature maps in the network",
                     n=len(specs[0].layers))
        else:
            groups = "; ".join(" + ".join(f"<code>{escape(n)}</code>" for n in s.layers)
                               for s in specs)
            how = tr("the layers of each module share one range ({n} ranges: {groups})",
                     n=len(specs), groups=groups)
        items.append(tr("<strong>{label}</strong>: {how}.", label=escape(label), how=how))
    return ('<ul class="article-ranges">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
            "<p>" + tr("Each range is symmetric, from \u2212m to +m, where m is the largest "
                       "absolute value in the maps that share it; the input always spans 0 to "
                       "1.") + "</p>")
