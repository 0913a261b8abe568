"""Preprocessing: modes, alpha, EXIF orientation, odd sizes and bad files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from pyapp.cnn.preprocess import MAX_PIXELS, ImageError, prepare_image, preprocess


def encode(im: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def check(x: np.ndarray) -> np.ndarray:
    assert x.shape == (64, 64, 3) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    return x


def test_rgba_is_composited_on_white() -> None:
    im = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    im.paste((0, 0, 255, 255), (0, 0, 64, 32))  # opaque blue on top, transparent red below
    im.paste((0, 0, 0, 128), (0, 32, 64, 64))  # half-transparent black at the bottom
    x = check(preprocess(encode(im)))
    assert np.allclose(x[0, 0], [0, 0, 1])
    assert np.allclose(x[40, 0], 127 / 255, atol=1 / 255)


def test_la_and_palette_with_transparency() -> None:
    la = Image.new("LA", (10, 10), (0, 0))
    assert np.allclose(check(preprocess(encode(la))), 1.0)  # fully transparent -> white
    p = Image.new("P", (8, 8), 0)
    p.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    p.paste(1, (0, 0, 8, 4))
    data = encode(p, transparency=0)
    x = check(preprocess(data))
    assert np.allclose(x[0, 0], np.array([200, 100, 50]) / 255, atol=1e-6)
    assert np.allclose(x[63, 63], 1.0)  # index 0 is transparent


def test_cmyk_16bit_and_1bit() -> None:
    cmyk = Image.new("CMYK", (20, 20), (0, 0, 0, 0))
    assert np.allclose(check(preprocess(encode(cmyk, "TIFF"))), 1.0)
    cmyk = Image.new("CMYK", (20, 20), (0, 255, 255, 0))  # red
    assert np.allclose(check(preprocess(encode(cmyk, "JPEG", quality=100)))[10, 10], [1, 0, 0],
                       atol=0.02)
    a = np.zeros((16, 16), np.uint16)
    a[:8] = 65535
    a[8:] = 32768
    im16 = Image.fromarray(a)
    assert im16.mode == "I;16"
    x = check(preprocess(encode(im16)))
    assert np.allclose(x[0, 0], 1.0) and np.allclose(x[63, 0], 128 / 255, atol=1 / 255)
    bw = Image.new("1", (30, 30), 1)
    bw.paste(0, (0, 15, 30, 30))
    x = check(preprocess(encode(bw)))
    assert np.allclose(x[0, 32], 1.0) and np.allclose(x[63, 32], 0.0)


@pytest.mark.parametrize("orientation,top", [(6, "red"), (8, "blue"), (1, None)])
def test_exif_orientation(orientation: int, top: str | None) -> None:
    im = Image.new("RGB", (120, 60), (255, 0, 0))
    im.paste((0, 0, 255), (60, 0, 120, 60))  # stored: left red, right blue
    exif = Image.Exif()
    exif[0x0112] = orientation
    x = check(preprocess(encode(im, "JPEG", quality=95, exif=exif.tobytes())))
    red, blue = np.array([1.0, 0, 0]), np.array([0, 0, 1.0])
    if top is None:  # no rotation: centre square is half red (left), half blue (right)
        assert np.allclose(x[32, 2], red, atol=0.05) and np.allclose(x[32, 61], blue, atol=0.05)
    else:  # rotated 90 degrees: the halves are now top and bottom
        want_top, want_bottom = (red, blue) if top == "red" else (blue, red)
        assert np.allclose(x[2, 32], want_top, atol=0.05)
        assert np.allclose(x[61, 32], want_bottom, atol=0.05)


def test_tiny_and_extreme_aspect_images() -> None:
    one = Image.new("RGB", (1, 1), (10, 200, 30))
    assert np.allclose(check(preprocess(encode(one))), np.array([10, 200, 30]) / 255, atol=1e-6)
    strip = Image.new("RGB", (10000, 10), (0, 0, 0))
    strip.paste((255, 255, 255), (4995, 0, 5005, 10))  # the centre 10x10 is white
    assert np.allclose(check(preprocess(encode(strip))), 1.0)
    big = Image.new("RGB", (300, 200), (0, 0, 0))
    big.paste((255, 255, 255), (50, 0, 250, 200))  # centre square exactly white
    assert np.allclose(check(preprocess(encode(big, "JPEG", quality=100))), 1.0, atol=0.02)


def test_via_size_and_other_input_sizes() -> None:
    im = Image.fromarray(np.random.default_rng(0).integers(0, 256, (100, 90, 3), np.uint8))
    out = prepare_image(im, (64, 64), {"via_size": 32})
    assert out.size == (64, 64)
    direct = preprocess(im, (48, 40, 3))
    assert direct.shape == (48, 40, 3)


def test_animated_gif_uses_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    x = check(preprocess(buf.getvalue()))
    assert np.allclose(x[8, 8], [1, 0, 0], atol=0.02)


def test_bad_inputs_give_clear_errors(tmp_path) -> None:
    with pytest.raises(ImageError, match="empty"):
        preprocess(b"")
    with pytest.raises(ImageError, match="not an image"):
        preprocess(b"hello, I am a text file")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        preprocess(empty)
    data = encode(Image.fromarray(np.random.default_rng(1).integers(
        0, 256, (200, 200, 3), np.uint8)), "JPEG")
    with pytest.raises(ImageError, match="truncated|corrupt"):
        preprocess(data[: len(data) // 2])
    png = encode(Image.fromarray(np.random.default_rng(1).integers(
        0, 256, (50, 50, 3), np.uint8)))
    with pytest.raises(ImageError, match="truncated|corrupt"):
        preprocess(png[: len(png) // 2])
    with pytest.raises(ImageError, match="no such file"):
        preprocess(tmp_path / "missing.jpg")


def bomb(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width x height`` pixels."""
    raw = zlib.compress(b"\x00" * 4)
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND",
                                                                                     b"")


@pytest.mark.parametrize("size", [(20000, 20000), (9000, 8000), (100000, 100000)])
def test_decompression_bomb_is_refused_before_decoding(size) -> None:
    assert size[0] * size[1] > MAX_PIXELS
    with pytest.raises(ImageError, match="too large"):
        preprocess(bomb(*size))


def test_image_from_rgba_bytes() -> None:
    from pyapp.cnn.preprocess import image_from_rgba

    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 255
    rgba[:, :3, 3] = 0  # left half transparent
    im = image_from_rgba(rgba.tobytes(), 6, 4)
    x = check(preprocess(im))
    assert np.allclose(x[32, 0], [1, 1, 1], atol=0.1)  # transparent -> white
    assert np.allclose(x[32, 63], [1, 0, 0], atol=0.1)
    with pytest.raises(ImageError, match="RGBA bytes"):
        image_from_rgba(b"\x00" * 10, 6, 4)
