"""The "Why?" views' numbers (CPython): saliency views, progressive occlusion, the backprop
view against the core's backward pass, the overview's gradient maps, and their markup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn import grads, saliency
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.render.layout import build_layout, layer_infos
from pyapp.views import backprop, gradients, why_html
from pyapp.views import saliency as sv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def setup():
    model = load_native(ROOT / "weights" / "tinyvgg-cifar10.npz")
    image = preprocess((ROOT / "www" / "gallery" / "dog_1.png").read_bytes(),
                       model.input_shape, model.preprocessing)
    return model, model.forward(image)


@pytest.mark.parametrize("cls", [None, 3])
def test_gradcam_view_is_the_core_map(setup, cls):
    model, acts = setup
    c = int(np.argmax(acts["probabilities"])) if cls is None else cls
    v = sv.why_view(model, acts, c, "gradcam")
    cam = saliency.grad_cam(model, acts, c)
    np.testing.assert_array_equal(v.values, cam)
    overlay = next(f for f in v.figures if f.overlay)
    assert overlay.rgba.shape == (64, 64, 4) and overlay.rgba.dtype == np.uint8
    # zero evidence is see-through, the strongest is the most opaque
    big = saliency.upsample(cam, (64, 64))
    assert overlay.rgba[..., 3][big == 0].max(initial=0) == 0
    alpha = overlay.rgba[..., 3].astype(float)
    np.testing.assert_allclose(alpha, np.rint(big / cam.max() * sv.MAX_ALPHA), atol=1)
    assert v.class_name in v.sentence and "not" in v.sentence
    assert v.predicted == (cls is None)
    assert v.legend.ticks[0] == "0" and v.legend.ticks[2] == sv.fmt(cam.max())


def test_gradcam_any_conv_layer(setup):
    model, acts = setup
    layers = [name for name, _ in sv.cam_layers(model)]
    assert layers == ["relu_1_1", "relu_1_2", "relu_2_1", "relu_2_2"]
    v = sv.why_view(model, acts, 5, "gradcam", layer="relu_1_1")
    assert v.layer == "relu_1_1" and v.values.shape == (62, 62)
    np.testing.assert_array_equal(v.values, saliency.grad_cam(model, acts, 5, "relu_1_1"))


def test_gradient_x_input_view(setup):
    model, acts = setup
    v = sv.why_view(model, acts, 7, "gradxinput")
    np.testing.assert_allclose(v.values, saliency.gradient_x_input(model, acts, 7, True))
    keys = [f.key for f in v.figures]
    assert keys == ["overlay", "combined", "ch0", "ch1", "ch2"]
    assert "red" in v.sentence and "blue" in v.sentence.lower()


def test_occlusion_fills_progressively_and_equals_the_core(setup):
    model, acts = setup
    run = sv.OcclusionRun(model, acts, 5, patch=8, stride=4)
    first = run.view()
    assert first.progress == 0 and first.summary.startswith("0 of 225")
    assert first.figures[0].rgba[..., 3].max() == 0  # nothing drawn yet
    clock = iter(range(0, 10_000, 10))
    n = run.advance(25, lambda: float(next(clock)))
    assert n == 3  # one position per 10 ms "tick" until the 25 ms budget is used
    mid = run.view()
    assert 0 < mid.progress < 1 and f"{n} of 225" in mid.summary
    while not run.done:
        run.advance(1e9, lambda: 0.0)
    done = run.view()
    want = saliency.occlusion(model, acts["input"], 5, 8, 4)
    np.testing.assert_allclose(done.values, run.occ.baseline - want)
    assert done.progress == 1.0


def test_occlusion_pixels_average_the_covering_patches():
    drop = np.array([[1.0, np.nan], [3.0, 5.0]])
    px = sv.occlusion_pixels(drop, (6, 6), patch=4, stride=2)
    assert px[0, 0] == 1.0  # only patch (0, 0)
    assert px[2, 2] == pytest.approx((1 + 3 + 5) / 3)  # (0, 1) is not computed yet
    assert np.isnan(px[0, 5])  # only (0, 1) covers it


@pytest.mark.parametrize("layer", ["relu_2_2", "max_pool_1", "conv_2_1", "conv_1_1"])
def test_backprop_view_numbers_are_the_core(setup, layer):
    model, acts = setup
    g = grads.backward(model, acts, ("logit", 5), params=False)
    v = backprop.backprop_view(model, acts, 5, layer, 2)
    names = ["input"] + [ly.name for ly in model.layers]
    below = names[names.index(layer) - 1]
    a, b = v.cell
    if v.kind == "conv2d":
        c = int(v.figures[2].caption.rsplit(" ", 1)[1]) - 1
        kernel = model.layers[names.index(layer) - 1].weights["kernel"]
        part = grads.conv2d_input_grad(g.activations[layer][..., 2:3], acts[below].shape,
                                       kernel[..., 2:3])
        assert v.passed == pytest.approx(part[a, b, c], abs=1e-12)
        window, flipped = (np.array(gr.values) for gr in v.grids)
        np.testing.assert_array_equal(flipped, kernel[::-1, ::-1, c, 2])
        assert float((window * flipped).sum()) == pytest.approx(v.passed, abs=1e-9)
    else:
        assert v.passed == pytest.approx(g.activations[below][a, b, 2], abs=1e-12)
        if v.kind == "relu":
            assert v.arriving == pytest.approx(g.activations[layer][a, b, 2])
        else:
            assert v.arriving == pytest.approx(g.activations[layer][a // 2, b // 2, 2])
    assert v.class_name == "dog" and "raise" in v.sentence


def test_gradient_maps_use_the_backward_pass(setup):
    model, acts = setup
    layout = build_layout(model.input_shape, layer_infos(model))
    gm = gradients.gradient_maps(model, acts, layout, "unit", 7)
    g = grads.backward(model, acts, ("logit", 7), params=False)
    assert set(gm.rgba) == {c.name for c in layout.columns if c.kind != "output"}
    assert gm.rgba["conv_1_1"].shape == (10, 62, 62, 4)
    lim = float(np.abs(g.activations["relu_2_2"]).max())
    assert next(s.limit for s in gm.legends if s.layers == ("relu_2_2",)) == pytest.approx(lim)
    html = why_html.gradient_legends_html(layout, gm.legends, gm.input_limit, gm.class_name)
    assert "horse" in html and sv.fmt(lim) in html


def test_markup_escapes_outside_names():
    html = why_html.region_html(["<b>cat</b>", "dog"], [("relu_x", "<i>conv</i>")])
    assert "<b>" not in html and "&lt;b&gt;cat" in html and "&lt;i&gt;" in html
    assert '<select class="why-class" aria-label="Class">' in html
    assert 'aria-label="Method"' in html
    assert why_html.why_button_html("x").count("Why?") == 2


def test_why_link_round_trip():
    from pyapp import why_link

    names = ["airplane", "cat", "dog"]
    assert why_link.parse("?image=2&why=occlusion&class=2", names) == ("occlusion", 1)
    assert why_link.parse("?why=gradcam&class=dog", names) == ("gradcam", 2)
    assert why_link.parse("?why=<script>&class=99", names) == ("gradcam", None)
    assert why_link.parse("?image=2", names) is None
    assert why_link.parse("?why=x" + "&a=1" * 2000, names) is None  # too long: ignored
    q = why_link.with_why("?image=3&range=module&why=gradcam", "backprop", 1)
    assert q == "?image=3&range=module&why=backprop&class=2"
    assert why_link.with_why(q, None) == "?image=3&range=module"
    assert why_link.with_why("", None) == ""


def test_article_section_has_formulas_and_real_figures(setup):
    import json
    import re

    from pyapp.article.render import article_html
    from pyapp.article.saliency import GALLERY

    model, _ = setup
    html = article_html(model)
    start = html.index('<section id="article-why"')
    section = html[start: html.index("</section>", start)]
    assert section.count("<math") >= 6 and "Grad-CAM" in section
    assert 'href="#article-why"' in html  # in the contents
    imgs = re.findall(r'<img src="data:image/png;base64,[^"]+" width="64" height="64" '
                      r'alt="([^"]+)"', section)
    assert len(imgs) == 4
    wrong = next(e for e in json.loads((GALLERY / "gallery.json").read_text())
                 if e.get("mistake"))
    image = preprocess((GALLERY / wrong["file"]).read_bytes(), model.input_shape,
                       model.preprocessing)
    pred = model.class_names[int(np.argmax(model.forward(image)["probabilities"]))]
    assert f"for this {wrong['label']} it answers <strong>{pred}</strong>" in section
