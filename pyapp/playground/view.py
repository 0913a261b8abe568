"""The playground's HTML, built from the maths' records.  The page inserts these strings and
toggles classes; it computes nothing itself.

Element ids all start with ``pg-``.  Input cells are ``pg-in-<row>-<col>`` (padded
coordinates), kernel cells ``pg-k-<u>-<v>``, output cells ``pg-out-<row>-<col>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from pyapp import numbers
from pyapp.article.formulas import output_size_filled
from pyapp.cnn.stats import abs_max
from pyapp.i18n import N_, tr
from pyapp.render.colormaps import SIGNED, contrast_text

from .compute import PlaygroundResult, Window
from .geometry import CONTROL_NAMES, ControlRange, Settings, control_ranges
from .inputs import CHANNEL_NAMES
from .kernels import CLASSIC_KERNELS, CLASSIC_LABELS
from .validity import ERROR, NOTE, WARNING

#: Above this many cells per side the numbers are hidden in a grid (they stay in each cell's
#: label and in the detail read-out): (whole numbers, decimals) for the input and output
#: grids, and for the smaller kernel grid.
DENSE_SIDE = (16, 12)
DENSE_SIDE_KERNEL = (10, 6)
#: Windows with more terms than this show the first ones, then the rest summed.
MAX_TERMS = 25
#: the image-channel choices of the input picker, by channel name
SOURCE_LABELS = {"red": N_("Image, red channel (downscaled)"),
                 "green": N_("Image, green channel (downscaled)"),
                 "blue": N_("Image, blue channel (downscaled)")}
#: what an issue's severity is called in front of its message
SEVERITY_LABELS = {ERROR: N_("Error"), WARNING: N_("Warning"), NOTE: N_("Note")}
#: what a marked input cell's class says in its accessible name
CELL_MARKS = {"pg-padding": N_("padding"), "pg-unused": N_("unused")}


def fmt(value: float, integer: bool) -> str:
    """A number as the page shows it (``pyapp.numbers.plain``)."""
    return numbers.plain(value, integer)


def _is_integer(values: np.ndarray | Sequence[float]) -> bool:
    arr = np.asarray(values, dtype=np.float64)
    return bool(np.all(arr == np.round(arr)))


def _rgb(r: float, g: float, b: float) -> str:
    return f"rgb({round(r)}, {round(g)}, {round(b)})"


def cell_colours(value: float, vmax: float, diverging: bool) -> tuple[str, str]:
    """(background, text colour) of a cell: grey levels from black (0) to white (``vmax``)
    for the input, or the one signed map (``SIGNED``: negative red, white 0, positive blue,
    as every other view) for kernels and outputs."""
    t = 0.0 if vmax <= 0 else max(-1.0, min(1.0, value / vmax))
    if diverging:
        r, g, b, _ = (int(c) for c in SIGNED.lut[SIGNED.indices(np.array([t]), -1.0, 1.0)[0]])
        return _rgb(r, g, b), contrast_text(r, g, b)
    level = 40 + 215 * max(t, 0.0)
    return _rgb(level, level, level), contrast_text(level, level, level)


def _number_control(rng: ControlRange, value: int) -> str:
    name = rng.name
    text = tr(rng.label)
    label = escape(text)
    slider = escape(tr("{label} slider", label=text))
    return (
        f'<div class="pg-control" data-control="{name}">'
        f'<label for="pg-{name}-box">{label}</label>'
        f'<input type="range" id="pg-{name}-range" data-control="{name}" '
        f'min="{rng.minimum}" max="{rng.maximum}" step="1" value="{value}" '
        f'aria-label="{slider}">'
        f'<input type="number" id="pg-{name}-box" data-control="{name}" '
        f'min="{rng.minimum}" max="{rng.maximum}" step="1" value="{value}" inputmode="numeric">'
        f"</div>"
    )


def controls_html(settings: Settings) -> str:
    """The five slider + number-box pairs."""
    ranges = control_ranges(settings)
    return "".join(_number_control(ranges[name], getattr(settings, name))
                   for name in CONTROL_NAMES)


def _options(options: Sequence[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>{escape(t)}</option>'
        for v, t in options
    )


def source_options(has_image: bool) -> list[tuple[str, str]]:
    """The input choices: a channel of the current image (when there is one) or integers."""
    options = [("integers", tr("Whole numbers 0\u20139 (by hand)"))]
    if has_image:
        options = [(f"image-{i}", tr(SOURCE_LABELS[name]))
                   for i, name in enumerate(CHANNEL_NAMES)] + options
    return options


def kernel_options(network_filters: int, layer: str) -> list[tuple[str, str]]:
    """The kernel choices: each filter of the network's first conv layer, then the classics."""
    options = [(f"network-{o}", tr("{layer} filter {n} (trained)", layer=layer, n=o + 1))
               for o in range(network_filters)]
    return options + [(name, tr(CLASSIC_LABELS[name])) for name in CLASSIC_KERNELS]


def sources_html(source_opts: Sequence[tuple[str, str]], source: str,
                 kernel_opts: Sequence[tuple[str, str]], kernel: str) -> str:
    """The input and kernel pickers, and the button that draws new whole numbers."""
    return (
        '<div class="pg-sources">'
        f'<label for="pg-source">{escape(tr("Input"))}</label>'
        f'<select id="pg-source">{_options(source_opts, source)}</select>'
        f'<label for="pg-kernel-choice">{escape(tr("Kernel"))}</label>'
        f'<select id="pg-kernel-choice">{_options(kernel_opts, kernel)}</select>'
        '<button type="button" id="pg-reroll"'
        f'{"" if source == "integers" else " hidden"}>{escape(tr("New numbers"))}</button>'
        "</div>"
    )


def _grid(matrix: np.ndarray, prefix: str, kind: str, integer: bool, vmax: float,
          diverging: bool, classes: np.ndarray | None = None, focusable: bool = False,
          describe: str = "") -> str:
    """One grid of cells.  Readable grids are an ARIA grid whose cells say their value;
    dense ones (numbers hidden) are a picture with one label, and lighter markup, except for
    the focusable output cells, which always say their value."""
    rows, cols = matrix.shape
    limits = DENSE_SIDE_KERNEL if kind == "kernel" else DENSE_SIDE
    dense = max(rows, cols) > limits[0 if integer else 1]
    plain = dense and not focusable
    role = "img" if plain else "grid"
    out = [f'<div class="pg-grid pg-grid-{kind}{" pg-dense" if dense else ""}" '
           f'role="{role}" aria-label="{escape(describe, quote=True)}" '
           f'style="--pg-cols: {cols}">']
    tab = ' tabindex="0"' if focusable else ""
    for r in range(rows):
        if not plain:
            out.append('<div class="pg-row" role="row">')
        for c in range(cols):
            value = float(matrix[r, c])
            extra = "" if classes is None else str(classes[r, c])
            bg, fg = cell_colours(value, vmax, diverging)
            style = "" if "pg-padding" in extra else f' style="background: {bg}; color: {fg}"'
            if plain:
                out.append(f'<div class="pg-cell {extra}" id="{prefix}-{r}-{c}"{style}></div>')
                continue
            text = fmt(value, integer)
            label = tr("row {r}, column {c}: {value}", r=r + 1, c=c + 1, value=text)
            if extra:
                label += ", " + ", ".join(tr(CELL_MARKS[m]) if m in CELL_MARKS
                                          else m.replace("pg-", "") for m in extra.split())
            label = escape(label, quote=True)
            out.append(
                f'<div class="pg-cell {extra}" role="gridcell" id="{prefix}-{r}-{c}" '
                f'data-row="{r}" data-col="{c}"{tab}{style} aria-label="{label}">'
                f'{"" if dense else f"<span>{text}</span>"}</div>'
            )
        if not plain:
            out.append("</div>")
    out.append("</div>")
    return "".join(out)


def _input_classes(result: PlaygroundResult) -> np.ndarray:
    pad, used = result.is_padding, result.used
    classes = np.full(pad.shape, "", dtype=object)
    classes[pad] = "pg-padding"
    if result.output is not None:  # nothing is read when nothing is computed
        classes[~pad & ~used] = "pg-unused"
    return classes


def stage_html(result: PlaygroundResult) -> str:
    """Input (padded, padding greyed, unused cells marked), kernel, and output with titles."""
    st = result.settings
    integer_in = _is_integer(result.input)
    integer_k = _is_integer(result.kernel)
    in_max = abs_max(result.input)
    k_max = abs_max(result.kernel)
    n, p, side = st.input_size, st.padding, st.padded_size
    padded_note = tr("after padding ({side}, {side})", side=side) if p else tr("no padding")
    k = st.kernel_size
    parts = [
        '<figure class="pg-panel pg-panel-input">',
        f"<figcaption>{escape(tr('Input ({n}, {n})', n=n))}"
        f"<small>{escape(padded_note)}</small></figcaption>",
        _grid(result.padded, "pg-in", "input", integer_in, in_max, False,
              _input_classes(result),
              describe=tr("input {n} by {n}, {note}", n=n, note=padded_note)),
        "</figure>",
        '<figure class="pg-panel pg-panel-kernel">',
        f"<figcaption>{escape(tr('Kernel ({k}, {k})', k=k))}<small>"
        f"{escape(tr('dilation {d}, stride {s}', d=st.dilation, s=st.stride))}</small>"
        "</figcaption>",
        _grid(result.kernel, "pg-k", "kernel", integer_k, k_max, True,
              describe=tr("kernel {k} by {k}", k=k)),
        "</figure>",
        '<figure class="pg-panel pg-panel-output">',
    ]
    if result.output is None:
        parts += [
            f"<figcaption>{escape(tr('Output (none)'))}"
            f"<small>{escape(tr('the kernel does not fit'))}</small></figcaption>",
            '<div class="pg-nooutput" aria-hidden="true">\u2205</div>',
        ]
    else:
        o = result.output_side
        integer_out = integer_in and integer_k
        o_max = abs_max(result.output)
        parts += [
            f"<figcaption>{escape(tr('Output ({o}, {o})', o=o))}"
            f"<small>{escape(tr('hover, tap or focus a cell'))}</small></figcaption>",
            _grid(result.output, "pg-out", "output", integer_out, o_max, True, focusable=True,
                  describe=tr("output {o} by {o}; focus a cell to see its window", o=o)),
        ]
    parts.append("</figure>")
    return "".join(parts)


def formula_html(result: PlaygroundResult) -> str:
    """The output size, worked out with this setting's numbers (native MathML)."""
    w = result.working
    return output_size_filled(w.n, w.p, w.k, w.s, w.d, w.numerator, w.floored, w.result)


def issues_html(result: PlaygroundResult) -> str:
    """The validity findings, in words (empty list: says everything is used)."""
    issues = result.validity.issues
    if not issues:
        return ('<p class="pg-issue pg-ok"><span aria-hidden="true">\u2714</span> '
                f"{escape(tr('The kernel fits and every input cell is read.'))}</p>")
    items = []
    for issue in issues:
        label = SEVERITY_LABELS.get(issue.severity)
        severity = tr(label) if label else issue.severity.capitalize()
        icon = "\u2716" if issue.severity == ERROR else "\u26a0"
        if issue.severity == "note":
            icon = "\u2139"
        items.append(
            f'<p class="pg-issue pg-{issue.severity}" data-kind="{issue.kind}">'
            f'<span aria-hidden="true">{icon}</span> '
            f"<strong>{escape(severity)}:</strong>"
            f" {escape(issue.message)}</p>"
        )
    return "".join(items)


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("\u2212") else text


def _ordinal(number: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(number, f"{number}th")


def window_html(result: PlaygroundResult, window: Window) -> str:
    """The dot product of one output cell: every value times its weight, added up."""
    integer = _is_integer(result.input) and _is_integer(result.kernel)
    iv, ik = _is_integer(result.input), _is_integer(result.kernel)
    terms = [
        f'<span class="pg-term">{_paren(fmt(v, iv))}\u00d7{_paren(fmt(w, ik))}</span>'
        for v, w in zip(window.values, window.weights, strict=True)
    ]
    shown = terms[:MAX_TERMS]
    rest = ""
    if len(terms) > MAX_TERMS:
        rest_sum = sum(window.products[MAX_TERMS:])
        more = tr("({count} more products, together {total})", count=len(terms) - MAX_TERMS,
                  total=fmt(rest_sum, integer))
        rest = f' + <span class="pg-term">{escape(more)}</span>'
    d = result.settings.dilation
    step = tr(" (every {ordinal} cell)", ordinal=_ordinal(d), d=d) if d > 1 else ""
    r0, c0 = window.cells[0]
    r1, c1 = window.cells[-1]
    where = tr("Output cell (row {r}, column {c}) reads padded rows {rows}, columns "
               "{columns}{step}:", r=window.row + 1, c=window.col + 1,
               rows=f"{r0 + 1}\u2013{r1 + 1}", columns=f"{c0 + 1}\u2013{c1 + 1}", step=step)
    return (
        f'<p class="pg-where">{escape(where)}</p>'
        f'<p class="pg-dot" tabindex="0">{" + ".join(shown)}{rest} = '
        f'<strong class="pg-total">{fmt(window.total, integer)}</strong></p>'
    )


def shell_html() -> str:
    """The playground's fixed frame; the parts above fill its regions."""
    return (
        '<div class="pg" id="pg-root">'
        '<div class="pg-side">'
        '<form class="pg-controls" id="pg-controls"'
        f' aria-label="{escape(tr("Hyperparameters"))}"></form>'
        '<div id="pg-sources-slot"></div>'
        '<p id="pg-kernel-note" class="pg-kernel-note"></p>'
        f'<button type="button" id="pg-play" class="pg-play">{escape(tr("Pause"))}</button>'
        "</div>"
        '<div class="pg-main">'
        '<div class="pg-stage" id="pg-stage"></div>'
        '<div class="pg-formula" id="pg-formula" role="region" tabindex="0"'
        f' aria-label="{escape(tr("Output size"))}"></div>'
        '<div class="pg-issues" id="pg-issues" role="status" aria-live="polite"></div>'
        '<div class="pg-detail" id="pg-detail" aria-live="polite"></div>'
        "</div>"
        "</div>"
    )
