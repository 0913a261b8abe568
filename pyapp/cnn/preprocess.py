"""Image preprocessing with Pillow: the same steps in the page, the CLI and training.

1. decode (bytes, a path or a PIL image); refuse what is not a decodable, non-empty image of at
   most :data:`MAX_PIXELS` pixels (decompression bombs) with :class:`ImageError`;
2. first frame of an animation; EXIF orientation applied;
3. any mode to RGB: alpha (RGBA, LA, PA, P / L / RGB with a transparent colour) composited on
   the background (white by default); 16- and 32-bit greyscale rescaled from their full range;
   CMYK, 1-bit, YCbCr ... converted by Pillow;
4. centre crop to a square of side ``min(W, H)``;
5. resize to the model's input size: straight with Lanczos (down or up), or, with ``via_size``,
   Lanczos down to ``via_size`` then bilinear up to the input size (as the CIFAR-10 model
   was trained); an image already at the right size is left untouched;
6. ``x = pixel / 255`` as float32 ``(H, W, 3)`` in [0, 1].
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Largest image accepted, in pixels (64 megapixels: a 48 MP phone photo passes, a
#: 20000x20000 decompression bomb does not).  Checked from the header, before decoding.
MAX_PIXELS = 64_000_000

ImageSource = bytes | bytearray | memoryview | str | os.PathLike | Image.Image


class ImageError(ValueError):
    """The input is not an image we can use; the message says why, in plain words."""


def open_image(source: ImageSource, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open ``source`` lazily and check it (header only): not empty, an image, not too big."""
    if isinstance(source, Image.Image):
        im = source
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if not data:
                raise ImageError("the file is empty")
            fp: Any = io.BytesIO(data)
        else:
            if os.path.isfile(source) and os.path.getsize(source) == 0:
                raise ImageError("the file is empty")
            fp = source
        try:
            im = Image.open(fp)
        except Image.DecompressionBombError as exc:
            raise ImageError(f"the image is too large (limit {max_pixels:,} pixels)") from exc
        except UnidentifiedImageError as exc:
            raise ImageError("this is not an image Pillow can read") from exc
        except FileNotFoundError as exc:
            raise ImageError(f"no such file: {source}") from exc
        except OSError as exc:
            raise ImageError(f"the image cannot be read: {exc}") from exc
    w, h = im.size
    if w < 1 or h < 1:
        raise ImageError(f"the image has no pixels ({w}x{h})")
    if w * h > max_pixels:
        raise ImageError(f"the image is too large: {w}x{h} = {w * h:,} pixels "
                         f"(limit {max_pixels:,})")
    return im


def _decode(im: Image.Image, target: int) -> Image.Image:
    """Fully decode the first frame; a big JPEG is decoded at a reduced DCT scale, keeping
    at least 4x the target size on the short side."""
    try:
        if getattr(im, "n_frames", 1) > 1:
            im.seek(0)
        if im.format == "JPEG" and min(im.size) > 8 * target:
            f = min(im.size) / (4 * target)
            im.draft(im.mode, (int(im.size[0] / f), int(im.size[1] / f)))
        im.load()
    except Image.DecompressionBombError as exc:
        raise ImageError("the image is too large") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"the image is truncated or corrupt ({exc})") from exc
    return im


def to_rgb(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; alpha is composited over ``background``:
    ``rgb = alpha * colour + (1 - alpha) * background``."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        if im.mode.startswith("I;16"):
            top = 65535.0
        elif im.mode == "F":
            top = 1.0 if a.max(initial=0.0) <= 1.0 else 255.0
        else:  # 32-bit ints: 16-bit PNGs open as "I"; larger ranges are rescaled by their max
            top = 255.0 if a.max(initial=0.0) <= 255 else (
                65535.0 if a.max() <= 65535 else float(a.max()))
        grey = np.clip(np.rint(a / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if im.mode == "P" or (im.mode in ("L", "RGB") and "transparency" in im.info):
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if im.mode != "RGB":
        try:
            im = im.convert("RGB")
        except (ValueError, OSError) as exc:
            raise ImageError(f"images in mode {im.mode!r} are not supported") from exc
    return im


def center_crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The centred square ``(left, top, right, bottom)`` of side ``min(width, height)``."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def prepare_image(source: ImageSource, size: tuple[int, int] = (64, 64),
                  preprocessing: Mapping[str, Any] | None = None) -> Image.Image:
    """Steps 1-5: the RGB image of ``size`` = ``(height, width)`` that the model will see."""
    pre = dict(preprocessing or {})
    background = tuple(pre.get("background", (255, 255, 255)))
    via = pre.get("via_size")
    im = _decode(open_image(source), max(size))
    try:
        im = ImageOps.exif_transpose(im) or im
    except (ValueError, OSError, SyntaxError, KeyError, TypeError, struct.error):
        pass  # unreadable EXIF: keep the stored orientation rather than refuse the photo
    im = to_rgb(im, background)  # type: ignore[arg-type]
    if pre.get("crop", "center-square") == "center-square":
        box = center_crop_box(*im.size)
        if box != (0, 0, *im.size):
            im = im.crop(box)
    target = (int(size[1]), int(size[0]))  # PIL sizes are (width, height)
    if via:
        via_wh = (int(via), int(via)) if isinstance(via, int) else (int(via[1]), int(via[0]))
        if im.size != via_wh:
            im = im.resize(via_wh, Image.Resampling.LANCZOS)
        if im.size != target:
            im = im.resize(target, Image.Resampling.BILINEAR)
    elif im.size != target:
        im = im.resize(target, Image.Resampling.LANCZOS)
    return im


def image_from_rgba(data: bytes | bytearray | memoryview, width: int, height: int) -> Image.Image:
    """A PIL image from raw RGBA bytes (e.g. a canvas's ``getImageData``), for decoding in the
    browser: Pyodide's Pillow decodes JPEG with IJG libjpeg 9, whose pixels differ from
    libjpeg-turbo's (Chromium, CPython Pillow) by up to ~50 levels.  Feed the result to
    :func:`prepare_image` / :func:`preprocess` (alpha is then composited as usual)."""
    if width < 1 or height < 1:
        raise ImageError(f"the image has no pixels ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageError(f"the image is too large: {width}x{height} (limit {MAX_PIXELS:,})")
    if len(data) != width * height * 4:
        raise ImageError(f"expected {width * height * 4} RGBA bytes, got {len(data)}")
    return Image.frombytes("RGBA", (width, height), bytes(data))


def to_array(im: Image.Image) -> np.ndarray:
    """``(H, W, 3)`` float32 in [0, 1]: ``x = pixel / 255``."""
    return np.asarray(im.convert("RGB"), dtype=np.float32) / np.float32(255.0)


def preprocess(source: ImageSource, input_shape: tuple[int, ...] = (64, 64, 3),
               preprocessing: Mapping[str, Any] | None = None) -> np.ndarray:
    """Bytes / path / PIL image -> the model input ``(H, W, 3)`` float32 in [0, 1]."""
    if len(input_shape) != 3 or input_shape[2] != 3:
        raise ValueError(f"only RGB inputs (H, W, 3) are supported, got {input_shape}")
    return to_array(prepare_image(source, (input_shape[0], input_shape[1]), preprocessing))

