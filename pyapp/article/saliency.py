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

from .mathml import math, mfrac, mi, mn, mo, mrow, msub, msup, mtext, munder

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
        label="the gradient of the class score z c with respect to input x i is the sum over "
              "outputs j of the gradient with respect to y j times the local derivative of "
              "y j with respect to x i")


def relu_grad_formula() -> str:
    return math(
        _d(mi("y"), mi("x")), mo("="), mn(1), mtext(" if "), mi("x"), mo(">"), mn(0),
        mtext(", else "), mn(0),
        label="the derivative of ReLU is 1 where x is positive and 0 elsewhere")


def conv_grad_formula() -> str:
    return math(
        _d(_z(), msub(mi("x"), mrow(mi("a"), mo(","), mi("b"), mo(","), mi("c")))), mo("="),
        munder(mo("\u2211"), mrow(mi("o"), mo(","), mi("u"), mo(","), mi("v"))),
        _d(_z(), msub(mi("y"), mrow(mi("a"), mo(MINUS), mi("u"), mo(","), mi("b"), mo(MINUS),
                                   mi("v"), mo(","), mi("o")))),
        mo(DOT), msub(mi("w"), mrow(mi("u"), mo(","), mi("v"), mo(","), mi("c"), mo(","),
                                   mi("o"))),
        label="the gradient at input a b c is the sum over output channels o and kernel "
              "positions u v of the gradient at output a minus u, b minus v, o, times the "
              "weight u v c o: a convolution with the flipped kernel")


def gradcam_formula() -> str:
    alpha = math(
        msub(mi("\u03b1"), mi("k")), mo("="), mfrac(mn(1), mrow(mi("h"), mi("w"))),
        munder(mo("\u2211"), mrow(mi("i"), mo(","), mi("j"))),
        _d(_z(), msub(mi("A"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("k")))),
        label="alpha k is the mean over positions i j of the gradient of z c with respect to "
              "the activation A i j k")
    cam = math(
        msub(mi("L"), mrow(mi("i"), mo(","), mi("j"))), mo("="), mi("max", normal=True),
        mo("("), mn(0), mo(","), munder(mo("\u2211"), mi("k")), msub(mi("\u03b1"), mi("k")),
        msub(mi("A"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("k"))), mo(")"),
        label="the Grad-CAM map at i j is the positive part of the sum over channels k of "
              "alpha k times A i j k")
    return alpha + cam


def gxi_formula() -> str:
    return math(
        msub(mi("s"), mrow(mi("i"), mo(","), mi("j"))), mo("="),
        munder(mo("\u2211"), mi("c")), msub(mi("x"), mrow(mi("i"), mo(","), mi("j"), mo(","),
                                                         mi("c"))), mo(DOT),
        _d(_z(), msub(mi("x"), mrow(mi("i"), mo(","), mi("j"), mo(","), mi("c")))),
        label="gradient times input at pixel i j: the sum over channels c of the pixel value "
              "times the gradient of z c with respect to it")


def occlusion_formula() -> str:
    return math(
        mi("\u0394"), msub(mi("p"), mrow(mi("r"), mo(","), mi("q"))), mo("="),
        msub(mi("p"), mi("c")), mo("("), mi("x"), mo(")"), mo(MINUS), msub(mi("p"), mi("c")),
        mo("("), msup(mi("x"), mrow(mi("r"), mo(","), mi("q"))), mo(")"),
        label="the drop at patch r q is the class probability of the image minus that of the "
              "image with the patch at r q greyed out")


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
    pname = escape(names[pred])
    tname = escape(label)

    def img(rgba: np.ndarray, alt: str, caption: str) -> str:
        return (f'<figure class="article-why-fig"><img src="{png_data_uri(rgba)}" width="64" '
                f'height="64" alt="{escape(alt, quote=True)}"/><figcaption>{caption}'
                "</figcaption></figure>")

    figs = "".join([
        img(base, f"The {label} photo as the model sees it, 64 by 64 pixels",
            "The model input"),
        img(_blend(base, cam_p.figures[0].rgba), f"Grad-CAM for {names[pred]}",
            f"Grad-CAM for \u2018{pname}\u2019 ({100 * float(probs[pred]):.1f}%)"),
        img(_blend(base, cam_t.figures[0].rgba), f"Grad-CAM for {label}",
            f"Grad-CAM for \u2018{tname}\u2019 ({100 * float(probs[true]):.1f}%)"),
        img(_blend(base, occ.figures[0].rgba), f"Occlusion for {names[pred]}",
            f"Occlusion, 8{TIMES}8 patch, for \u2018{pname}\u2019"),
    ])
    return (f'<p>An example the network gets wrong: for this {tname} it answers '
            f'<strong>{pname}</strong> ({100 * float(probs[pred]):.1f}%; {tname}: '
            f'{100 * float(probs[true]):.1f}%). The maps below come from the shipped model, '
            f'drawn when this page was built. {escape(cam_p.summary)}</p>'
            f'<div class="article-why-figs">{figs}</div>'
            '<p>Compare where the evidence for each class lies: when it sits on the grass or '
            'the sky rather than on the animal, the network has learned the background that '
            'usually comes with a class. Open this example in the tool and press '
            '<strong>Why?</strong> to try other classes, layers and patch sizes.</p>')


def section_html(model: Any, gallery_dir: Path = GALLERY) -> str:
    """The section (without the article's wrapper); ``gallery_dir`` holds the examples."""
    return f"""
<p>A saliency map answers the question "which parts of this image does the answer depend
on?". Most use the <strong>gradient</strong> of a class score <var>z</var><sub>c</sub> (the
logit of class c): how much the score would change if one value were nudged. The network
computes it by <strong>backpropagation</strong>: starting from the score, each layer turns the
gradient of its output into the gradient of its input by the chain rule.</p>
{_fig(chain_formula(), "The chain rule: the gradient arriving from above times the layer's "
      "local derivative, summed over the outputs that read the value.")}
<p>Each kind of layer has its own local derivative. A ReLU passes the gradient through where
its input was positive and stops it elsewhere. Max-pooling sends each window's gradient to the
cell that held the maximum; the others get nothing. A convolution sends it back through the
same weights, flipped: the gradient of its input is a convolution of the output's gradient with
the kernel turned by 180 degrees.</p>
{_fig(relu_grad_formula(), "ReLU's local derivative: a 0/1 mask.")}
{_fig(conv_grad_formula(), "A convolution's input gradient: the flipped-kernel sum.")}
<p><strong>Grad-CAM</strong> weighs each channel of a convolution layer by how much the class
score depends on it on average, adds the weighted channels and keeps the positive part. It
shows where the layer found evidence for the class, only as sharp as that layer.</p>
{_fig(gradcam_formula(), "Grad-CAM on a layer with activations <var>A</var> of size "
      f"<var>h</var> {TIMES} <var>w</var> {TIMES} <var>K</var>.")}
<p><strong>Gradient {TIMES} input</strong> multiplies every pixel value by its gradient: to
first order, how much the score would fall if that pixel were made black.
<strong>Occlusion</strong> needs no gradients at all: it covers one patch at a time with grey
and records how much the class probability drops.</p>
{_fig(gxi_formula(), f"Gradient {TIMES} input, summed over the colour channels.")}
{_fig(occlusion_formula(), "Occlusion: the drop in probability when the patch at "
      "(<var>r</var>, <var>q</var>) is greyed out.")}
{_figures(model, gallery_dir)}
<p>None of these maps says what the network "thinks": gradients describe small changes, and
occlusion misses anything smaller than its patch. Used together they show what the answer
depends on, which is often enough to spot a shortcut.</p>"""
