"""The overview's HTML, as a string: the same markup is written by the build's pre-render
(with every map as a PNG data URI) and by the page when no pre-render is present, so the
live app takes over the DOM the visitor already sees.

Structure (semantic): the tool is a ``<div id="ov-tool">``; each column a ``<section>`` with a
heading; each neuron a focusable ``role="button"`` element holding a ``<canvas>``; the edges
one ``<svg>`` (a ``<g>`` per target neuron); the output rows hold the class name, a bar and
the probability in text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from pyapp import numbers
from pyapp.gallery_credit import credit
from pyapp.i18n import N_, class_label, tr
from pyapp.sections import section_for_layer

from .colormaps import INPUT, SIGNED
from .escaping import attr
from .layout import AXIS_Y, LEGEND_Y, Column, OverviewLayout, edges, pct, span
from .ranges import LegendSpec

RANGE_LABELS = {"unit": N_("Unit"), "module": N_("Module"), "global": N_("Global")}
# the input column's channel labels (what each input neuron shows on it)
CHANNEL_LABELS = (N_("Red channel"), N_("Green channel"), N_("Blue channel"))


_a = attr  # every outside string (layer, class and file names) goes through it


def prerender_stamp(model_sha256: str, snap: Any, image_file: str, language: str) -> str:
    """What a drawn tool shows, as a short key: the model file's sha256, the example's file,
    the selected entry, the range mode, the detail toggle, the language and every number the
    output column prints (class and probabilities, so a runtime that rounds differently does
    not match). The build writes it on the pre-rendered ``#ov-tool`` (``data-prerender``);
    the page compares it with its first snapshot's and, equal, keeps the markup unpainted."""
    fields = [model_sha256, image_file, str(snap.selected), snap.range_mode,
              "on" if snap.detail else "off", language, str(snap.predicted),
              *(b.text for b in snap.bars)]
    return hashlib.sha256("\n".join(fields).encode("utf-8")).hexdigest()[:24]


def neuron_id(layer: str, index: int) -> str:
    """The element id of a neuron (not escaped: callers put it in an attribute with ``_a``)."""
    return f"ov-n-{layer}-{index}"


def format_prob(p: float) -> str:
    """How a probability is printed in the output column (``numbers.percent``)."""
    return numbers.percent(p)


def _style(**props: str) -> str:
    return ";".join(f"{k.replace('_', '-')}:{v}" for k, v in props.items())


def _neuron(col: Column, j: int, layout: OverviewLayout, tabindex: int,
            background: str | None) -> str:
    h, w = (col.shape[0], col.shape[1]) if len(col.shape) == 3 else (1, 1)
    style = _style(top=pct(col.ys[j], layout.height), height=pct(layout.node, layout.height))
    bg = f' style="background-image:url({background})"' if background else ""
    label = ""
    if col.kind == "input":
        name = (tr(CHANNEL_LABELS[j]) if j < 3 and col.count == 3
                else tr("{n} channel", n=j + 1))
        label = f'<span class="ov-chan ov-chan-{j}" aria-hidden="true">{_a(name)}</span>'
    return (f'<div class="ov-n" role="button" tabindex="{tabindex}"'
            f' id="{_a(neuron_id(col.name, j))}" data-l="{_a(col.name)}" data-i="{j}"'
            f' aria-label="{_a(col.neuron_name(j))}"'
            f' style="{style}"><canvas width="{w}" height="{h}"{bg}></canvas>{label}</div>')


def _output_row(col: Column, j: int, layout: OverviewLayout, name: str,
                bar: Any, predicted: bool) -> str:
    style = _style(top=pct(col.ys[j], layout.height), height=pct(layout.node, layout.height))
    width = bar.width if bar is not None else "0%"
    text = bar.text if bar is not None else ""
    cls = "ov-n ov-out" + (" ov-pred" if predicted else "")
    return (f'<div class="{cls}" role="button" tabindex="-1" id="{_a(neuron_id(col.name, j))}"'
            f' data-l="{_a(col.name)}" data-i="{j}"'
            f' aria-label="{_a(output_label(col, j, name, text or None, predicted))}"'
            f' style="{style}"><span class="ov-cls">{_a(class_label(name))}</span> '
            f'<span class="ov-barbox"><span class="ov-barfill" style="width:{_a(width)}">'
            f'</span></span> <span class="ov-prob">{_a(text)}</span></div>')


def output_label(col: Column, j: int, name: str, prob_text: str | None,
                 predicted: bool) -> str:
    """Accessible name of an output row: it starts with the row's visible text (class name,
    probability as printed), as speech-input users say what they see, then the position and
    layer."""
    shown = class_label(name)
    s = shown if not prob_text else f"{shown} {prob_text}"
    s += tr(", class {n} of {m} of {layer}", n=j + 1, m=col.count, layer=col.name)
    return s + (tr(", predicted") if predicted else "")


def _heading(col: Column) -> str:
    shape = col.long_label[len(col.name) + 1:]
    # the label links to the article's section on this kind of layer
    href = f"#{section_for_layer(col.kind)}"
    return (f'<h2 class="ov-head" id="ov-h-{_a(col.name)}"><a class="ov-head-link" href="{href}">'
            f'<span class="ov-long">{_a(col.name)} <small>{_a(shape)}</small></span>'
            f'<span class="ov-short" aria-hidden="true">{_a(col.short_label)}</span></a></h2>')


def edges_svg(layout: OverviewLayout) -> str:
    """All edges, grouped by target neuron (``<g data-t="layer:index">``)."""
    groups: dict[tuple[str, int], list[str]] = {}
    for e in edges(layout):
        groups.setdefault(e.dst, []).append(
            f'<path d="{e.d}" data-s="{_a(e.src[0])}:{e.src[1]}"/>')
    body = "".join(f'<g data-t="{_a(t[0])}:{t[1]}">{"".join(ps)}</g>'
                   for t, ps in groups.items())
    return (f'<svg class="ov-edges" viewBox="0 0 {layout.width:g} {layout.height:g}"'
            f' preserveAspectRatio="none" aria-hidden="true" focusable="false">{body}</svg>')


PROB_TICKS = ("0", "0.5", "1")  # the output column's scale: a bar's length is its probability


def legends_html(layout: OverviewLayout, specs: Sequence[LegendSpec]) -> str:
    """The legend band: the input's greys (0 .. 1), one diverging legend per spec spanning
    its columns' band (:func:`~pyapp.render.layout.span`: per module, or per layer in the
    "unit" mode) with ticks at -limit, 0 and +limit; and the output's probabilities (0 .. 1)
    as an axis above its bars."""
    top = pct(layout.height - LEGEND_Y, layout.height)
    inp, out = layout.columns[0], layout.columns[-1]
    x, w = span(layout, inp.name, inp.name)
    parts = [_legend(x, w, layout, top, INPUT.css_gradient(3), ("0", "0.5", "1"), "input",
                     tr("input pixel values from 0 (black) to 1 (white)"))]
    for spec in specs:
        x, w = span(layout, spec.layers[0], spec.layers[-1])
        lim = numbers.limit(spec.limit)
        neg = numbers.limit(-spec.limit)
        desc = tr("{layers}: from {neg} (red) through 0 (white) to {lim} (blue)",
                  layers=", ".join(spec.layers), neg=neg, lim=lim)
        parts.append(_legend(x, w, layout, top, SIGNED.css_gradient(), (neg, "0", lim),
                             " ".join(spec.layers), desc))
    # the output's scale is an axis under its heading: the column's foot holds its buttons
    parts.append(_legend(out.x - INSET, out.width, layout, pct(AXIS_Y, layout.height),
                         PROB_GRADIENT, PROB_TICKS, out.name,
                         tr("output: the bar's length is the probability, from 0 to 1"),
                         " ov-axis"))
    return "".join(parts)


PROB_GRADIENT = "linear-gradient(to right, #e3e5e8, #202124)"
INSET = 3.0  # logical units left free at each end of a legend's band


def _legend(x: float, w: float, layout: OverviewLayout, top: str, gradient: str,
            ticks: tuple[str, str, str], layers: str, desc: str, cls: str = "") -> str:
    """One legend: a bar with tick marks at its ends and middle, labelled ``ticks``.  A
    narrow one (one column at a small size) shows ``±limit`` instead of the three labels
    (the stylesheet chooses; both are written)."""
    x, w = x + INSET, max(w - 2 * INSET, 1.0)
    single = " " not in layers
    pm = (f'<span class="ov-tick ov-pm" aria-hidden="true">&#177;{_a(ticks[2])}</span>'
          if single and ticks[0].startswith(numbers.MINUS) else "")
    tick_html = "".join(f'<span class="ov-tick ov-t{i}">{_a(t)}</span>'
                        for i, t in enumerate(ticks))
    style = _style(left=pct(x, layout.width), width=pct(w, layout.width), top=top)
    return (f'<div class="ov-legend{" ov-has-pm" if pm else ""}{cls}" data-layers="{_a(layers)}"'
            f' style="{style}" role="img"'
            f' aria-label="{_a(tr("Colour scale, {desc}", desc=desc))}">'
            f'<span class="ov-lbar" style="background:{gradient}"></span>'
            '<span class="ov-marks" aria-hidden="true"></span>'
            f'<span class="ov-ticks">{tick_html}{pm}</span></div>')


def answer_html(class_name: str, prob_text: str) -> str:
    """The network's answer in words, above the network, so that it is on screen at every
    size (the output column may be scrolled away on a phone)."""
    return (f'<span class="ov-answer-lead">{_a(tr("The network says:"))}</span> '
            f'<span class="ov-answer-cls">{_a(class_label(class_name))}</span> '
            f'<span class="ov-answer-p">{_a(prob_text)}</span>')


def _foot_band(layout: OverviewLayout, col: Column) -> str:
    """``--ov-foot-l`` / ``--ov-foot-r``: how far the output column's legend band reaches
    past the column on the left and right, in percent of the column's width (negative
    offsets), so the buttons at its foot can use the whole band."""
    x, w = span(layout, col.name, col.name)
    left = 100.0 * (x - col.x) / col.width
    right = 100.0 * (col.x + col.width - (x + w)) / col.width
    return f";--ov-foot-l:{left:.2f}%;--ov-foot-r:{right:.2f}%"


def network_html(
    layout: OverviewLayout,
    class_names: Sequence[str],
    bars: Sequence[Any] | None,
    predicted: int,
    legend_specs: Sequence[LegendSpec],
    images: Mapping[tuple[str, int], str] | None = None,
) -> str:
    """The network panel: edges, one ``<section>`` per column, legends.  ``bars``: the
    snapshot's output rows (or None); ``images``: optional ``{(layer, index): data URI}``
    painted behind each canvas."""
    images = images or {}
    # --ov-ar: the stylesheet sizes the network by the screen's height too, keeping this ratio;
    # --ov-x: where the output column starts (a phone pins it: position sticky, in the flow)
    out = [f'<div class="ov-net" style="aspect-ratio:{layout.width:g} / {layout.height:g};'
           f'--ov-ar:{layout.aspect:.4f};--ov-x:{pct(layout.columns[-1].x, layout.width)}">',
           edges_svg(layout),
           '<p id="ov-tap-hint" class="ov-tap-hint" role="status" hidden></p>']
    for ci, col in enumerate(layout.columns):
        style = _style(left=pct(col.x, layout.width), width=pct(col.width, layout.width))
        if col.kind == "output":  # its foot's band, for the buttons there (see overview.css)
            style += _foot_band(layout, col)
        out.append(f'<section class="ov-col ov-k-{col.kind}" data-l="{_a(col.name)}"'
                   f' aria-labelledby="ov-h-{_a(col.name)}" style="{style}">{_heading(col)}')
        for j in range(col.count):
            if col.kind == "output":
                bar = bars[j] if bars is not None else None
                out.append(_output_row(col, j, layout, class_names[j], bar, j == predicted))
            else:
                tab = 0 if ci == 0 and j == 0 else -1
                out.append(_neuron(col, j, layout, tab, images.get((col.name, j))))
        out.append("</section>")
    out.append(f'<div class="ov-legends">{legends_html(layout, legend_specs)}</div></div>')
    return "".join(out)


def gallery_html(entries: Sequence[Mapping[str, str]], selected: int, base: str = "gallery/"
                 ) -> str:
    """The example thumbnails (buttons; the chosen one has ``aria-pressed="true"``)."""
    items = []
    for i, e in enumerate(entries):
        shown = class_label(e["label"])
        label = tr("Example {n}: {label}", n=i + 1, label=shown)
        wrong = bool(e.get("mistake"))  # the shipped model gets it wrong: see "Why?"
        label += tr(" (the network gets this one wrong)") if wrong else ""
        items.append(
            f'<li><button type="button" class="ov-thumb{" is-mistake" if wrong else ""}"'
            f' data-index="{i}"'
            f' aria-pressed="{"true" if i == selected else "false"}" aria-label="{_a(label)}"'
            f' title="{_a(shown + " — " + credit(e))}">'
            f'<img src="{_a(base + e["file"])}" alt="" width="44" height="44"'
            f' decoding="async"></button></li>')
    return (f'<ul class="ov-gallery" aria-label="{_a(tr("Example images"))}">'
            f'{"".join(items)}</ul>')


def credits_html(entries: Sequence[Mapping[str, str]], base: str = "gallery/") -> str:
    """The example photos' credits and licences (also in ``gallery/CREDITS.md``)."""
    items = "".join(
        f'<li><a href="{_a(base + e["file"])}">{_a(e["file"])}</a>'
        f' ({_a(class_label(e["label"]))}): '
        + _a(tr("{credit}. Licence: {licence}.", credit=credit(e),
                licence=e.get("licence", ""))) + '</li>'
        for e in entries)
    # the link sits where the translation puts {link}: split there, escape each side
    details = tr("Cropped and resized for this site; details in {link}.", link="\x00")
    before, _, after = details.partition("\x00")
    return (f'<details class="ov-credits"><summary>{_a(tr("Example photo credits"))}</summary>'
            f'<ul>{items}</ul><p>{_a(tr(GALLERY_CHOICE))} {_a(before)}'
            f'<a href="{_a(base)}CREDITS.md">CREDITS.md</a>{_a(after)}</p></details>')


#: How the examples were chosen: a reader must be told that the choice was made.
GALLERY_CHOICE = N_("These examples were chosen: one photo per class that the network gets "
                    "right (where it gets one right), and a few it gets wrong on purpose "
                    "(marked with a dashed frame; "
                    "\u201cWhy?\u201d shows what it looked at). On photos in general it is "
                    "right far less often; the model card gives its results on all 29 demo "
                    "photos.")


def tool_html(
    snap: Any,
    gallery: Sequence[Mapping[str, str]],
    images: Mapping[tuple[str, int], str] | None = None,
    original_src: str = "",
    processed_src: str = "",
    gallery_base: str = "gallery/",
    stamp: str = "",
) -> str:
    """The whole tool for snapshot ``snap`` (:class:`pyapp.session.Snapshot`): controls
    (gallery, upload, input preview, detail toggle, scale selector, copy link), the message
    line, the network and the read-out. ``stamp`` (the build's pre-render only): its
    :func:`prerender_stamp`, as ``data-prerender``."""
    mode = snap.range_mode
    selected = snap.selected if snap.selected is not None else -1
    detail = "on" if snap.detail else "off"
    opts = "".join(f'<option value="{m}"{" selected" if m == mode else ""}>{_a(tr(label))}</option>'
                   for m, label in RANGE_LABELS.items())
    proc_bg = f' style="background-image:url({processed_src})"' if processed_src else ""
    orig = f' src="{_a(original_src)}"' if original_src else ""
    answer = answer_html(snap.class_names[snap.predicted], snap.bars[snap.predicted].text)
    stamped = f' data-prerender="{_a(stamp)}"' if stamp else ""
    return (
        f'<div id="ov-tool" class="ov-tool" data-detail="{detail}" data-range="{_a(mode)}"'
        f'{stamped}>'
        '<div class="ov-controls">'
        f'{gallery_html(gallery, selected, gallery_base)}'
        '<div class="ov-upload">'
        f'<button type="button" id="ov-upload-btn" class="ov-btn">{_a(tr("Upload image"))}</button>'
        '<input type="file" id="ov-file" accept="image/*" hidden>'
        f'<span class="ov-hint">{_a(tr("or drop / paste an image"))}</span></div>'
        f'<figure class="ov-preview"><img id="ov-original" alt="{_a(tr("Original image"))}"'
        f' width="48" height="48"{orig}>'
        '<span class="ov-arrow" aria-hidden="true">&#8594;</span>'
        '<canvas id="ov-processed" width="64" height="64" role="img"'
        f' aria-label="{_a(tr("The 64 by 64 input the model sees"))}"{proc_bg}></canvas>'
        f'<figcaption>{_a(tr("original"))} &#8594; {_a(tr("model input"))}'
        ' (64&#215;64)</figcaption>'
        '</figure>'
        f'<p id="ov-answer" class="ov-answer">{answer}</p>'
        '<div class="ov-options">'
        '<button type="button" id="ov-detail" class="ov-btn"'
        f' aria-pressed="{"true" if snap.detail else "false"}">{_a(tr("Show detail"))}</button>'
        f'<label class="ov-range">{_a(tr("Scale"))} <select id="ov-range">{opts}</select></label>'
        f'<button type="button" id="ov-copy-link" class="ov-btn">{_a(tr("Copy link"))}</button>'
        '<button type="button" id="ov-present" class="ov-btn" aria-pressed="false">'
        f'{_a(tr("Present full screen"))}</button>'
        '</div></div>'
        '<p id="ov-message" class="ov-message" role="status" aria-live="polite"></p>'
        '<p id="ov-present-hint" class="ov-present-hint" role="status"></p>'
        '<p class="ov-swipe" aria-hidden="true">'
        f'{_a(tr("Swipe sideways for every layer; the answer stays on the right"))} &#8594;</p>'
        '<div class="ov-scroll">'
        + network_html(snap.layout, snap.class_names, snap.bars, snap.predicted,
                       snap.legends, images) + '</div>'
        '<div id="ov-readout" class="ov-readout" aria-live="polite">'
        f'{_a(tr("Hover, tap or focus a neuron (Tab, then arrow keys) to see its values."))}</div>'
        f'{credits_html(gallery, gallery_base)}'
        '</div>'
    )
