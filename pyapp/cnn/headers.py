"""An image's declared size, read from its header without decoding anything.

Used before a decoder runs: some decoders allocate the whole canvas as soon as a file is opened
(WebP), an icon's embedded PNG is decoded before its size is checked, and the browser decodes
formats Pillow cannot identify. Every parser here reads a bounded number of bytes and returns
``None`` when it does not know the format (the decoder's own size is then checked).
"""

from __future__ import annotations

import struct

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
#: Bytes a parser may walk (JPEG markers, ISOBMFF boxes): an image's header is near its start.
SCAN_BYTES = 1 << 20


def _png(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i, end = 2, min(len(data), SCAN_BYTES)
    while i + 4 <= end:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # TEM, SOI, RSTn: no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in _JPEG_SOF and i + 9 <= end:
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if marker == 0xDA or length < 2:  # start of scan before any frame header
            return None
        i += 2 + length
    return None


def _gif(data: bytes) -> tuple[int, int] | None:
    return struct.unpack("<HH", data[6:10]) if len(data) >= 10 else None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _bmp(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return abs(w), abs(h)
    return None


def _isobmff(data: bytes) -> tuple[int, int] | None:
    """The largest ``ispe`` (image spatial extents) property of an AVIF / HEIF file."""
    best: tuple[int, int] | None = None
    pos = 0
    limit = min(len(data), SCAN_BYTES)
    while True:
        pos = data.find(b"ispe", pos, limit)
        if pos < 4 or pos + 16 > len(data):
            return best
        w, h = struct.unpack(">II", data[pos + 8:pos + 16])
        if best is None or w * h > best[0] * best[1]:
            best = (w, h)
        pos += 4


def _ico(data: bytes) -> tuple[int, int] | None:
    """The largest image an icon holds (an embedded PNG's own header counts, not the
    directory's claim)."""
    if len(data) < 6:
        return None
    (count,) = struct.unpack("<H", data[4:6])
    best = (0, 0)
    for k in range(min(count, 256)):
        entry = data[6 + 16 * k:22 + 16 * k]
        if len(entry) < 16:
            break
        w, h = entry[0] or 256, entry[1] or 256
        size, offset = struct.unpack("<II", entry[8:16])
        body = data[offset:offset + 32]
        if body.startswith(b"\x89PNG\r\n\x1a\n"):
            w, h = _png(body) or (w, h)
        elif len(body) >= 12:  # a BMP without its file header: its own width and height
            bw, bh = struct.unpack("<ii", body[4:12])
            w, h = max(w, abs(bw)), max(h, abs(bh) // 2)
        if w * h > best[0] * best[1]:
            best = (w, h)
    return best if best != (0, 0) else None


def declared_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` as the header says, or ``None`` for a format not parsed here."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(data)
        if data.startswith(b"\xff\xd8"):
            return _jpeg(data)
        if data.startswith((b"GIF87a", b"GIF89a")):
            return _gif(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data.startswith(b"BM"):
            return _bmp(data)
        if data[4:8] == b"ftyp":
            return _isobmff(data)
        if data.startswith((b"\x00\x00\x01\x00", b"\x00\x00\x02\x00")):
            return _ico(data)
        if data.startswith(b"qoif") and len(data) >= 12:
            w, h = struct.unpack(">II", data[4:12])
            return w, h
        if data.startswith(b"8BPS") and len(data) >= 22:
            h, w = struct.unpack(">II", data[14:22])
            return w, h
    except struct.error:
        return None
    return None
