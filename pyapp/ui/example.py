"""The example image: loading, preparing (crop, resize) and splitting into channels.

Pure numpy + Pillow (no ``js``), so it runs the same under CPython (tests) and in the page.
"""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

INPUT_SIZE = 64
GALLERY_INDEX = "gallery/gallery.json"
MANIFEST = "build-manifest.json"
CHANNEL_NAMES = ("red", "green", "blue")


@dataclass(frozen=True)
class Example:
    """An example image ready for the network: ``pixels`` is uint8 ``(64, 64, 3)``."""

    label: str
    credit: str
    source: str
    pixels: np.ndarray


def generated_image(size: int = INPUT_SIZE) -> Image.Image:
    """A deterministic synthetic scene (sky, sun, hill, red house) drawn with numpy.

    Used when the site ships no gallery of photos; every channel has structure.
    """
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    rgb = np.zeros((size, size, 3), np.float32)
    rgb[..., 0] = 90 + 120 * y  # sky: lighter towards the horizon
    rgb[..., 1] = 150 + 80 * y
    rgb[..., 2] = 235 - 20 * y
    sun = (x - 0.8) ** 2 + (y - 0.2) ** 2 < 0.012
    rgb[sun] = (255, 220, 60)
    hill = y > 0.62 + 0.08 * np.sin(x * 6.0)
    rgb[hill] = np.stack([40 + 30 * x, 140 + 60 * (1 - y), 50 + 0 * x], -1)[hill]
    wall = (x > 0.18) & (x < 0.48) & (y > 0.5) & (y < 0.8)
    rgb[wall] = (200, 40, 35)
    roof = (y > 0.32) & (y <= 0.5) & (np.abs(x - 0.33) < (y - 0.32) * 1.0)
    rgb[roof] = (110, 60, 40)
    door = (x > 0.29) & (x < 0.37) & (y > 0.64) & (y < 0.8)
    rgb[door] = (60, 35, 20)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def prepare(image: Image.Image, size: int = INPUT_SIZE) -> np.ndarray:
    """EXIF-orient, flatten alpha on white, centre-crop square, resize; uint8 ``(s, s, 3)``."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    image = image.convert("RGB")
    image = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


def channel_rgba(pixels: np.ndarray, channel: int) -> np.ndarray:
    """One channel drawn in its own colour: RGBA uint8 with only that component set."""
    rgba = np.zeros(pixels.shape[:2] + (4,), np.uint8)
    rgba[..., channel] = pixels[..., channel]
    rgba[..., 3] = 255
    return rgba


def read_url(url: str) -> bytes:
    """Read a URL (``http:``, ``file:``) with the standard library (pyodide-http in the page)."""
    with urllib.request.urlopen(url) as response:
        return response.read()


def load_example(base_url: str) -> Example:
    """The first gallery entry if the site ships ``gallery/gallery.json``, else the generated one.

    Whether a gallery exists is read from the build manifest, so no request ever 404s.
    """
    manifest = json.loads(read_url(urllib.parse.urljoin(base_url, MANIFEST)))
    if GALLERY_INDEX in manifest.get("files", {}):
        index_url = urllib.parse.urljoin(base_url, GALLERY_INDEX)
        entries = json.loads(read_url(index_url))
        if entries:
            first = entries[0]
            image_url = urllib.parse.urljoin(index_url, first["file"])
            with Image.open(io.BytesIO(read_url(image_url))) as image:
                pixels = prepare(image)
            return Example(str(first.get("label", first["file"])), str(first.get("credit", "")),
                           image_url, pixels)
    return Example("generated scene", "Generated in code (public domain).", "generated",
                   prepare(generated_image()))
