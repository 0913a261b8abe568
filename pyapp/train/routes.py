"""Compare preprocessing routes on real photos: how many the model gets right per route.

    python -m pyapp.train.routes --model weights/tinyvgg-cifar10.npz --photos ../shared/demo-photos

A route = framing (centre square crop, the whole image squashed, or the whole image padded
to a square with white) x the filter that reduces it to ``via`` pixels (then bilinear up to
the model's input, as the page does); "straight" resizes to the input in one Lanczos step.
The page's own route is checked to give exactly :func:`pyapp.cnn.preprocess.preprocess`'s
pixels, so the table measures the page, not a copy of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from pyapp.cnn.formats import load_model
from pyapp.cnn.model import Model
from pyapp.cnn.preprocess import (  # the page's decoding steps, so only the route differs
    _decode,
    _shrink_first,
    center_crop_box,
    open_image,
    preprocess,
    to_array,
    to_rgb,
)
from pyapp.evaluate import PHOTO_SUFFIXES

FILTERS = {"lanczos": Image.Resampling.LANCZOS, "bicubic": Image.Resampling.BICUBIC,
           "bilinear": Image.Resampling.BILINEAR, "box": Image.Resampling.BOX}
FRAMINGS = ("centre-crop", "squash", "pad-white")
PAGE = ("centre-crop", "lanczos", 32)


def frame(im: Image.Image, framing: str) -> Image.Image:
    """The square (or, for "squash", unchanged) RGB image a route reduces."""
    if framing == "centre-crop":
        return im.crop(center_crop_box(*im.size))
    if framing == "pad-white":
        side = max(im.size)
        square = Image.new("RGB", (side, side), (255, 255, 255))
        square.paste(im, ((side - im.width) // 2, (side - im.height) // 2))
        return square
    return im


def route_input(path: Path, framing: str, filt: str, via: int | None, side: int) -> np.ndarray:
    """``(side, side, 3)`` float32 in [0, 1]: decode as the page does (a big JPEG at a
    reduced DCT scale, EXIF orientation, alpha on white),
    frame, reduce to ``via`` with ``filt`` then bilinear to ``side`` (or ``filt`` straight to
    ``side`` when ``via`` is None)."""
    im = _decode(open_image(path), side)
    im = ImageOps.exif_transpose(im) or im
    im = to_rgb(_shrink_first(im, side, framing == "centre-crop"))
    im = frame(im, framing)
    if via:
        im = im.resize((via, via), FILTERS[filt]).resize((side, side), Image.Resampling.BILINEAR)
    else:
        im = im.resize((side, side), FILTERS[filt])
    return to_array(im)


def photos(directory: Path, names: Sequence[str]) -> list[tuple[Path, str]]:
    """``<class>_<n>.<ext>`` photos of a known class, sorted."""
    out = []
    for f in sorted(directory.iterdir()):
        true = f.stem.rsplit("_", 1)[0]
        if f.suffix.lower() in PHOTO_SUFFIXES and true in names:
            out.append((f, true))
    return out


def compare(model: Model, directory: Path) -> list[tuple[tuple[str, str, int | None], list[str]]]:
    """Per route ``(framing, filter, via)``: the photos it gets right."""
    side = int(model.input_shape[0])
    items = photos(directory, model.class_names)
    for f, _ in items:  # the page's route here is the page's function, pixel for pixel
        page = preprocess(f, model.input_shape, model.preprocessing)
        if model.preprocessing.get("via_size") == PAGE[2] and not np.array_equal(
                page, route_input(f, *PAGE, side)):
            raise AssertionError(f"{f.name}: the page route differs from preprocess()")
    routes: list[tuple[str, str, int | None]] = [
        (fr, fi, 32) for fr in FRAMINGS for fi in FILTERS]
    routes += [(fr, "lanczos", None) for fr in FRAMINGS]
    out = []
    for r in routes:
        right = []
        for f, true in items:
            p = model.predict(route_input(f, *r, side))
            if model.class_names[int(np.argmax(p))] == true:
                right.append(f.stem)
        out.append((r, right))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pyapp.train.routes", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="weights/tinyvgg-cifar10.npz")
    p.add_argument("--photos", default="../shared/demo-photos")
    args = p.parse_args(argv)
    model = load_model(args.model)
    n = len(photos(Path(args.photos), model.class_names))
    print("| framing | reduced with | via | right |\n| --- | --- | --- | ---: |")
    for (fr, fi, via), right in compare(model, Path(args.photos)):
        mark = " (the page)" if (fr, fi, via) == PAGE else ""
        print(f"| {fr} | {fi} | {via or 'straight'} | {len(right)} of {n}{mark} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
