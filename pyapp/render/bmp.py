"""Pictures as uncompressed BMP data URIs, for what is drawn live in the page.

A map shown in an ``<img>`` costs the compositor nothing while the page animates (Chromium
makes every 2D ``<canvas>`` a layer of its own, pushed and layerized on every frame that
repaints anything); a BMP needs no compression, so encoding one is a header and a copy:

    file = BITMAPFILEHEADER (14 B) + BITMAPV4HEADER (108 B) + pixels (H * W * 4 B)

32 bits a pixel, ``BI_BITFIELDS`` with an alpha mask (the alpha is kept), top-down rows
(a negative height), bytes B, G, R, A in each pixel (the masks of a little-endian word).
"""

from __future__ import annotations

import base64
import struct

import numpy as np

FILE_HEADER = 14
INFO_HEADER = 108  # BITMAPV4HEADER: masks for R, G, B and A
BI_BITFIELDS = 3
LCS_WINDOWS_COLOR_SPACE = 0x57696E20  # "Win ": the default colour space (sRGB)
PREFIX = "data:image/bmp;base64,"


def bmp_bytes(rgba: np.ndarray) -> bytes:
    """An ``(H, W, 4)`` uint8 image as the bytes of a 32-bit BMP file (see the module)."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected an (H, W, 4) image, got shape {rgba.shape}")
    h, w = int(rgba.shape[0]), int(rgba.shape[1])
    size = w * h * 4
    offset = FILE_HEADER + INFO_HEADER
    head = struct.pack("<2sIHHI", b"BM", offset + size, 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", INFO_HEADER, w, -h, 1, 32, BI_BITFIELDS, size,
                       2835, 2835, 0, 0)
    masks = struct.pack("<IIIII", 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000,
                        LCS_WINDOWS_COLOR_SPACE)
    # the colour space's end points and gammas (unused with "Win "): 48 bytes of zeros
    bgra = np.ascontiguousarray(rgba[..., [2, 1, 0, 3]], dtype=np.uint8)
    return head + info + masks + bytes(48) + bgra.tobytes()


def bmp_data_uri(rgba: np.ndarray) -> str:
    """:func:`bmp_bytes` as a ``data:image/bmp;base64,`` URI (an ``<img>``'s ``src``)."""
    return PREFIX + base64.b64encode(bmp_bytes(rgba)).decode("ascii")
