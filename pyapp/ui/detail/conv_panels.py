"""The convolution panels: elastic (all input channels of one output channel) and formula
(one input channel's window times its kernel, then all channels plus the bias)."""

from __future__ import annotations

from typing import Any

from pyapp.i18n import N_, tr
from pyapp.views.arrows import Box, Row, sum_arrows_svg
from pyapp.views.conv import ConvElastic, ConvFormula
from pyapp.views.numbers import sum_expr
from pyapp.views.route import ViewRef

from .markup import a, grid_html, map_html, more_html, range_toggle_html, shape_text
from .panel import SWEEP_MS, Panel, rect_vars

# the drawing's arrows (pyapp.views.arrows fills the group; decorative: the record says it)
ARROWS_SVG = ('<svg class="dv-el-arrows" aria-hidden="true" focusable="false"><defs>'
              '<marker id="dv-head" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
              'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L8 4L0 8z"/>'
              '</marker></defs><g class="dv-arrows"></g></svg>')

FORMULA_HINT = N_("window values \u00d7 kernel weights = products (values and weights "
                  "rounded to 2 decimals); the products add up to the sum")


class ElasticPanel(Panel):
    kind = "conv"
    interval_ms = 40.0
    sweep_ms = SWEEP_MS

    def __init__(self, vm: ConvElastic, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: ConvElastic = vm

    def html(self) -> str:
        vm = self.vm
        n = vm.in_c
        in_shape = f"{shape_text(vm.in_h, vm.in_w)[:-1]}, {n})"
        # the drawing's own labels (as the reference's): column headings, then one row per
        # input channel; the headings stay put while a long channel list scrolls
        in_head = (tr("input image {shape}", shape=in_shape) if vm.input_layer == "input"
                   else tr("input {layer} {shape}", layer=vm.input_layer, shape=in_shape))
        head = ('<div class="dv-el-head" aria-hidden="true"><span></span>'
                f'<span>{a(in_head)}</span>'
                f'<span>{a(tr("kernel"))}</span><span></span>'
                f'<span>{a(tr("intermediate {shape}", shape=shape_text(vm.h, vm.w)))}</span>'
                f'<span>{a(tr("partial sum"))}</span></div>')
        rows = []
        for ch in range(n):
            opens = ViewRef("formula", vm.layer, vm.out_channel, ch).to_hash()
            label = a(vm.labels[ch])
            rows.append(
                f'<div class="dv-el-row" style="--i:{ch}">'
                f'<span class="dv-rowlab" aria-hidden="true">{label}</span>'
                + map_html("input", vm.in_h, vm.in_w,
                           tr("{layer} channel {channel}", layer=vm.input_layer,
                              channel=vm.labels[ch]), "",
                           channel=ch, extra="dv-col-in")
                + '<div class="dv-col-k">'
                + grid_html(vm.kernels[ch], "dv-grid dv-kernel",
                            tr("kernel for input channel {channel}", channel=vm.labels[ch]))
                + "</div>"
                + '<span class="dv-arrow" aria-hidden="true">\u2192</span>'
                + map_html("inter", vm.h, vm.w,
                           tr("intermediate map {channel}: open its convolution formula",
                              channel=vm.labels[ch]),
                           f'<span class="dv-rw">{a(vm.inter_range_word)}</span> '
                           f"{a(vm.inter_ranges[ch])}", channel=ch,
                           covers=True, opens=opens, extra="dv-col-mid")
                + f'<span class="dv-partial" data-ch="{ch}">0</span></div>')
        notes = "".join(f"<li>{a(tr(c))}</li>" for c in vm.captions)
        more = more_html(tr("How to read this view"),
                         f'<ol class="dv-notes">{notes}</ol>'
                         f'<p class="dv-range-note">{a(vm.range_note)}</p>',
                         range_toggle_html(vm.maps))
        out_name = tr("{layer} neuron {n}", layer=vm.layer, n=vm.out_channel + 1)
        many = " dv-many" if n > 4 else ""  # a long list: each map's range beside it
        return (f'<div class="dv-elastic{many}" style="--rows:{n};{vm.size_vars}">'
                + more +
                '<div class="dv-el-grid">'
                f'<div class="dv-el-rows" role="group" '
                f'aria-label="{a(tr("{layer}: {n} input channels", layer=vm.input_layer, n=n))}">'
                f'{head}{"".join(rows)}</div>'
                f'{ARROWS_SVG}'
                '<div class="dv-el-sum dv-col-sum">'
                '<div class="dv-sumcol"><p class="dv-label" aria-hidden="true">'
                f'{a(tr("Add up all intermediate results, then add the bias"))}</p>'
                '<div class="dv-sumbox" aria-hidden="true">'
                f'<div>\u03a3 <span class="dv-sumword">{a(tr("partial sums"))}</span> '
                '<b class="dv-total">0</b></div>'
                f'<div>+ {a(tr("bias"))} <b class="dv-bias">{a(vm.bias)}</b></div>'
                '<div>= <b class="dv-result">0</b></div></div></div>'
                '<span class="dv-arrow" aria-hidden="true">\u2192</span>'
                + map_html("output", vm.h, vm.w, out_name,
                           f'<span class="dv-outname">{a(vm.layer)}</span> '
                           f"{vm.out_channel + 1} {shape_text(vm.h, vm.w)} "
                           f'<span class="dv-rng">{a(vm.output_range_word)} '
                           f"{a(vm.output_range)}</span>",
                           covers=True, extra="dv-col-out")
                + "</div></div></div>")

    def mounted(self) -> None:
        vm = self.vm
        for ch in range(vm.in_c):
            self.paint_map("input", vm.input_rgba[ch], ch)
            self.paint_map("inter", vm.inter_rgba[ch], ch)
        self.paint_map("output", vm.output_rgba)
        self.partials = self.qa(".dv-partial")
        self.total = self.q(".dv-total")
        self.bias = self.q(".dv-bias")
        self.result = self.q(".dv-result")
        # style objects fetched once: a frame then costs one write per map
        self.in_styles = [n.style for n in self.qa('.dv-map[data-map="input"]')]
        self.fill_styles = [n.style for n in self.qa('.dv-map[data-map="inter"]')]
        self.fill_styles.append(self.q('.dv-map[data-map="output"]').style)
        self.arrows = self.q(".dv-arrows")
        self.layout()

    def layout(self) -> None:
        """Draw the arrows between the boxes where the page has laid them out (after a
        resize, a scroll of the channel list, the maps' slide-in)."""
        grid = self.q(".dv-el-grid").getBoundingClientRect()
        gx, gy = float(grid.left), float(grid.top)

        def box(el: Any) -> Box:
            r = el.getBoundingClientRect()
            return (float(r.left) - gx, float(r.top) - gy, float(r.right) - gx,
                    float(r.bottom) - gy)

        maps_in = self.qa('.dv-map[data-map="input"]')
        maps_mid = self.qa('.dv-map[data-map="inter"]')
        kernels = self.qa(".dv-col-k")
        rows = [Row(box(i), box(k), box(m), box(p)) for i, k, m, p
                in zip(maps_in, kernels, maps_mid, self.partials, strict=True)]
        scroller = box(self.q(".dv-el-rows"))
        head = box(self.q(".dv-el-head > span:nth-child(2)"))
        self.arrows.innerHTML = sum_arrows_svg(rows, (max(head[3], scroller[1]), scroller[3]),
                                               box(self.q(".dv-sumbox")))

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        for style in self.in_styles:
            style.cssText = f.input_vars
        for style in self.fill_styles:
            style.cssText = f.output_vars
        for node, text in zip(self.partials, f.partials, strict=True):
            node.textContent = text
        self.total.textContent = f.total
        self.bias.textContent = f.bias  # its digits are the ones that add up here
        self.result.textContent = f.result
        return f.caption, f.a11y

    index_at = Panel.index_on_input_or_output


class FormulaPanel(Panel):
    kind = "formula"
    interval_ms = 120.0

    def __init__(self, vm: ConvFormula, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: ConvFormula = vm

    def html(self) -> str:
        vm = self.vm
        kh, kw = vm.kernel_size
        terms = []
        for u in range(kh):
            for v in range(kw):
                op = "=" if (u, v) == (kh - 1, kw - 1) else "+"
                terms.append('<span class="dv-term"><span class="dv-v">0</span>'
                             '<span class="dv-w">0</span><span class="dv-p">0</span></span>'
                             f'<span class="dv-op" aria-hidden="true">{op}</span>')
        chans = "".join(
            f'<span class="dv-pt{" is-cur" if c == vm.in_channel else ""}" data-ch="{c}">0</span>'
            + ('<span class="dv-op">+</span>' if c < vm.in_c - 1 else "")
            for c in range(vm.in_c))
        return (
            '<div class="dv-formula">'
            '<div class="dv-frow">'
            + map_html("input", vm.in_h, vm.in_w,
                       tr("{layer} channel {channel}: {keys}", layer=vm.input_layer,
                          channel=vm.in_channel + 1, keys=tr("arrow keys move the window")),
                       a(tr("Input: {layer} channel {channel} {shape}", layer=vm.input_layer,
                            channel=vm.in_channel + 1, shape=shape_text(vm.in_h, vm.in_w))),
                       channel=vm.in_channel)
            + f'<div class="dv-fx" aria-hidden="true"><div class="dv-fgrid" style="--n:{kw}">'
            + "".join(terms) + '</div><span class="dv-partial dv-big">0</span>'
            f'<p class="dv-hint">{a(tr(FORMULA_HINT))}</p></div>'
            + map_html("inter", vm.h, vm.w,
                       tr("intermediate map {channel}: {keys}", channel=vm.in_channel + 1,
                          keys=tr("arrow keys move the window")),
                       a(tr("Intermediate {shape}", shape=shape_text(vm.h, vm.w))),
                       covers=True)
            + '</div><div class="dv-frow dv-final">'
            '<div class="dv-finalfx" aria-hidden="true"><p>'
            + a(tr("All {n} channels\u2019 partial sums, plus the bias, give the output value:",
                   n=vm.in_c))
            + f'</p><div class="dv-pts">{chans}<span class="dv-op">+ {a(tr("bias"))}</span>'
            '<b class="dv-bias">0</b><span class="dv-op">=</span><b class="dv-result">0</b>'
            f'</div><p class="dv-check">{a(tr("value in the output map:"))} '
            '<b class="dv-value">0</b></p></div>'
            + map_html("output", vm.h, vm.w,
                       tr("{layer} neuron {n}", layer=vm.layer, n=vm.out_channel + 1),
                       a(tr("Output: {layer} {n} {shape}", layer=vm.layer,
                            n=vm.out_channel + 1, shape=shape_text(vm.h, vm.w))))
            + "</div></div>")

    def mounted(self) -> None:
        vm = self.vm
        self.paint_map("input", vm.channel_rgba, vm.in_channel)
        self.paint_map("inter", vm.inter_rgba)
        self.paint_map("output", vm.output_rgba)
        self.vs = self.qa(".dv-v")
        self.ps = self.qa(".dv-p")
        self.ws = self.qa(".dv-w")
        self.v_styles = [n.style for n in self.vs]
        cells = [c for row in self.vm.weight_cells for c in row]
        for node, wc in zip(self.ws, cells, strict=True):  # the kernel is drawn once
            node.textContent = "\u00d7 " + wc.text
            node.style.cssText = f"background:{wc.bg};color:{wc.fg}"
        self.partial = self.q(".dv-partial")
        self.pts = self.qa(".dv-pt")
        self.bias = self.q(".dv-bias")
        self.result = self.q(".dv-result")
        self.value = self.q(".dv-value")
        self.in_style = self.q('.dv-map[data-map="input"]').style
        self.inter_style = self.q('.dv-map[data-map="inter"]').style
        self.out_style = self.q('.dv-map[data-map="output"]').style

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        cell = rect_vars("c", f.cell)
        self.in_style.cssText = rect_vars("w", f.window)
        self.inter_style.cssText = cell + rect_vars("a", f.covers[0]) + rect_vars(
            "b", f.covers[1])
        self.out_style.cssText = cell
        k = 0
        for vrow in f.values:
            for vc in vrow:
                self.vs[k].textContent = vc.text
                self.v_styles[k].cssText = f"background:{vc.bg};color:{vc.fg}"
                k += 1
        # the products, printed so that they add up to the partial sum (pyapp.numbers)
        for node, text in zip(self.ps, (p for row in f.products for p in row), strict=True):
            node.textContent = "= " + text
        self.partial.textContent = f.partial
        for node, t in zip(self.pts, f.terms, strict=True):
            node.textContent = t.partial
        self.bias.textContent = f.bias
        self.result.textContent = f.result
        self.value.textContent = f.value
        caption = tr("Row {row}, column {col}: the window's {n} products add up to "
                     "{partial}; all channels {terms} + bias {bias} = {result}.",
                     row=f.row + 1, col=f.col + 1, n=len(self.vs), partial=f.partial,
                     terms=sum_expr([t.partial for t in f.terms]), bias=f.bias,
                     result=f.result)
        return caption, f.a11y

    index_at = Panel.index_on_input_or_output
