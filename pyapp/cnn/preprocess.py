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
import logging
import os
import struct
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from pyapp import budgets
from pyapp.i18n import tr

from .headers import declared_size

#: Largest image accepted, in pixels (64 megapixels: a 48 MP phone photo passes, a
#: 20000x20000 decompression bomb does not).  Checked from the header, before decoding.
MAX_PIXELS = budgets.MAX_IMAGE_PIXELS

# PNG metadata (iCCP, zTXt, iTXt) is inflated while the file is opened: bound it per chunk and
# in total, so that a chunk bomb is refused quickly (ValueError, turned into a plain message).
PngImagePlugin.MAX_TEXT_CHUNK = budgets.MAX_TEXT_CHUNK_BYTES
PngImagePlugin.MAX_TEXT_MEMORY = budgets.MAX_TEXT_TOTAL_BYTES

#: Bytes a decoded pixel takes in Pillow's memory, by mode (colour is stored 4 bytes a pixel).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2, "LA": 4,
               "La": 4, "PA": 4}
# frames above this are cropped and reduced before conversion (smaller ones: no change)
_SHRINK_ABOVE_BYTES = 16 * budgets.MB
# TIFF compressions the page's libtiff cannot decode: refused with a plain message everywhere
_TIFF_UNSUPPORTED = {"jpeg": "JPEG", "tiff_jpeg": "JPEG", "webp": "WebP", "jpeg2000": "JPEG 2000"}

log = logging.getLogger("pyapp.image")

ImageSource = bytes | bytearray | memoryview | str | os.PathLike | Image.Image


class ImageError(ValueError):
    """The input is not an image we can use; the message says why, in plain words."""


@contextmanager
def quiet_warnings(context: str) -> Iterator[None]:
    """Pillow's and numpy's warnings (corrupt EXIF, DecompressionBomb, All-NaN ...) become
    logged information: they are about the file, not faults of the app."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        log.info("%s: %s: %s", context, w.category.__name__, w.message)


def check_dimensions(width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse an image whose size (from its header) is over the pixel budget."""
    if width < 1 or height < 1:
        raise ImageError(tr("the image has no pixels ({width}x{height})", width=width,
                            height=height))
    if width * height > max_pixels:
        raise ImageError(tr("the image is too large: it is {width} x {height} pixels and the "
                            "app reads images of up to {limit}; choose a smaller image",
                            width=f"{width:,}", height=f"{height:,}",
                            limit=budgets.megapixels(max_pixels)))


def _check_webp(width: int, height: int) -> None:
    if width * height > budgets.MAX_WEBP_PIXELS:
        raise ImageError(tr("the image is too large: WebP images are decoded whole here, this "
                            "one is {width} x {height} pixels and the app reads WebP images of "
                            "up to {limit}; choose a smaller image or save it as JPEG",
                            width=f"{width:,}", height=f"{height:,}",
                            limit=budgets.megapixels(budgets.MAX_WEBP_PIXELS)))


def decoded_bytes(im: Image.Image) -> int:
    """Memory the decoded frame will take (after any JPEG draft), in bytes."""
    return im.size[0] * im.size[1] * _MODE_BYTES.get(im.mode, 4)


def _check_frames(im: Image.Image, notes: list[str] | None) -> None:
    """Only the first frame / page is read; never walk the others (a TIFF of 100,000 pages)."""
    more = False
    if im.format == "TIFF":
        more = bool(getattr(getattr(im, "tag_v2", None), "next", 0))
        comp = str(im.info.get("compression", ""))
        if comp in _TIFF_UNSUPPORTED:
            raise ImageError(tr("TIFF images with {compression} compression cannot be read "
                                "here; save the image as PNG or JPEG and try that",
                                compression=_TIFF_UNSUPPORTED[comp]))
        note = tr("This file holds more than one page; only the first page is used.")
    else:
        try:  # cheap: GIF looks for a second frame only, PNG / WebP read a header field
            more = bool(getattr(im, "is_animated", False))
        except (OSError, ValueError, EOFError, struct.error):
            more = False
        note = tr("This file holds more than one frame; only the first frame is used.")
    if more and notes is not None:
        notes.append(note)


def open_image(source: ImageSource, max_pixels: int = MAX_PIXELS,
               notes: list[str] | None = None) -> Image.Image:
    """Open ``source`` lazily and check it (header only): not empty, an image, not too big.
    ``notes`` (optional) receives notices for the user (e.g. "only the first page is used")."""
    if isinstance(source, Image.Image):
        im = source
    else:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if not data:
                raise ImageError(tr("the file is empty"))
            declared = declared_size(data)
            if declared is not None:  # before any decoder allocates its canvas
                check_dimensions(*declared, max_pixels=max_pixels)
                if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
                    _check_webp(*declared)
            fp: Any = io.BytesIO(data)
        else:
            if os.path.isfile(source) and os.path.getsize(source) == 0:
                raise ImageError(tr("the file is empty"))
            fp = source
        try:
            with quiet_warnings("opening an image"):
                im = Image.open(fp)
        except Image.DecompressionBombError as exc:
            raise ImageError(tr("the image is too large (the app reads images of up to "
                                "{limit})", limit=budgets.megapixels(max_pixels))) from exc
        except UnidentifiedImageError as exc:
            raise ImageError(tr("this is not an image Pillow can read")) from exc
        except FileNotFoundError as exc:
            raise ImageError(tr("no such file: {path}", path=source)) from exc
        except ValueError as exc:  # PNG metadata over MAX_TEXT_CHUNK / MAX_TEXT_MEMORY
            log.info("refused an image's metadata: %s", exc)
            raise ImageError(tr(
                "the image carries more metadata (text or colour profile) than the app reads "
                "(up to {block} a block, {total} in all); save it again without metadata and "
                "try that", block=budgets.plain_size(budgets.MAX_TEXT_CHUNK_BYTES),
                total=budgets.plain_size(budgets.MAX_TEXT_TOTAL_BYTES))) from exc
        except (OSError, SyntaxError, EOFError, struct.error) as exc:
            log.info("an image could not be opened: %s", exc)
            raise ImageError(tr("the image cannot be read: it is truncated or corrupt")) from exc
    check_dimensions(*im.size, max_pixels=max_pixels)
    _check_frames(im, notes)
    return im


def _decode(im: Image.Image, target: int) -> Image.Image:
    """Fully decode the first frame; a big JPEG is decoded at a reduced DCT scale, keeping
    at least 4x the target size on the short side.  Refuses a frame whose decoded size is over
    :data:`~pyapp.budgets.MAX_DECODED_BYTES` before decoding it."""
    try:
        if im.format == "JPEG" and min(im.size) > 8 * target:
            f = min(im.size) / (4 * target)
            im.draft(im.mode, (int(im.size[0] / f), int(im.size[1] / f)))
        need = decoded_bytes(im)
        if need > budgets.MAX_DECODED_BYTES:
            w, h = im.size
            raise ImageError(tr(
                "the image is too large to decode here: {width} x {height} pixels need {need} "
                "of memory and the app decodes up to {limit}; choose a smaller image or save it "
                "as JPEG", width=f"{w:,}", height=f"{h:,}", need=budgets.plain_size(need),
                limit=budgets.plain_size(budgets.MAX_DECODED_BYTES)))
        with quiet_warnings("decoding an image"):
            im.load()
    except Image.DecompressionBombError as exc:
        raise ImageError(tr("the image is too large")) from exc
    except ValueError as exc:
        if isinstance(exc, ImageError):
            raise
        log.info("an image could not be decoded: %s", exc)
        raise ImageError(tr("the image carries more metadata than the app reads, or is "
                            "corrupt; save it again and try that")) from exc
    except (OSError, SyntaxError, EOFError, struct.error) as exc:
        log.info("an image could not be decoded: %s", exc)
        raise ImageError(tr("the image is truncated or corrupt, so it cannot be "
                            "decoded")) from exc
    return im


def _shrink_first(im: Image.Image, target: int, crop: bool) -> Image.Image:
    """A big image is cropped and reduced by an integer factor (box average) before any mode
    conversion, so that conversions (e.g. 16-bit grey to float) never copy the full frame;
    the short side keeps at least 4x the target size (as the JPEG draft does)."""
    w, h = im.size
    factor = int(min(w, h) // (4 * target))
    if factor < 2 or decoded_bytes(im) <= _SHRINK_ABOVE_BYTES:
        return im  # small enough: the usual steps, unchanged
    box = center_crop_box(w, h) if crop else (0, 0, w, h)
    src = im
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        src = im.convert("I")  # reduce() has no 16-bit mode; 4 bytes a pixel, within budget
    elif im.mode in ("1", "P"):
        # palette indices cannot be averaged, and converting first would take 4 bytes a pixel
        size = ((box[2] - box[0]) // factor, (box[3] - box[1]) // factor)
        return im.resize(size, Image.Resampling.NEAREST, box=box)
    return src.reduce(factor, box=box)


def to_rgb(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Any Pillow mode to 8-bit RGB; alpha is composited over ``background``:
    ``rgb = alpha * colour + (1 - alpha) * background``."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        if im.mode == "F":  # NaN and infinities would poison the maximum: read them as 0
            a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
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
            raise ImageError(tr("images in mode {mode} are not supported",
                                mode=repr(im.mode))) from exc
    return im


def center_crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The centred square ``(left, top, right, bottom)`` of side ``min(width, height)``."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def prepare_image(source: ImageSource, size: tuple[int, int] = (64, 64),
                  preprocessing: Mapping[str, Any] | None = None,
                  notes: list[str] | None = None) -> Image.Image:
    """Steps 1-5: the RGB image of ``size`` = ``(height, width)`` that the model will see.
    ``notes`` (optional) receives notices for the user (e.g. "only the first frame is used")."""
    pre = dict(preprocessing or {})
    background = tuple(pre.get("background", (255, 255, 255)))
    via = pre.get("via_size")
    im = _decode(open_image(source, notes=notes), max(size))
    with quiet_warnings("reading an image's orientation"):
        try:
            im = ImageOps.exif_transpose(im) or im
        except (ValueError, OSError, SyntaxError, KeyError, TypeError, struct.error):
            pass  # unreadable EXIF: keep the stored orientation rather than refuse the photo
    crop = pre.get("crop", "center-square") == "center-square"
    im = _shrink_first(im, max(size), crop)
    with quiet_warnings("converting an image"):
        im = to_rgb(im, background)  # type: ignore[arg-type]
    if crop:
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
    check_dimensions(width, height)
    if len(data) != width * height * 4:
        raise ImageError(f"expected {width * height * 4} RGBA bytes, got {len(data)}")
    return Image.frombytes("RGBA", (width, height), bytes(data))


def to_array(im: Image.Image) -> np.ndarray:
    """``(H, W, 3)`` float32 in [0, 1]: ``x = pixel / 255``."""
    return np.asarray(im.convert("RGB"), dtype=np.float32) / np.float32(255.0)


def preprocess(source: ImageSource, input_shape: tuple[int, ...] = (64, 64, 3),
               preprocessing: Mapping[str, Any] | None = None,
               notes: list[str] | None = None) -> np.ndarray:
    """Bytes / path / PIL image -> the model input ``(H, W, 3)`` float32 in [0, 1].
    ``notes`` (optional) receives notices for the user (a file only partly used)."""
    if len(input_shape) != 3 or input_shape[2] != 3:
        raise ValueError(f"only RGB inputs (H, W, 3) are supported, got {input_shape}")
    return to_array(prepare_image(source, (input_shape[0], input_shape[1]), preprocessing,
                                  notes))

