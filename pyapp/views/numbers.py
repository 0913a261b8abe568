"""How the detail views print numbers (one place, so the page and the tests agree)."""

from __future__ import annotations

import math


def fmt(value: float, digits: int = 2) -> str:
    """Fixed decimals with an ASCII minus; never ``-0.00``."""
    v = float(value)
    if not math.isfinite(v):
        return "-inf" if v < 0 else ("inf" if v > 0 else "nan")
    text = f"{v:.{digits}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def fmt_sci(value: float, digits: int = 3) -> str:
    """Fixed decimals for moderate magnitudes, scientific for very large or small ones
    (exponentials in the softmax view)."""
    v = float(value)
    if v != 0.0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.{digits}e}"
    return fmt(v, digits)


def pct(part: float, whole: float) -> str:
    """``part / whole`` as a CSS percentage."""
    return f"{100.0 * float(part) / float(whole):.4f}%"


def sum_expr(terms: list[str]) -> str:
    """``["0.1", "-0.2", "0.3"]`` -> ``"0.1 \u2212 0.2 + 0.3"`` (formatted terms of a sum)."""
    out = ""
    for i, t in enumerate(terms):
        neg = t.startswith("-")
        if i == 0:
            out = t
        else:
            out += (" \u2212 " + t[1:]) if neg else (" + " + t)
    return out
