"""pyapp.ui.example under CPython: preparing the example image and its channels."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image

from pyapp.ui.example import (
    INPUT_SIZE,
    channel_rgba,
    generated_image,
    load_example,
    prepare,
)


def test_generated_image_is_deterministic_and_has_structure():
    a = np.asarray(generated_image())
    b = np.asarray(generated_image())
    assert a.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    np.testing.assert_array_equal(a, b)
    for channel in range(3):
        assert a[..., channel].std() > 10


def test_prepare_centre_crops_and_resizes():
    wide = np.zeros((40, 120, 3), np.uint8)
    wide[:, 30:90] = (200, 100, 50)  # uniform around the centre square
    pixels = prepare(Image.fromarray(wide))
    assert pixels.shape == (64, 64, 3) and pixels.dtype == np.uint8
    assert np.abs(pixels.astype(int) - (200, 100, 50)).max() <= 1


def test_prepare_flattens_alpha_on_white_and_honours_exif():
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert (prepare(rgba) == 255).all()
    tall = Image.new("RGB", (20, 10), (255, 0, 0))
    tall.paste((0, 0, 255), (0, 0, 10, 10))  # left half blue
    exif = tall.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    buffer = io.BytesIO()
    tall.save(buffer, "JPEG", exif=exif, quality=95)
    pixels = prepare(Image.open(buffer))
    assert pixels[2, 32, 2] > 200 and pixels[60, 32, 0] > 200  # blue on top after rotation


def test_channel_rgba_keeps_one_component():
    pixels = np.arange(64 * 64 * 3, dtype=np.uint32).reshape(64, 64, 3).astype(np.uint8)
    for channel in range(3):
        rgba = channel_rgba(pixels, channel)
        np.testing.assert_array_equal(rgba[..., channel], pixels[..., channel])
        assert (rgba[..., 3] == 255).all()
        assert not rgba[..., [c for c in range(3) if c != channel]].any()


def test_load_example_uses_the_gallery_or_falls_back(tmp_path):
    site = tmp_path
    (site / "build-manifest.json").write_text(json.dumps({"files": {}}))
    fallback = load_example(site.as_uri() + "/")
    np.testing.assert_array_equal(fallback.pixels, prepare(generated_image()))
    (site / "gallery").mkdir()
    Image.new("RGB", (80, 80), (10, 200, 30)).save(site / "gallery" / "green.png")
    (site / "gallery" / "gallery.json").write_text(
        json.dumps([{"file": "green.png", "label": "green", "credit": "test"}]))
    (site / "build-manifest.json").write_text(
        json.dumps({"files": {"gallery/gallery.json": {}}}))
    example = load_example(site.as_uri() + "/")
    assert example.label == "green" and example.credit == "test"
    assert (example.pixels == (10, 200, 30)).all()
