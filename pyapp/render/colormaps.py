"""Colour maps: numpy arrays -> RGBA ``uint8`` images, in one vectorised step.

All maps are 256-entry lookup tables interpolated from ColorBrewer schemes, which are designed
to be perceptually ordered and readable by colour-blind viewers:

- ``SIGNED`` (RdBu): the one map for every signed value in every view (feature maps,
  kernel weights, logits, the playground's kernels and outputs): diverging, centred on 0,
  negative red, positive blue, as the reference CNN Explainer.  Always used symmetrically,
  ``[-limit, limit]``, so a value's sign decides its hue and its size its depth.
  ``ACTIVATION``, ``WEIGHT`` and ``LOGIT`` are the same map under older names.
- ``INPUT`` (greys): 0 black -> 1 white, for the input channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_RDBU = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
         "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061"]
_GREYS = ["#000000", "#ffffff"]


def _hex_to_rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _lut(stops: list[str], n: int = 256) -> np.ndarray:
    """``(n, 4)`` uint8 table interpolated linearly (in sRGB) between evenly spaced stops."""
    rgb = np.array([_hex_to_rgb(s) for s in stops], dtype=np.float64)
    pos = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, n)
    out = np.empty((n, 4), dtype=np.uint8)
    for ch in range(3):
        out[:, ch] = np.round(np.interp(t, pos, rgb[:, ch])).astype(np.uint8)
    out[:, 3] = 255
    return out


@dataclass(frozen=True)
class ColorMap:
    """A named lookup table with its value semantics (``diverging``: centred on 0)."""

    name: str
    lut: np.ndarray  # (256, 4) uint8
    diverging: bool

    def indices(self, values: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """Table index (uint8) of each value: ``rint((v - lo) / (hi - lo) * 255)``, clipped;
        NaN -> 0; an empty or invalid range -> the table's centre (diverging) or start."""
        v = np.asarray(values, dtype=np.float32)
        top = len(self.lut) - 1
        span = float(hi) - float(lo)
        if not np.isfinite(span) or span <= 0:
            return np.full(v.shape, top // 2 if self.diverging else 0, np.uint8)
        scaled = (v - np.float32(lo)) * np.float32(top / span)
        # fmax / fmin ignore NaN (-> 0) and clip +-inf: what nan_to_num + clip did, in 2 passes
        np.fmax(scaled, np.float32(0), out=scaled)
        np.fmin(scaled, np.float32(top), out=scaled)
        return np.rint(scaled, out=scaled).astype(np.uint8)

    def rgba(self, values: np.ndarray, lo: float, hi: float) -> np.ndarray:
        """Map ``values`` (any shape) linearly from ``[lo, hi]`` onto the table (clipped):
        returns ``values.shape + (4,)`` uint8 (C-contiguous, ready for an ``ImageData``)."""
        idx = self.indices(values, lo, hi)
        packed = np.take(self.lut.view(np.uint32).reshape(-1), idx)  # one 4-byte gather
        return packed.view(np.uint8).reshape(idx.shape + (4,))

    def rgba_symmetric(self, values: np.ndarray, limit: float) -> np.ndarray:
        """Diverging use: ``[-limit, limit]`` with 0 at the centre of the table."""
        lim = float(limit) if limit and np.isfinite(limit) and limit > 0 else 1.0
        return self.rgba(values, -lim, lim)

    def css_gradient(self, stops: int = 11, direction: str = "to right") -> str:
        """A CSS ``linear-gradient`` drawing this map (for legends)."""
        idx = np.linspace(0, len(self.lut) - 1, stops).round().astype(int)
        cols = ", ".join(self.hex(int(i)) for i in idx)
        return f"linear-gradient({direction}, {cols})"

    def hex(self, index: int) -> str:
        r, g, b, _ = (int(c) for c in self.lut[index])
        return f"#{r:02x}{g:02x}{b:02x}"

    def color_of(self, value: float, lo: float, hi: float) -> str:
        """The CSS hex colour of one value (e.g. a kernel cell's background)."""
        rgba = self.rgba(np.array([value], dtype=np.float32), lo, hi)[0]
        return f"#{int(rgba[0]):02x}{int(rgba[1]):02x}{int(rgba[2]):02x}"


SIGNED = ColorMap("signed", _lut(_RDBU), True)
ACTIVATION = WEIGHT = LOGIT = SIGNED
INPUT = ColorMap("input", _lut(_GREYS), False)


def signed_colour(value: float, limit: float) -> str:
    """The CSS colour of one signed value on ``[-limit, limit]`` (the one sign->colour rule)."""
    return SIGNED.color_of(float(value), -float(limit), float(limit))


def contrast_text(r: float, g: float, b: float) -> str:
    """Black or white text, whichever contrasts more with the background ``(r, g, b)``
    (0-255), by WCAG 2 relative luminance ``L``: contrast ``(L1 + 0.05) / (L2 + 0.05)``.
    The better of the two is always at least 4.58:1, so every number stays readable."""
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def text_color_on(rgb_hex: str) -> str:
    """Black or white, whichever reads better on the background ``rgb_hex``."""
    return contrast_text(*_hex_to_rgb(rgb_hex))
