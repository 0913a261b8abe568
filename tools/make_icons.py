#!/usr/bin/env python3
"""Draw the app's icons with Pillow into ``www/icons/`` (run once; the PNGs are committed).

    python3 tools/make_icons.py            # writes www/icons/*.png
    python3 tools/make_icons.py --check    # exit 1 if the committed PNGs differ from a redraw

The motif: three stacked feature maps (red, green, blue channels) feeding a column of
probability bars, on a dark blue tile. ``maskable`` keeps everything inside the central safe
zone (a circle of 80 % of the side) and fills the whole square, as maskable icons must.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "www" / "icons"
BACKGROUND = (23, 42, 74)
CHANNELS = ((230, 72, 64), (72, 190, 110), (70, 130, 235))
BARS = (0.35, 0.9, 0.5, 0.2)
SUPER = 4  # supersampling factor for smooth edges

# (file name, size, maskable)
ICONS = (
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("icon-maskable-512.png", 512, True),
    ("apple-touch-icon-180.png", 180, True),
    ("favicon-32.png", 32, False),
)


def draw_icon(size: int, maskable: bool) -> Image.Image:
    """One icon of ``size`` pixels; ``maskable`` = full-bleed, motif inside the safe zone."""
    s = size * SUPER
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    if maskable:
        d.rectangle((0, 0, s, s), fill=BACKGROUND)
        inner = 0.56  # the motif's box: well inside the 80 % safe circle
    else:
        d.rounded_rectangle((0, 0, s - 1, s - 1), radius=s * 0.18, fill=BACKGROUND)
        inner = 0.78
    box = s * inner
    x0 = (s - box) / 2
    y0 = (s - box) / 2
    # three feature maps, stacked diagonally
    side = box * 0.52
    step = box * 0.1
    for k, colour in enumerate(CHANNELS):
        left = x0 + k * step
        top = y0 + box * 0.12 + k * step
        d.rounded_rectangle((left, top, left + side, top + side), radius=side * 0.1,
                            fill=colour, outline=(255, 255, 255), width=max(SUPER, int(s / 90)))
        cells = 3
        for i in range(1, cells):  # a 3x3 grid on the front map (the kernel)
            if k == len(CHANNELS) - 1:
                g = side * i / cells
                w = max(SUPER, int(s / 160))
                d.line((left + g, top, left + g, top + side), fill=(255, 255, 255), width=w)
                d.line((left, top + g, left + side, top + g), fill=(255, 255, 255), width=w)
    # probability bars on the right
    bar_left = x0 + box * 0.8
    bar_w = box * 0.2
    bar_h = box * 0.13
    gap = (box - len(BARS) * bar_h) / (len(BARS) + 1)
    for i, value in enumerate(BARS):
        top = y0 + gap + i * (bar_h + gap)
        d.rounded_rectangle((bar_left, top, bar_left + bar_w, top + bar_h), radius=bar_h * 0.3,
                            fill=(62, 86, 126))
        d.rounded_rectangle((bar_left, top, bar_left + bar_w * value, top + bar_h),
                            radius=bar_h * 0.3, fill=(255, 214, 90))
    return im.resize((size, size), Image.Resampling.LANCZOS)


def encode(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def same_pixels(a: Image.Image, b: Image.Image, tolerance: int = 2) -> bool:
    """Equal size and every channel within ``tolerance`` (resampling may differ slightly)."""
    if a.size != b.size:
        return False
    diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
    return max(high for _low, high in diff.getextrema()) <= tolerance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    stale = []
    for name, size, maskable in ICONS:
        icon = draw_icon(size, maskable)
        path = args.out / name
        if args.check:  # compare pixels, not bytes (PNG encoders differ between zlib versions)
            if not path.exists() or not same_pixels(Image.open(path), icon):
                stale.append(name)
        else:
            data = encode(icon)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print("stale icons (run tools/make_icons.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
