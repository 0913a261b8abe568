"""The hostile-input corpus (tests/hostile.py) delivered to the page: by the file input, by drop,
as ``?model=`` and as hostile names (class names, file names, URL hash).

For every case: the plain message; the previous image, bars and views unchanged (or, for a
file that is only partly used, the notice); no console error; no request off the origin; the
canary global unset and no element outside the app's own; the page still handles a click; and
the WebAssembly memory growth, read through the page (``window.cnnMemory()``), within budget.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import sitekit  # noqa: E402
from hostile import CANARY, STRINGS, HostileFile, image_corpus, model_corpus  # noqa: E402

from pyapp import budgets  # noqa: E402
from pyapp.cnn.formats import clean_class_names  # noqa: E402

pytestmark = pytest.mark.browser

IMAGES = image_corpus()
MODELS = model_corpus()
GROWTH: dict[str, int] = {}  # case -> WebAssembly memory growth (bytes), printed at the end

# Elements that hostile markup would create (the app's own page has none of these).
FOREIGN = ("py-script, script[type='py']:not([src]), script:not([src]):not([type]),"
           " [onerror], [onmouseover], [onload], img[src='x']")


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site plus the hostile models under ``hostile/<key>/``."""
    root = tmp_path_factory.mktemp("hostile") / "site"
    shutil.copytree(sitekit.site_root(request), root)
    for item in MODELS:
        for name, data in item.files.items():
            path = root / "hostile" / item.key / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    big = root / "hostile" / "too-big" / "m.npz"  # sparse: 60 MB declared, nothing stored
    big.parent.mkdir(parents=True)
    with big.open("wb") as handle:
        handle.truncate(60 * 2**20)
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    with sitekit.serve_dir(site) as url:
        yield url


@pytest.fixture(scope="module")
def app(browser: Any, server: str) -> Iterator[sitekit.Watched]:
    watched = sitekit.new_context(browser, server)
    try:
        page = sitekit.open_app(watched)
        _ready(page)
        yield watched
    finally:
        watched.context.close()


def _ready(page: Any) -> None:
    page.wait_for_function("() => typeof window.cnnMemory === 'function'", timeout=60_000)


def _memory(page: Any) -> int:
    return int(page.evaluate("() => window.cnnMemory()"))


def _foreign(page: Any) -> int:
    return int(page.evaluate("(sel) => document.querySelectorAll(sel).length", FOREIGN))


def _canary(page: Any) -> Any:
    return page.evaluate(f"() => window.{CANARY}")


def _state(page: Any) -> tuple[int, bytes, str, str]:
    drawn = sitekit.mark_count(page, "app:image-drawn")
    pixels = sitekit.canvas_rgba(page, "#ov-processed").tobytes()
    bars = page.evaluate("""() => [...document.querySelectorAll('.ov-out .ov-barfill')]
        .map((b) => b.style.width).join(',')""")
    pressed = page.evaluate("""() => [...document.querySelectorAll('.ov-thumb')]
        .map((b) => b.getAttribute('aria-pressed')).join(',')""")
    return drawn, pixels, bars, pressed


def _click_is_handled(page: Any, index: int) -> None:
    """A gallery click right after: handled (the image is drawn and the button pressed)."""
    count = page.locator(sitekit.THUMBS).count()
    sitekit.click_gallery(page, index % count)
    assert page.locator(sitekit.THUMBS).nth(index % count).get_attribute("aria-pressed") == "true"


def _deliver(page: Any, item: HostileFile, index: int) -> None:
    if index % 2:
        sitekit.drop(page, [(item.name, item.mime, item.data)], ".ov-net")
    else:
        sitekit.upload(page, item.name, item.mime, item.data)


@pytest.mark.parametrize("item", IMAGES, ids=lambda f: f.key)
def test_hostile_image(app: sitekit.Watched, item: HostileFile) -> None:
    page = app.page
    index = [f.key for f in IMAGES].index(item.key)
    _click_is_handled(page, index + 1)  # a known previous state
    sitekit.clear_messages(page)
    before, errors_before, mem_before = _state(page), len(app.console_errors), _memory(page)
    _deliver(page, item, index)
    if item.expect == "refuse":
        text = sitekit.wait_message(page).lower()
        for word in item.words:
            assert word in text, f"{word!r} not in the message {text!r}"
        assert "something went wrong" not in text and "traceback" not in text
        assert _state(page) == before, "the previous image, bars or gallery changed"
    else:
        sitekit.wait_mark(page, "app:image-drawn", before[0], 60_000)
        if item.words:
            text = sitekit.wait_message(page).lower()
            for word in item.words:
                assert word in text, f"{word!r} not in the notice {text!r}"
        assert "error" not in sitekit.messages(page).lower()
    growth = _memory(page) - mem_before
    GROWTH[item.key] = growth
    print(f"{item.key}: WebAssembly memory growth {growth / 2**20:.1f} MB")
    assert growth <= budgets.MAX_IMAGE_MEMORY_GROWTH, (
        f"{item.key}: WebAssembly memory grew by {growth / 2**20:.0f} MB")
    assert app.console_errors[errors_before:] == []
    assert app.outside_requests == []
    assert _canary(page) is None and _foreign(page) == 0
    _click_is_handled(page, index)
    assert app.console_errors[errors_before:] == []


def _open_fresh(browser: Any, server: str, path: str) -> sitekit.Watched:
    watched = sitekit.new_context(browser, server)
    sitekit.open_app(watched, path)
    return watched


@pytest.mark.parametrize("item", MODELS, ids=lambda m: m.key)
def test_hostile_model(browser: Any, server: str, item: Any) -> None:
    first = next(iter(item.files))
    watched = _open_fresh(browser, server, f"?model=hostile/{item.key}/{first}")
    try:
        page = watched.page
        text = sitekit.wait_message(page).lower()
        for word in (*item.words, "default model"):
            assert word in text, f"{word!r} not in the message {text!r}"
        assert page.locator("#ov-n-conv_1_1-0").count() == 1  # the default network is drawn
        assert watched.console_errors == []
        assert watched.outside_requests == []
        assert _canary(page) is None and _foreign(page) == 0
        _click_is_handled(page, 2)
        assert watched.console_errors == []
    finally:
        watched.context.close()


def test_model_over_the_file_budget_is_refused_from_its_length(browser: Any,
                                                               server: str) -> None:
    watched = _open_fresh(browser, server, "?model=hostile/too-big/m.npz")
    try:
        page = watched.page
        text = sitekit.wait_message(page).lower()
        assert "60 mb" in text and "50 mb" in text and "default model" in text, text
        assert watched.console_errors == [] and watched.outside_requests == []
        _click_is_handled(page, 1)
    finally:
        watched.context.close()


def test_hostile_names_in_every_view(browser: Any, server: str, tmp_path: Path) -> None:
    """Hostile class names (``&classes=``), file names and hash values: shown as text only."""
    names = [(STRINGS[i % len(STRINGS)][:300] + f" {i}").replace(",", ";") for i in range(10)]
    classes = quote(",".join(names), safe="")
    watched = _open_fresh(browser, server,
                          f"?model=weights/tinyvgg-cifar10.npz&classes={classes}")
    try:
        page = watched.page
        _ready(page)
        shown = page.evaluate("""() => [...document.querySelectorAll('.ov-out .ov-cls')]
            .map((e) => e.textContent)""")
        assert [s.strip() for s in shown] == [n.strip() for n in clean_class_names(names)]
        for value in (*STRINGS, "softmax/3", "conv_1_1/0", "output/3"):
            page.evaluate("(h) => { location.hash = h; }", quote(value[:2000], safe="/"))
            page.wait_for_function("(h) => location.hash.length > 0", arg=value)
            assert _canary(page) is None and _foreign(page) == 0
        page.keyboard.press("Escape")
        for item in STRINGS:  # hostile file names on a refused file and on a used one
            sitekit.clear_messages(page)
            sitekit.upload(page, item[:200] + ".jpg", "image/jpeg", b"not an image at all")
            assert item[:20] in sitekit.wait_message(page)
            assert _canary(page) is None and _foreign(page) == 0
        _click_is_handled(page, 1)
        assert watched.console_errors == []
        assert watched.outside_requests == []
    finally:
        watched.context.close()
