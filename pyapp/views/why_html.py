"""HTML of the "Why?" region, as strings (no ``js``: CPython-testable).  Every text from
outside (class names, layer names) is escaped here."""

from __future__ import annotations

from collections.abc import Sequence

from pyapp.i18n import N_, class_label, tr
from pyapp.render.escaping import attr
from pyapp.views.saliency import METHOD_LABELS, PATCHES, STRIDES, Figure, Legend

METHOD_ORDER = ("gradcam", "gradxinput", "occlusion", "backprop")
LABELS = {**METHOD_LABELS, "backprop": N_("Backpropagation")}  # marked: tr() where shown


_a = attr  # the one escaping helper for every outside string


def _options(pairs: Sequence[tuple[object, str]], selected: object) -> str:
    return "".join(f'<option value="{_a(v)}"{" selected" if v == selected else ""}>'
                   f"{_a(label)}</option>" for v, label in pairs)


PATCH_OPTS = [(p, f"{p}\u00d7{p}") for p in PATCHES]


def _select(cls: str, name: str, options: str, method: str = "") -> str:
    """A labelled ``<select>`` (``method``: shown only for that method; ``name``: already
    translated)."""
    only = f" why-for-{method}" if method else ""
    name = _a(name)
    return (f'<label class="why-lab{only}">{name} <select class="why-{cls}" '
            f'aria-label="{name}">{options}</select></label>')


def why_button_html(where: str) -> str:
    """The control that opens the views (``where``: a class for its place)."""
    label = tr("Why? See which parts of the image the prediction depends on")
    return (f'<button type="button" class="why-open {_a(where)}" aria-haspopup="true" '
            f'aria-label="{_a(label)}">{_a(tr("Why?"))}</button>')


def region_html(class_names: Sequence[str], layers: Sequence[tuple[str, str]]) -> str:
    """The region's frame: heading, controls, the two overlays, the figure area, the legend,
    the summary and the progress bar.  Hidden until opened."""
    methods = "".join(
        f'<button type="button" class="why-m" data-method="{m}" aria-pressed="false">'
        f"{_a(tr(LABELS[m]))}</button>" for m in METHOD_ORDER)
    classes = _options([(i, class_label(n)) for i, n in enumerate(class_names)], 0)
    return (
        '<div class="why-head"><h2 id="why-title" class="why-title" tabindex="-1">'
        f'{_a(tr("Why?"))} <span class="why-sub"></span></h2>'
        '<button type="button" class="why-close"'
        f' aria-label="{_a(tr("Close the Why? views (Esc)"))}"'
        f' title="{_a(tr("Close (Esc)"))}">\u00d7</button></div>'
        '<div class="why-controls">'
        f'<div class="why-methods" role="group" aria-label="{_a(tr("Method"))}">{methods}</div>'
        + _select("class", tr("Class"), classes)
        + _select("layer", tr("Layer"), _options(layers, layers[-1][0] if layers else ""),
                  "gradcam")
        + _select("patch", tr("Patch"), _options(PATCH_OPTS, 8), "occlusion")
        + _select("stride", tr("Stride"), _options([(s, str(s)) for s in STRIDES], 4),
                  "occlusion")
        + _select("bp-layer", tr("Layer"), "", "backprop")
        + _select("bp-neuron", tr("Neuron"), "", "backprop") +
        '</div>'
        '<p class="why-note" hidden></p>'
        '<p class="why-sentence" id="why-sentence"></p>'
        '<div class="why-figs">'
        '<figure class="why-fig why-over"><div class="why-stack why-photo">'
        '<img class="why-photo-img" alt="">'
        '<canvas class="why-ov" width="64" height="64" role="img"></canvas></div>'
        f'<figcaption>{_a(tr("Over the original photo"))}</figcaption></figure>'
        '<figure class="why-fig why-over"><div class="why-stack why-input">'
        '<canvas class="why-base" width="64" height="64" aria-hidden="true"></canvas>'
        '<canvas class="why-ov" width="64" height="64" role="img"></canvas></div>'
        f'<figcaption>{_a(tr("Over the model input"))} (64\u00d764)</figcaption></figure>'
        '<div class="why-more"></div></div>'
        '<div class="why-legend" role="img"><span class="why-lbar"></span>'
        '<span class="why-ticks"><span></span><span></span><span></span></span></div>'
        '<progress class="why-progress" max="1" value="0"'
        f' aria-label="{_a(tr("Occlusion progress"))}" hidden></progress>'
        '<p class="why-summary" aria-live="polite"></p>'
        '<div class="why-extra"></div>')


def figures_html(figures: Sequence[Figure]) -> str:
    """The view's own figures (not the overlays): a canvas each, with caption."""
    return "".join(
        f'<figure class="why-fig" data-fig="{_a(f.key)}"><canvas width="{f.rgba.shape[1]}"'
        f' height="{f.rgba.shape[0]}" role="img" aria-label="{_a(f.label)}"></canvas>'
        f"<figcaption>{_a(f.caption)}</figcaption></figure>" for f in figures)


def legend_ticks(legend: Legend) -> tuple[str, str, str]:
    return tuple(_a(t) for t in legend.ticks)  # type: ignore[return-value]


def gradient_legends_html(layout: object, specs: Sequence[object], input_limit: float,
                          class_name: str) -> str:
    """The overview's legend band when it shows the gradients of ``class_name``'s score:
    the input's and one per spec, all on the diverging map (red: raising the value lowers
    the score, blue: raises it)."""
    from pyapp.render.colormaps import ACTIVATION
    from pyapp.render.layout import LEGEND_Y, pct
    from pyapp.render.overview_html import _legend
    from pyapp.views.saliency import fmt

    top = pct(layout.height - LEGEND_Y, layout.height)  # type: ignore[attr-defined]
    inp = layout.columns[0]  # type: ignore[attr-defined]
    wide = 2.2 * layout.node  # type: ignore[attr-defined]
    what = tr("gradient of the \u2018{name}\u2019 score", name=class_label(class_name))
    t = fmt(input_limit)
    parts = [_legend(max(0.0, inp.x + (inp.width - wide) / 2), wide, layout, top,
                     ACTIVATION.css_gradient(), (f"-{t}", "0", t), "input",
                     tr("input, {what}: from -{t} (red) through 0 (white) to {t} (blue)",
                        what=what, t=t))]
    for spec in specs:
        first = layout.column(spec.layers[0])  # type: ignore[attr-defined]
        last = layout.column(spec.layers[-1])  # type: ignore[attr-defined]
        t = fmt(spec.limit)  # type: ignore[attr-defined]
        parts.append(_legend(first.x, last.x + last.width - first.x, layout, top,
                             ACTIVATION.css_gradient(), (f"-{t}", "0", t),
                             " ".join(spec.layers),  # type: ignore[attr-defined]
                             tr("{layers}, {what}: from -{t} (red) through 0 (white) to "
                                "{t} (blue)", what=what, t=t,
                                layers=", ".join(spec.layers))))  # type: ignore[attr-defined]
    return "".join(parts)


def grids_html(grids: Sequence[object]) -> str:
    """The backprop view's number tables (each value's exact float in ``data-v``)."""
    out = []
    for g in grids:
        rows = "".join(
            "<tr>" + "".join(f'<td data-v="{v!r}">{_a(t)}</td>'
                             for t, v in zip(trow, vrow, strict=True)) + "</tr>"
            for trow, vrow in zip(g.text, g.values, strict=True))  # type: ignore[attr-defined]
        out.append(f'<table class="why-grid"><caption>{_a(g.title)}</caption>'  # type: ignore[attr-defined]
                   f"<tbody>{rows}</tbody></table>")
    return "".join(out)
