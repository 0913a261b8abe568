"""The file-intake policy: which user files the app reads, and what it tells the user.

Pure Python (no ``js``), so it runs under CPython in the tests and unchanged in the page, where
:mod:`pyapp.ui.intake` applies it to the browser's ``File`` objects:

1. several files at once (drop, paste, a multiple chooser): the first is used and the user is told
   (:func:`choose_first`);
2. the size is checked from the ``File``'s metadata, *before* a byte is read into memory
   (:func:`check_size`); an empty file is refused here, too;
3. the first bytes are sniffed (:func:`sniff`): the content decides, not the name or the MIME type
   the browser guessed; SVG drawings and files that are not images are refused with a sentence
   saying why (:func:`check_kind`).

Once an image is accepted, :func:`image_notes` says in plain sentences what the user should
know about how it is used (only the first frame of an animation; a small image enlarged, so
it looks blocky); the page shows them in its notice area beside the drawn image.

Every refusal is an :class:`IntakeError`, a subclass of the core's
:class:`~pyapp.cnn.preprocess.ImageError`, so code that already handles bad images handles these.
Messages are sentence fragments in the core's style ("the file is empty"); :func:`user_message`
turns one into the full sentence shown to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyapp.cnn.headers import declared_size
from pyapp.cnn.preprocess import ImageError
from pyapp.i18n import N_, tr, trn

#: Largest file the app reads (bytes). A 48-megapixel phone photo is well below it; a PNG near
#: the core's pixel limit (64 megapixels) may be larger, and is refused anyway by that limit.
MAX_FILE_BYTES = 50 * 1024 * 1024

#: How many leading bytes :func:`sniff` needs (enough for every signature below, and for the
#: first tags of an SVG that has an XML declaration and a comment before ``<svg``).
SNIFF_BYTES = 1024


class IntakeError(ImageError):
    """The file is refused before decoding; the message says why, in plain words."""


@dataclass(frozen=True)
class Kind:
    """What the leading bytes say a file is."""

    name: str  # short, shown to the user (through tr()): "JPEG", "SVG drawing", "PDF document"
    image: bool  # a raster image format the app may be able to decode
    mime: str = ""  # the MIME type to give the browser's decoder for this content


JPEG = Kind("JPEG", True, "image/jpeg")
PNG = Kind("PNG", True, "image/png")
GIF = Kind("GIF", True, "image/gif")
WEBP = Kind("WebP", True, "image/webp")
BMP = Kind("BMP", True, "image/bmp")
TIFF = Kind("TIFF", True, "image/tiff")
ICO = Kind(N_("icon"), True, "image/x-icon")
AVIF = Kind("AVIF", True, "image/avif")
HEIF = Kind("HEIF/HEIC", True, "image/heif")
JXL = Kind("JPEG XL", True, "image/jxl")
QOI = Kind("QOI", True, "image/qoi")
PNM = Kind("PNM", True, "image/x-portable-anymap")
PSD = Kind("Photoshop", True, "image/vnd.adobe.photoshop")
SVG = Kind(N_("SVG drawing"), False, "image/svg+xml")
EMPTY = Kind(N_("empty file"), False)
UNKNOWN = Kind(N_("unknown"), False)

# Signatures of common non-image files: named in the message so the user knows what they chose.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", N_("PDF document")),
    (b"PK\x03\x04", N_("ZIP archive (or an Office document)")),
    (b"\x1f\x8b", N_("gzip archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("7-Zip archive")),
    (b"Rar!\x1a\x07", N_("RAR archive")),
    (b"\x7fELF", N_("program")),
    (b"MZ", N_("Windows program")),
    (b"ID3", N_("MP3 audio file")),
    (b"OggS", N_("Ogg audio or video file")),
    (b"fLaC", N_("FLAC audio file")),
    (b"\x1a\x45\xdf\xa3", N_("WebM / Matroska video")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", N_("Office document")),
)


def _is_svg(head: bytes) -> bool:
    text = head[:SNIFF_BYTES].decode("utf-8", "ignore").lstrip("\ufeff \t\r\n").lower()
    if text.startswith("<svg"):
        return True
    if text.startswith(("<?xml", "<!--", "<!doctype svg")):
        return "<svg" in text
    return False


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    sample = head[:SNIFF_BYTES]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(sample) - 3:
            return False
    return True


def sniff(head: bytes) -> Kind:
    """What the leading bytes (at least :data:`SNIFF_BYTES` when the file has them) say."""
    if not head:
        return EMPTY
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"BM") and len(head) >= 14:
        return BMP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith((b"\x00\x00\x01\x00", b"\x00\x00\x02\x00")) and len(head) >= 6:
        return ICO
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return AVIF
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"):
            return HEIF
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a")):
        return JXL
    if head.startswith(b"qoif"):
        return QOI
    if head[:1] == b"P" and head[1:2] in b"123456" and head[2:3] in (b" ", b"\n", b"\r", b"\t"):
        return PNM
    if head.startswith(b"8BPS"):
        return PSD
    if _is_svg(head):
        return SVG
    for signature, name in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return Kind(name, False)
    if _looks_like_text(head):
        text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n").lower()
        if text.startswith(("<!doctype html", "<html")):
            return Kind(N_("web page (HTML)"), False)
        return Kind(N_("text file"), False)
    return UNKNOWN


def format_size(n_bytes: int) -> str:
    """``300 MB``, ``1.5 MB``, ``12 kB``, ``7 bytes`` (binary multiples, 1 MB = 1024 kB)."""
    if n_bytes < 1024:
        return trn("{n} byte", "{n} bytes", n_bytes)
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def check_size(size: int, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Refuse an empty or too large file from its size alone (nothing has been read yet)."""
    if size <= 0:
        raise IntakeError(tr("the file is empty (0 bytes)"))
    if size > max_bytes:
        raise IntakeError(tr("the file is too large to use here ({size}; the limit is {limit})",
                             size=format_size(size), limit=format_size(max_bytes)))


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot + 1:].lower() if dot > 0 else ""


def check_kind(head: bytes, name: str = "", mime: str = "") -> Kind:
    """The kind of a file from its leading bytes; refuse SVG and what is not an image."""
    kind = sniff(head)
    if kind is SVG:
        raise IntakeError(tr("SVG drawings cannot be used: the network needs a photo made of "
                             "pixels (export the drawing as PNG or JPEG and try that)"))
    if kind is EMPTY:
        raise IntakeError(tr("the file is empty (0 bytes)"))
    if kind.image:
        return kind
    ext = _extension(name)
    named = tr(", although its name ends in .{ext}", ext=ext) if ext else ""
    if kind is UNKNOWN:
        raise IntakeError(tr("this is not an image: its contents are not in any image format "
                             "the app knows (JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF ...){named}",
                             named=named))
    raise IntakeError(tr("this is not an image but a {kind}{named}", kind=tr(kind.name),
                         named=named))


@dataclass(frozen=True)
class Choice:
    """The file chosen from a drop / paste / chooser, and a notice when others were ignored."""

    index: int | None  # the index of the file to use; None when there is none
    notice: str = ""


def choose_first(names: Sequence[str]) -> Choice:
    """Use the first of several files and say so; ``names`` are the files' names in order."""
    if not names:
        return Choice(None, tr("Nothing to use was dropped: drop an image file."))
    if len(names) == 1:
        return Choice(0)
    first = names[0] or tr("the first file")
    others = len(names) - 1
    return Choice(0, trn("{count} files were given at once; using the first one, "
                         "\u201c{first}\u201d ({n} other ignored).",
                         "{count} files were given at once; using the first one, "
                         "\u201c{first}\u201d ({n} others ignored).",
                         others, count=len(names), first=first))


def user_message(name: str, error: Exception, kept: bool = True) -> str:
    """The sentence shown for a refused or undecodable file."""
    reason = str(error).strip().rstrip(".") or type(error).__name__
    reason = reason[0].upper() + reason[1:]
    if len(name) > 100:  # a file name is the user's, but a 10 kB one would bury the message
        name = name[:99] + "\u2026"
    if name:
        text = tr("\u201c{name}\u201d: {reason}.", name=name, reason=reason)
    else:
        text = tr("This file: {reason}.", reason=reason)
    return text + (tr(" The previous image is kept.") if kept else "")


# --- notes on an accepted image -------------------------------------------------------------
def enlarge_note(width: int, height: int, input_hw: Sequence[int]) -> str:
    """The sentence for an image smaller than the model's input, or ``""``.

    The network sees the centred square of side ``s = min(width, height)`` resized to the
    input ``(H, W)``; when ``s < min(H, W)`` each source pixel becomes a block of about
    ``min(H, W) / s`` pixels on a side, so the picture looks blocky.
    """
    h, w = int(input_hw[0]), int(input_hw[1])
    side = min(int(width), int(height))
    if side <= 0 or side >= min(h, w):
        return ""
    if width == height:
        return trn("This image is only {width} \u00d7 {height} pixel, smaller than the {w} "
                   "\u00d7 {h} pixels the network takes in: it is enlarged to fit, so it will "
                   "look blocky.",
                   "This image is only {width} \u00d7 {height} pixels, smaller than the {w} "
                   "\u00d7 {h} pixels the network takes in: it is enlarged to fit, so it will "
                   "look blocky.", side, width=width, height=height, w=w, h=h)
    return tr("The centre square of this {width} \u00d7 {height} image, {side} \u00d7 {side} "
              "pixels, is smaller than the {w} \u00d7 {h} pixels the network takes in: it is "
              "enlarged to fit, so it will look blocky.", width=width, height=height,
              side=side, w=w, h=h)


def source_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of an encoded image from its header (no decoding), ``None`` when
    the header is not one :mod:`pyapp.cnn.headers` reads."""
    return declared_size(bytes(data[:1 << 20]))


def image_notes(size: tuple[int, int] | None, input_shape: Sequence[int],
                frame_notes: Sequence[str] = ()) -> list[str]:
    """Every sentence to show with an accepted image, in order: what the decoder noted about
    frames or pages (the core's ``notes``: "only the first frame is used"), then
    :func:`enlarge_note` for the image's ``size`` = ``(width, height)`` (``None``: unknown,
    no note) against the model's ``input_shape`` ``(H, W, C)``."""
    notes = [n for n in frame_notes if n]
    if size is not None:
        note = enlarge_note(size[0], size[1], input_shape[:2])
        if note:
            notes.append(note)
    return notes
