"""The tutorial article as one HTML string, rendered under CPython at build time.

``article_html(model)`` fills the text with the model's real numbers (shapes, kernel and
parameter counts, accuracy from the spec's provenance).  Every section has a stable id (see
:data:`pyapp.article.facts.SECTION_IDS`) and a link back to the tool (``#tool``).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from pyapp.cnn.kinds import ActivationKind, avg_pool2d, conv2d, flatten, kind_of, max_pool2d, relu
from pyapp.cnn.kinds import dense as dense_kind

from . import formulas
from .facts import NetworkFacts, conv_geometry, network_facts

TOOL_ANCHOR = "#tool"


def _n(value: int) -> str:
    """A whole number with thousands separators: 19920 -> 19,920."""
    return f"{value:,}"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def _x(*values: int) -> str:
    return " \u00d7 ".join(str(v) for v in values)


def _list(items: list[str], conj: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _section(section_id: str, title: str, body: str) -> str:
    return (
        f'<section id="{section_id}" class="article-section" aria-labelledby="{section_id}-h">'
        f'<h2 id="{section_id}-h">{title}</h2>{body}'
        f'<p class="article-back"><a href="{TOOL_ANCHOR}">\u2191 Back to the tool</a></p>'
        "</section>"
    )


def _figure(math: str, caption: str) -> str:
    # focusable: on a narrow screen the formula scrolls sideways, and keyboards must reach it
    return (f'<figure class="article-formula" tabindex="0">{math}'
            f'<figcaption>{caption}</figcaption></figure>')


def _what(f: NetworkFacts) -> str:
    h, w, c = f.input_shape
    convs, pools = f.of_role("conv"), f.of_role("pool")
    classes = _list([escape(name) for name in f.class_names], "or")
    chain = " \u2192 ".join(str(v) for v in f.spatial_chain)
    return _section("article-what", "What is a convolutional neural network?", f"""
<p>A convolutional neural network (CNN) is a chain of simple, repeated calculations that turns
the pixels of an image into one score per possible answer. Nothing in it is written by hand for
a particular picture: the numbers it multiplies by (its <em>parameters</em>) were learned by
showing it many labelled examples and nudging every number to make the right answer more
likely.</p>
<p>The network on this page, <strong>{escape(f.name)}</strong>, looks at a {h}\u00d7{w} colour
image ({_x(h, w, c)} = {_n(f.pixel_values)} numbers) and decides whether it shows
{classes}. It has {len(convs)} convolutional layers, each followed by an activation,
{len(pools)} pooling layers, a flatten step and one output layer, with
{_n(f.total_params)} parameters in all. As an image passes through, its feature maps shrink
from side {chain}, while each layer keeps several maps side by side, one per learned pattern.</p>
<p>Every column of the tool above is one of these layers, and every small square in it is a
feature map computed by Python and numpy in your browser. The sections below walk through the
layers in order; each layer's label in the tool links to its section.</p>""")


def _input(f: NetworkFacts) -> str:
    h, w, c = f.input_shape
    pre = f.preprocessing
    scale = pre.get("scale", [0, 1])
    via = pre.get("via_size")
    if list(scale) == [0, 1]:
        scaled = "divided by 255 so it lies between 0 and 1"
    else:
        scaled = f"rescaled to lie between {scale[0]} and {scale[1]}"
    via_text = ""
    if via:
        via_text = (f" The photo is first reduced to {via}\u00d7{via} pixels and then enlarged "
                    f"to {h}\u00d7{w}, because that is what the training images looked like: "
                    f"small {via}\u00d7{via} photos enlarged for the network.")
    return _section("article-input", "The input layer", f"""
<p>A digital colour image is three grids of numbers: how much red, green and blue light each
pixel has. The tool crops your picture to a centred square and resizes it to {h}\u00d7{w}
pixels.{via_text} Each pixel's brightness, 0 to 255, is {scaled}.</p>
<p>So the input layer is a block of shape {_shape(f.input_shape)}: {c} channels of {h}\u00d7{w}
numbers, {_n(f.pixel_values)} in total. The first column of the tool shows the channels
separately; brighter means a larger number.</p>""")


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
    return ("<table class=\"article-table\" tabindex=\"0\"><caption>The convolutional layers"
            " of this network"
            "</caption><thead><tr><th scope=\"col\">layer</th><th scope=\"col\">input</th>"
            "<th scope=\"col\">kernels</th><th scope=\"col\">weights + biases</th>"
            "<th scope=\"col\">output</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _conv(f: NetworkFacts) -> str:
    convs = f.of_type(conv2d.KIND.type)
    if not convs:
        return _section("article-conv", "Convolution", "<p>This network has no convolution."
                        "</p>")
    first = convs[0]
    g = conv_geometry(first)
    k = first.config["kernel_size"]
    cin, filters = first.in_shape[2], first.shape[2]
    return _section("article-conv", "Convolution", f"""
<p>A convolutional layer looks for small patterns. Its <em>kernel</em> is a tiny grid of learned
weights, here {k[0]}\u00d7{k[1]}. The kernel is placed over a {k[0]}\u00d7{k[1]} window of its
input; each input value under it is multiplied by the weight on top of it and the products are
added up (a <em>dot product</em>). Then the kernel moves one step and does it again, until it
has visited every position. Where the window looks like the kernel the sum is large; where it
looks like the opposite, the sum is strongly negative.</p>
<p>Because the input has several channels, one output map (a <em>filter</em>) has one kernel per
input channel. The first layer, <code>{escape(first.name)}</code>, reads the {cin} colour
channels and makes {filters} maps, so it holds {_x(cin, filters)} = {cin * filters} kernels of
{k[0]}\u00d7{k[1]} weights. The {cin} per-channel results are added together and a learned
<em>bias</em> is added, giving one number of the output map:</p>
{_figure(formulas.convolution_formula(),
         "Convolution: <var>x</var> is the input, <var>w</var> the kernels of one filter, "
         "<var>b</var> its bias, <var>C</var> the number of input channels, <var>k</var> the "
         "kernel size, <var>s</var> the stride and <var>d</var> the dilation.")}
<p>A {k[0]}\u00d7{k[1]} window fits in {g["o"]} positions along a row of {g["n"]} pixels, so
<code>{escape(first.name)}</code>'s output is {_shape(first.shape)}. Every convolution of this
network does the same with its own kernels:</p>
{_conv_rows(f)}
<p>In the tool, click (or press Enter on) a convolutional neuron to watch its kernels slide over
the input channels, and hover the result to see the window and the numbers that produce each
value.</p>""")


def _conv_settings(convs: list) -> str:
    if not convs:
        return ""
    geos = [conv_geometry(layer) for layer in convs]
    kinds = {(g["p"], g["s"], g["d"]) for g in geos}
    if len(kinds) != 1:
        return "<p>This network's convolutions use these settings:</p>"
    p, s, d = next(iter(kinds))
    g = geos[0]
    words = [f"padding {p}" if p else "no padding", f"stride {s}",
             f"dilation {d}" if d > 1 else "no dilation"]
    text = f"<p>This network's convolutions use {_list(words)}"
    shrink = g["n"] - g["o"]
    if all(x["n"] - x["o"] == shrink for x in geos) and shrink > 0 and s == 1:
        text += (f", so each one makes its maps {shrink} pixels narrower "
                 f"({g['n']} \u2192 {g['o']} for the first)")
    return text + ":</p>"


def _hyper(f: NetworkFacts) -> str:
    convs = f.of_type(conv2d.KIND.type)
    pools = f.of_type(max_pool2d.KIND.type) + f.of_type(avg_pool2d.KIND.type)
    examples = ""
    if convs:
        g = conv_geometry(convs[0])
        examples += _figure(
            formulas.output_size_filled(g["n"], g["p"], g["k"], g["s"], g["d"],
                                        g["n"] + 2 * g["p"] - g["d"] * (g["k"] - 1) - 1,
                                        g["o"] - 1, g["o"]),
            f"<code>{escape(convs[0].name)}</code>: input {g['n']}, padding {g['p']}, kernel "
            f"{g['k']}, stride {g['s']}, dilation {g['d']}.")
    if pools:
        g = conv_geometry(pools[0])
        examples += _figure(
            formulas.output_size_filled(g["n"], g["p"], g["k"], g["s"], g["d"],
                                        g["n"] + 2 * g["p"] - g["d"] * (g["k"] - 1) - 1,
                                        g["o"] - 1, g["o"]),
            f"<code>{escape(pools[0].name)}</code>: the same formula for a "
            f"{g['k']}\u00d7{g['k']} pooling window with stride {g['s']}.")
    size_formula = _figure(
        formulas.output_size_formula(),
        "Output size: the window spans <var>d</var>(<var>k</var> \u2212 1) + 1 cells; the "
        "floor counts how many whole strides fit after the first window.")
    return _section("article-hyperparameters",
                    "Hyperparameters: padding, kernel size, stride, dilation", f"""
<p>Some choices are made by the network's designer before training and are never learned:
the <em>hyperparameters</em>. Four of them decide where a kernel's windows go and therefore
the size of the output. The playground in the tool lets you change each of them and shows the
result on real numbers.</p>
<dl class="article-terms">
<dt>Kernel size <var>k</var></dt><dd>The side of the window. Bigger kernels see more context
at once but need more weights.</dd>
<dt>Padding <var>p</var></dt><dd>Rows and columns of zeros added around the input, so that
windows can be centred on border pixels too. Without it every convolution trims the border.
</dd>
<dt>Stride <var>s</var></dt><dd>How far the window jumps between positions. A stride of 2
visits every other position and halves the output.</dd>
<dt>Dilation <var>d</var></dt><dd>The spacing of the kernel's taps: with dilation 2 a
3\u00d73 kernel reads every other cell of a 5\u00d75 area, seeing further without more
weights.</dd>
</dl>
<p>For an input of side <var>n</var>, the output side <var>o</var> is:</p>
{size_formula}
{_conv_settings(convs)}
{examples}
<p>Two things can go wrong. If the window is wider than the padded input, there is no position
at all and no output. If the stride does not divide the remaining distance exactly, the last
rows and columns are never read (the floor throws them away); with dilation and a large stride,
cells between windows can be skipped too. The playground flags both in words and, in the second
case, still computes the output and marks the unused cells.</p>""")


def _activation_formula(layer_type: str, config: dict[str, Any]) -> str:
    kind: Any = kind_of(layer_type)
    return f"y = {kind.formula(config)}"


def _relu(f: NetworkFacts) -> str:
    relus = f.of_type(relu.KIND.type)
    others = [layer for layer in f.layers if isinstance(kind_of(layer.type), ActivationKind)
              and layer.type != relu.KIND.type]
    others_text = ""
    if others:
        items = _list([f"<code>{escape(a.name)}</code> computes "
                       f"{escape(_activation_formula(a.type, a.config))}" for a in others])
        others_text = (f"<p>This network also uses other activations, each applied to every "
                       f"value on its own in the same way: {items}. Click one of their neurons "
                       "to see its curve.</p>")
    example = ""
    if relus:
        example = (f" <code>{escape(relus[0].name)}</code> keeps the shape "
                   f"{_shape(relus[0].shape)} of the convolution before it.")
    return _section("article-relu", "ReLU: keeping what is there", f"""
<p>After every convolution comes a rectified linear unit (ReLU). It looks at each number on its
own: negative numbers become 0, everything else passes unchanged.{example} It has no
parameters.</p>
{_figure(formulas.relu_formula(), "ReLU, applied to every value separately.")}
<p>Why bother? Without it, a convolution of a convolution would still be one big linear
calculation, no more expressive than a single layer. The bend at 0 lets the stack build
complicated detectors out of simple ones. It also makes the maps easier to read: a value above
0 means "this pattern is here", 0 means "not here". Click a ReLU neuron in the tool to see the
rule applied to the value under your pointer.</p>{others_text}""")


def _pool(f: NetworkFacts) -> str:
    pools = f.of_type(max_pool2d.KIND.type)
    averages = [p for p in f.of_role("pool") if getattr(kind_of(p.type), "reduce", "") == "mean"]
    avg_text = ""
    if averages:
        avg_text = "<p>" + _list([f"<code>{escape(p.name)}</code> "
                                  f"({escape(kind_of(p.type).title)}) turns "
                                  f"{_shape(p.in_shape)} into {_shape(p.shape)}"
                                  for p in averages]) + (
            ": average pooling keeps the mean of each window instead of its maximum (a global "
            "average pool takes one window as large as the whole map).</p>")
    if not pools and averages:
        return _section("article-pool", "Pooling", avg_text)
    if not pools:
        return _section("article-pool", "Pooling", "<p>This network has no pooling layer.</p>")
    g = conv_geometry(pools[0])
    changes = _list([f"<code>{escape(p.name)}</code> turns {_shape(p.in_shape)} into "
                     f"{_shape(p.shape)}" for p in pools])
    pool_formula = _figure(
        formulas.max_pool_formula(g["k"], g["s"]),
        f"Max-pooling with a {g['k']}\u00d7{g['k']} window and stride {g['s']}.")
    return _section("article-pool", "Max-pooling: keeping the strongest", f"""
<p>A max-pooling layer shrinks each feature map by keeping only the largest value of every
{g['k']}\u00d7{g['k']} block (stride {g['s']}), channel by channel. The strongest evidence of a
pattern survives, its exact position matters a little less, and the next layers have fewer
numbers to process. {changes}. Pooling has no parameters.</p>
{pool_formula}
<p>Click a pooling neuron in the tool and move the pointer (or the arrow keys) to see which
block each output value comes from.</p>{avg_text}""")


def _flatten(f: NetworkFacts) -> str:
    flats, dense = f.of_type(flatten.KIND.type), f.of_type(dense_kind.KIND.type)
    if not flats:
        return _section("article-flatten", "Flatten", "<p>This network has no flatten step.</p>")
    flat = flats[0]
    h, w, c = flat.in_shape
    dense_text = ""
    if dense:
        out = dense[-1]
        units = out.shape[0]
        inputs = out.in_shape[0]
        share = 100 * out.params / f.total_params if f.total_params else 0
        dense_text = f"""
<p>The output layer <code>{escape(out.name)}</code> connects every one of the {_n(inputs)}
numbers to each of the {units} classes: {_n(inputs)} \u00d7 {units} weights plus {units} biases
= {_n(out.params)} parameters, {share:.0f}% of the network's {_n(f.total_params)}. Each class
score (a <em>logit</em>) is a weighted sum:</p>
{_figure(formulas.dense_formula(),
         "A dense (fully connected) layer: every input <var>x<sub>n</sub></var> times its "
         "weight for class <var>u</var>, plus the class's bias.")}"""
    return _section("article-flatten", "Flatten: from maps to a list", f"""
<p>The last pooling layer leaves {c} maps of {h}\u00d7{w}. The flatten step lays them out as one
long list of {_x(h, w, c)} = {_n(flat.shape[0])} numbers, row by row, column by column and
channel by channel. Nothing is computed; only the arrangement changes.</p>{dense_text}
<p>Click a class in the tool's output column to see the flattened values and the weights that
connect them to that class.</p>""")


def _softmax(f: NetworkFacts) -> str:
    k = len(f.class_names)
    return _section("article-softmax", "The output layer and softmax", f"""
<p>The {k} logits can be any size and sign, which makes them hard to compare. Softmax turns them
into probabilities: it raises <var>e</var> to the power of each logit (so every value becomes
positive, and larger logits grow much faster) and divides by the total, so the {k} results add
up to 1. The class with the largest probability is the network's answer.</p>
{_figure(formulas.softmax_formula(k),
         f"Softmax over the {k} logits <var>z</var>.")}
<p>A probability here says how strongly the network prefers one of its {k} answers over the
others, not how sure it should be: it has to pick among these classes even for a picture of
something else. Click the softmax step in the tool to see the formula with this image's
numbers.</p>""")


def _howto(f: NetworkFacts, ranges: str = "") -> str:
    return _section("article-howto", "How to use the tool", f"""
<ul class="article-howto">
<li><strong>Choose an image.</strong> Click a photo in the gallery, or use your own: the upload
button, dragging a file onto the page, or pasting an image (Ctrl+V / \u2318V). It never leaves
your device; the tool crops and resizes it in the browser.</li>
<li><strong>Explore the layers.</strong> Hover, tap or focus (Tab) a neuron to highlight the
neurons it reads and to see its value. Click it or press Enter to open its detail view
(convolution, ReLU, pooling, flatten or softmax); Esc closes it.</li>
<li><strong>Move around.</strong> The arrow keys move between neurons, and inside a detail view
move the highlighted window. Space plays or pauses an animation.</li>
<li><strong>Read the colours.</strong> Each layer has a legend. The Scale menu sets which
maps share one colour range:{ranges}Colour is never the only cue: the read-outs give the
numbers.</li>
<li><strong>Play with hyperparameters.</strong> In the playground, drag a slider or type in the
box beside it. Pick the input (a channel of the current image, or whole numbers you can
check by hand) and the kernel (one of the network's own, or edge, blur or sharpen). Hover,
tap or focus an output cell (arrow keys move between cells) to see its window and its dot
product; Space plays or pauses the moving window.</li>
<li><strong>Learn more.</strong> Each layer's label links to its section here; each section links
back to the tool.</li>
</ul>""")


def _accuracy(prov: dict[str, Any]) -> str:
    acc = prov.get("test_accuracy")
    if isinstance(acc, (int, float)) and not isinstance(acc, bool) and acc > 0:
        data = escape(str(prov.get("test_data", "its test set")))
        return f"It classifies {100 * acc:.1f}% of {data} correctly."
    return "This model's file records no test accuracy."


def _weakest(f: NetworkFacts) -> str:
    per = f.provenance.get("per_class_accuracy")
    if isinstance(per, list) and len(per) == len(f.class_names):
        per = dict(zip(f.class_names, per, strict=True))
    if not isinstance(per, dict) or not per:
        return ""
    ranked = sorted(per.items(), key=lambda kv: float(kv[1]))[:3]
    names = _list([f"{escape(str(name))} ({100 * float(value):.0f}%)" for name, value in ranked])
    return f" Its weakest classes on the test set are {names}."


def _model_card(f: NetworkFacts) -> str:
    prov = f.provenance
    data = escape(str(prov.get("data", "a labelled image collection")))
    via = f.preprocessing.get("via_size")
    h, w, _ = f.input_shape
    small = (f" Its training photos were only {via}\u00d7{via} pixels, so fine detail in a "
             f"large photo is lost before the network sees it." if via else "")
    return _section("article-model-card", "The model card, in short", f"""
<dl class="article-terms">
<dt>Data</dt><dd>{data}</dd>
<dt>Accuracy</dt><dd>{_accuracy(prov)}{_weakest(f)}</dd>
<dt>What it gets wrong</dt><dd>It only knows {len(f.class_names)} classes and must choose one
of them for any picture, a face or a cup included.{small} Expect mistakes between classes that
look alike at {h}\u00d7{w} pixels (animals of similar fur and build, vehicles seen from the
same angle) and answers swayed by background and colour rather than the object. It is a
teaching model, not a reliable classifier.</dd>
</dl>
<p>The full model card (training recipe, numbers, limits) is in
<code>weights/MODEL_CARD.md</code> in the project's source.</p>""")


def _credits() -> str:
    return _section("article-credits", "Credits and licences", """
<ul class="article-credits">
<li>The idea, the TinyVGG architecture and the layout follow <cite>CNN Explainer</cite> by
Zijie J. Wang, Robert Turko, Omar Shaikh, Haekyu Park, Nilaksh Das, Fred Hohman, Minsuk Kahng
and Duen Horng (Polo) Chau (Georgia Tech, 2020; MIT licence). This page is an independent
re-implementation in Python; its text is its own.</li>
<li>Training data: CIFAR-10, by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton
(<cite>Learning Multiple Layers of Features from Tiny Images</cite>, 2009).</li>
<li>Runtime: Pyodide (MPL 2.0), PyScript (Apache 2.0), NumPy (BSD 3-Clause) and Pillow
(MIT-CMU licence), all served from this site.</li>
<li>Example photos: each photo's author, source and licence are listed with it in the gallery.
</li>
<li>This project's code: MIT licence.</li>
</ul>""")


def _contents() -> str:
    entries = [
        ("article-what", "What is a CNN?"), ("article-input", "Input"),
        ("article-conv", "Convolution"), ("article-hyperparameters", "Hyperparameters"),
        ("article-relu", "ReLU"), ("article-pool", "Pooling"),
        ("article-flatten", "Flatten"), ("article-softmax", "Softmax"),
        ("article-why", "Why this answer?"), ("article-training", "Training"),
        ("article-howto", "How to use the tool"), ("article-model-card", "Model card"),
        ("article-credits", "Credits"),
    ]
    links = "".join(f'<li><a href="#{sid}">{title}</a></li>' for sid, title in entries)
    return f'<nav class="article-contents" aria-label="Article contents"><ol>{links}</ol></nav>'


BACK = '<p class="article-back">'
#: The playground's place in the page (``www/index.html``): the hyperparameters' tool link.
PLAYGROUND_LINK = ('<p class="article-open"><a href="#playground">Open the hyperparameter '
                   'playground in the tool</a></p>')


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
    figs = {"article-hyperparameters": PLAYGROUND_LINK, **(figures or {})}
    parts = [
        ("article-what", _what(f)), ("article-input", _input(f)), ("article-conv", _conv(f)),
        ("article-hyperparameters", _hyper(f)), ("article-relu", _relu(f)),
        ("article-pool", _pool(f)), ("article-flatten", _flatten(f)),
        ("article-softmax", _softmax(f)),
        ("article-why", _section("article-why", "Why this answer? Saliency and "
                                 "backpropagation", why) if why else ""),
        ("article-training", _section("article-training", "Training: how the network learns",
                                      training) if training else ""),
        ("article-howto", _howto(f, ranges or " each layer on its own (Unit), the layers of a "
                                 "module (Module) or the whole network (Global). ")),
        ("article-model-card", _model_card(f)), ("article-credits", _credits()),
    ]
    body = "".join(_with_figure(html, figs.get(sid, "")) for sid, html in parts if html)
    return (
        '<article id="article" class="article" aria-labelledby="article-title">'
        '<h1 id="article-title" class="article-title">How this network sees an image</h1>'
        f"{_contents()}{body}</article>"
    )


def article_html(model: Any) -> str:
    """The whole article for ``model`` (a :class:`pyapp.cnn.model.Model`), as HTML."""
    from .figures import example_image, range_modes_html, section_figures
    from .saliency import section_html
    from .training import section_html as training_html

    example = example_image(model)
    figures = ({sid: fig.html for sid, fig in section_figures(model, *example).items()}
               if example is not None else {})
    ranges = range_modes_html(model, example[0] if example is not None else None)
    return article_from_facts(network_facts(model), section_html(model), figures, ranges,
                              training_html(model))
