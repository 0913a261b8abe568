#!/usr/bin/env python3
"""Prepare gallery examples from the demo photos and report what the model says about each.

    python3 tools/make_gallery.py --photos ../shared/demo-photos              # the table
    python3 tools/make_gallery.py --photos ../shared/demo-photos --add dog_2   # write a PNG

Each demo photo becomes a 128x128 RGB PNG the way the committed examples were made: a cut-out
(a transparent background) is flattened on white and padded to a square, a photo is cropped to
its centre square; then Lanczos to 128x128. The table classifies every photo as the page does
(the committed gallery PNG where there is one, else the PNG this tool would write), so the
examples can be chosen among the photos the model gets right, and the deliberate mistakes
marked. The choice is a curator's and the model card says so.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyapp.cnn.formats import load_native  # noqa: E402
from pyapp.cnn.model import Model  # noqa: E402
from pyapp.cnn.preprocess import preprocess  # noqa: E402

GALLERY = ROOT / "www" / "gallery"
SIDE = 128
MAX_SOURCE_PIXELS = 40_000_000  # the demo photos are at most a few megapixels


def gallery_png(path: Path) -> bytes:
    """The 128x128 PNG bytes of one demo photo (cut-outs padded on white, photos centre-cropped)."""
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P") and "A" in im.convert("RGBA").getbands():
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            side = max(flat.size)
            square = Image.new("RGB", (side, side), (255, 255, 255))
            square.paste(flat, ((side - flat.width) // 2, (side - flat.height) // 2))
        else:
            square = ImageOps.fit(im.convert("RGB"), (min(im.size),) * 2)
        out = square.resize((SIDE, SIDE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def classify(model: Model, data: bytes) -> tuple[str, float]:
    """The model's top class and its probability for an image file's bytes, as the page runs it."""
    image = preprocess(data, model.input_shape, model.preprocessing)
    probs = model.forward(image)["probabilities"]
    k = int(probs.argmax())
    return model.class_names[k], float(probs[k])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(ROOT / "weights" / "tinyvgg-cifar10.npz"))
    p.add_argument("--photos", default=str(ROOT.parent / "shared" / "demo-photos"))
    p.add_argument("--add", action="append", default=[],
                   help="write this photo's PNG (stem, e.g. dog_2) into www/gallery/")
    args = p.parse_args(argv)
    model = load_native(Path(args.model))
    photos = sorted(q for q in Path(args.photos).iterdir()
                    if q.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp") and "_" in q.stem
                    and q.stem != "contact-sheet")
    listed = {e["file"].rsplit(".", 1)[0]: e
              for e in json.loads((GALLERY / "gallery.json").read_text(encoding="utf-8"))}
    print("| photo | true | predicted (probability) | correct | in the gallery |")
    print("| --- | --- | --- | --- | --- |")
    for q in photos:
        committed = GALLERY / f"{q.stem}.png"
        data = committed.read_bytes() if committed.is_file() else gallery_png(q)
        label = q.stem.rsplit("_", 1)[0]
        pred, prob = classify(model, data)
        where = ("yes (mistake)" if listed.get(q.stem, {}).get("mistake")
                 else "yes" if q.stem in listed else "no")
        print(f"| {q.stem} | {label} | {pred} ({prob:.2f}) | "
              f"{'yes' if pred == label else 'no'} | {where} |")
        if q.stem in args.add:
            (GALLERY / f"{q.stem}.png").write_bytes(gallery_png(q))
            print(f"wrote www/gallery/{q.stem}.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
