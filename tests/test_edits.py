"""Edits of the network (pyapp.edits) and the session side of tinkering (pyapp.tinkering)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pyapp import edits as E
from pyapp.cnn import ops
from pyapp.cnn.formats import load_native, save_native
from pyapp.cnn.model import LayerSpec, Model
from pyapp.session import Session, Source
from pyapp.tinkering import Tinker, kernel_editor_html, panel_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model() -> Model:
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(3).random((64, 64, 3), dtype=np.float32)


def names(model: Model) -> list[str]:
    return ["input"] + [layer.name for layer in model.layers] + ["probabilities"]


def replaced(model: Model, layer: str, **weights: np.ndarray) -> Model:
    """The model with ``layer``'s weights replaced (built from scratch, not by edits)."""
    layers = []
    for spec in model.layers:
        w = dict(spec.weights)
        if spec.name == layer:
            w.update(weights)
        layers.append(LayerSpec(spec.name, spec.type, dict(spec.config), w))
    return Model(layers, model.input_shape, model.class_names)


def test_weight_edit_changes_exactly_downstream(model, image):
    before = model.forward(image)
    edited = E.apply(model, [E.SetWeight("conv_1_2", 2, 4, 0, 1, 1.5)])
    after = edited.forward(image)
    order = names(model)
    first = order.index("conv_1_2")
    for name in order[:first]:
        assert np.array_equal(before[name], after[name]), name
    for name in order[first:]:
        assert not np.array_equal(before[name], after[name]), name
    # only the edited neuron's map changes in the edited layer itself
    diff = np.any(before["conv_1_2"] != after["conv_1_2"], axis=(0, 1))
    assert list(np.flatnonzero(diff)) == [2]


def test_edits_equal_a_fresh_model(model, image):
    kernel = np.array(model.layer("conv_1_1").weights["kernel"])
    bias = np.array(model.layer("conv_1_1").weights["bias"])
    kernel[0, 1, 0, 2] = 0.5
    kernel[:, :, 1, 2] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    bias[2] = -0.25
    fresh = replaced(model, "conv_1_1", kernel=kernel, bias=bias)
    edited = E.apply(model, [E.SetWeight("conv_1_1", 2, 0, 0, 1, 0.5),
                             E.SetKernel("conv_1_1", 2, 1, "sobel_x"),
                             E.SetBias("conv_1_1", 2, -0.25)])
    a, b = edited.forward(image), fresh.forward(image)
    for name in names(model):
        assert np.array_equal(a[name], b[name]), name


def test_base_is_never_changed(model, image):
    copy = {k: v.copy() for k, v in model.weight_arrays().items()}
    E.apply(model, [E.SetKernel("conv_1_1", 0, 0, "edge"), E.InputChannelOff(0),
                    E.MapOff("conv_1_1", 1), E.Temperature(3.0)])
    for k, v in model.weight_arrays().items():
        assert np.array_equal(copy[k], v), k


def test_map_off_input_off_swaps_and_temperature(model, image):
    edited = E.apply(model, [E.MapOff("relu_1_1", 4)])
    acts = edited.forward(image)
    assert not acts["relu_1_1"][..., 4].any()
    assert acts["relu_1_1"][..., 3].any()
    on_again = E.apply(model, [E.MapOff("relu_1_1", 4), E.MapOff("relu_1_1", 4, off=False)])
    assert np.array_equal(on_again.forward(image)["probabilities"],
                          model.forward(image)["probabilities"])

    green_off = image.copy()
    green_off[..., 1] = 0
    got = E.apply(model, [E.InputChannelOff(1)]).forward(image)
    want = model.forward(green_off)
    np.testing.assert_allclose(got["conv_1_1"], want["conv_1_1"], rtol=1e-5, atol=1e-5)

    tanh = E.apply(model, [E.SwapActivation("relu_1_1", "tanh")]).forward(image)
    assert np.array_equal(tanh["relu_1_1"], ops.tanh(tanh["conv_1_1"]))
    none = E.apply(model, [E.SwapActivation("relu_1_1", "none")]).forward(image)
    assert np.array_equal(none["relu_1_1"], none["conv_1_1"])
    avg = E.apply(model, [E.SwapPool("max_pool_1", "avg")]).forward(image)
    assert np.array_equal(avg["max_pool_1"], ops.avg_pool2d(avg["relu_1_2"], 2, 2))

    hot = E.apply(model, [E.Temperature(2.0)]).forward(image)
    base = model.forward(image)
    assert np.array_equal(hot["output"], base["output"])
    np.testing.assert_allclose(hot["probabilities"], ops.softmax(base["output"] / 2),
                               rtol=1e-6)


def test_undo_restores_bit_identical(model, image):
    session = Session(model, image, Source("gallery", 0))
    tinker = Tinker(session)
    original = dict(session.snapshot.acts)
    tinker.push(E.SetWeight("conv_1_1", 0, 0, 1, 1, 3.0))
    tinker.push(E.SwapActivation("relu_2_1", "sigmoid"))
    assert not np.array_equal(session.snapshot.probabilities, original["probabilities"])
    tinker.undo()
    tinker.undo()
    for name, a in original.items():
        assert np.array_equal(session.snapshot.acts[name], a), name
    assert session.snapshot.model is model
    tinker.redo()
    assert len(tinker.current) == 1
    assert tinker.reset() is not None and tinker.current == ()


def test_drag_merges_into_one_step(model, image):
    tinker = Tinker(Session(model, image, Source("gallery", 0)))
    for v in (0.1, 0.2, 0.3):
        tinker.push(E.SetWeight("conv_1_1", 0, 0, 0, 0, v), merge=True)
    assert tinker.current == (E.SetWeight("conv_1_1", 0, 0, 0, 0, E.f32(0.3)),)
    tinker.undo()
    assert tinker.current == ()


EVERY_KIND = [
    E.SetWeight("conv_1_1", 2, 0, 0, 1, E.f32(0.1)),
    E.SetBias("conv_1_1", 2, E.f32(-0.3)),
    E.SetKernel("conv_1_1", 2, 1, "edge"),
    E.SetKernel("conv_1_2", 0, 9, tuple(E.f32(v) for v in (1, -2.5, 3e-8, 0, 0, 0, 1, 1, 1))),
    E.MapOff("conv_1_2", 3),
    E.MapOff("conv_1_2", 3, off=False),
    E.InputChannelOff(2),
    E.InputChannelOff(2, off=False),
    E.SwapActivation("relu_1_1", "leaky_relu"),
    E.SwapPool("max_pool_2", "avg"),
    E.Temperature(E.f32(0.25)),
]


def test_link_round_trip_every_kind(model):
    text = E.encode(EVERY_KIND)
    assert E.decode(text) == tuple(EVERY_KIND)
    assert text.startswith("w:conv_1_1:3:1:1:2:0.1,b:conv_1_1:3:-0.3,k:conv_1_1:3:2:edge")
    E.apply(model, E.decode(text))
    twice = [E.SetWeight("conv_1_1", 0, 0, 0, 0, 1.0), E.SetWeight("conv_1_1", 0, 0, 0, 0, 2.0)]
    assert E.encode(twice) == "w:conv_1_1:1:1:1:1:2"
    odd = E.MapOff("a:b,c%d", 0)
    assert E.decode(E.encode([odd])) == (odd,)


@pytest.mark.parametrize("text, reason", [
    ("x" * 2001, "longer than 2000"),
    ("zz:conv_1_1:1", "not a kind of change"),
    ("w:conv_1_1:1:1:1", "parts"),
    ("w:conv_1_1:0:1:1:1:0.5", "from 1 up"),
    ("b:conv_1_1:1:nan", "not a number"),
    ("b:conv_1_1:1:1e9", "between"),
    ("t:50", "temperature"),
    ("act:relu_1_1:gelu", "not an activation"),
    ("k:conv_1_1:1:1:wobbly", "not a number"),
    ("off:conv<script>:1", "characters"),
    (",".join(["t:1"] * 201), "more than 200"),
])
def test_bad_link_text_raises_plain_error(text, reason):
    with pytest.raises(E.EditError, match=reason):
        E.decode(text)


@pytest.mark.parametrize("edit, reason", [
    (E.SetWeight("nope", 0, 0, 0, 0, 1.0), "no layer called"),
    (E.SetWeight("relu_1_1", 0, 0, 0, 0, 1.0), "not a convolution"),
    (E.SetWeight("conv_1_1", 10, 0, 0, 0, 1.0), "neuron 11 does not exist"),
    (E.SetKernel("conv_1_1", 0, 3, "edge"), "input channel 4"),
    (E.MapOff("output", 0), "no feature maps"),
    (E.SwapActivation("conv_1_1", "tanh"), "not an activation layer"),
    (E.SwapPool("relu_1_1", "avg"), "not a pooling layer"),
])
def test_edits_that_do_not_fit_raise(model, edit, reason):
    with pytest.raises(E.EditError, match=reason):
        E.apply(model, [edit])


def test_tinker_link_and_banner(model, image):
    session = Session(model, image, Source("gallery", 0))
    tinker = Tinker(session)
    assert "could not be read" in tinker.load("w:conv_1_1:99:1:1:1:1")
    assert session.snapshot.model is model
    assert tinker.load("k:conv_1_1:3:1:edge,t:4") == ""
    snap = session.snapshot
    cmp = tinker.compare(snap)
    names = model.class_names
    before = model.forward(image)["probabilities"]
    b = int(np.argmax(before))
    assert cmp.banner.startswith(f"{names[b]} {100 * before[b]:.1f} % \u2192 ")
    assert cmp.before_widths[b] == f"{100 * float(before[b]):.2f}%"
    assert ("conv_1_1", 2) in cmp.changed and ("conv_1_1", 1) not in cmp.changed
    assert tinker.link_text() == "k:conv_1_1:3:1:edge,t:4"
    html = kernel_editor_html(snap.model, model, "conv_1_1", 2, 0)
    assert 'aria-label="conv_1_1 neuron 3, channel 1, weight row 1 column 2"' in html
    assert 'aria-label="conv_1_1 neuron 3, bias"' in html
    assert html.count("tk-edited") == 9
    assert "relu_1_1 activation" in panel_html(snap, tinker)
    rgba, limit = tinker.difference(snap, "conv_1_1", 2)
    assert rgba.shape == (62, 62, 4) and limit > 0


def test_saved_edited_model_loads_and_matches(model, image):
    edited = E.apply(model, [E.SetKernel("conv_1_1", 2, 1, "edge"), E.MapOff("relu_1_2", 5),
                             E.InputChannelOff(0), E.Temperature(2.0)])
    buf = io.BytesIO()
    save_native(E.baked(edited), buf)
    loaded = load_native(buf.getvalue())
    np.testing.assert_allclose(loaded.forward(image)["probabilities"],
                               edited.forward(image)["probabilities"], rtol=1e-4, atol=1e-6)
    assert loaded.provenance["edits"] == E.encode(edited.edits)
    swapped = E.apply(model, [E.SwapActivation("relu_1_1", "sigmoid"),
                              E.SwapPool("max_pool_1", "avg"), E.MapOff("relu_1_2", 1)])
    assert swapped.layer("relu_1_1").type == "sigmoid" and not swapped.overrides
    assert swapped.layer("max_pool_1").type == "avg_pool2d"
    buf = io.BytesIO()
    save_native(E.baked(swapped), buf)  # real layers of those kinds: the file holds them
    again = load_native(buf.getvalue())
    np.testing.assert_allclose(again.forward(image)["probabilities"],
                               swapped.forward(image)["probabilities"], rtol=1e-5, atol=1e-7)
    with pytest.raises(E.EditError, match="cannot be saved"):
        E.baked(E.apply(model, [E.SwapActivation("relu_1_1", "sigmoid"),
                                E.MapOff("relu_1_1", 1)]))  # sigmoid(0) is not 0
    with pytest.raises(E.EditError, match="cannot be saved"):
        E.baked(E.apply(model, [E.SwapActivation("relu_1_1", "none")]))


def test_any_model_5x5_kernels_one_block():
    from pyapp.cnn.model import sequential_cnn

    other = sequential_cnn((20, 20, 3), blocks=((4,),), num_classes=3, kernel_size=5, rng=1)
    image = np.random.default_rng(0).random((20, 20, 3), dtype=np.float32)
    tinker = Tinker(Session(other, image, Source("gallery", 0)))
    values = tuple(float(v) for v in range(25))
    tinker.push(E.SetKernel("conv_1_1", 1, 2, values))
    with pytest.raises(E.EditError, match="3 by 3"):
        tinker.push(E.SetKernel("conv_1_1", 1, 2, "edge"))
    assert len(tinker.current) == 1
    got = tinker.session.snapshot.model.layer("conv_1_1").weights["kernel"][:, :, 2, 1]
    assert np.array_equal(got, np.arange(25, dtype=np.float32).reshape(5, 5))
    html = kernel_editor_html(tinker.session.snapshot.model, other, "conv_1_1", 1, 2)
    assert html.count('type="number"') == 26 and "tk-classic" not in html
    assert E.decode(tinker.link_text()) == tinker.current
