"""The bad-input corpus, generated in memory (nothing is stored in the repository).

Each :class:`BadInput` is a file a user might drop or upload, with what the app must do:

* ``expect == "refuse"``: a plain message containing every word of ``words`` (case-insensitive),
  and the previous image stays;
* ``expect == "classify"``: a valid image, classified like any other (``upright`` names the
  colour that must be on the *left* of the processed image for the EXIF-rotated photo).

The 300 MB file has ``data = None`` and ``size`` set: make it sparse on disk (``truncate``) or as
a browser-side ``File``; it must be refused from its size, before it is read.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

HUGE_BYTES = 300 * 1024 * 1024


@dataclass(frozen=True)
class BadInput:
    key: str
    name: str
    mime: str
    data: bytes | None
    expect: str  # "refuse" | "classify"
    words: tuple[str, ...] = ()
    size: int | None = None  # for data=None
    upright: str = ""  # EXIF case: "red" must be on the left after orientation

    @property
    def nbytes(self) -> int:
        return len(self.data) if self.data is not None else int(self.size or 0)


def _photo(width: int = 160, height: int = 120, seed: int = 0) -> Image.Image:
    """A smooth, textured RGB test picture (compresses like a photo, not like a flat colour)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([
        128 + 100 * np.sin(x / 9.0 + seed),
        128 + 100 * np.cos(y / 7.0),
        128 + 90 * np.sin((x + y) / 13.0),
    ], -1) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _encode(im: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def huge_header_png(width: int = 30000, height: int = 30000) -> bytes:
    """A small, well-formed PNG whose header claims ``width`` x ``height`` (a pixel bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (3 * 64)  # a few rows of data only: the rest is "missing"
    idat = zlib.compress(row * 4, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (48, 48), colour) for colour in
              ((220, 30, 30), (30, 200, 30), (30, 30, 220))]
    return _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100,
                   loop=0)


def cmyk_jpeg() -> bytes:
    return _encode(_photo(seed=3).convert("CMYK"), "JPEG", quality=90)


def grey16_png() -> bytes:
    y, x = np.mgrid[0:80, 0:96]
    values = ((x * 683 + y * 97) % 65536).astype(np.uint16)
    im = Image.fromarray(values)  # mode "I;16"
    assert im.mode.startswith("I;16"), im.mode
    data = _encode(im, "PNG")
    assert Image.open(io.BytesIO(data)).mode in ("I;16", "I"), "expected a 16-bit PNG"
    return data


def palette_transparent_png() -> bytes:
    im = _photo(64, 64, seed=5).quantize(16)
    index = im.getpixel((0, 0))
    return _encode(im, "PNG", transparency=index)


def exif_rotated_jpeg() -> bytes:
    """Stored sideways with EXIF orientation 6 ("rotate 90 degrees clockwise to display").

    Stored: blue on top, red at the bottom. Rotated clockwise for display, the stored top row
    becomes the right-hand column, so the upright picture has red on the left, blue on the right.
    """
    stored = np.zeros((96, 128, 3), np.uint8)
    stored[:48] = (30, 60, 220)  # top: blue
    stored[48:] = (220, 40, 30)  # bottom: red
    im = Image.fromarray(stored, "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    return _encode(im, "JPEG", quality=92, exif=exif.tobytes())


SVG_TEXT = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
            b'<rect width="64" height="64" fill="#c33"/></svg>\n')


def corpus() -> list[BadInput]:
    """Every bad input of issue 8, in a fixed order."""
    jpeg = _encode(_photo(256, 256, seed=1), "JPEG", quality=90)
    png = _encode(_photo(200, 150, seed=2), "PNG")
    return [
        BadInput("zero-byte", "empty.jpg", "image/jpeg", b"", "refuse", ("empty",)),
        BadInput("text-as-jpg", "holiday.jpg", "image/jpeg",
                 b"Dear diary,\nthis is not a photo at all, only text.\n" * 3,
                 "refuse", ("not an image", ".jpg")),
        BadInput("truncated-jpeg", "cut.jpg", "image/jpeg", jpeg[: len(jpeg) // 2], "refuse",
                 ("truncated",)),
        BadInput("truncated-png", "cut.png", "image/png", png[: int(len(png) * 0.6)], "refuse",
                 ("truncated",)),
        BadInput("huge-header-png", "bomb.png", "image/png", huge_header_png(), "refuse",
                 ("too large",)),
        BadInput("animated-gif", "animated.gif", "image/gif", animated_gif(), "classify"),
        BadInput("cmyk-jpeg", "cmyk.jpg", "image/jpeg", cmyk_jpeg(), "classify"),
        BadInput("grey16-png", "grey16.png", "image/png", grey16_png(), "classify"),
        BadInput("palette-alpha-png", "palette.png", "image/png", palette_transparent_png(),
                 "classify"),
        BadInput("one-pixel", "dot.png", "image/png",
                 _encode(Image.new("RGB", (1, 1), (200, 120, 40)), "PNG"), "classify"),
        BadInput("wide-strip", "strip.png", "image/png",
                 _encode(_photo(10000, 10, seed=4), "PNG"), "classify"),
        BadInput("exif-rotated", "rotated.jpg", "image/jpeg", exif_rotated_jpeg(), "classify",
                 upright="red"),
        BadInput("svg", "drawing.svg", "image/svg+xml", SVG_TEXT, "refuse", ("svg",)),
        BadInput("huge-file", "huge.jpg", "image/jpeg", None, "refuse", ("too large", "300 mb"),
                 size=HUGE_BYTES),
    ]


def ten_files() -> list[tuple[str, str, bytes]]:
    """Ten valid images dropped at once: (name, mime, bytes); the first must be used."""
    out = []
    for i in range(10):
        colour = (20 + 23 * i, 200 - 15 * i, 90 + 10 * i)
        out.append((f"batch_{i + 1:02d}.png", "image/png",
                    _encode(Image.new("RGB", (40, 40), colour), "PNG")))
    return out
