"""Activation and pooling panels: input map -> operation -> output map."""

from __future__ import annotations

from html import escape
from typing import Any

from pyapp.i18n import tr
from pyapp.views.elementwise import ActivationView, PoolView

from .markup import a, empty_grid_html, map_html, range_toggle_html, shape_text
from .panel import SWEEP_MS, Panel, rect_vars

_X = "\x00"  # where the input value goes in the formula


def _map(vm: ActivationView | PoolView, which: str, keys: str) -> str:
    """The input or output map of a one-channel view, captioned with its layer, channel,
    shape and colour range (the legend says which range: the toggle's)."""
    layer = vm.input_layer if which == "input" else vm.layer
    h, w = (vm.in_h, vm.in_w) if which == "input" else (vm.h, vm.w)
    rng = vm.input_range if which == "input" else vm.output_range
    head = tr("Input") if which == "input" else tr("Output")
    caption = (f"{a(head)}: {a(layer)} {vm.channel + 1} {shape_text(h, w)}"
               + (f'<br><span class="dv-rng">{a(rng)}</span>' if rng else ""))
    label = tr("{layer} channel {channel}: {keys}", layer=layer, channel=vm.channel + 1,
               keys=keys)
    return map_html(which, h, w, label, caption)


class ActivationPanel(Panel):
    """Any activation kind: its formula with the current input, its own curve."""

    kind = "activation"
    interval_ms = 90.0
    max_width = 860.0  # two maps and a curve: the rest of the network keeps its room
    sweep_ms = SWEEP_MS

    def __init__(self, vm: ActivationView, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: ActivationView = vm

    def html(self) -> str:
        vm = self.vm
        gw, gh = vm.graph_size
        ax, ay = vm.axis_x, vm.axis_y
        lo, hi = vm.graph_labels
        name = tr("The {kind} function: y = {formula}", kind=tr(vm.kind.title),
                  formula=vm.formula)
        graph = (f'<svg class="dv-graph" viewBox="0 0 {gw:g} {gh:g}" role="img" '
                 f'aria-label="{a(name)}">'
                 f'<line class="dv-axis" x1="{ax[0]}" y1="{ax[1]:.2f}" x2="{ax[2]}" '
                 f'y2="{ax[1]:.2f}"/>'
                 f'<line class="dv-axis" x1="{ay[0]:.2f}" y1="{ay[1]}" x2="{ay[0]:.2f}" '
                 f'y2="{ay[2]}"/>'
                 f'<path class="dv-curve" d="{vm.graph_path}"/>'
                 f'<text x="{ax[0]}" y="{gh - 1:g}" class="dv-tick">{lo}</text>'
                 f'<text x="{ax[2]}" y="{gh - 1:g}" class="dv-tick" '
                 f'text-anchor="end">{hi}</text>'
                 '<circle class="dv-dot" r="4" cx="0" cy="0"/></svg>')
        chip = '<b class="dv-x dv-chip">0</b>'
        eq = chip.join(escape(part) for part in
                       vm.kind.formula(vm.spec.config, _X).split(_X))
        return ('<div class="dv-relu dv-act">'
                + f'<div class="dv-top">{range_toggle_html(vm.maps)}</div>'
                + '<div class="dv-frow">'
                + _map(vm, "input", tr("arrow keys move the cursor"))
                + f'<div class="dv-fx"><p class="dv-eq" aria-hidden="true">{eq} = '
                '<b class="dv-y dv-chip">0</b></p>'
                + graph + "</div>"
                + _map(vm, "output", tr("arrow keys move the cursor"))
                + "</div></div>")

    def mounted(self) -> None:
        self.paint_map("input", self.vm.input_rgba)
        self.paint_map("output", self.vm.output_rgba)
        self.xs = self.qa(".dv-x")
        self.y = self.q(".dv-y")
        self.dot = self.q(".dv-dot")
        self.in_style = self.q('.dv-map[data-map="input"]').style
        self.out_style = self.q('.dv-map[data-map="output"]').style
        self.x_styles, self.y_style = [x.style for x in self.xs], self.y.style

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        self.in_style.cssText = rect_vars("w", f.cell)
        self.out_style.cssText = rect_vars("c", f.cell)
        for x, style in zip(self.xs, self.x_styles, strict=True):
            x.textContent = f.input.text
            style.cssText = f"background:{f.input.bg};color:{f.input.fg}"
        self.y.textContent = f.output.text
        self.y_style.cssText = f"background:{f.output.bg};color:{f.output.fg}"
        self.dot.setAttribute("cx", f.point[0])
        self.dot.setAttribute("cy", f.point[1])
        caption = tr("Row {row}, column {col}: {equation} = {value}.", row=f.row + 1,
                     col=f.col + 1, equation=f.equation, value=f.output.text)
        return caption, f.a11y

    def index_at(self, node: Any, x: float, y: float, width: float,
                 height: float) -> int | None:
        return self.vm.index_at_output(x, y, width, height)


#: The ReLU's panel is the activation panel (kept under its first name).
ReluPanel = ActivationPanel


class PoolPanel(Panel):
    kind = "pool"
    interval_ms = 90.0
    max_width = 860.0
    sweep_ms = SWEEP_MS

    def __init__(self, vm: PoolView, start: int = 0) -> None:
        super().__init__(vm, start)
        self.vm: PoolView = vm

    def html(self) -> str:
        vm = self.vm
        ph, pw = vm.pool_size
        window = (vm.op + "(" + empty_grid_html(ph, pw, "dv-grid dv-win") + ")"
                  if vm.show_cells
                  else vm.op + "(" + a(tr("the whole {size} map", size=f"{ph}\u00d7{pw}")) + ")")
        return ('<div class="dv-pool">'
                + f'<div class="dv-top">{range_toggle_html(vm.maps)}</div>'
                + '<div class="dv-frow">'
                + _map(vm, "input", tr("arrow keys move the window"))
                + '<div class="dv-fx" aria-hidden="true"><p class="dv-eq">'
                f'{vm.op}({ph}\u00d7{pw})</p><div class="dv-eq">{window} = '
                '<b class="dv-y dv-chip">0</b></div></div>'
                + _map(vm, "output", tr("arrow keys move the window"))
                + "</div></div>")

    def mounted(self) -> None:
        self.paint_map("input", self.vm.input_rgba)
        self.paint_map("output", self.vm.output_rgba)
        self.cells = self.qa(".dv-win .dv-c")
        self.y = self.q(".dv-y")
        self.y_style = self.y.style
        self.cell_styles = [n.style for n in self.cells]
        self.cell_classes = [n.classList for n in self.cells]
        self.in_style = self.q('.dv-map[data-map="input"]').style
        self.out_style = self.q('.dv-map[data-map="output"]').style

    def draw(self, index: int) -> tuple[str, str]:
        f = self.vm.frame(index)
        self.in_style.cssText = rect_vars("w", f.window)
        self.out_style.cssText = rect_vars("c", f.cell)
        k = 0
        for row, flags in zip(f.values, f.is_max, strict=True) if self.cells else ():
            for cell, is_max in zip(row, flags, strict=True):
                self.cells[k].textContent = cell.text
                self.cell_styles[k].cssText = f"background:{cell.bg};color:{cell.fg}"
                self.cell_classes[k].toggle("is-max", is_max)
                k += 1
        self.y.textContent = f.output.text
        self.y_style.cssText = f"background:{f.output.bg};color:{f.output.fg}"
        return f.caption, f.a11y

    index_at = Panel.index_on_input_or_output
