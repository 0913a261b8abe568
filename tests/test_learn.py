"""Training in the page, the CPython side: the output layer learns a small generated set to
100 %, a new class leaves the old logits alone, a trained model saves and reloads exactly, the
original is never changed, and the photo set keeps its budgets."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn.formats import load_native, save_native
from pyapp.cnn.model import sequential_cnn
from pyapp.learn import examples as ex
from pyapp.learn.grow import add_classes
from pyapp.learn.trainer import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    return load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")


def photos(n: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two made-up classes: reddish noise, and bluish noise with white stripes."""
    g = np.random.default_rng(seed)
    out, labels = [], []
    for c, colour in enumerate([(0.9, 0.15, 0.1), (0.1, 0.2, 0.85)]):
        for _ in range(n):
            x = np.clip(np.array(colour) + g.normal(0, 0.15, (64, 64, 3)), 0, 1)
            if c == 1:
                x[::8] = 1.0
            out.append(x.astype(np.float32))
            labels.append(c)
    return np.stack(out), np.array(labels)


def test_output_layer_learns_two_new_classes_to_100_percent(model) -> None:
    images, labels = photos()
    names = [*model.class_names, "red thing", "striped"]
    t = Trainer(model, images, labels + 10, names,
                TrainConfig("output", "sgd", 0.05, 20), watch=(10, 0))
    t.run()
    assert t.done and t.epoch == 20 and len(t.history) == 21
    assert t.history[-1].loss < t.history[0].loss
    assert t.history[-1].accuracy == 1.0
    trained = t.result()
    assert trained.class_names == names
    predicted = [int(np.argmax(trained.predict(x))) for x in images]
    assert predicted == list(labels + 10)
    u = t.last_update
    assert u is not None and u.cls == 10 and u.feature == 0
    assert abs(u.after - (u.before - u.lr * u.grad)) < 1e-6  # w <- w - eta dL/dw, as shown


def test_output_layer_training_lowers_the_loss_on_the_models_own_classes() -> None:
    m = sequential_cnn((12, 12, 3), ((4,),), num_classes=3, rng=5)
    g = np.random.default_rng(5)
    images = g.random((9, 12, 12, 3)).astype(np.float32)
    labels = np.arange(9) % 3
    t = Trainer(m, images, labels, m.class_names, TrainConfig("output", "adam", 0.05, 60))
    t.run()
    assert t.history[-1].loss < 0.5 * t.history[0].loss
    assert t.history[-1].accuracy == 1.0


def test_whole_network_training_lowers_the_loss() -> None:
    m = sequential_cnn((12, 12, 3), ((4,),), num_classes=2, rng=6)
    images, labels = photos(3)
    images = images[:, ::5, ::5][:, :12, :12]
    t = Trainer(m, images, labels, m.class_names, TrainConfig("all", "sgd", 0.05, 15, 2))
    before = {k: v.copy() for k, v in m.weight_arrays().items()}
    t.run()
    assert t.history[-1].loss < t.history[0].loss
    changed = {k for k, v in t.result().weight_arrays().items() if not np.array_equal(v, before[k])}
    assert {"conv_1_1/kernel", "output/kernel"} <= changed  # every layer learns
    assert all(np.array_equal(v, before[k]) for k, v in m.weight_arrays().items())  # original kept


def test_a_new_class_keeps_the_old_logits(model) -> None:
    images, _ = photos(2)
    mean = np.stack([model.forward(x)["flatten"] for x in images]).mean(axis=0)
    grown = add_classes(model, ["my mug"], [mean])
    assert grown.num_classes == 11 and grown.class_names[-1] == "my mug"
    for x in images:
        old, new = model.forward(x)["output"], grown.forward(x)["output"]
        assert np.array_equal(new[:10], old)
    # the new unit answers its photos' mean as strongly as the strongest old class
    z = mean @ grown.layer("output").weights["kernel"]
    assert abs(z[10] - max(1.0, float((mean @ model.layer("output").weights["kernel"]
                                       + model.layer("output").weights["bias"]).max()))) < 1e-3


def test_a_trained_model_saves_and_reloads_to_identical_outputs(model) -> None:
    images, labels = photos(3)
    names = [*model.class_names, "red thing", "striped"]
    trained = Trainer(model, images, labels + 10, names, TrainConfig(epochs=3)).run().result()
    buf = io.BytesIO()
    save_native(trained, buf)
    back = load_native(buf.getvalue())
    assert back.class_names == names
    prov = back.provenance
    assert prov["fine_tuned"]["in_page"] is True and prov["fine_tuned"]["photos"] == 6
    assert "fine-tuned in the page on 6 photos" in prov["data"]
    for x in images:
        assert np.array_equal(back.forward(x)["probabilities"],
                              trained.forward(x)["probabilities"])


def test_the_photo_set_cleans_names_and_keeps_its_budgets() -> None:
    s = ex.ExampleSet(["cat", "dog"], (4, 4, 3))
    i = s.add_class("  my\u202e mug\n ")
    assert i == 2 and s.class_names[2] == "my mug"
    assert s.add_class("MY MUG") == 2 and s.add_class("cat") == 0
    assert len(s.add_class("x" * 500) and s.class_names[-1]) == ex.MAX_CLASS_NAME
    with pytest.raises(ex.ExampleError):
        s.add_class(" \u0007 ")
    while len(s.new_classes) < ex.MAX_NEW_CLASSES:
        s.add_class(f"class {len(s.class_names)}")
    with pytest.raises(ex.ExampleError):
        s.add_class("one too many")
    img = np.zeros((4, 4, 3), np.float32)
    with pytest.raises(ex.ExampleError):
        s.add(0, np.zeros((5, 4, 3)))
    with pytest.raises(ex.ExampleError):
        s.add(99, img)
    first = s.add(0, img)
    for _ in range(ex.MAX_PER_CLASS - 1):
        s.add(0, img)
    with pytest.raises(ex.ExampleError):
        s.add(0, img)
    assert s.counts()[0] == ex.MAX_PER_CLASS
    assert s.remove(first.id) and not s.remove(first.id)
    assert s.problem().startswith("The new class")
    images, labels = s.arrays()
    assert images.shape == (ex.MAX_PER_CLASS - 1, 4, 4, 3) and set(labels) == {0}


def test_bad_settings_are_refused_with_a_sentence(model) -> None:
    images, labels = photos(1)
    for config in (TrainConfig(lr=0), TrainConfig(epochs=0), TrainConfig(mode="some"),
                   TrainConfig(optimiser="rmsprop")):
        with pytest.raises(ValueError):
            Trainer(model, images, labels, model.class_names, config)
    with pytest.raises(ValueError):
        Trainer(model, images, labels + 10, model.class_names)  # a class the model lacks


def test_the_panel_escapes_names_and_the_curve_follows_the_numbers() -> None:
    from pyapp.learn import panel
    from pyapp.learn.curve import curve_svg
    from pyapp.learn.trainer import Epoch

    hostile = '<img src=x onerror="alert(1)">'
    for html in (panel.class_options(["cat", hostile], [1, 2], 1, 1),
                 panel.class_block(1, hostile, 2), panel.thumb_html(3, 1, hostile)):
        assert "<img" not in html and "&lt;img" in html
    assert 'aria-label="Remove photo 1 of &lt;img' in panel.thumb_html(3, 1, hostile)
    svg = curve_svg([Epoch(0, 2.0, 0.0), Epoch(5, 1.0, 0.5), Epoch(10, 0.0, 1.0)], 10)
    loss = svg.split('class="tc-loss" points="')[1].split('"')[0].split()
    acc = svg.split('class="tc-acc" points="')[1].split('"')[0].split()
    # x: epoch 0 at the left axis, 10 of 10 at the right; y: the top is the largest loss
    assert loss == ["34.0,10.0", "160.0,68.0", "286.0,126.0"]
    assert acc == ["34.0,126.0", "160.0,68.0", "286.0,10.0"]
    assert "accuracy 100 %" in svg


def test_the_article_section_shows_a_real_run(model) -> None:
    from pyapp.article.training import gallery_run, section_html, update_math

    run = gallery_run(model)
    assert run is not None and run.done and run.history[-1].loss < run.history[0].loss
    html = section_html(model)
    assert f"on the {run.size} example photos" in html
    u = run.last_update
    assert u is not None and abs(u.after - (u.before - u.lr * u.grad)) < 1e-6
    shown = update_math(u)
    for v in (u.before, u.grad, u.after):
        assert f"{abs(v):.6f}" in shown  # the real numbers, six decimals


def test_kernel_changes_name_what_training_moved() -> None:
    from pyapp.learn.changes import kernel_changes, summary

    m = sequential_cnn((12, 12, 3), ((4,),), num_classes=2, rng=7)
    images, labels = photos(2)
    images = images[:, ::5, ::5][:, :12, :12]
    names = [*m.class_names, "new one"]
    out = Trainer(m, images, np.array([0, 2, 0, 2]), names,
                  TrainConfig("output", "sgd", 0.5, 3)).run().result()
    found = kernel_changes(m, out)
    assert {c.layer for c in found} == {"output"}  # the convolutions stayed as they were
    assert any(c.unit == 2 and c.relative == float("inf") for c in found)  # the new class
    whole = Trainer(m, images, labels, m.class_names, TrainConfig("all", "sgd", 0.5, 2, 2))
    moved = kernel_changes(m, whole.run().result())
    assert "conv_1_1" in {c.layer for c in moved}
    assert summary(moved, m.class_names, "output")[0].count("%") == 1
    assert out.name.endswith(", fine-tuned in the page")


def test_training_a_tinkered_network_keeps_its_switches() -> None:
    """A map switched off stays exactly zero during and after training (and passes no
    gradient, so its kernel stays as it was); an input channel switched off stays off; a
    hand-set weight is where training starts; the trained network keeps the switches."""
    from pyapp import edits as E

    m = sequential_cnn((12, 12, 3), ((4, 4),), num_classes=2, rng=8)
    images, labels = photos(3)
    images = images[:, ::5, ::5][:, :12, :12]
    edits = (E.MapOff("conv_1_1", 1), E.InputChannelOff(2),
             E.SetWeight("conv_1_2", 0, 0, 0, 0, 0.75), E.Temperature(2.0))
    tinkered = E.apply(m, edits)
    t = Trainer(tinkered, images, labels, m.class_names, TrainConfig("all", "sgd", 0.2, 4, 2))
    t.run(len(labels))  # the features
    assert t.plain.layer("conv_1_2").weights["kernel"][0, 0, 0, 0] == np.float32(0.75)
    start_k = t.plain.layer("conv_1_1").weights["kernel"].copy()
    while t.updates < 3:  # part way: the running network has the map off
        t.step()
    assert not np.array_equal(t.plain.layer("conv_1_2").weights["kernel"],
                              tinkered.layer("conv_1_2").weights["kernel"])
    for x in images:
        assert not t.model.forward(x)["conv_1_1"][..., 1].any()
    t.run()
    out = t.result()
    assert isinstance(out, E.EditedModel) and out.edits == edits[:2] + edits[3:]
    assert out.temperature == np.float32(2.0)
    for x in images:
        acts = out.forward(x)
        assert not acts["conv_1_1"][..., 1].any() and not acts["relu_1_1"][..., 1].any()
    k = out.layer("conv_1_1").weights["kernel"]
    assert not k[:, :, 2, :].any()  # the blue channel is still not seen
    plain_k = t.plain.layer("conv_1_1").weights["kernel"]
    assert np.array_equal(plain_k[..., 1], start_k[..., 1])  # no gradient through the off map
    assert np.array_equal(plain_k[:, :, 2, :], start_k[:, :, 2, :])  # held, not learnt
    assert not np.array_equal(plain_k[..., 0], start_k[..., 0])  # the others learnt
    assert t.history[-1].loss < t.history[0].loss
    # undoing the switches in the tinkering tools shows the trained weights without them
    assert out.base.class_names == m.class_names and not isinstance(out.base, E.EditedModel)


def test_a_kernels_before_and_after_are_the_real_weights() -> None:
    """The before / after view of the most-changed conv neuron: its numbers are the weights
    before and after training, the change is their difference, and the grids print them."""
    import re

    from pyapp.learn import beforeafter as ba
    from pyapp.learn.changes import kernel_changes
    from pyapp.numbers import fixed, value

    m = sequential_cnn((12, 12, 3), ((4, 4),), num_classes=2, rng=9)
    images, labels = photos(2)
    images = images[:, ::5, ::5][:, :12, :12]
    out = Trainer(m, images, labels, m.class_names, TrainConfig("all", "sgd", 0.3, 2, 2)).run()
    trained = out.result()
    found = kernel_changes(m, trained)
    picks = ba.choices(found, trained)
    assert picks and all(ba.is_conv(trained, c.layer) for c in picks)
    layers = {c.layer for c in found if ba.is_conv(trained, c.layer)}
    heads = picks[:len(layers)]  # each changed conv layer's most-moved neuron first
    assert {c.layer for c in heads} == layers
    assert [c.relative for c in heads] == sorted((c.relative for c in heads), reverse=True)
    for c in heads:
        assert c.relative == max(d.relative for d in found if d.layer == c.layer)
    top = picks[0]
    assert top.relative == max(c.relative for c in found if c.layer.startswith("conv"))
    kd = ba.kernel_diff(m, trained, top.layer, top.unit)
    k0 = m.layer(top.layer).weights["kernel"][..., top.unit].astype(np.float64)
    k1 = trained.layer(top.layer).weights["kernel"][..., top.unit].astype(np.float64)
    assert np.array_equal(kd.before, k0) and np.array_equal(kd.after, k1)
    assert np.array_equal(kd.change, k1 - k0) and np.abs(kd.change).max() > 0
    assert kd.bias_change == float(trained.layer(top.layer).weights["bias"][top.unit]) - float(
        m.layer(top.layer).weights["bias"][top.unit])
    assert abs(kd.relative - top.relative) < 1e-9
    markup = ba.before_after_html(kd)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", markup)
    chans = k0.shape[-1]
    assert len(cells) == 3 * k0.size  # before, after and change of every input channel
    per = k0[:, :, 0].size
    assert cells[:per] == [value(v) for v in k0[:, :, 0].ravel()]
    assert cells[per:2 * per] == [value(v) for v in k1[:, :, 0].ravel()]
    d = max(float(np.abs(k1 - k0).max()), abs(kd.bias_change))
    dec = kd.decimals
    assert kd.change_limit == d and dec == ba.change_decimals(d)
    assert 10 <= d * 10 ** dec < 100 or dec in (3, ba.MAX_DECIMALS)  # two digits, the largest
    assert cells[2 * per:3 * per] == [fixed(v, dec) for v in (k1 - k0)[:, :, 0].ravel()]
    assert markup.count('class="tc-ba-row"') == chans


def test_the_tinkering_tools_follow_a_network_trained_with_its_switches() -> None:
    """The trained network's kept switches are the tinkering tools' edits: they show, undo
    and stay with the network (the tools do not start afresh at every edit)."""
    from pyapp import edits as E
    from pyapp.session import Session, Source
    from pyapp.tinkering import Tinker

    m = sequential_cnn((12, 12, 3), ((4,),), num_classes=2, rng=10)
    images, labels = photos(2)
    images = images[:, ::5, ::5][:, :12, :12]
    tinkered = E.apply(m, [E.MapOff("conv_1_1", 2)])
    out = Trainer(tinkered, images, labels, m.class_names,
                  TrainConfig("output", "sgd", 0.1, 2)).run().result()
    session = Session(out, images[0], Source("gallery", 0))
    tinker = Tinker(session, out)
    assert tinker.current == (E.MapOff("conv_1_1", 2),) and tinker.base is out.base
    snap = tinker.push(E.MapOff("conv_1_1", 0))
    assert tinker.follows(snap) and not snap.acts["conv_1_1"][..., [0, 2]].any()
    snap = tinker.undo()
    assert snap is not None and tinker.follows(snap)
    assert not snap.acts["conv_1_1"][..., 2].any() and snap.acts["conv_1_1"][..., 0].any()
