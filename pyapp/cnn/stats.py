"""Small statistics of arrays that several views need, computed one way."""

from __future__ import annotations

import numpy as np


def abs_max(values: np.ndarray) -> float:
    """The largest finite ``|value|``; 0.0 for an empty array or one with no finite value
    (NaN and infinities are ignored, so one of them does not wash out a whole colour range)."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    finite = a[np.isfinite(a)]
    return float(finite.max()) if finite.size else 0.0


def colour_limit(values: np.ndarray) -> float:
    """The symmetric colour limit of ``values``: ``abs_max``, or 1.0 where that is 0 (an
    all-zero map is drawn in the neutral colour, not as a division by zero)."""
    m = abs_max(values)
    return m if m > 0 else 1.0
