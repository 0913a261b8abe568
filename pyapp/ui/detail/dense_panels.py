"""Flatten and softmax panels."""

from __future__ import annotations

from typing import Any

from pyapp.i18n import N_, tr
from pyapp.views.dense import EDGE_H, EDGE_W, FlattenView, SoftmaxView
from pyapp.views.route import ViewRef

from .markup import a, map_html, shape_text
from .panel import Panel, paint, rect_vars

OPEN_CLASS = N_("{name} {logit}: open its flatten view")
EDGE_PX = (160, 560)  # the edges' bitmap (stretched to the space between strip and sum)


class FlattenPanel(Panel):
    kind = "logit"
    interval_ms = 80.0

    def __init__(self, vm: FlattenView, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: FlattenView = vm
        self._cur: int | None = None

    def html(self) -> str:
        vm = self.vm
        src = a(vm.source)
        maps = "".join(map_html("map", vm.h, vm.w,
                                tr("{layer} channel {channel}", layer=vm.source,
                                   channel=ch + 1),
                                f"{ch + 1}", channel=ch) for ch in range(vm.c))
        strip = map_html("strip", vm.h * vm.w, vm.c,
                         tr("{layer}: the {n} values in order, {c} a row; arrow keys move "
                            "along it", layer=vm.flatten_layer, n=vm.count, c=vm.c),
                         f"{a(vm.flatten_layer)} ({vm.count})")
        # the output column: every class, the chosen one where the edges end (the others
        # open their own flatten view)
        items = []
        for k, (name, logit) in enumerate(vm.classes):
            text = f'<span class="dv-cn">{a(name)}</span> <span class="dv-cl">{a(logit)}</span>'
            if k == vm.unit:
                items.append(f'<li class="is-cur" aria-current="true">{text}</li>')
            else:
                hash_ = ViewRef("logit", vm.layer, k).to_hash()
                items.append(f'<li><button type="button" class="dv-cbtn" data-opens="{a(hash_)}"'
                             f' aria-label="{a(tr(OPEN_CLASS, name=name, logit=logit))}">{text}'
                             '</button></li>')
        classes = (f'<ol class="dv-fl-classes" style="--k:{vm.class_count}" '
                   f'aria-label="{a(tr("{layer}: the classes", layer=vm.layer))}">'
                   f'{"".join(items)}</ol>')
        # the edges: one bitmap drawn once (static), the current edge in a small SVG on top
        edges = (f'<canvas class="dv-edges" width="{EDGE_PX[0]}" height="{EDGE_PX[1]}">'
                 '</canvas>'
                 f'<svg class="dv-edges dv-edges-hl" viewBox="0 0 {EDGE_W:g} {EDGE_H:g}" '
                 'preserveAspectRatio="none" aria-hidden="true">'
                 f'<path class="dv-edge-hl" d="{vm.edge_path(0)}"/></svg>')
        soft = ViewRef("softmax", vm.layer, vm.unit).to_hash()
        return (
            '<div class="dv-flatten"><p class="dv-notes1">'
            + a(tr("{layer} {shape} is unrolled row by row, column by column, channel by "
                   "channel into {n} numbers (the strip: {c} a row). Each number is multiplied "
                   "by its weight into the class (edge colour: weight).", layer=vm.source,
                   shape=f"{shape_text(vm.h, vm.w)[:-1]}, {vm.c})", n=vm.count, c=vm.c))
            + '</p>'
            '<div class="dv-fl">'
            f'<div class="dv-fl-maps" aria-label="{src}" role="group">{maps}'
            f'<p class="dv-cap">{src}</p></div>'
            f'<div class="dv-fl-strip">{strip}</div><div class="dv-fl-edges">{edges}</div>'
            f'{classes}'
            '<div class="dv-fl-sum">'
            '<p class="dv-eq" aria-hidden="true"><b class="dv-x dv-chip">0</b> \u00d7 '
            '<b class="dv-wt dv-chip">0</b> = <b class="dv-prod">0</b></p>'
            '<p class="dv-from" aria-hidden="true"></p>'
            f'<p class="dv-note">{a(tr("Add up all products and the bias:"))}</p>'
            '<p class="dv-eq" aria-hidden="true">\u03a3 '
            f'{a(tr("{n} products", n=vm.count))} = <b>{a(vm.total)}</b></p>'
            f'<p class="dv-eq" aria-hidden="true">+ {a(tr("bias"))} <b>{a(vm.bias)}</b></p>'
            f'<p class="dv-eq dv-logit" aria-hidden="true">= {a(tr("logit"))} '
            f'<b>{a(vm.result)}</b> '
            f'<span class="dv-cls">{a(vm.class_name)}</span></p>'
            f'<button type="button" class="dv-btn dv-soft" data-opens="{a(soft)}">'
            f'{a(tr("softmax"))} \u2192</button></div></div></div>')

    def mounted(self) -> None:
        vm = self.vm
        for ch in range(vm.c):
            self.paint_map("map", vm.maps_rgba[ch], ch)
        self.paint_map("strip", vm.strip_rgba)
        paint(self.q("canvas.dv-edges"), vm.edges_rgba(*EDGE_PX))
        self.maps = self.qa('.dv-map[data-map="map"]')
        self.x = self.q(".dv-x")
        self.wt = self.q(".dv-wt")
        self.prod = self.q(".dv-prod")
        self.src = self.q(".dv-from")
        self.hl = self.q(".dv-edge-hl")
        self.strip_style = self.q('.dv-map[data-map="strip"]').style
        self.map_styles = [n.style for n in self.maps]
        self.x_style, self.wt_style = self.x.style, self.wt.style

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        self.strip_style.cssText = rect_vars("s", f.strip_cell)
        if f.channel != self._cur:
            if self._cur is not None:
                self.maps[self._cur].classList.remove("is-cur")
            self.maps[f.channel].classList.add("is-cur")
            self._cur = f.channel
        self.map_styles[f.channel].cssText = rect_vars("c", f.map_cell)
        self.x.textContent = f.input.text
        self.x_style.cssText = f"background:{f.input.bg};color:{f.input.fg}"
        self.wt.textContent = f.weight.text
        self.wt_style.cssText = f"background:{f.weight.bg};color:{f.weight.fg}"
        self.prod.textContent = f.product
        self.src.textContent = tr("element {i} = {layer}[row {row}, column {col}, channel "
                                  "{ch}]", i=f.index + 1, layer=self.vm.source, row=f.row + 1,
                                  col=f.col + 1, ch=f.channel + 1)
        self.hl.setAttribute("d", f.edge_path)
        caption = tr("Element {i} of {n} came from row {row}, column {col}, channel {ch}: "
                     "{x} \u00d7 weight {w} = {p}.", i=f.index + 1, n=self.vm.count,
                     row=f.row + 1, col=f.col + 1, ch=f.channel + 1, x=f.input.text,
                     w=f.weight.text, p=f.product)
        return caption, f.a11y

    def index_at(self, node: Any, x: float, y: float, width: float,
                 height: float) -> int | None:
        if str(node.dataset.map) == "strip":
            return self.vm.index_at_strip(x, y, width, height)
        return self.vm.index_at_map(int(node.dataset.ch), x, y, width, height)

    def position_text(self, index: int) -> str:
        return tr("element {i} / {n}", i=index + 1, n=self.count)


class SoftmaxPanel(Panel):
    kind = "softmax"
    interval_ms = 1500.0
    autoplay = False  # it stays on the class the student chose
    hover_seeks = False  # a click chooses another class; hovering does not wander

    def __init__(self, vm: SoftmaxView, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: SoftmaxView = vm

    def html(self) -> str:
        vm = self.vm
        terms = []
        rows = []
        tdiv = f" / {a(vm.t_text)}" if vm.t_text else ""
        for t in vm.terms:
            chip = f"background:{t.color};color:{t.fg}"
            terms.append(f'<span class="dv-sm-t" data-i="{t.index}" title="{a(t.name)}">'
                         f'exp(<b style="{chip}">{a(t.logit)}</b>{tdiv})</span>')
            rows.append(f'<tr data-i="{t.index}"><th scope="row">{a(t.name)}</th>'
                        f'<td><b class="dv-chip" style="{chip}">{a(t.logit)}</b></td>'
                        f"<td>{a(t.exp)}</td><td>{a(t.prob)}</td></tr>")
        shift = ('<p class="dv-note">'
                 + a(tr("The logits are large, so every exponent is shifted by the largest "
                        "logit ({shift}); the probabilities do not change.", shift=vm.shift))
                 + "</p>" if vm.shift else "")
        temp = f'<p class="dv-note dv-temp">{a(vm.t_note)}</p>' if vm.t_text else ""
        tsuf = tdiv  # "z / T" in the headings
        return (
            '<div class="dv-softmax">'
            '<div class="dv-sm-eq" aria-hidden="true">'
            f'<div class="dv-frac"><span class="dv-num">exp(z{tsuf})</span>'
            '<span class="dv-den">' + " + ".join(terms) + "</span></div>"
            '<span class="dv-op">=</span><div class="dv-frac"><span class="dv-num2">0</span>'
            f'<span class="dv-den">{a(vm.total)}</span></div>'
            '<span class="dv-op">=</span><b class="dv-p dv-big">0</b>'
            '<span class="dv-cls"></span></div>'
            f'<p class="dv-formula-line">{a(vm.formula)}</p>' + temp + shift +
            '<table class="dv-sm-table"><caption>'
            + a(tr("Every class: logit z, exp(z{t}), probability exp(z{t}) / sum (click a "
                   "class to show it)", t=tsuf))
            + f'</caption><thead><tr><th scope="col">{a(tr("class"))}</th>'
            f'<th scope="col">{a(tr("logit"))} z</th><th scope="col">exp(z{tsuf})</th>'
            f'<th scope="col">{a(tr("probability"))}</th></tr></thead><tbody>'
            + "".join(rows) + '</tbody><tfoot><tr>'
            f'<th scope="row">{a(tr("sum"))}</th><td></td>'
            f'<td>{a(vm.total)}</td><td></td></tr></tfoot></table></div>')

    def mounted(self) -> None:
        self.num = self.q(".dv-num")
        self.num2 = self.q(".dv-num2")
        self.p = self.q(".dv-p")
        self.cls = self.q(".dv-cls")
        self.items = self.qa("[data-i]")
        self._cur: int | None = None

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        self.num.textContent = f.numerator
        self.num2.textContent = f.exp
        self.p.textContent = f.prob
        self.cls.textContent = f"p({self.vm.terms[index].name})"
        if self._cur != index:
            for node in self.items:
                node.classList.toggle("is-cur", int(node.dataset.i) == index)
            self._cur = index
        caption = tr("{name}: {e} = {exp}, divided by the sum of all exponentials {total}, "
                     "is its probability {p}.", name=self.vm.terms[index].name, e=f.numerator,
                     exp=f.exp, total=f.total, p=f.prob)
        return caption, f.a11y

    def move(self, index: int, d_row: int, d_col: int) -> int:
        return self.vm.move(index, d_row, d_col)

    def position_text(self, index: int) -> str:
        return tr("class {i} / {n}", i=index + 1, n=self.count)
