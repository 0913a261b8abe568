"""The layer-kind registry: complete, each kind's shapes and forward pass equal PyTorch's
(<= 1e-5), a model of every kind runs, explains, lays out and opens its detail views, and no
code outside ``pyapp/cnn/kinds`` branches on layer-type names."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from pyapp.article.facts import SECTION_IDS, network_facts
from pyapp.article.render import article_html
from pyapp.cnn import explain as ex
from pyapp.cnn import ops
from pyapp.cnn.grads import GRADIENTS
from pyapp.cnn.kinds import KINDS, ROLES, ActivationKind, PoolKind, UnknownKindError, kind_of
from pyapp.cnn.model import LayerSpec, Model
from pyapp.numbers import parse
from pyapp.render.layout import build_layout, layer_infos
from pyapp.render.maps import overview_rgba
from pyapp.render.readout import readout_html
from pyapp.ui.detail.map_panels import PoolPanel
from pyapp.views import route
from pyapp.views.elementwise import GRAPH_H, GRAPH_W, ActivationView, PoolView

F = torch.nn.functional
torch.set_num_threads(1)
TOL = 1e-5
ROOT = Path(__file__).resolve().parents[1]


# --- PyTorch, kind by kind ------------------------------------------------------------------
def _pad(x, pads, value: float = 0.0):
    (t, b), (le, r) = pads
    return F.pad(x, (le, r, t, b), value=value)


def _conv(layer: LayerSpec, x):
    c, w = layer.config, layer.weights
    pads = ops.resolve_padding(c["padding"], tuple(x.shape[2:]), tuple(c["kernel_size"]),
                               tuple(c["strides"]), tuple(c["dilation"]))
    k = torch.from_numpy(w["kernel"]).permute(3, 2, 0, 1)
    return F.conv2d(_pad(x, pads), k, torch.from_numpy(w["bias"]), tuple(c["strides"]),
                    dilation=tuple(c["dilation"]))


def _pool_pads(layer: LayerSpec, x):
    c = layer.config
    return ops.resolve_padding(c["padding"], tuple(x.shape[2:]), tuple(c["pool_size"]),
                               tuple(c["strides"]))


def _max_pool(layer: LayerSpec, x):
    c = layer.config
    return F.max_pool2d(_pad(x, _pool_pads(layer, x), -np.inf), c["pool_size"], c["strides"])


def _avg_pool(layer: LayerSpec, x):
    c, pads = layer.config, _pool_pads(layer, x)
    ones = torch.ones(1, 1, *x.shape[2:])
    return (F.avg_pool2d(_pad(x, pads), c["pool_size"], c["strides"])
            / F.avg_pool2d(_pad(ones, pads), c["pool_size"], c["strides"]))


#: ``(1, C, H, W)`` or ``(1, N)`` torch in, the same layout out.  One entry per kind: a new
#: kind without a PyTorch reference fails ``test_registry_is_complete``.
TORCH = {
    "conv2d": _conv,
    "relu": lambda layer, x: F.relu(x),
    "leaky_relu": lambda layer, x: F.leaky_relu(x, layer.config["alpha"]),
    "sigmoid": lambda layer, x: torch.sigmoid(x),
    "tanh": lambda layer, x: torch.tanh(x),
    "max_pool2d": _max_pool,
    "avg_pool2d": _avg_pool,
    "global_avg_pool2d": lambda layer, x: x.mean(dim=(2, 3)),
    "flatten": lambda layer, x: x.permute(0, 2, 3, 1).reshape(1, -1),
    "dense": lambda layer, x: x @ torch.from_numpy(layer.weights["kernel"])
    + torch.from_numpy(layer.weights["bias"]),
}


def torch_forward(model: Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every activation by name, computed by PyTorch (float32), channels-last again."""
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
    out = {}
    with torch.no_grad():
        for layer in model.layers:
            x = TORCH[layer.type](layer, x)
            y = x[0].numpy()
            out[layer.name] = y.transpose(1, 2, 0) if y.ndim == 3 else y
    return out


# --- models of every kind -------------------------------------------------------------------
def conv(name: str, g, cin: int, filters: int, k, **cfg) -> LayerSpec:
    kh, kw = ops.as_pair(k)
    return LayerSpec(name, "conv2d", {"filters": filters, "kernel_size": k, **cfg},
                     {"kernel": g.standard_normal((kh, kw, cin, filters)) * 0.4,
                      "bias": g.standard_normal(filters) * 0.2})


def dense(name: str, g, n: int, units: int) -> LayerSpec:
    return LayerSpec(name, "dense", {"units": units},
                     {"kernel": g.standard_normal((n, units)) * 0.3,
                      "bias": g.standard_normal(units) * 0.2})


def global_model() -> Model:
    """Conv, leaky ReLU, 'same' average pooling, sigmoid, max pooling, tanh, ReLU, global
    average pooling straight into dense layers."""
    g = np.random.default_rng(21)
    return Model([
        conv("c1", g, 3, 4, 3, padding="same"),
        LayerSpec("lr", "leaky_relu", {"alpha": 0.1}),
        LayerSpec("ap", "avg_pool2d", {"pool_size": 3, "strides": 2, "padding": "same"}),
        conv("c2", g, 4, 5, 2, dilation=2),
        LayerSpec("sg", "sigmoid"),
        LayerSpec("mp", "max_pool2d", {"pool_size": 2}),
        conv("c3", g, 5, 6, 1),
        LayerSpec("th", "tanh"),
        LayerSpec("r", "relu"),
        LayerSpec("gap", "global_avg_pool2d"),
        dense("h", g, 6, 7),
        LayerSpec("ht", "tanh"),
        dense("out", g, 7, 3),
    ], (17, 15, 3), ["a", "b", "c"])


def flat_model() -> Model:
    """Average pooling into flatten and a hidden dense layer with a leaky ReLU."""
    g = np.random.default_rng(22)
    return Model([
        conv("c1", g, 3, 3, 3, strides=2),
        LayerSpec("r1", "relu"),
        LayerSpec("ap", "avg_pool2d", {"pool_size": [2, 3], "strides": [1, 2]}),
        LayerSpec("f", "flatten"),
        dense("h", g, 5 * 3 * 3, 4),
        LayerSpec("hl", "leaky_relu"),
        dense("out", g, 4, 3),
    ], (13, 16, 3))


MODELS = {"global": global_model(), "flat": flat_model()}
IMAGES = {k: np.random.default_rng(3).random(m.input_shape, dtype=np.float32)
          for k, m in MODELS.items()}
ACTS = {k: m.forward(IMAGES[k]) for k, m in MODELS.items()}


# --- the registry ---------------------------------------------------------------------------
def test_registry_is_complete() -> None:
    modules = {p.stem for p in (ROOT / "pyapp" / "cnn" / "kinds").glob("*.py")} - {
        "__init__", "base"}
    assert modules == set(KINDS), "every kind module is registered, and only those"
    assert set(TORCH) == set(KINDS), "every kind has a PyTorch reference here"
    used = {layer.type for m in MODELS.values() for layer in m.layers}
    assert used == set(KINDS), "the test models use every kind"
    keras = [c for k in KINDS.values() for c in k.keras_classes]
    assert len(keras) == len(set(keras))
    for name, kind in KINDS.items():
        assert kind.type == name and kind is kind_of(name)
        assert kind.role in ROLES and kind.title and kind.short_label
        assert kind.view in (*route.KINDS, None)
        assert SECTION_IDS[name] == kind.article_section
        if isinstance(kind, ActivationKind):
            assert kind.formula({"alpha": 0.5}, "x") and kind.role == "activation"
        if isinstance(kind, PoolKind):
            assert kind.reduce in ("max", "mean") and kind.role == "pool"
    with pytest.raises(UnknownKindError, match="'conv3d'"):
        kind_of("conv3d")
    with pytest.raises(ValueError, match="unsupported layer type 'conv3d'"):
        LayerSpec("x", "conv3d")


def test_configs_are_validated_and_stable() -> None:
    for model in MODELS.values():
        for layer in model.layers:
            assert layer.kind.normalise_config(layer.config) == layer.config
    again = Model.from_spec(MODELS["global"].spec(), MODELS["global"].weight_arrays())
    assert again.spec() == MODELS["global"].spec()
    with pytest.raises(ValueError, match="'lr'.*alpha"):
        LayerSpec("lr", "leaky_relu", {"alpha": float("nan")})
    with pytest.raises(ValueError, match="'p'.*padding"):
        LayerSpec("p", "avg_pool2d", {"padding": "full"})
    with pytest.raises(ValueError, match="'g'.*\\(H, W, C\\)"):
        Model([LayerSpec("f", "flatten"), LayerSpec("g", "global_avg_pool2d")], (4, 4, 1))


# --- the maths: PyTorch parity --------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(MODELS))
def test_every_kind_matches_pytorch(key: str) -> None:
    model, acts = MODELS[key], ACTS[key]
    want = torch_forward(model, IMAGES[key])
    for layer in model.layers:
        got = acts[layer.name]
        assert got.dtype == np.float32, layer.name
        assert got.shape == model.shapes[layer.name] == want[layer.name].shape, layer.name
        np.testing.assert_allclose(got, want[layer.name], atol=TOL, rtol=0,
                                   err_msg=f"{layer.name} ({layer.type})")


@pytest.mark.parametrize("key", sorted(MODELS))
def test_every_layer_explains_its_numbers(key: str) -> None:
    model, acts = MODELS[key], ACTS[key]
    g = np.random.default_rng(9)
    for layer in model.layers:
        shape = model.shapes[layer.name]
        for _ in range(12):
            pos = tuple(int(g.integers(0, n)) for n in shape)
            rec = ex.explain_at(model, acts, layer.name, pos)
            assert rec.value == float(acts[layer.name][pos])
            assert abs(rec.recompose() - rec.value) <= TOL, (layer.name, pos)
            if isinstance(rec, ex.AvgPoolExplanation):
                assert rec.count == int(rec.inside.sum()) > 0
                assert np.all(rec.window[~rec.inside] == 0)


def test_records_refuse_other_kinds_and_positions() -> None:
    model, acts = MODELS["global"], ACTS["global"]
    with pytest.raises(IndexError, match="'gap'"):
        ex.explain_avg_pool(model, acts, "gap", 0, 1, 0)  # a global pool has one window
    with pytest.raises(ValueError, match="'lr' is of kind 'leaky_relu', not 'pool'"):
        ex.explain_avg_pool(model, acts, "lr", 0, 0, 0)
    with pytest.raises(ValueError, match="'ap' is of kind 'avg_pool2d', not 'activation'"):
        ex.explain_activation(model, acts, "ap", (0, 0, 0))
    with pytest.raises(ValueError, match="'lr' is of kind 'leaky_relu', not 'relu'"):
        ex.explain_relu(model, acts, "lr", (0, 0, 0))


def test_leaky_relu_keeps_a_slope_and_sigmoid_tanh_their_ranges() -> None:
    acts = ACTS["global"]
    x = acts["c1"]
    assert np.any(x < 0) and np.array_equal(acts["lr"] < 0, x < 0)
    assert np.all((acts["sg"] > 0) & (acts["sg"] < 1))
    assert np.all(np.abs(acts["th"]) < 1)
    rec = ex.explain_at(MODELS["global"], acts, "lr", tuple(np.argwhere(x < 0)[0]))
    assert rec.output == pytest.approx(0.1 * rec.input, rel=1e-6) and rec.formula == \
        "max(0.1 \u00d7 x, x)"


# --- the page: overview, read-out, routes, detail views -------------------------------------
def test_overview_draws_every_map_kind() -> None:
    model, acts = MODELS["global"], ACTS["global"]
    lay = build_layout(model.input_shape, layer_infos(model))
    names = [c.name for c in lay.columns]
    assert names == ["input", "c1", "lr", "ap", "c2", "sg", "mp", "c3", "th", "r", "gap", "out"]
    assert [c.short_label for c in lay.columns][-3:] == ["relu", "global_avg", "output"]
    assert lay.column("gap").count == 6 and lay.column("c2").module_start
    rgba = overview_rgba(acts, lay, "module")
    assert rgba["gap"].shape == (6, 1, 1, 4) and rgba["ap"].shape == (4, 9, 8, 4)
    assert "input, Green channel" in readout_html(model, acts, lay, "input", 1)
    assert "map (1, 1)" in readout_html(model, acts, lay, "gap", 5)
    html = readout_html(model, acts, lay, "ap", 1)
    assert "mean of each 3\u00d73 window of lr neuron 2" in html
    assert "max(0.1 \u00d7 lr" not in readout_html(model, acts, lay, "lr", 0)
    assert "max(0.1 \u00d7 c1 neuron 1, c1 neuron 1)" in readout_html(model, acts, lay, "lr", 0)


@pytest.mark.parametrize(("layer", "view"), [
    ("c1", "conv"), ("lr", "activation"), ("ap", "pool"), ("sg", "activation"),
    ("mp", "pool"), ("th", "activation"), ("gap", "pool"), ("ht", None), ("out", None)])
def test_routes_follow_the_kind(layer: str, view: str | None) -> None:
    ref = route.ref_for(MODELS["global"], layer, 0)
    assert (ref.kind if ref else None) == view


def test_flat_model_routes() -> None:
    model = MODELS["flat"]
    assert route.ref_for(model, "out", 1) is None  # the logit view needs flatten -> output
    assert route.ref_for(model, "hl", 0) is None  # an activation of a vector: no maps to show
    assert route.parse_hash("#ap/2", model) == route.ViewRef("pool", "ap", 2)


@pytest.mark.parametrize("layer", ["lr", "sg", "th", "r"])
def test_activation_views_draw_their_own_curve(layer: str) -> None:
    model, acts = MODELS["global"], ACTS["global"]
    vm = ActivationView(model, acts, layer, 1)
    kind = model.layer(layer).kind
    assert vm.title.lower().startswith(kind.title.lower())
    coords = [float(v) for v in re.findall(r"-?\d+\.\d+", vm.graph_path)]
    assert len(coords) >= 2 * 97
    assert all(0 <= v <= GRAPH_W for v in coords[0::2]) and all(
        0 <= v <= GRAPH_H for v in coords[1::2])
    for i in np.random.default_rng(1).choice(vm.count, 4, replace=False):
        f = vm.frame(int(i))
        x = float(acts[model.input_of(layer)][f.row, f.col, 1])
        y = float(acts[layer][f.row, f.col, 1])
        assert abs(parse(f.input.text) - x) <= 5e-4 and abs(parse(f.output.text) - y) <= 5e-4
        assert f"{f.equation} = output {f.output.text}" in f.a11y
        gx, gy = float(f.point[0]), float(f.point[1])
        assert 0 <= gx <= GRAPH_W and 0 <= gy <= GRAPH_H


def test_average_and_global_pool_views() -> None:
    model, acts = MODELS["global"], ACTS["global"]
    vm = PoolView(model, acts, "ap", 2)
    assert vm.op == "avg" and vm.pool_size == (3, 3)
    corner = vm.frame(vm.index_of(0, 0))  # 'same' padding: 4 real cells of 9
    assert sum(map(sum, corner.is_max)) == 4
    assert "mean" in corner.a11y and abs(parse(corner.output.text)
                                         - float(acts["ap"][0, 0, 2])) <= 5e-4
    gap = PoolView(model, acts, "gap", 3)
    assert (gap.h, gap.w, gap.count) == (1, 1, 1) and gap.pool_size == model.shapes["r"][:2]
    f = gap.frame(0)
    h, w = model.shapes["r"][:2]
    assert sum(map(sum, f.is_max)) == h * w
    assert abs(parse(f.output.text) - float(acts["gap"][3])) <= 5e-4
    assert gap.index_at_input(5, 5, 10, 10) == 0


@pytest.mark.parametrize("key", sorted(MODELS))
def test_article_quotes_every_kind(key: str) -> None:
    model = MODELS[key]
    html = article_html(model)
    for layer in model.layers:
        kind = layer.kind
        if isinstance(kind, ActivationKind) and layer.type != "relu":
            assert f"<code>{layer.name}</code> computes y = {kind.formula(layer.config)}" in html
        if isinstance(kind, PoolKind) and kind.reduce == "mean":
            assert f"<code>{layer.name}</code> ({kind.title})" in html
    facts = network_facts(model)
    assert [f.name for f in facts.of_role("pool")] == [
        layer.name for layer in model.layers if layer.kind.role == "pool"]


def test_every_kind_has_gradients() -> None:
    assert set(KINDS) <= set(GRADIENTS)


def test_a_global_pool_over_a_large_map_is_summed_not_listed() -> None:
    g = np.random.default_rng(4)
    model = Model([conv("c", g, 1, 2, 1), LayerSpec("gap", "global_avg_pool2d"),
                   dense("out", g, 2, 2)], (10, 12, 1))
    acts = model.forward(g.random((10, 12, 1), dtype=np.float32))
    vm = PoolView(model, acts, "gap", 1)
    assert vm.pool_size == (10, 12) and not vm.show_cells
    f = vm.frame(0)
    assert "values all 120 cells of the map; mean" in f.a11y
    assert f"{float(acts['c'][..., 1].sum()):.3f} / 120 = {f.output.text}" in f.caption
    html = PoolPanel(vm).html()
    assert "dv-win" not in html and "avg(the whole 10\u00d712 map)" in html
    small = PoolPanel(PoolView(MODELS["global"], ACTS["global"], "gap", 1)).html()
    assert small.count('class="dv-c"') == 9  # a 3x3 map: every cell shown


# --- declared once --------------------------------------------------------------------------
def test_no_layer_type_branches_outside_the_kinds() -> None:
    """Code outside ``pyapp/cnn/kinds`` (and the PyTorch training code) asks the kind; it
    never compares a layer's type with a kind's name."""
    names = "|".join(re.escape(n) for n in KINDS)
    lit = rf"[\"']({names})[\"']"
    patterns = [
        re.compile(rf"(==|!=)\s*{lit}"), re.compile(rf"{lit}\s*(==|!=)"),
        re.compile(rf"\bin\s*[\(\[\{{][^\)\]\}}]*{lit}"),  # membership in a literal
        re.compile(rf"^\s*{lit}\s*:"), re.compile(rf"[\{{,]\s*{lit}\s*:"),  # a dict keyed
        re.compile(rf"(of_type|get)\(\s*{lit}"),
        re.compile(rf"{lit}\s*,\s*{lit}"),  # a list of kinds (``MAP_TYPES = ("conv2d", ...``)
    ]
    # the gradient rules are a table keyed by kind name (kept complete by
    # test_every_kind_has_gradients); a key there is not a branch
    keyed = {"pyapp/cnn/grads.py"}
    hits = []
    for path in sorted((ROOT / "pyapp").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("pyapp/cnn/kinds/", "pyapp/train/")):
            continue
        checks = patterns[:3] + patterns[5:] if rel in keyed else patterns
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in checks):
                hits.append(f"{rel}:{no}: {line.strip()}")
    assert hits == []
