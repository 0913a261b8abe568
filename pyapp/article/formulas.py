"""The article's formulas (and the playground's filled-in output size) as native MathML."""

from __future__ import annotations

from pyapp.i18n import tr

from .mathml import (
    fenced,
    floor,
    math,
    mfrac,
    mi,
    mn,
    mo,
    mrow,
    msub,
    msup,
    munder,
    munderover,
)

TIMES = "\u00d7"
MINUS = "\u2212"
DOT = "\u22c5"


def _idx(*parts: str) -> str:
    return mrow(*[p if p.startswith("<") else mi(p) for p in parts])


def convolution_formula() -> str:
    """``y[i,j] = b + sum_c sum_u sum_v x[i*s + u*d, j*s + v*d, c] * w[u, v, c]``."""
    k1 = mrow(mi("k"), mo(MINUS), mn(1))
    row = mrow(mi("i"), mi("s"), mo("+"), mi("u"), mi("d"))
    col = mrow(mi("j"), mi("s"), mo("+"), mi("v"), mi("d"))
    return math(
        msub(mi("y"), _idx("i", mo(","), "j")), mo("="), mi("b"), mo("+"),
        munderover(mo("\u2211"), mrow(mi("c"), mo("="), mn(1)), mi("C")),
        munderover(mo("\u2211"), mrow(mi("u"), mo("="), mn(0)), k1),
        munderover(mo("\u2211"), mrow(mi("v"), mo("="), mn(0)), k1),
        msub(mi("x"), mrow(row, mo(","), col, mo(","), mi("c"))), mo(DOT),
        msub(mi("w"), _idx("u", mo(","), "v", mo(","), "c")),
        label=tr("y sub i j equals b plus the sum over channels c and kernel positions u, v "
                 "of x at row i s plus u d, column j s plus v d, channel c, times w sub u v c"),
    )


def output_size_formula() -> str:
    """``o = floor((n + 2p - d(k - 1) - 1) / s) + 1``."""
    numerator = mrow(mi("n"), mo("+"), mn(2), mi("p"), mo(MINUS), mi("d"),
                     fenced(mi("k"), mo(MINUS), mn(1)), mo(MINUS), mn(1))
    return math(
        mi("o"), mo("="), floor(mfrac(numerator, mi("s"))), mo("+"), mn(1),
        label=tr("o equals the floor of n plus 2 p minus d times k minus 1, minus 1, all over "
                 "s, plus 1"),
    )


def output_size_filled(n: int, p: int, k: int, s: int, d: int, numerator: int,
                       floored: int, result: int) -> str:
    """The output-size formula with the numbers in, then its value: two ``<math>`` elements
    (the second starts with ``=``) so a narrow screen can wrap between them."""
    filled = mrow(mn(n), mo("+"), mn(2), mo(TIMES), mn(p), mo(MINUS), mn(d), mo(TIMES),
                  fenced(mn(k), mo(MINUS), mn(1)), mo(MINUS), mn(1))
    first = math(
        mi("o"), mo("="), floor(mfrac(filled, mn(s))), mo("+"), mn(1),
        label=tr("o equals floor of ({n} plus 2 times {p} minus {d} times ({k} minus 1) minus "
                 "1) over {s}, plus 1", n=n, p=p, d=d, k=k, s=s),
    )
    second = math(
        mo("="), floor(mfrac(mn(numerator), mn(s))), mo("+"), mn(1),
        mo("="), mn(floored), mo("+"), mn(1), mo("="), mn(result),
        label=tr("equals floor of {numerator} over {s} plus 1, equals {result}",
                 numerator=numerator, s=s, result=result),
    )
    return f'<span class="math-steps">{first}{second}</span>'


def relu_formula() -> str:
    """``ReLU(x) = max(0, x)``."""
    return math(
        mi("ReLU", normal=True), fenced(mi("x")), mo("="),
        mi("max", normal=True), fenced(mn(0), mo(","), mi("x")),
        label=tr("ReLU of x equals the maximum of 0 and x"),
    )


def max_pool_formula(pool: int, stride: int) -> str:
    """``y[i,j,c] = max_{0 <= u, v < pool} x[stride*i + u, stride*j + v, c]``."""
    limits = mrow(mn(0), mo("\u2264"), mi("u"), mo(","), mi("v"), mo("<"), mn(pool))
    return math(
        msub(mi("y"), _idx("i", mo(","), "j", mo(","), "c")), mo("="),
        munder(mi("max", normal=True), limits),
        msub(mi("x"), mrow(mn(stride), mi("i"), mo("+"), mi("u"), mo(","), mn(stride),
                           mi("j"), mo("+"), mi("v"), mo(","), mi("c"))),
        label=tr("y sub i j c equals the maximum, over u and v from 0 to {last}, of x at row "
                 "{stride} i plus u, column {stride} j plus v, channel c", last=pool - 1,
                 stride=stride),
    )


def softmax_formula(classes: int) -> str:
    """``p_i = exp(z_i) / sum_{j=1}^{classes} exp(z_j)``."""
    return math(
        msub(mi("p"), mi("i")), mo("="),
        mfrac(msup(mi("e"), msub(mi("z"), mi("i"))),
              mrow(munderover(mo("\u2211"), mrow(mi("j"), mo("="), mn(1)), mn(classes)),
                   msup(mi("e"), msub(mi("z"), mi("j"))))),
        label=tr("p sub i equals e to the z sub i, divided by the sum over j from 1 to "
                 "{classes} of e to the z sub j", classes=classes),
    )


def dense_formula() -> str:
    """``z_u = b_u + sum_n x_n * W[n, u]``."""
    return math(
        msub(mi("z"), mi("u")), mo("="), msub(mi("b"), mi("u")), mo("+"),
        munder(mo("\u2211"), mi("n")), msub(mi("x"), mi("n")), mo(DOT),
        msub(mi("W"), mrow(mi("n"), mo(","), mi("u"))),
        label=tr("z sub u equals b sub u plus the sum over n of x sub n times W sub n u"),
    )
