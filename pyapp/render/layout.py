"""Overview layout maths: columns, neuron boxes and curved edges in one logical coordinate
space (``VIEW_W`` x ``height``).  The page scales that space uniformly (the network box keeps
the aspect ratio, the edges' SVG uses the same ``viewBox``), so the HTML boxes (positioned in
percent) and the SVG edges line up at every size without measuring the DOM.

Columns: the input's channels, the maps of every layer whose kind ``draws_maps`` (conv,
activations, pooling; ``flatten`` is not drawn: the output column's edges come from the last
maps directly, as in the reference), and the output (the last linear layer, one row per
class).  A column's ``kind`` is ``"input"``, ``"output"`` or the layer's kind name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyapp.cnn.kinds import KINDS, kind_of
from pyapp.i18n import N_, tr

VIEW_W = 1000.0
TOP = 64.0  # heading band; the output column's 0 .. 1 scale runs under its heading
AXIS_Y = 34.0  # that scale's top (the foot of the output column holds its buttons)
NODE = 28.0  # neuron (map) side
PITCH = 38.0  # row pitch
BOTTOM = 52.0  # legend band: the "0" above each bar, the bar, the ticks below
LEGEND_Y = BOTTOM - 18.0  # a legend bar's top, above the network's bottom (room for its "0")
LEFT = 24.0  # room for the input's channel labels, centred under its column
OUT_W = 96.0  # output column width (label + bar)
RIGHT = 8.0
# space between modules relative to space inside a module: small, so that at a 960 px wide
# network two neighbouring headings ("relu_1_2", "max_pool_1", shapes) fit side by side at
# 12 px; the per-module legends below mark the modules
GAP_RATIO = 1.25

COLUMN_SHORT = {"input": "input", "output": "output"}  # the other columns: the kind's label
INPUT_CHANNEL_NAMES = (N_("Red"), N_("Green"), N_("Blue"))


@dataclass(frozen=True)
class LayerInfo:
    """What the layout needs to know about one layer."""

    name: str
    kind: str
    shape: tuple[int, ...]


@dataclass
class Column:
    name: str  # activation name: "input", a layer name, or the output layer's name
    kind: str  # "input", "output" or the name of a layer kind (e.g. conv2d)
    shape: tuple[int, ...]
    x: float  # left edge
    width: float
    count: int  # number of neurons
    ys: list[float] = field(default_factory=list)  # top of each neuron's box
    sources: str = "none"  # "all" (conv/dense: every neuron of the previous column) | "one"
    module_start: bool = False

    @property
    def long_label(self) -> str:
        return f"{self.name} {format_shape(self.shape)}"

    @property
    def short_label(self) -> str:
        if self.kind in KINDS:
            return KINDS[self.kind].short_label
        return COLUMN_SHORT.get(self.kind, self.kind)

    def neuron_name(self, index: int) -> str:
        """Accessible name in the page's language, e.g. ``"conv_1_1, neuron 4 of 10"``,
        ``"input, Red channel (1 of 3)"``."""
        if self.kind == "input":
            ch = tr(INPUT_CHANNEL_NAMES[index]) if index < 3 and self.count == 3 \
                else str(index + 1)
            return tr("input, {channel} channel ({n} of {m})", channel=ch, n=index + 1,
                      m=self.count)
        return tr("{layer}, neuron {n} of {m}", layer=self.name, n=index + 1, m=self.count)


@dataclass(frozen=True)
class Edge:
    src: tuple[str, int]
    dst: tuple[str, int]
    d: str  # SVG path


@dataclass
class OverviewLayout:
    columns: list[Column]
    width: float
    height: float
    node: float
    pitch: float

    @property
    def aspect(self) -> float:
        """Width / height: the page keeps it when it scales the network to the screen."""
        return self.width / self.height

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def index_of(self, name: str) -> int:
        return [c.name for c in self.columns].index(name)

    def sources_of(self, name: str, index: int) -> list[tuple[str, int]]:
        """The neurons an edge joins to ``(name, index)``."""
        i = self.index_of(name)
        col = self.columns[i]
        if i == 0:
            return []
        prev = self.columns[i - 1]
        if col.sources == "all":
            return [(prev.name, j) for j in range(prev.count)]
        return [(prev.name, index)] if index < prev.count else []


def format_shape(shape: Sequence[int]) -> str:
    """``(62, 62, 10)``; a vector as ``(10)`` (as the reference labels it)."""
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def layer_infos(model: object) -> list[LayerInfo]:
    """``LayerInfo`` for each layer of a ``pyapp.cnn.model.Model``."""
    return [LayerInfo(layer.name, layer.type, tuple(model.shapes[layer.name]))  # type: ignore[attr-defined]
            for layer in model.layers]  # type: ignore[attr-defined]


def build_layout(input_shape: Sequence[int], layers: Sequence[LayerInfo]) -> OverviewLayout:
    """Place every column and neuron.  The output column is the last linear (dense) layer;
    a layer whose kind draws maps gets a column when its output is maps (an activation of a
    hidden dense layer's vector does not)."""
    cols: list[Column] = [Column("input", "input", tuple(input_shape), 0, NODE,
                                 int(input_shape[-1]))]
    for info in layers:
        kind = kind_of(info.kind)
        maps = kind.map_shape(info.shape) if kind.draws_maps else None
        if maps is not None:
            cols.append(Column(info.name, info.kind, info.shape, 0, NODE, maps[2],
                               sources="all" if kind.role == "conv" else "one",
                               module_start=kind.starts_module))
    linear = [i for i in layers if kind_of(i.kind).role == "linear"]
    if not linear:
        raise ValueError("the model has no dense output layer")
    out = linear[-1]
    cols.append(Column(out.name, "output", out.shape, 0, OUT_W, int(out.shape[-1]),
                       sources="all", module_start=True))

    rows = max(c.count for c in cols)
    height = TOP + rows * PITCH + BOTTOM
    # horizontal: gaps between columns; a module start gets GAP_RATIO times the base gap
    weights = [GAP_RATIO if c.module_start else 1.0 for c in cols[1:]]
    fixed = LEFT + RIGHT + sum(c.width for c in cols)
    base = (VIEW_W - fixed) / sum(weights)
    x = LEFT
    for i, c in enumerate(cols):
        if i > 0:
            x += weights[i - 1] * base
        c.x = x
        x += c.width
        band = rows * PITCH
        c.ys = [TOP + (j + 0.5) * band / c.count - NODE / 2 for j in range(c.count)]
    return OverviewLayout(cols, VIEW_W, height, NODE, PITCH)


def _path(x1: float, y1: float, x2: float, y2: float) -> str:
    xm = (x1 + x2) / 2
    return (f"M{x1:.1f} {y1:.1f}C{xm:.1f} {y1:.1f} {xm:.1f} {y2:.1f} {x2:.1f} {y2:.1f}")


def edges(layout: OverviewLayout) -> list[Edge]:
    """Every edge of the overview, as cubic Bezier curves (source right -> target left)."""
    out: list[Edge] = []
    half = layout.node / 2
    for col in layout.columns[1:]:
        for j in range(col.count):
            x2, y2 = col.x, col.ys[j] + half
            for sname, si in layout.sources_of(col.name, j):
                s = layout.column(sname)
                out.append(Edge((sname, si), (col.name, j),
                                _path(s.x + s.width, s.ys[si] + half, x2, y2)))
    return out


def span(layout: OverviewLayout, first: str, last: str) -> tuple[float, float]:
    """``(x, width)`` of the band under columns ``first`` .. ``last``: from the middle of the
    gap before ``first`` to the middle of the gap after ``last`` (at the network's ends, the
    margin), so neighbouring bands touch but never overlap.  A legend spans its band."""
    cols = layout.columns
    i, j = layout.index_of(first), layout.index_of(last)
    left = (cols[i - 1].x + cols[i - 1].width + cols[i].x) / 2 if i > 0 else 0.0
    right = ((cols[j].x + cols[j].width + cols[j + 1].x) / 2 if j + 1 < len(cols)
             else layout.width)
    return left, right - left


def pct(v: float, total: float) -> str:
    """A CSS percentage of ``total`` (4 decimals)."""
    return f"{100.0 * v / total:.4f}%"
