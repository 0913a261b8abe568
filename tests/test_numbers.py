"""The one way to print a number (``pyapp.numbers``)."""

from __future__ import annotations

import math

from pyapp import numbers as nb

M = "\u2212"


def test_one_minus_sign_and_no_negative_zero() -> None:
    assert nb.value(-0.5) == f"{M}0.500"
    assert nb.cell(-0.004) == "0.00" and nb.value(-0.0) == "0.000"
    assert nb.sci(-1.5e-5) == f"{M}1.500e{M}05"
    assert nb.percent(0.8534) == "85.3%" and nb.percent(-0.0001) == "0.0%"
    assert nb.plain(-3.0, True) == f"{M}3" and nb.plain(-0.2, True) == "0"
    assert nb.fixed(-math.inf, 2) == f"{M}\u221e" and nb.fixed(math.nan, 2) == "NaN"
    assert not any("-" in s for s in (nb.value(-1), nb.sci(-1e9), nb.limit(-2), nb.fraction(-1)))


def test_rules_per_context() -> None:
    assert (nb.cell(1), nb.value(1), nb.fraction(1), nb.limit(1)) == (
        "1.00", "1.000", "1.0000", "1.00")
    assert nb.sci(123456.0) == "1.235e+05" and nb.sci(1.5) == "1.500"


def test_parse_reads_every_form_back() -> None:
    for text, v in [(f"{M}0.500", -0.5), ("-0.5", -0.5), ("85.3%", 85.3),
                    (f"1.5e{M}03", 1.5e-3), (f"{M}\u221e", -math.inf)]:
        assert nb.parse(text) == v


def test_adds_up_is_exact_and_tie_safe() -> None:
    assert nb.adds_up(["0.1", "0.2"], "0.3")
    assert nb.adds_up(["0.1004", "0.2004"], "0.301")
    assert not nb.adds_up(["0.1005", "0.2000"], "0.301")  # 0.3005 is a tie: not certain
    assert nb.decimals_of(f"{M}1.25") == 2 and nb.decimals_of("1.5e-04") == 5
