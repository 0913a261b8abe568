"""The bad-input corpus (tests/badinputs.py), uploaded and dropped in one page.

Each file gets a plain message (or is classified, where it is a valid image), the app keeps its
previous state, and a gallery click right after still works; the 300 MB file is refused from
its size without being read; ten files dropped at once: the first is used and the user is told.
An exception inside a Python event handler is contained by the error boundary. No unhandled
error reaches the console.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
import sitekit  # noqa: E402
from badinputs import HUGE_BYTES, corpus, ten_files  # noqa: E402

pytestmark = pytest.mark.browser

# Counts every read of a Blob's contents larger than the sniffing window (test-only probe).
READ_PROBE = """
(() => {
  const reads = (window.__bigReads = []);
  const note = (kind, blob) => { if (blob && blob.size > 4096) reads.push([kind, blob.size]); };
  for (const name of ['arrayBuffer', 'text', 'stream', 'bytes']) {
    const original = Blob.prototype[name];
    if (!original) continue;
    Blob.prototype[name] = function (...args) {
      note(name, this);
      return original.apply(this, args);
    };
  }
  for (const name of ['readAsArrayBuffer', 'readAsText', 'readAsDataURL', 'readAsBinaryString']) {
    const original = FileReader.prototype[name];
    FileReader.prototype[name] = function (blob, ...args) {
      note(name, blob);
      return original.call(this, blob, ...args);
    };
  }
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (blob) {
    note('createObjectURL', blob);
    return createObjectURL.call(URL, blob);
  };
})();
"""


@pytest.fixture(scope="module")
def app(browser: Any, request: pytest.FixtureRequest) -> Iterator[sitekit.Watched]:
    site = sitekit.site_root(request)
    with sitekit.serve_dir(site) as url:
        watched = sitekit.new_context(browser, url)
        watched.context.add_init_script(READ_PROBE)
        try:
            page = sitekit.open_app(watched)
            sitekit.need(page, sitekit.THUMBS, "the gallery")
            sitekit.need(page, sitekit.FILE_INPUT, "the upload input")
            yield watched
        finally:
            watched.context.close()


def _state(page: Any) -> tuple[int, bytes, str]:
    drawn = sitekit.mark_count(page, "app:image-drawn")
    pixels = sitekit.canvas_rgba(page, "#ov-processed").tobytes()
    pressed = page.evaluate("""() => [...document.querySelectorAll('.ov-thumb')]
        .map((b) => b.getAttribute('aria-pressed')).join(',')""")
    return drawn, pixels, pressed


def _deliver(page: Any, item: Any, index: int, tmp: Path) -> None:
    if item.data is None:  # the 300 MB file: sparse on disk, chosen by path (not read here)
        path = tmp / item.name
        with path.open("wb") as handle:
            handle.truncate(item.size)
        page.set_input_files(sitekit.FILE_INPUT, str(path))
    elif index % 2:
        sitekit.drop(page, [(item.name, item.mime, item.data)], ".ov-net")
    else:
        sitekit.upload(page, item.name, item.mime, item.data)


def _gallery_still_works(page: Any, index: int) -> None:
    count = page.locator(sitekit.THUMBS).count()
    sitekit.click_gallery(page, index % count)
    assert page.locator(sitekit.THUMBS).nth(index % count).get_attribute("aria-pressed") == "true"


@pytest.mark.parametrize("item", corpus(), ids=lambda b: b.key)
def test_bad_input(app: sitekit.Watched, item: Any, tmp_path: Path) -> None:
    page = app.page
    index = [b.key for b in corpus()].index(item.key)
    sitekit.clear_messages(page)
    page.evaluate("() => { window.__bigReads.length = 0; }")
    before = _state(page)
    errors_before = len(app.console_errors)
    _deliver(page, item, index, tmp_path)
    if item.expect == "refuse":
        text = sitekit.wait_message(page).lower()
        for word in item.words:
            assert word in text, f"{item.key}: {word!r} not in the message {text!r}"
        assert "traceback" not in text and "something went wrong" not in text
        sitekit.frames(page, 10)  # nothing else may happen after the message
        assert _state(page) == before, f"{item.key}: the previous image was not kept"
        if item.key == "huge-file":
            assert item.size == HUGE_BYTES
            assert page.evaluate("() => window.__bigReads") == [], "the 300 MB file was read"
    else:
        sitekit.wait_mark(page, "app:image-drawn", before[0], 60_000)
        text = sitekit.messages(page).lower()
        assert "error" not in text and "cannot" not in text, text
        shown = sitekit.canvas_rgba(page, "#ov-processed")
        assert shown.shape == (64, 64, 4) and (shown[..., 3] == 255).all()
        if item.upright == "red":  # EXIF orientation honoured: red on the left, blue right
            left = shown[:, :24, :3].reshape(-1, 3).mean(0)
            right = shown[:, 40:, :3].reshape(-1, 3).mean(0)
            assert left[0] > 150 > left[2] and right[2] > 150 > right[0], (left, right)
    assert app.console_errors[errors_before:] == []
    _gallery_still_works(page, index)
    assert app.console_errors[errors_before:] == []


def test_ten_files_dropped_at_once(app: sitekit.Watched) -> None:
    page = app.page
    sitekit.clear_messages(page)
    files = ten_files()
    drawn = sitekit.mark_count(page, "app:image-drawn")
    sitekit.drop(page, files, ".ov-net")
    sitekit.wait_mark(page, "app:image-drawn", drawn, 60_000)
    text = sitekit.wait_message(page)
    assert "10 files" in text and files[0][0] in text, text
    shown = sitekit.canvas_rgba(page, "#ov-processed")[..., :3].reshape(-1, 3).mean(0)
    first = np.asarray(Image.open(io.BytesIO(files[0][2])).convert("RGB"))[0, 0]
    assert np.abs(shown - first).max() <= 3, (shown, first)  # the first file is the one used
    _gallery_still_works(page, 3)
    assert app.console_errors == []


def test_exception_in_a_handler_is_contained(app: sitekit.Watched) -> None:
    """A Python handler that raises: a notice, a console traceback, and the UI keeps working."""
    page = app.page
    sitekit.clear_messages(page)
    before = len(app.console_errors)
    page.evaluate("""() => {
        const button = document.createElement('button');
        button.id = 'boundary-probe';
        button.textContent = 'probe';
        document.body.append(button);
        const script = document.createElement('script');
        script.type = 'py';
        script.textContent = [
          'import js',
          'from pyapp.ui.events import PAGE',
          'def explode(event):',
          '    raise ZeroDivisionError("probe handler failed on purpose")',
          'PAGE.listen(js.document.getElementById("boundary-probe"), "click", explode)',
          'js.document.getElementById("boundary-probe").dataset.ready = "1"',
        ].join('\\n');
        document.body.append(script);
    }""")
    try:
        page.wait_for_selector("#boundary-probe[data-ready='1']", timeout=30_000)
    except Exception:  # noqa: BLE001 - reported as the failure below
        pytest.fail("PyScript did not run an injected <script type=py> (cannot probe handlers)")
    page.click("#boundary-probe")
    text = sitekit.wait_message(page)
    assert "ZeroDivisionError" in text and "still running" in text
    new = app.console_errors[before:]
    assert len(new) == 1 and "Traceback" in new[0] and "explode" in new[0], new
    assert page.locator("dialog[open]").count() == 0  # non-blocking: no modal
    _gallery_still_works(page, 5)
    page.click("#boundary-probe")  # the handler still runs (and is contained) the second time
    page.wait_for_function("(n) => document.querySelectorAll('#notices .notice').length >= 1",
                           arg=1)
    del app.console_errors[before:]  # the probe's logged tracebacks are expected
