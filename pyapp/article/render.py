"""The tutorial article as one HTML string, rendered under CPython at build time.

``article_html(model)`` fills the text with the model's real numbers (shapes, kernel and
parameter counts, accuracy from the spec's provenance).  Every section has a stable id (see
:data:`pyapp.article.facts.SECTION_IDS`) and a link back to the tool (``#tool``).

Every sentence goes through :func:`pyapp.i18n.tr` in the current language (the build renders
the article once per language inside ``with language(code):``). Keys are whole paragraphs
with their simple inline tags (``<em>``, ``<strong>``, ``<var>``), because Japanese word order
does not follow the English one; the model's numbers and names are ``{placeholders}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from pyapp.cnn.kinds import ActivationKind, avg_pool2d, conv2d, flatten, kind_of, max_pool2d, relu
from pyapp.cnn.kinds import dense as dense_kind
from pyapp.i18n import N_, catalogue, class_label, current, tr

from . import formulas
from .facts import NetworkFacts, conv_geometry, network_facts
from .text import listing as _list
from .text import sentences

TOOL_ANCHOR = "#tool"


def _n(value: int) -> str:
    """A whole number with thousands separators: 19920 -> 19,920."""
    return f"{value:,}"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def _x(*values: int) -> str:
    return " \u00d7 ".join(str(v) for v in values)


def model_words(text: str) -> str:
    """Words the model file wrote (its data set, its test set), escaped: translated when the
    catalogue knows them (the shipped model's), else shown as the file has them."""
    return escape(catalogue(current()).get(text, text))


def _section(section_id: str, title: str, body: str) -> str:
    return (
        f'<section id="{section_id}" class="article-section" aria-labelledby="{section_id}-h">'
        f'<h2 id="{section_id}-h">{title}</h2>{body}'
        f'<p class="article-back"><a href="{TOOL_ANCHOR}">{tr("↑ Back to the tool")}</a></p>'
        "</section>"
    )


def _figure(math: str, caption: str) -> str:
    # focusable: on a narrow screen the formula scrolls sideways, and keyboards must reach it
    return (f'<figure class="article-formula" tabindex="0">{math}'
            f'<figcaption>{caption}</figcaption></figure>')


def _p(*paragraphs: str) -> str:
    """Paragraphs, one per line (the article's HTML stays readable in the page source)."""
    return "".join(f"\n<p>{text}</p>" for text in paragraphs)


def _what(f: NetworkFacts) -> str:
    h, w, c = f.input_shape
    convs, pools = f.of_role("conv"), f.of_role("pool")
    classes = _list([escape(class_label(name)) for name in f.class_names], "or")
    chain = " \u2192 ".join(str(v) for v in f.spatial_chain)
    return _section("article-what", tr("What is a convolutional neural network?"), _p(
        tr("A convolutional neural network (CNN) is a chain of simple, repeated calculations "
           "that turns the pixels of an image into one score per possible answer. Nothing in "
           "it is written by hand for a particular picture: the numbers it multiplies by (its "
           "<em>parameters</em>) were learned by showing it many labelled examples and nudging "
           "every number to make the right answer more likely."),
        tr("The network on this page, <strong>{name}</strong>, looks at a {h}\u00d7{w} colour "
           "image ({dims} = {values} numbers) and decides whether it shows {classes}. It has "
           "{convs} convolutional layers, each followed by an activation, {pools} pooling "
           "layers, a flatten step and one output layer, with {params} parameters in all. As "
           "an image passes through, its feature maps shrink from side {chain}, while each "
           "layer keeps several maps side by side, one per learned pattern.",
           name=escape(f.name), h=h, w=w, dims=_x(h, w, c), values=_n(f.pixel_values),
           classes=classes, convs=len(convs), pools=len(pools), params=_n(f.total_params),
           chain=chain),
        tr("Every column of the tool above is one of these layers, and every small square in "
           "it is a feature map computed by Python and numpy in your browser. The sections "
           "below walk through the layers in order; each layer's label in the tool links to "
           "its section.")))


def _input(f: NetworkFacts) -> str:
    h, w, c = f.input_shape
    pre = f.preprocessing
    scale = pre.get("scale", [0, 1])
    via = pre.get("via_size")
    if list(scale) == [0, 1]:
        scaled = tr("Each pixel's brightness, 0 to 255, is divided by 255 so it lies between "
                    "0 and 1.")
    else:
        scaled = tr("Each pixel's brightness, 0 to 255, is rescaled to lie between {low} and "
                    "{high}.", low=scale[0], high=scale[1])
    via_text = ""
    if via:
        via_text = tr("The photo is first reduced to {via}\u00d7{via} pixels and then "
                            "enlarged to {h}\u00d7{w}, because that is what the training images "
                            "looked like: small {via}\u00d7{via} photos enlarged for the "
                            "network.", via=via, h=h, w=w)
    return _section("article-input", tr("The input layer"), _p(sentences(
        tr("A digital colour image is three grids of numbers: how much red, green and blue "
           "light each pixel has. The tool crops your picture to a centred square and resizes "
           "it to {h}\u00d7{w} pixels.", h=h, w=w), via_text, scaled),
        tr("So the input layer is a block of shape {shape}: {c} channels of {h}\u00d7{w} "
           "numbers, {values} in total. The first column of the tool shows the channels "
           "separately; brighter means a larger number.",
           shape=_shape(f.input_shape), c=c, h=h, w=w, values=_n(f.pixel_values))))


def _conv_rows(f: NetworkFacts) -> str:
    rows = []
    for layer in f.of_type(conv2d.KIND.type):
        k = layer.config["kernel_size"]
        cin, filters = layer.in_shape[2], layer.shape[2]
        weights = k[0] * k[1] * cin * filters
        rows.append(
            f"<tr><th scope=\"row\">{escape(layer.name)}</th><td>{_shape(layer.in_shape)}</td>"
            f"<td>{_x(cin, filters)} = {cin * filters}</td>"
            f"<td>{_x(k[0], k[1], cin, filters)} + {filters} = {_n(weights + filters)}</td>"
            f"<td>{_shape(layer.shape)}</td></tr>"
        )
    heads = "".join(f'<th scope="col">{text}</th>' for text in (
        tr("layer"), tr("input"), tr("kernels"), tr("weights + biases"), tr("output")))
    return (f'<table class="article-table" tabindex="0"><caption>'
            f'{tr("The convolutional layers of this network")}</caption><thead><tr>{heads}'
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _conv(f: NetworkFacts) -> str:
    convs = f.of_type(conv2d.KIND.type)
    title = tr("Convolution")
    if not convs:
        return _section("article-conv", title, _p(tr("This network has no convolution.")))
    first = convs[0]
    g = conv_geometry(first)
    k = first.config["kernel_size"]
    cin, filters = first.in_shape[2], first.shape[2]
    name = escape(first.name)
    return _section("article-conv", title, _p(
        tr("A convolutional layer looks for small patterns. Its <em>kernel</em> is a tiny grid "
           "of learned weights, here {k0}\u00d7{k1}. The kernel is placed over a {k0}\u00d7{k1} "
           "window of its input; each input value under it is multiplied by the weight on top "
           "of it and the products are added up (a <em>dot product</em>). Then the kernel "
           "moves one step and does it again, until it has visited every position. Where the "
           "window looks like the kernel the sum is large; where it looks like the opposite, "
           "the sum is strongly negative.", k0=k[0], k1=k[1]),
        tr("Because the input has several channels, one output map (a <em>filter</em>) has one "
           "kernel per input channel. The first layer, <code>{layer}</code>, reads the {cin} "
           "colour channels and makes {filters} maps, so it holds {product} = {kernels} kernels "
           "of {k0}\u00d7{k1} weights. The {cin} per-channel results are added together and a "
           "learned <em>bias</em> is added, giving one number of the output map:",
           layer=name, cin=cin, filters=filters, product=_x(cin, filters),
           kernels=cin * filters, k0=k[0], k1=k[1])) + "\n"
        + _figure(formulas.convolution_formula(),
                  tr("Convolution: <var>x</var> is the input, <var>w</var> the kernels of one "
                     "filter, <var>b</var> its bias, <var>C</var> the number of input "
                     "channels, <var>k</var> the kernel size, <var>s</var> the stride and "
                     "<var>d</var> the dilation."))
        + _p(tr("A {k0}\u00d7{k1} window fits in {o} positions along a row of {n} pixels, so "
                "<code>{layer}</code>'s output is {shape}. Every convolution of this network "
                "does the same with its own kernels:",
                k0=k[0], k1=k[1], o=g["o"], n=g["n"], layer=name, shape=_shape(first.shape)))
        + "\n" + _conv_rows(f)
        + _p(tr("In the tool, click (or press Enter on) a convolutional neuron to watch its "
                "kernels slide over the input channels, and hover the result to see the window "
                "and the numbers that produce each value.")))


def _conv_settings(convs: list) -> str:
    if not convs:
        return ""
    geos = [conv_geometry(layer) for layer in convs]
    kinds = {(g["p"], g["s"], g["d"]) for g in geos}
    if len(kinds) != 1:
        return _p(tr("This network's convolutions use these settings:"))
    p, s, d = next(iter(kinds))
    g = geos[0]
    words = [tr("padding {p}", p=p) if p else tr("no padding"), tr("stride {s}", s=s),
             tr("dilation {d}", d=d) if d > 1 else tr("no dilation")]
    shrink = g["n"] - g["o"]
    if all(x["n"] - x["o"] == shrink for x in geos) and shrink > 0 and s == 1:
        return _p(tr("This network's convolutions use {settings}, so each one makes its maps "
                     "{shrink} pixels narrower ({n} \u2192 {o} for the first):",
                     settings=_list(words), shrink=shrink, n=g["n"], o=g["o"]))
    return _p(tr("This network's convolutions use {settings}:", settings=_list(words)))


def _filled_size(g: dict[str, int]) -> str:
    return formulas.output_size_filled(g["n"], g["p"], g["k"], g["s"], g["d"],
                                       g["n"] + 2 * g["p"] - g["d"] * (g["k"] - 1) - 1,
                                       g["o"] - 1, g["o"])


def _hyper(f: NetworkFacts) -> str:
    convs = f.of_type(conv2d.KIND.type)
    pools = f.of_type(max_pool2d.KIND.type) + f.of_type(avg_pool2d.KIND.type)
    examples = ""
    if convs:
        g = conv_geometry(convs[0])
        examples += _figure(_filled_size(g), tr(
            "<code>{layer}</code>: input {n}, padding {p}, kernel {k}, stride {s}, dilation "
            "{d}.", layer=escape(convs[0].name), n=g["n"], p=g["p"], k=g["k"], s=g["s"],
            d=g["d"]))
    if pools:
        g = conv_geometry(pools[0])
        examples += _figure(_filled_size(g), tr(
            "<code>{layer}</code>: the same formula for a {k}\u00d7{k} pooling window with "
            "stride {s}.", layer=escape(pools[0].name), k=g["k"], s=g["s"]))
    size_formula = _figure(
        formulas.output_size_formula(),
        tr("Output size: the window spans <var>d</var>(<var>k</var> \u2212 1) + 1 cells; the "
           "floor counts how many whole strides fit after the first window."))
    terms = "".join(f"\n<dt>{term}</dt><dd>{text}</dd>" for term, text in (
        (tr("Kernel size <var>k</var>"),
         tr("The side of the window. Bigger kernels see more context at once but need more "
            "weights.")),
        (tr("Padding <var>p</var>"),
         tr("Rows and columns of zeros added around the input, so that windows can be centred "
            "on border pixels too. Without it every convolution trims the border.")),
        (tr("Stride <var>s</var>"),
         tr("How far the window jumps between positions. A stride of 2 visits every other "
            "position and halves the output.")),
        (tr("Dilation <var>d</var>"),
         tr("The spacing of the kernel's taps: with dilation 2 a 3\u00d73 kernel reads every "
            "other cell of a 5\u00d75 area, seeing further without more weights."))))
    return _section("article-hyperparameters",
                    tr("Hyperparameters: padding, kernel size, stride, dilation"), _p(
        tr("Some choices are made by the network's designer before training and are never "
           "learned: the <em>hyperparameters</em>. Four of them decide where a kernel's windows "
           "go and therefore the size of the output. The playground in the tool lets you "
           "change each of them and shows the result on real numbers."))
        + f'\n<dl class="article-terms">{terms}\n</dl>'
        + _p(tr("For an input of side <var>n</var>, the output side <var>o</var> is:"))
        + f"\n{size_formula}\n{_conv_settings(convs)}\n{examples}"
        + _p(tr("Two things can go wrong. If the window is wider than the padded input, there "
                "is no position at all and no output. If the stride does not divide the "
                "remaining distance exactly, the last rows and columns are never read (the "
                "floor throws them away); with dilation and a large stride, cells between "
                "windows can be skipped too. The playground flags both in words and, in the "
                "second case, still computes the output and marks the unused cells.")))


def _activation_formula(layer_type: str, config: dict[str, Any]) -> str:
    kind: Any = kind_of(layer_type)
    return f"y = {kind.formula(config)}"


def _relu(f: NetworkFacts) -> str:
    relus = f.of_type(relu.KIND.type)
    others = [layer for layer in f.layers if isinstance(kind_of(layer.type), ActivationKind)
              and layer.type != relu.KIND.type]
    others_text = ""
    if others:
        items = _list([tr("<code>{layer}</code> computes {formula}", layer=escape(a.name),
                          formula=escape(_activation_formula(a.type, a.config)))
                       for a in others])
        others_text = _p(tr("This network also uses other activations, each applied to every "
                            "value on its own in the same way: {items}. Click one of their "
                            "neurons to see its curve.", items=items))
    example = ""
    if relus:
        example = tr("<code>{layer}</code> keeps the shape {shape} of the convolution "
                           "before it.", layer=escape(relus[0].name),
                           shape=_shape(relus[0].shape))
    return _section("article-relu", tr("ReLU: keeping what is there"), _p(sentences(
        tr("After every convolution comes a rectified linear unit (ReLU). It looks at each "
           "number on its own: negative numbers become 0, everything else passes unchanged."),
        example, tr("It has no parameters."))) + "\n"
        + _figure(formulas.relu_formula(), tr("ReLU, applied to every value separately."))
        + _p(tr("Why bother? Without it, a convolution of a convolution would still be one big "
                "linear calculation, no more expressive than a single layer. The bend at 0 lets "
                "the stack build complicated detectors out of simple ones. It also makes the "
                "maps easier to read: a value above 0 means \"this pattern is here\", 0 means "
                "\"not here\". Click a ReLU neuron in the tool to see the rule applied to the "
                "value under your pointer.")) + others_text)


def _pool(f: NetworkFacts) -> str:
    pools = f.of_type(max_pool2d.KIND.type)
    averages = [p for p in f.of_role("pool") if getattr(kind_of(p.type), "reduce", "") == "mean"]
    avg_text = ""
    if averages:
        turns = _list([tr("<code>{layer}</code> ({kind}) turns {before} into {after}",
                          layer=escape(p.name), kind=escape(tr(kind_of(p.type).title)),
                          before=_shape(p.in_shape), after=_shape(p.shape))
                       for p in averages])
        avg_text = _p(tr("{changes}: average pooling keeps the mean of each window instead of "
                         "its maximum (a global average pool takes one window as large as the "
                         "whole map).", changes=turns))
    if not pools and averages:
        return _section("article-pool", tr("Pooling"), avg_text)
    if not pools:
        return _section("article-pool", tr("Pooling"),
                        _p(tr("This network has no pooling layer.")))
    g = conv_geometry(pools[0])
    changes = _list([tr("<code>{layer}</code> turns {before} into {after}",
                        layer=escape(p.name), before=_shape(p.in_shape), after=_shape(p.shape))
                     for p in pools])
    pool_formula = _figure(
        formulas.max_pool_formula(g["k"], g["s"]),
        tr("Max-pooling with a {k}\u00d7{k} window and stride {s}.", k=g["k"], s=g["s"]))
    return _section("article-pool", tr("Max-pooling: keeping the strongest"), _p(
        tr("A max-pooling layer shrinks each feature map by keeping only the largest value of "
           "every {k}\u00d7{k} block (stride {s}), channel by channel. The strongest evidence of "
           "a pattern survives, its exact position matters a little less, and the next layers "
           "have fewer numbers to process. {changes}. Pooling has no parameters.",
           k=g["k"], s=g["s"], changes=changes)) + "\n" + pool_formula
        + _p(tr("Click a pooling neuron in the tool and move the pointer (or the arrow keys) to "
                "see which block each output value comes from.")) + avg_text)


def _flatten(f: NetworkFacts) -> str:
    flats, dense = f.of_type(flatten.KIND.type), f.of_type(dense_kind.KIND.type)
    if not flats:
        return _section("article-flatten", tr("Flatten"),
                        _p(tr("This network has no flatten step.")))
    flat = flats[0]
    h, w, c = flat.in_shape
    dense_text = ""
    if dense:
        out = dense[-1]
        units = out.shape[0]
        inputs = out.in_shape[0]
        share = 100 * out.params / f.total_params if f.total_params else 0
        dense_text = _p(tr(
            "The output layer <code>{layer}</code> connects every one of the {inputs} numbers "
            "to each of the {units} classes: {inputs} \u00d7 {units} weights plus {units} biases "
            "= {params} parameters, {share}% of the network's {total}. Each class score (a "
            "<em>logit</em>) is a weighted sum:", layer=escape(out.name), inputs=_n(inputs),
            units=units, params=_n(out.params), share=f"{share:.0f}",
            total=_n(f.total_params))) + "\n" + _figure(
            formulas.dense_formula(),
            tr("A dense (fully connected) layer: every input <var>x<sub>n</sub></var> times "
               "its weight for class <var>u</var>, plus the class's bias."))
    return _section("article-flatten", tr("Flatten: from maps to a list"), _p(
        tr("The last pooling layer leaves {c} maps of {h}\u00d7{w}. The flatten step lays them "
           "out as one long list of {dims} = {values} numbers, row by row, column by column "
           "and channel by channel. Nothing is computed; only the arrangement changes.",
           c=c, h=h, w=w, dims=_x(h, w, c), values=_n(flat.shape[0]))) + dense_text
        + _p(tr("Click a class in the tool's output column to see the flattened values and the "
                "weights that connect them to that class.")))


def _softmax(f: NetworkFacts) -> str:
    k = len(f.class_names)
    return _section("article-softmax", tr("The output layer and softmax"), _p(
        tr("The {k} logits can be any size and sign, which makes them hard to compare. Softmax "
           "turns them into probabilities: it raises <var>e</var> to the power of each logit "
           "(so every value becomes positive, and larger logits grow much faster) and divides "
           "by the total, so the {k} results add up to 1. The class with the largest "
           "probability is the network's answer.", k=k)) + "\n"
        + _figure(formulas.softmax_formula(k),
                  tr("Softmax over the {k} logits <var>z</var>.", k=k))
        + _p(tr("A probability here says how strongly the network prefers one of its {k} "
                "answers over the others, not how sure it should be: it has to pick among these "
                "classes even for a picture of something else. Click the softmax step in the "
                "tool to see the formula with this image's numbers.", k=k)))


def _howto(f: NetworkFacts, ranges: str = "") -> str:
    items = (
        (tr("Choose an image."),
         tr("Click a photo in the gallery, or use your own: the upload button, dragging a file "
            "onto the page, or pasting an image (Ctrl+V / \u2318V). It never leaves your "
            "device; the tool crops and resizes it in the browser.")),
        (tr("Explore the layers."),
         tr("Hover, tap or focus (Tab) a neuron to highlight the neurons it reads and to see "
            "its value. Click it or press Enter to open its detail view (convolution, ReLU, "
            "pooling, flatten or softmax); Esc closes it.")),
        (tr("Move around."),
         tr("The arrow keys move between neurons, and inside a detail view move the "
            "highlighted window. Space plays or pauses an animation.")),
        (tr("Read the colours."),
         tr("Each layer has a legend. The {scale} menu sets which maps share one colour "
            "range:", scale=escape(tr("Scale"))) + ranges
         + tr("Colour is never the only cue: the read-outs give the numbers.")),
        (tr("Play with hyperparameters."),
         tr("In the playground, drag a slider or type in the box beside it. Pick the input (a "
            "channel of the current image, or whole numbers you can check by hand) and the "
            "kernel (one of the network's own, or edge, blur or sharpen). Hover, tap or focus "
            "an output cell (arrow keys move between cells) to see its window and its dot "
            "product; Space plays or pauses the moving window.")),
        (tr("Learn more."),
         tr("Each layer's label links to its section here; each section links back to the "
            "tool.")),
    )
    lis = "".join(f"\n<li>{sentences(f'<strong>{head}</strong>', text)}</li>"
                  for head, text in items)
    return _section("article-howto", tr("How to use the tool"),
                    f'\n<ul class="article-howto">{lis}\n</ul>')


def _accuracy(prov: dict[str, Any]) -> str:
    acc = prov.get("test_accuracy")
    if isinstance(acc, (int, float)) and not isinstance(acc, bool) and acc > 0:
        data = prov.get("test_data")
        # the model file's own words name its test set; without them, ours (translated)
        data = model_words(str(data)) if data is not None else tr("its test set")
        return tr("It classifies {accuracy}% of {data} correctly.",
                  accuracy=f"{100 * acc:.1f}", data=data)
    return tr("This model's file records no test accuracy.")


def _weakest(f: NetworkFacts) -> str:
    per = f.provenance.get("per_class_accuracy")
    if isinstance(per, list) and len(per) == len(f.class_names):
        per = dict(zip(f.class_names, per, strict=True))
    if not isinstance(per, dict) or not per:
        return ""
    ranked = sorted(per.items(), key=lambda kv: float(kv[1]))[:3]
    names = _list([tr("{name} ({percent}%)", name=escape(class_label(str(name))),
                      percent=f"{100 * float(value):.0f}") for name, value in ranked])
    return tr("Its weakest classes on the test set are {names}.", names=names)


def _model_card(f: NetworkFacts) -> str:
    prov = f.provenance
    data = prov.get("data")
    data = model_words(str(data)) if data is not None else tr("a labelled image collection")
    via = f.preprocessing.get("via_size")
    h, w, _ = f.input_shape
    small = (tr("Its training photos were only {via}\u00d7{via} pixels, so fine detail in "
                      "a large photo is lost before the network sees it.", via=via)
             if via else "")
    wrong = sentences(tr("It only knows {k} classes and must choose one of them for any "
                         "picture, a face or a cup included.", k=len(f.class_names)), small, tr(
        "Expect mistakes between classes that look alike at {h}\u00d7{w} pixels (animals of "
        "similar fur and build, vehicles seen from the same angle) and answers swayed by "
        "background and colour rather than the object. It is a teaching model, not a reliable "
        "classifier.", h=h, w=w))
    return _section("article-model-card", tr("The model card, in short"), f"""
<dl class="article-terms">
<dt>{tr("Data")}</dt><dd>{data}</dd>
<dt>{tr("Accuracy")}</dt><dd>{sentences(_accuracy(prov), _weakest(f))}</dd>
<dt>{tr("What it gets wrong")}</dt><dd>{wrong}</dd>
</dl>""" + _p(tr("The full model card (training recipe, numbers, limits) is in {path} in the "
                 "project's source.", path="<code>weights/MODEL_CARD.md</code>")))


def _credits() -> str:
    items = (
        tr("The idea, the TinyVGG architecture and the layout follow <cite>CNN Explainer</cite> "
           "by Zijie J. Wang, Robert Turko, Omar Shaikh, Haekyu Park, Nilaksh Das, Fred "
           "Hohman, Minsuk Kahng and Duen Horng (Polo) Chau (Georgia Tech, 2020; MIT licence). "
           "This page is an independent re-implementation in Python; its text is its own."),
        tr("Training data: CIFAR-10, by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton "
           "(<cite>Learning Multiple Layers of Features from Tiny Images</cite>, 2009)."),
        tr("Runtime: Pyodide (MPL 2.0), PyScript (Apache 2.0), NumPy (BSD 3-Clause) and Pillow "
           "(MIT-CMU licence), all served from this site."),
        tr("Example photos: each photo's author, source and licence are listed with it in the "
           "gallery."),
        tr("This project's code: MIT licence."),
    )
    lis = "".join(f"\n<li>{text}</li>" for text in items)
    return _section("article-credits", tr("Credits and licences"),
                    f'\n<ul class="article-credits">{lis}\n</ul>')


#: The table of contents: section id and its short title (translated where shown).
CONTENTS = (
    ("article-what", N_("What is a CNN?")), ("article-input", N_("Input")),
    ("article-conv", N_("Convolution")), ("article-hyperparameters", N_("Hyperparameters")),
    ("article-relu", N_("ReLU")), ("article-pool", N_("Pooling")),
    ("article-flatten", N_("Flatten")), ("article-softmax", N_("Softmax")),
    ("article-why", N_("Why this answer?")), ("article-training", N_("Training")),
    ("article-howto", N_("How to use the tool")), ("article-model-card", N_("Model card")),
    ("article-credits", N_("Credits")),
)


def _contents() -> str:
    links = "".join(f'<li><a href="#{sid}">{tr(title)}</a></li>' for sid, title in CONTENTS)
    return (f'<nav class="article-contents" aria-label="{escape(tr("Article contents"), True)}">'
            f"<ol>{links}</ol></nav>")


BACK = '<p class="article-back">'


def playground_link() -> str:
    """The playground's place in the page (``www/index.html``): the hyperparameters' tool
    link, in the current language."""
    return (f'<p class="article-open"><a href="#playground">'
            f'{tr("Open the hyperparameter playground in the tool")}</a></p>')


def _with_figure(section: str, figure: str) -> str:
    """``figure`` placed at the end of ``section``'s text, before its link back."""
    if not figure:
        return section
    i = section.rfind(BACK)
    return section[:i] + figure + section[i:]


def article_from_facts(f: NetworkFacts, why: str = "",
                       figures: Mapping[str, str] | None = None, ranges: str = "",
                       training: str = "") -> str:
    """The article for already-extracted facts (``why``: the saliency section's body;
    ``training``: the training section's;
    ``figures``: ``{section id: figure HTML}``; ``ranges``: the Scale menu's modes, from
    :func:`pyapp.article.figures.range_modes_html`)."""
    figs = {"article-hyperparameters": playground_link(), **(figures or {})}
    # the sentence goes between "...one colour range:" and "Colour is never ..."
    default_ranges = " " + tr("each layer on its own (Unit), the layers of a module (Module) "
                              "or the whole network (Global).") + " "
    parts = [
        ("article-what", _what(f)), ("article-input", _input(f)), ("article-conv", _conv(f)),
        ("article-hyperparameters", _hyper(f)), ("article-relu", _relu(f)),
        ("article-pool", _pool(f)), ("article-flatten", _flatten(f)),
        ("article-softmax", _softmax(f)),
        ("article-why", _section("article-why",
                                 tr("Why this answer? Saliency and backpropagation"), why)
         if why else ""),
        ("article-training", _section("article-training",
                                      tr("Training: how the network learns"), training)
         if training else ""),
        ("article-howto", _howto(f, ranges or default_ranges)),
        ("article-model-card", _model_card(f)), ("article-credits", _credits()),
    ]
    body = "".join(_with_figure(html, figs.get(sid, "")) for sid, html in parts if html)
    return (
        # its own language, so :lang(ja) typography and speech follow even inside a page of
        # another language
        f'<article id="article" class="article" lang="{current()}" '
        'aria-labelledby="article-title">'
        '<h1 id="article-title" class="article-title">'
        f'{tr("How this network sees an image")}</h1>'
        f"{_contents()}{body}</article>"
    )


def article_html(model: Any) -> str:
    """The whole article for ``model`` (a :class:`pyapp.cnn.model.Model`), as HTML, in the
    current language (:func:`pyapp.i18n.current`)."""
    from .figures import example_image, range_modes_html, section_figures
    from .saliency import section_html
    from .training import section_html as training_html

    example = example_image(model)
    figures = ({sid: fig.html for sid, fig in section_figures(model, *example).items()}
               if example is not None else {})
    ranges = range_modes_html(model, example[0] if example is not None else None)
    return article_from_facts(network_facts(model), section_html(model), figures, ranges,
                              training_html(model))
