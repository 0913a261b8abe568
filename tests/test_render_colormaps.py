"""Colour maps: vectorised mapping, centring, perceptual order, colour-blind readability."""

import numpy as np
import pytest

from pyapp.render.colormaps import ACTIVATION, INPUT, SIGNED, text_color_on

# Machado, Oliveira & Fernandes (2009), deuteranopia, severity 1.0 (linear RGB)
DEUTAN = np.array([[0.367322, 0.860646, -0.227968],
                   [0.280085, 0.672501, 0.047413],
                   [-0.011820, 0.042940, 0.968881]])


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = c / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0, 1)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate_deuteranopia(rgb: np.ndarray) -> np.ndarray:
    """``(..., 3)`` sRGB 0..255 -> what a deuteranope sees (sRGB 0..255)."""
    return linear_to_srgb(srgb_to_linear(rgb.astype(np.float64)) @ DEUTAN.T)


def lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 -> CIELAB (D65)."""
    lin = srgb_to_linear(rgb.astype(np.float64))
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], -1)


def test_rgba_is_vectorised_uint8_and_clipped():
    a = np.linspace(-3, 3, 62 * 62 * 10, dtype=np.float32).reshape(62, 62, 10)
    out = ACTIVATION.rgba_symmetric(a, 1.5)
    assert out.shape == (62, 62, 10, 4) and out.dtype == np.uint8 and out.flags.c_contiguous
    assert (out[..., 3] == 255).all()
    # beyond the limit clips to the ends of the table
    assert (ACTIVATION.rgba_symmetric(np.array([-10.0]), 1.5)[0] == ACTIVATION.lut[0]).all()
    assert (ACTIVATION.rgba_symmetric(np.array([10.0]), 1.5)[0] == ACTIVATION.lut[-1]).all()


def test_diverging_centre_is_neutral_and_ends_differ():
    mid = ACTIVATION.rgba_symmetric(np.array([0.0]), 2.0)[0, :3].astype(int)
    assert mid.min() > 235 and np.ptp(mid) < 10  # near white
    neg = ACTIVATION.rgba_symmetric(np.array([-2.0]), 2.0)[0, :3].astype(int)
    pos = ACTIVATION.rgba_symmetric(np.array([2.0]), 2.0)[0, :3].astype(int)
    assert neg[0] > neg[2] and pos[2] > pos[0]  # red negative, blue positive


def test_degenerate_range_does_not_crash():
    z = np.zeros((4, 4), np.float32)
    out = ACTIVATION.rgba_symmetric(z, 0.0)
    assert (out == ACTIVATION.rgba_symmetric(np.array([0.0]), 1.0)[0]).all()
    assert INPUT.rgba(np.array([np.nan, 0.5]), 0, 1).shape == (2, 4)


def test_input_greys():
    out = INPUT.rgba(np.array([0.0, 1.0]), 0, 1)
    assert out[0, :3].tolist() == [0, 0, 0] and out[1, :3].tolist() == [255, 255, 255]


@pytest.mark.parametrize("cmap", [SIGNED])
@pytest.mark.parametrize("simulate", [False, True])
def test_lightness_is_monotone_on_each_side(cmap, simulate):
    """Perceptually ordered: L* rises from each end to the centre, also for a deuteranope."""
    rgb = cmap.lut[:, :3].astype(np.float64)
    if simulate:
        rgb = simulate_deuteranopia(rgb)
    light = lab(rgb)[:, 0]
    half = len(light) // 2
    assert (np.diff(light[:half]) >= -0.5).all()
    assert (np.diff(light[half:]) <= 0.5).all()


@pytest.mark.parametrize("cmap", [SIGNED])
def test_negative_and_positive_stay_distinct_for_deuteranopes(cmap):
    """The two halves of each diverging map stay distinguishable under a deuteranopia
    simulation: Delta E76 > 30 at the ends, > 40 at half strength."""
    for t, need in ((1.0, 30), (0.5, 40)):
        neg = cmap.rgba_symmetric(np.array([-t]), 1.0)[0, :3]
        pos = cmap.rgba_symmetric(np.array([t]), 1.0)[0, :3]
        a, b = lab(simulate_deuteranopia(np.stack([neg, pos])))
        assert np.linalg.norm(a - b) > need


def test_css_gradient_and_text_colour():
    g = ACTIVATION.css_gradient(3)
    assert g.startswith("linear-gradient(to right, #") and g.count("#") == 3
    assert text_color_on("#ffffff") == "#000000" and text_color_on("#053061") == "#ffffff"
