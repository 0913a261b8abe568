"""The file-intake policy under CPython: sniffing, size limit, first-of-many, messages, and the
whole bad-input corpus through the policy and the core's decoder (the same code as the page)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.intake_policy import (
    MAX_FILE_BYTES,
    SNIFF_BYTES,
    IntakeError,
    check_kind,
    check_size,
    choose_first,
    enlarge_note,
    format_size,
    image_notes,
    sniff,
    source_size,
    user_message,
)

sys.path.insert(0, str(Path(__file__).parent))
from badinputs import HUGE_BYTES, corpus, ten_files  # noqa: E402

SPEC = {"crop": "center-square", "via_size": 32, "background": [255, 255, 255]}


def _encoded(fmt: str, mode: str = "RGB", **kwargs: object) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (8, 8)).save(buf, fmt, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "mode", "kind"), [
    ("JPEG", "RGB", "JPEG"), ("PNG", "RGBA", "PNG"), ("GIF", "P", "GIF"), ("WEBP", "RGB", "WebP"),
    ("BMP", "RGB", "BMP"), ("TIFF", "RGB", "TIFF"), ("ICO", "RGBA", "icon"),
    ("PPM", "RGB", "PNM"),
])
def test_sniff_recognises_image_formats_by_content(fmt: str, mode: str, kind: str) -> None:
    data = _encoded(fmt, mode)
    assert sniff(data[:SNIFF_BYTES]).name == kind
    assert check_kind(data[:SNIFF_BYTES], "renamed.txt").image  # the name does not matter


def test_sniff_avif_and_heic_brands() -> None:
    assert sniff(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00").name == "AVIF"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00").name == "HEIF/HEIC"
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00").image is False  # an MP4 video


@pytest.mark.parametrize("head", [
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"\xef\xbb\xbf  <?xml version='1.0'?>\n<!-- made by hand -->\n<svg>",
    b"<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN'>\n<svg>",
])
def test_svg_is_refused_with_a_clear_sentence(head: bytes) -> None:
    assert sniff(head).name == "SVG drawing"
    with pytest.raises(IntakeError, match="SVG drawings cannot be used.*PNG or JPEG"):
        check_kind(head, "logo.png", "image/png")


@pytest.mark.parametrize(("head", "words"), [
    (b"%PDF-1.7\n", "PDF document"),
    (b"PK\x03\x04\x14\x00", "ZIP archive"),
    (b"<!DOCTYPE html><html>", "web page"),
    (b"just some words\n", "text file"),
    (bytes(range(256)) * 2, "not in any image format"),
])
def test_non_images_are_named(head: bytes, words: str) -> None:
    with pytest.raises(IntakeError, match=words) as info:
        check_kind(head, "photo.jpg")
    assert ".jpg" in str(info.value)
    assert isinstance(info.value, ImageError)  # handled wherever bad images already are


def test_size_is_checked_from_the_number_alone() -> None:
    check_size(1)
    check_size(MAX_FILE_BYTES)
    with pytest.raises(IntakeError, match="empty"):
        check_size(0)
    with pytest.raises(IntakeError, match=r"too large.*300 MB.*limit is 50 MB"):
        check_size(HUGE_BYTES)
    with pytest.raises(IntakeError, match="too large"):
        check_size(MAX_FILE_BYTES + 1)


def test_format_size() -> None:
    assert format_size(0) == "0 bytes"
    assert format_size(1) == "1 byte"
    assert format_size(1536) == "1.5 kB"
    assert format_size(300 << 20) == "300 MB"
    assert format_size(5 << 30) == "5.0 GB"


def test_first_of_many_is_chosen_and_the_user_told() -> None:
    assert choose_first(["a.png"]).index == 0
    assert choose_first(["a.png"]).notice == ""
    none = choose_first([])
    assert none.index is None and "drop an image" in none.notice
    names = [name for name, _mime, _data in ten_files()]
    choice = choose_first(names)
    assert choice.index == 0
    assert "10 files" in choice.notice and "batch_01.png" in choice.notice
    assert "9 others ignored" in choice.notice


def test_user_message_is_one_plain_sentence() -> None:
    message = user_message("cut.png", ImageError("the image is truncated or corrupt"))
    assert message == ("\u201ccut.png\u201d: The image is truncated or corrupt. "
                       "The previous image is kept.")
    assert user_message("", IntakeError("x."), kept=False) == "This file: X."


@pytest.mark.parametrize("item", corpus(), ids=lambda b: b.key)
def test_bad_input_corpus_through_policy_and_decoder(item) -> None:
    """What the page does with each corpus file, minus the DOM: refused with the expected
    words, or decoded to a valid (64, 64, 3) model input."""
    try:
        check_size(item.nbytes)
        assert item.data is not None
        check_kind(item.data[:SNIFF_BYTES], item.name, item.mime)
        image = preprocess(item.data, (64, 64, 3), SPEC)
    except ImageError as exc:
        assert item.expect == "refuse", f"{item.key} was refused: {exc}"
        message = user_message(item.name, exc).lower()
        for word in item.words:
            assert word in message, f"{item.key}: {word!r} not in {message!r}"
        assert "\n" not in message and "traceback" not in message
        return
    assert item.expect == "classify", f"{item.key} should have been refused"
    assert image.shape == (64, 64, 3) and image.dtype == np.float32
    assert np.isfinite(image).all() and 0.0 <= image.min() <= image.max() <= 1.0
    if item.upright == "red":
        left, right = image[:, :24].mean((0, 1)), image[:, 40:].mean((0, 1))
        assert left[0] > 0.7 > left[2], f"left half is not red: {left}"
        assert right[2] > 0.7 > right[0], f"right half is not blue: {right}"


def test_corpus_is_generated_fresh_and_covers_the_issue() -> None:
    keys = [item.key for item in corpus()]
    assert len(keys) == len(set(keys)) == 14
    huge = next(item for item in corpus() if item.key == "huge-file")
    assert huge.data is None and huge.nbytes == 300 * 1024 * 1024
    bomb = next(item for item in corpus() if item.key == "huge-header-png")
    assert bomb.data[16:24] == (30000).to_bytes(4, "big") * 2


# --- notes on an accepted image ---------------------------------------------------------
def _frames(fmt: str, n: int, size: tuple[int, int] = (40, 40)) -> bytes:
    buf = io.BytesIO()
    frames = [Image.new("RGB", size, (60 * i, 90, 200 - 60 * i)) for i in range(n)]
    frames[0].save(buf, fmt, save_all=n > 1, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def _notes(data: bytes, shape: tuple[int, int, int] = (64, 64, 3)) -> list[str]:
    """What the page shows with an accepted upload: the decoder's frame notes, then the
    size note (as :func:`pyapp.ui.imageinput.decode` puts them together)."""
    frames: list[str] = []
    preprocess(data, shape, SPEC, frames)
    return image_notes(source_size(data), shape, frames)


@pytest.mark.parametrize(("w", "h", "words"), [
    (1, 1, "only 1 \u00d7 1 pixel,"), (20, 20, "only 20 \u00d7 20 pixels,"),
    (63, 63, "63 \u00d7 63"), (100, 20, "centre square of this 100 \u00d7 20 image, 20 \u00d7 20"),
])
def test_a_small_image_is_said_to_be_enlarged(w: int, h: int, words: str) -> None:
    note = enlarge_note(w, h, (64, 64))
    assert words in note
    assert "64 \u00d7 64" in note and "enlarged" in note and "blocky" in note
    assert note.endswith(".") and "\n" not in note


@pytest.mark.parametrize(("w", "h"), [(64, 64), (65, 64), (128, 128), (640, 480)])
def test_an_image_at_least_the_input_size_gets_no_note(w: int, h: int) -> None:
    assert enlarge_note(w, h, (64, 64)) == ""


def test_the_input_size_comes_from_the_model() -> None:
    assert enlarge_note(40, 40, (32, 32)) == ""
    assert "32 \u00d7 32" in enlarge_note(20, 20, (32, 32))


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_an_animation_says_its_first_frame_is_used(fmt: str) -> None:
    notes = _notes(_frames(fmt, 2, (80, 80)))
    assert len(notes) == 1 and "first frame" in notes[0]
    assert _notes(_frames(fmt, 1, (80, 80))) == []


def test_a_small_animation_gets_both_notes_frames_first() -> None:
    notes = _notes(_frames("GIF", 3, (20, 20)))
    assert len(notes) == 2
    assert "first frame" in notes[0] and "blocky" in notes[1]


def test_a_tiny_png_is_used_and_noted() -> None:
    data = _encoded("PNG")  # 8 x 8
    assert source_size(data) == (8, 8)
    assert _notes(data) == [enlarge_note(8, 8, (64, 64))]
    assert image_notes(None, (64, 64, 3)) == []  # size unknown: nothing said
