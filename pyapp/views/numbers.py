"""The detail views' number helpers.  Printing itself is ``pyapp.numbers`` (one rule for
every view); ``fmt`` and ``fmt_sci`` are its names here."""

from __future__ import annotations

from pyapp.numbers import CELL, MINUS, VALUE, fixed, sci


def fmt(value: float, digits: int = CELL) -> str:
    return fixed(value, digits)


def fmt_sci(value: float, digits: int = VALUE) -> str:
    return sci(value, digits)


def pct(part: float, whole: float) -> str:
    """``part / whole`` as a CSS percentage."""
    return f"{100.0 * float(part) / float(whole):.4f}%"


def sum_expr(terms: list[str]) -> str:
    """``["0.1", "\u22120.2", "0.3"]`` -> ``"0.1 \u2212 0.2 + 0.3"`` (printed terms of a sum)."""
    out = ""
    for i, t in enumerate(terms):
        neg = t.startswith((MINUS, "-"))
        if i == 0:
            out = t
        else:
            out += (f" {MINUS} " + t[1:]) if neg else (" + " + t)
    return out
