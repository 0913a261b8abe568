"""Honest intake messages in the page (issue 15, item 9): an animated GIF says that its first
frame is used, a 1x1 PNG that it is enlarged and will look blocky; both are plain text in the
notice area, and the image is still drawn. The sentences are the CPython policy's own
(``pyapp.intake_policy.image_notes``)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from pyapp.intake_policy import enlarge_note

pytestmark = pytest.mark.browser
WAIT = 30_000


def gif_two_frames() -> bytes:
    buf = io.BytesIO()
    frames = [Image.new("RGB", (96, 96), c) for c in ((200, 40, 40), (40, 40, 200))]
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return buf.getvalue()


def png_one_pixel() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (30, 160, 90)).save(buf, "PNG")
    return buf.getvalue()


def upload(app_page: Any, name: str, mime: str, data: bytes) -> None:
    """Choose a file with the page's own chooser and wait until it is drawn."""
    page = app_page.page
    drawn = app_page.mark_count("app:image-drawn")
    page.set_input_files("#ov-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    app_page.wait_for_mark("app:image-drawn", more_than=drawn, timeout_ms=WAIT)


def notice_with(page: Any, words: str) -> Any:
    """The notice (``#notices .notice``) whose text holds ``words``, once it is there."""
    page.wait_for_function(
        "(w) => [...document.querySelectorAll('#notices .notice')]"
        ".some((n) => n.textContent.includes(w))", arg=words, timeout=WAIT)
    return page.locator("#notices .notice", has_text=words).first


def test_animated_gif_and_tiny_png_are_used_and_say_how(app_page) -> None:
    app_page.open()
    page = app_page.page

    upload(app_page, "two-frames.gif", "image/gif", gif_two_frames())
    note = notice_with(page, "only the first frame is used")
    assert "two-frames.gif" in note.inner_text()
    assert note.get_attribute("role") == "status"  # told, not alarmed
    assert note.get_attribute("data-kind") == "info"
    assert page.get_attribute("#ov-original", "src").startswith("blob:")  # the image is shown
    assert "blocky" not in note.inner_text()  # 96 x 96 is not smaller than 64 x 64

    upload(app_page, "dot.png", "image/png", png_one_pixel())
    sentence = enlarge_note(1, 1, (64, 64))
    note = notice_with(page, sentence)
    assert "dot.png" in note.inner_text() and "blocky" in note.inner_text()
    # as text: the notice holds no markup of the file's
    assert note.locator(".notice-text").evaluate("(p) => p.children.length") == 0
    # the 1x1 image was drawn: the network's input is one flat colour
    px = page.evaluate("""() => { const c = document.getElementById('ov-processed');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return [d[0], d[1], d[2], d[d.length - 4], d[d.length - 3], d[d.length - 2]]; }""")
    assert px == [30, 160, 90, 30, 160, 90]
    assert app_page.console_errors == []
    assert app_page.outside_requests == []
