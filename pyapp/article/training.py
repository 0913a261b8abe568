"""The article's section on training: the loss, gradient descent, and what fine-tuning the
last layer means, with MathML and the numbers of a real run made at build time (the shipped
model's output layer fine-tuned on the gallery's photos, with the page's own
:class:`~pyapp.learn.trainer.Trainer`).

``update_math(update)`` is also the training panel's "see learning happen" formula.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.i18n import class_label, tr
from pyapp.learn.trainer import TrainConfig, Trainer, WeightUpdate

from .mathml import math, mfrac, mi, mn, mo, mrow, msub, mtext, munder

SECTION_ID = "article-training"
GALLERY = Path(__file__).resolve().parents[2] / "www" / "gallery"
PARTIAL, MINUS, ETA, ARROW, TIMES = "\u2202", "\u2212", "\u03b7", "\u2190", "\u00d7"
RUN = TrainConfig("output", "sgd", 0.01, 10, 8, 0)


def _num(v: float, decimals: int = 6) -> str:
    """Six decimals: a step of a learning rate times a small gradient still shows."""
    return mn(numbers.fixed(v, decimals).replace(MINUS, "-"))


def _w(u: WeightUpdate | None = None) -> str:
    sub = mrow(mn(u.feature + 1), mo(","), mn(u.cls + 1)) if u else mrow(mi("j"), mo(","),
                                                                          mi("c"))
    return msub(mi("w"), sub)


def _dl_dw(u: WeightUpdate | None = None) -> str:
    return mfrac(mrow(mo(PARTIAL), mi("L")), mrow(mo(PARTIAL), _w(u)))


def loss_formula() -> str:
    return math(mi("L"), mo("="), mo(MINUS), mfrac(mn(1), mi("N")),
                munder(mo("\u2211"), mi("n")), mi("log", normal=True), mo("\u2061"),
                msub(mi("p"), mrow(mi("n"), mo(","), msub(mi("y"), mi("n")))),
                label=tr("the loss L is minus the mean over the N photos of the log of the "
                         "probability the network gives each photo's true class"))


def grad_formula() -> str:
    return math(_dl_dw(), mo("="), mfrac(mn(1), mi("N")), munder(mo("\u2211"), mi("n")),
                msub(mi("f"), mrow(mi("n"), mo(","), mi("j"))), mo("\u22c5"), mo("("),
                msub(mi("p"), mrow(mi("n"), mo(","), mi("c"))), mo(MINUS),
                msub(mi("t"), mrow(mi("n"), mo(","), mi("c"))), mo(")"),
                label=tr("the gradient of the loss with respect to weight w j c is the mean "
                         "over photos of feature j times the probability of class c minus 1 if "
                         "c is the photo's class, else 0"))


def step_formula() -> str:
    return math(_w(), mo(ARROW), _w(), mo(MINUS), mi(ETA), mo("\u22c5"), _dl_dw(),
                label=tr("gradient descent: each weight moves against its gradient, by the "
                         "learning rate eta times the gradient"))


def update_math(u: WeightUpdate) -> str:
    """``w <- w - eta dL/dw`` with the real numbers of update ``u`` (for SGD; Adam's rule,
    whose step is not ``eta`` times the gradient, shows its before, gradient and after)."""
    label = tr("weight {feature} of class {cls}: before {before}, gradient {grad}, learning "
               "rate {lr}, after {after}", feature=u.feature + 1, cls=u.cls + 1,
               before=f"{u.before:.6g}", grad=f"{u.grad:.6g}", lr=f"{u.lr:g}",
               after=f"{u.after:.6g}")
    if u.rule.startswith("w \u2190 w \u2212 \u03b7\u00b7\u2202L"):
        return math(_w(u), mo(ARROW), _num(u.before), mo(MINUS), mn(f"{u.lr:g}"), mo(TIMES),
                    mo("("), _num(u.grad), mo(")"), mo("="), _num(u.after), label=label)
    return math(_w(u), mo(ARROW), _num(u.before), mtext(tr(" with ")), _dl_dw(u), mo("="),
                _num(u.grad), mtext(tr(" (Adam) ")), mo("="), _num(u.after), label=label)


def gallery_run(model: Any, gallery_dir: Path = GALLERY) -> Trainer | None:
    """The build's real run: the output layer fine-tuned on the gallery photos (None when the
    gallery is absent or names no class of ``model``)."""
    from pyapp.cnn.preprocess import preprocess

    index = gallery_dir / "gallery.json"
    if not index.is_file():
        return None
    entries = json.loads(index.read_text("utf-8"))
    images, labels = [], []
    for e in entries:
        if e.get("label") in model.class_names:
            data = (gallery_dir / e["file"]).read_bytes()
            images.append(preprocess(data, model.input_shape, model.preprocessing))
            labels.append(model.class_names.index(e["label"]))
    if len(set(labels)) < 2:
        return None
    return Trainer(model, np.stack(images), np.array(labels), model.class_names, RUN).run()


def _block(math_html: str) -> str:
    """A display formula in the article's formula box: it scrolls on a narrow screen, by keys
    too (``tabindex``), instead of widening the page."""
    return f'<div class="article-formula" tabindex="0">{math_html}</div>'


def section_html(model: Any, gallery_dir: Path = GALLERY) -> str:
    """The section's body (the caller wraps it in the article's section frame)."""
    run = gallery_run(model, gallery_dir)
    numbers_html = ""
    if run is not None:
        first, last, u = run.history[0], run.history[-1], run.last_update
        n = run.size
        numbers_html = "<p>" + tr(
            "A real run, made when this page was built: the output layer of the network above, "
            "fine-tuned on the {n} example photos of the gallery with plain gradient descent "
            "(learning rate {lr}, mini-batches of {batch}, {epochs} epochs). Before training "
            "the loss on them is {loss_before} and {right_before} of {n} are right; after it, "
            "the loss is {loss_after} and {right_after} of {n} are right.", n=n,
            lr=f"{RUN.lr:g}", batch=RUN.batch_size, epochs=RUN.epochs,
            loss_before=numbers.value(first.loss), right_before=round(first.accuracy * n),
            loss_after=numbers.value(last.loss), right_after=round(last.accuracy * n)) + "</p>"
        if u is not None:
            numbers_html += "<p>" + tr(
                "The last update of one weight, the one joining feature {feature} of the "
                "flattened maps to the class \u201c{name}\u201d:", feature=u.feature + 1,
                name=escape(class_label(model.class_names[u.cls])))
            numbers_html += f"</p>{_block(update_math(u))}"
        numbers_html += "<p>" + tr(
            "Getting the gallery right after training proves little: the network has seen "
            "exactly these photos. A fair test uses photos it never trained on.") + "</p>"
    return "\n".join([
        "",
        "<p>" + tr(
            "The network's weights were not written by hand: they were <em>learned</em> from "
            "labelled photos. Learning needs a number that says how wrong the network is: the "
            "<strong>loss</strong>. For photos <var>n</var> = 1 \u2026 <var>N</var> with true "
            "classes <var>y<sub>n</sub></var>, the cross-entropy loss is") + "</p>",
        _block(loss_formula()),
        "<p>" + tr(
            "It is zero only when the network gives every photo's true class a probability of "
            "1, and it grows quickly as that probability falls. <strong>Gradient "
            "descent</strong> lowers it a little at a time: the <em>gradient</em> "
            "\u2202L/\u2202w says how the loss changes when a weight changes, and every weight "
            "takes a small step against it, scaled by the <em>learning rate</em> \u03b7:")
        + "</p>",
        _block(step_formula()),
        "<p>" + tr(
            "For a weight of the last (dense) layer, which joins feature <var>j</var> of the "
            "flattened maps to class <var>c</var>, the gradient is short: the feature "
            "<var>f<sub>n,j</sub></var> times how far the class's probability is from the target "
            "<var>t<sub>n,c</sub></var> (1 for the photo's class, 0 for the others):") + "</p>",
        _block(grad_formula()),
        "<p>" + tr(
            "<strong>Fine-tuning the last layer</strong> keeps every convolution as it is "
            "(what the network has learned to see) and only relearns how those features vote "
            "for the classes. It needs few photos and takes seconds, which is why the training "
            "panel above can do it in this page. A new class adds one output unit, started "
            "from the average features of its photos. Training the whole network also changes "
            "the kernels: slower, and with few photos it easily learns the photos rather than "
            "the class.") + "</p>",
        numbers_html,
    ])
