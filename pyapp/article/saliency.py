"""The article's section on saliency and backpropagation: the formulas in MathML and figures
drawn at build time from the real model on a gallery example it gets wrong.

``section_html(model, gallery_dir)``: the section; its figures need the gallery (the first
entry flagged ``"mistake": true``), and are left out when it is absent.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from pyapp.i18n import class_label, tr

from .mathml import math, mfrac, mi, mn, mo, mrow, msub, msup, mtext, munder
from .text import sentences

SECTION_ID = "article-why"
GALLERY = Path(__file__).resolve().parents[2] / "www" / "gallery"
PARTIAL = "\u2202"
TIMES = "\u00d7"
DOT = "\u22c5"
MINUS = "\u2212"


def _d(num: str, den: str) -> str:
    return mfrac(mrow(mo(PARTIAL), num), mrow(mo(PARTIAL), den))


def _z() -> str:
    return msub(mi("z"), mi("c"))


def chain_formula() -> str:
    return math(
        _d(_z(), msub(mi("x"), mi("i"))), mo("="), munder(mo("\u2211"), mi("j")),
        _d(_z(), msub(mi("y"), mi("j"))), mo(DOT), _d(msub(mi("y"), mi("j")),
                                                      msub(mi("x"), mi("i"))),
        label=tr("the gradient of the class score z c with respect to input x i is the sum "
                 "over outputs j of the gradient with respect to y j times the local "
                 "derivative of y j with respect to x i"))


def relu_grad_formula() -> str:
    # the words around the condition are translated as a pair: "1 if x > 0, else 0" and
    # "1（x > 0 のとき）、それ以外は 0" keep the same order of the formula's parts
    return math(
        _d(mi("y"), mi("x")), mo("="), mn(1), mtext(tr(" if ")), mi("x"), mo(">"), mn(0),
        mtext(tr(", else ")), mn(0),
        label=tr("the derivative of ReLU is 1 where x is positive and 0 elsewhere"))


def conv_grad_formula() -> str:
    return math(
        _d(_z(), msub(mi("x"), mrow(mi("a"), mo(","), mi("b"), mo(","), mi("c")))), mo("="),
        munder(mo("\u2211"), mrow(mi("o"), mo(","), mi("u"), mo(","), mi("v"))),
        _d(_z(), msub(mi("y"), mrow(mi("a"), mo(MINUS), mi("u"), mo(","), mi("b"), mo(MINUS),
                                   mi("v"), mo(","), mi("o")))),
        mo(DOT), msub(mi("w"), mrow(mi("u"), mo(","), mi("v"), mo(","), mi("c"), mo(","),
                                   mi("o"))),
        label=tr("the gradient at input a b c is the sum over output channels o and kernel "
                 "positions u v of the gradient at output a minus u, b minus v, o, times the "
                 "weight u v c o: a convolution with the flipped kernel"))


def gradcam_formula() -> str:
    alpha = math(
        msub(mi("\u03b1"), mi("k")), mo("="), mfrac(mn(1), mrow(mi("h"), mi("w"))),
        munder(mo("\u2211"), mrow(mi("i"), mo(","), mi("j"))),
        _d(_z(), msub(mi("A"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("k")))),
        label=tr("alpha k is the mean over positions i j of the gradient of z c with respect "
                 "to the activation A i j k"))
    cam = math(
        msub(mi("L"), mrow(mi("i"), mo(","), mi("j"))), mo("="), mi("max", normal=True),
        mo("("), mn(0), mo(","), munder(mo("\u2211"), mi("k")), msub(mi("\u03b1"), mi("k")),
        msub(mi("A"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("k"))), mo(")"),
        label=tr("the Grad-CAM map at i j is the positive part of the sum over channels k of "
                 "alpha k times A i j k"))
    return alpha + cam


def gxi_formula() -> str:
    return math(
        msub(mi("s"), mrow(mi("i"), mo(","), mi("j"))), mo("="),
        munder(mo("\u2211"), mi("c")), msub(mi("x"), mrow(mi("i"), mo(","), mi("j"), mo(","),
                                                         mi("c"))), mo(DOT),
        _d(_z(), msub(mi("x"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("c")))),
        label=tr("gradient times input at pixel i j: the sum over channels c of the pixel "
                 "value times the gradient of z c with respect to it"))


def occlusion_formula() -> str:
    return math(
        mi("\u0394"), msub(mi("p"), mrow(mi("r"), mo(","), mi("q"))), mo("="),
        msub(mi("p"), mi("c")), mo("("), mi("x"), mo(")"), mo(MINUS), msub(mi("p"), mi("c")),
        mo("("), msup(mi("x"), mrow(mi("r"), mo(","), mi("q"))), mo(")"),
        label=tr("the drop at patch r q is the class probability of the image minus that of "
                 "the image with the patch at r q greyed out"))


def _fig(math_html: str, caption: str) -> str:
    return (f'<figure class="article-formula">{math_html}<figcaption>{caption}</figcaption>'
            "</figure>")


def _blend(base: np.ndarray, overlay: np.ndarray) -> np.ndarray:
    """An overlay with its own alpha over an opaque image: opaque ``(H, W, 4)`` uint8."""
    a = overlay[..., 3:4].astype(np.float64) / 255.0
    rgb = base[..., :3] * (1 - a) + overlay[..., :3] * a
    out = np.empty(base.shape, np.uint8)
    out[..., :3] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out


def _figures(model: Any, gallery_dir: Path) -> str:
    from pyapp.cnn.preprocess import preprocess
    from pyapp.render.png import png_data_uri
    from pyapp.session import input_rgba
    from pyapp.views import saliency as sv

    try:
        entries = json.loads((gallery_dir / "gallery.json").read_text("utf-8"))
        entry = next(e for e in entries if e.get("mistake"))
        image = preprocess((gallery_dir / entry["file"]).read_bytes(), model.input_shape,
                           model.preprocessing)
    except (OSError, ValueError, StopIteration, KeyError):
        return ""
    label = str(entry["label"])
    names = list(model.class_names)
    if label not in names:
        return ""
    acts = model.forward(image)
    probs = acts["probabilities"]
    pred, true = int(np.argmax(probs)), names.index(label)
    base = input_rgba(acts["input"])
    cam_p = sv.why_view(model, acts, pred, "gradcam")
    cam_t = sv.why_view(model, acts, true, "gradcam")
    run = sv.OcclusionRun(model, acts, pred)
    while not run.done:
        run.advance(1e9, lambda: 0.0)
    occ = run.view()
    # shown names: translated for display; the alt texts are attributes (escaped in img)
    pshown, tshown = class_label(names[pred]), class_label(label)
    pname, tname = escape(pshown), escape(tshown)
    ppct, tpct = f"{100 * float(probs[pred]):.1f}", f"{100 * float(probs[true]):.1f}"

    def img(rgba: np.ndarray, alt: str, caption: str) -> str:
        return (f'<figure class="article-why-fig"><img src="{png_data_uri(rgba)}" width="64" '
                f'height="64" alt="{escape(alt, quote=True)}"/><figcaption>{caption}'
                "</figcaption></figure>")

    figs = "".join([
        img(base, tr("The {label} photo as the model sees it, 64 by 64 pixels", label=tshown),
            tr("The model input")),
        img(_blend(base, cam_p.figures[0].rgba), tr("Grad-CAM for {name}", name=pshown),
            tr("Grad-CAM for \u2018{name}\u2019 ({percent}%)", name=pname, percent=ppct)),
        img(_blend(base, cam_t.figures[0].rgba), tr("Grad-CAM for {name}", name=tshown),
            tr("Grad-CAM for \u2018{name}\u2019 ({percent}%)", name=tname, percent=tpct)),
        img(_blend(base, occ.figures[0].rgba), tr("Occlusion for {name}", name=pshown),
            tr("Occlusion, 8{times}8 patch, for \u2018{name}\u2019", times=TIMES,
               name=pname)),
    ])
    return ("<p>" + sentences(tr(
        "An example the network gets wrong: for this {true} it answers "
        "<strong>{pred}</strong> ({pred_percent}%; {true}: {true_percent}%). The maps below "
        "come from the shipped model, drawn when this page was built.", true=tname,
        pred=pname, pred_percent=ppct, true_percent=tpct),
        # the Grad-CAM view's own sentence (pyapp/views/saliency.py translates it)
        f'<span class="article-why-summary">{escape(cam_p.summary)}</span>') + "</p>"
        f'<div class="article-why-figs">{figs}</div>'
        "<p>" + tr("Compare where the evidence for each class lies: when it sits on the grass "
                   "or the sky rather than on the animal, the network has learned the "
                   "background that usually comes with a class. Open this example in the tool "
                   "and press <strong>{why}</strong> to try other classes, layers and patch "
                   "sizes.", why=escape(tr("Why?"))) + "</p>")


def section_html(model: Any, gallery_dir: Path = GALLERY) -> str:
    """The section (without the article's wrapper); ``gallery_dir`` holds the examples."""
    return "\n".join([
        "",
        "<p>" + tr(
            "A saliency map answers the question \"which parts of this image does the answer "
            "depend on?\". Most use the <strong>gradient</strong> of a class score "
            "<var>z</var><sub>c</sub> (the logit of class c): how much the score would change "
            "if one value were nudged. The network computes it by "
            "<strong>backpropagation</strong>: starting from the score, each layer turns the "
            "gradient of its output into the gradient of its input by the chain rule.") + "</p>",
        _fig(chain_formula(), tr("The chain rule: the gradient arriving from above times the "
                                 "layer's local derivative, summed over the outputs that read "
                                 "the value.")),
        "<p>" + tr(
            "Each kind of layer has its own local derivative. A ReLU passes the gradient "
            "through where its input was positive and stops it elsewhere. Max-pooling sends "
            "each window's gradient to the cell that held the maximum; the others get nothing. "
            "A convolution sends it back through the same weights, flipped: the gradient of "
            "its input is a convolution of the output's gradient with the kernel turned by 180 "
            "degrees.") + "</p>",
        _fig(relu_grad_formula(), tr("ReLU's local derivative: a 0/1 mask.")),
        _fig(conv_grad_formula(), tr("A convolution's input gradient: the flipped-kernel "
                                     "sum.")),
        "<p>" + tr(
            "<strong>Grad-CAM</strong> weighs each channel of a convolution layer by how much "
            "the class score depends on it on average, adds the weighted channels and keeps "
            "the positive part. It shows where the layer found evidence for the class, only "
            "as sharp as that layer.") + "</p>",
        _fig(gradcam_formula(), tr("Grad-CAM on a layer with activations <var>A</var> of size "
                                   "<var>h</var> {times} <var>w</var> {times} <var>K</var>.",
                                   times=TIMES)),
        "<p>" + tr(
            "<strong>Gradient {times} input</strong> multiplies every pixel value by its "
            "gradient: to first order, how much the score would fall if that pixel were made "
            "black. <strong>Occlusion</strong> needs no gradients at all: it covers one patch "
            "at a time with grey and records how much the class probability drops.",
            times=TIMES) + "</p>",
        _fig(gxi_formula(), tr("Gradient {times} input, summed over the colour channels.",
                               times=TIMES)),
        _fig(occlusion_formula(), tr("Occlusion: the drop in probability when the patch at "
                                     "(<var>r</var>, <var>q</var>) is greyed out.")),
        _figures(model, gallery_dir),
        "<p>" + tr(
            "None of these maps says what the network \"thinks\": gradients describe small "
            "changes, and occlusion misses anything smaller than its patch. Used together they "
            "show what the answer depends on, which is often enough to spot a shortcut.")
        + "</p>",
    ])
