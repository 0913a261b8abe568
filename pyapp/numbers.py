"""How every view prints a number: the overview, its read-outs, the detail views, the
playground and the tests all go through this module, so one value reads the same everywhere.

Rules
-----
* One minus sign: U+2212 (``\u2212``), never the ASCII hyphen, also in exponents
  (``1.235e\u221204``).  A value that rounds to zero prints without a sign (never ``\u22120.00``).
  Non-finite values print as ``\u221e``, ``\u2212\u221e`` and ``NaN``.  :func:`parse` reads
  every printed form back (and the ASCII hyphen too).
* Fixed decimals per context, not significant digits, so that the numbers of one grid or one
  sum line up and can be checked digit by digit:

  ========================  ==========================  ===================================
  context                   function                    rule
  ========================  ==========================  ===================================
  grid cell                 :func:`cell`                ``CELL`` = 2 decimals
  value in text or a sum    :func:`value`               ``VALUE`` = 3 decimals
  probability, percent      :func:`percent`             one decimal, ``"85.3%"``
  probability, fraction     :func:`fraction`            ``FRACTION`` = 4 decimals
  exponential (softmax)     :func:`sci`                 3 decimals; scientific with 4
                                                        significant digits outside
                                                        ``[1e-3, 1e5)``
  legend limit              :func:`limit`               ``LIMIT`` = 2 decimals
  playground cell           :func:`plain`               whole numbers plainly, else 2 decimals
  ========================  ==========================  ===================================

* Sums add up by hand, at the context's decimals.  Where a view shows terms and their
  total, the total is the true value printed by its context's rule and the terms get the
  same decimals (:func:`sum_terms`): each term is its value rounded to the nearest, or where
  those roundings would not add up, rounded the other way (up instead of down, or down
  instead of up: still within one unit of its last digit), the terms nearest to a rounding
  boundary first, so that the exact decimal sum of the printed terms is the printed total
  (:func:`adds_up`; "largest remainder" rounding).  A total that is itself a term of a
  larger sum (a partial sum) may so be one unit off its nearest rounding.  Only where no
  such choice exists (float error at a boundary) do the terms get more decimals, up to
  ``MAX_TERM_DECIMALS``, and at worst the total is printed from the terms' exact sum.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

MINUS = "\u2212"
CELL = 2
VALUE = 3
FRACTION = 4
LIMIT = 2
MAX_TERM_DECIMALS = 9

Formatter = Callable[[float, int], str]


def _signed(text: str) -> str:
    """ASCII ``-`` -> U+2212; ``-0.000`` -> ``0.000``."""
    if text.startswith("-") and not any(ch in "123456789" for ch in text.split("e")[0]):
        text = text[1:]
    return text.replace("-", MINUS)


def _nonfinite(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    return MINUS + "\u221e" if v < 0 else "\u221e"


def fixed(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` fixed decimals, the real minus sign, never ``\u22120``."""
    v = float(value)
    if not math.isfinite(v):
        return _nonfinite(v)
    return _signed(f"{v:.{decimals}f}")


def cell(v: float) -> str:
    """A number in a coloured grid cell."""
    return fixed(v, CELL)


def value(v: float) -> str:
    """A number in running text, a read-out or a sum."""
    return fixed(v, VALUE)


def fraction(p: float) -> str:
    """A probability as a fraction of 1 (softmax table)."""
    return fixed(p, FRACTION)


def limit(v: float) -> str:
    """A colour legend's limit."""
    return fixed(v, LIMIT)


def percent(p: float) -> str:
    """A probability as a percentage with one decimal: ``0.853 -> "85.3%"``."""
    v = float(p)
    if not math.isfinite(v):
        return _nonfinite(v)
    return _signed(f"{100.0 * v:.1f}") + "%"


def sci(v: float, decimals: int = VALUE) -> str:
    """Fixed ``decimals`` for moderate magnitudes; scientific (``decimals`` mantissa
    decimals) for very large or very small ones (the softmax's exponentials)."""
    x = float(v)
    if not math.isfinite(x):
        return _nonfinite(x)
    if x != 0.0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return _signed(f"{x:.{decimals}e}")
    return fixed(x, decimals)


def plain(v: float, integer: bool) -> str:
    """The playground's cells: whole numbers plainly, others with ``CELL`` decimals."""
    if integer:
        return fixed(round(float(v)), 0)
    return fixed(v, CELL)


def parse(text: str) -> float:
    """A printed number back to a float (either minus sign, ``%`` ignored)."""
    t = text.strip().replace(MINUS, "-").rstrip("%").strip()
    if t in ("\u221e", "-\u221e"):
        return -math.inf if t.startswith("-") else math.inf
    return float(t)


def exact(text: str) -> Decimal:
    """A printed number as the exact decimal a person reads."""
    return Decimal(text.strip().replace(MINUS, "-").rstrip("%").strip())


def decimals_of(text: str) -> int:
    """How many decimals a fixed-point printed number shows (its last digit's place)."""
    mantissa, _, exp = text.replace(MINUS, "-").partition("e")
    places = len(mantissa.partition(".")[2])
    return places - (int(exp) if exp else 0)


def adds_up(terms: Sequence[str], total: str) -> bool:
    """Whether a person adding the printed ``terms`` gets the printed ``total`` to its last
    digit: the exact sum is within half a unit of that digit (whatever the tie rule)."""
    s = sum((exact(t) for t in terms), Decimal(0))
    half = Decimal(5).scaleb(-decimals_of(total) - 1)
    return abs(s - exact(total)) < half


def sum_terms(terms: Sequence[float], total: float, decimals: int = VALUE,
              form: Formatter = fixed, least: int | None = None) -> tuple[list[str], str]:
    """Printed ``terms`` and their printed ``total`` (``decimals`` decimals) that add up.

    The terms get ``least`` (default ``decimals``) decimals, rounded as the module's rule
    says (:func:`_apportion`); only where that cannot add up, more (at most
    ``MAX_TERM_DECIMALS``); ``form(value, decimals)`` prints one number."""
    out = form(total, decimals)
    d = decimals if least is None else least
    if form is fixed and d == decimals_of(out):
        shown = _apportion(terms, out, d)
        if shown is not None:
            return shown, out
    while True:
        shown = [form(t, d) for t in terms]
        if adds_up(shown, out):
            return shown, out
        if d >= MAX_TERM_DECIMALS:
            # the true total is on a rounding boundary within float error: print the total
            # from the terms (equal to it at float precision)
            s = sum((exact(t) for t in shown), Decimal(0))
            return shown, form(float(s), decimals)
        d += 1


def sum_to(terms: Sequence[float], total: str) -> list[str]:
    """Printed ``terms`` that add up to an already printed ``total`` (a partial sum shown
    as a term of a larger sum, :func:`sum_terms`): at its decimals as the module's rule
    says, or where that cannot be, with more decimals (at most ``MAX_TERM_DECIMALS``)."""
    d = decimals_of(total)
    shown = _apportion(terms, total, d)
    while shown is None or not adds_up(shown, total):
        d += 1
        shown = [fixed(t, d) for t in terms]
        if d >= MAX_TERM_DECIMALS:
            break
    return shown


def _apportion(terms: Sequence[float], total: str, d: int) -> list[str] | None:
    """``terms`` printed with ``d`` decimals whose exact sum is ``total`` (printed with
    ``d`` decimals): each term's nearest rounding ``r_i``; the ``k = (T - sum r_i) / u``
    units (``u = 10^-d``) still missing go one each to the ``|k|`` terms whose residual
    ``x_i - r_i`` is largest in ``k``'s direction (their rounding the other way is within
    one unit of them too); None where too few terms lie on that side."""
    unit = Decimal(1).scaleb(-d)
    values = [Decimal(float(t)) for t in terms]
    if not all(v.is_finite() for v in values):
        return None
    near = [v.quantize(unit) for v in values]
    k = int((exact(total) - sum(near, Decimal(0))) / unit)
    if k:
        step = unit if k > 0 else -unit
        # residuals in k's direction, largest first; only those strictly on that side
        side = sorted((((v - r) / step, i) for i, (v, r) in enumerate(zip(values, near,
                                                                         strict=True))
                       if (v - r) / step > 0), reverse=True)
        if len(side) < abs(k):
            return None
        for _, i in side[:abs(k)]:
            near[i] += step
    shown = [fixed(float(r), d) for r in near]
    return shown if adds_up(shown, total) else None
