"""The overview in headless Chromium: the live network equals the CPython core's, the gallery,
uploads (chooser, drop, paste, bad files), keyboard, hover, and three screen sizes.

One page is shared by the module's tests (Pyodide starts once).  Screenshots are written to
``.cache/screens/`` for looking at.  ``OV_SITE_DIR=<dir>`` serves an existing build instead of
building one (development).
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import new_app_page
from PIL import Image

from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.numbers import parse
from pyapp.render.layout import build_layout, layer_infos
from pyapp.render.maps import overview_rgba

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / ".cache" / "screens"
DRAWN = "app:overview-drawn"
TIMEOUT_MS = 120_000
PROB_TOL = 0.0005 + 1e-6  # "12.3%" is rounded to 0.1 %


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Any:
    dev = os.environ.get("OV_SITE_DIR")
    if not dev:
        server = request.getfixturevalue("site_server")
        yield server.url, Path(server.root)
        return
    import build  # the repository's build.py (serves with the right MIME types)

    handler = functools.partial(build.SiteHandler, directory=dev)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/", Path(dev)
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def core(site: Any) -> Any:
    """The served model and gallery, computed by the CPython core."""
    root = site[1]
    weights = root / "weights" / "tinyvgg-cifar10.npz"
    assert weights.exists(), "the site has no weights/tinyvgg-cifar10.npz"
    model = load_native(str(weights))
    gallery = json.loads((root / "gallery" / "gallery.json").read_text(encoding="utf-8"))
    return model, gallery, root


@pytest.fixture(scope="module")
def app(browser: Any, site: Any, core: Any) -> Any:
    """The module's one page (the shared harness), opened once the overview is drawn."""
    app = new_app_page(browser, site[0], viewport={"width": 1440, "height": 900})
    app.page.add_init_script(PRE_BOXES)
    app.open(wait=False)
    app.wait_for_mark(DRAWN, TIMEOUT_MS)
    yield app
    app.close()


@pytest.fixture(scope="module")
def page(app: Any) -> Any:
    return app.page


BOX_SELECTOR = ".ov-n, .ov-head, .ov-out .ov-barfill"
BOXES_JS = """(sel) => [...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect();
    return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })"""
# records, when the pre-rendered page has first painted (before Python), every box and the
# probabilities shown, to compare with the live page (no visible jump)
PRE_BOXES = f"""addEventListener('DOMContentLoaded', () => requestAnimationFrame(() =>
  requestAnimationFrame(() => {{
    window.__pre = {{boxes: ({BOXES_JS})({BOX_SELECTOR!r}),
      python: performance.getEntriesByName('{DRAWN}').length,
      painted: document.querySelectorAll(".ov-n canvas[style*='background-image']").length,
      probs: [...document.querySelectorAll('.ov-out .ov-prob')].map(e => e.textContent)}};
  }})))"""


def shown_probs(pg: Any) -> np.ndarray:
    texts = pg.eval_on_selector_all(".ov-out .ov-prob", "els => els.map(e => e.textContent)")
    return np.array([parse(t) / 100 for t in texts])


def drawn_count(pg: Any) -> int:
    return pg.evaluate("performance.getEntriesByName('app:image-drawn').length")


def wait_redraw(pg: Any, before: int) -> None:
    pg.wait_for_function(f"performance.getEntriesByName('app:image-drawn').length > {before}",
                         timeout=30_000)


def wait_message(pg: Any) -> str:
    pg.wait_for_function("document.getElementById('ov-message').textContent.length > 0",
                         timeout=30_000)
    return pg.inner_text("#ov-message")


def canvas_rgba(pg: Any, selector: str) -> np.ndarray:
    data = pg.evaluate("""(sel) => { const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [c.width, c.height, Array.from(d.data)]; }""", selector)
    w, h, px = data
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


def shown_rgba(pg: Any, selector: str) -> np.ndarray:
    """What a canvas shows: its pixels, or, while the build's pre-rendered picture is kept
    (``app:prerender-kept``: not painted yet), that picture (its background)."""
    data = pg.evaluate("""async (sel) => { const c = document.querySelector(sel);
        const bg = c.style.backgroundImage;
        let src = c;
        if (bg && bg.startsWith('url(')) {
          src = new Image(); src.src = bg.slice(5, -2); await src.decode();
        }
        const off = document.createElement('canvas');
        off.width = c.width; off.height = c.height;
        const ctx = off.getContext('2d');
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(src, 0, 0, c.width, c.height);
        return [c.width, c.height, Array.from(ctx.getImageData(0, 0, c.width, c.height).data)];
    }""", selector)
    w, h, px = data
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


def drop_file(pg: Any, data: bytes, name: str, mime: str, event: str = "drop") -> None:
    pg.evaluate("""([b64, name, mime, kind]) => {
        const bin = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bin], name, {type: mime}));
        const target = document.querySelector('.ov-net');
        const ev = kind === 'drop'
          ? new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})
          : new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
        target.dispatchEvent(ev);
    }""", [base64.b64encode(data).decode(), name, mime, event])


def test_network_matches_the_model(app: Any, page: Any, core: Any) -> None:
    model, gallery, root = core
    heads = page.eval_on_selector_all(".ov-col .ov-long", "els => els.map(e => e.textContent)")
    assert heads[0] == "input (64, 64, 3)" and heads[1] == "conv_1_1 (62, 62, 10)"
    assert heads[-1] == "output (10)" and len(heads) == 12
    assert page.locator(".ov-col").count() == 12
    assert page.locator(".ov-n canvas").count() == 3 + 100
    assert page.locator(".ov-out").count() == 10
    # the maps on the page are the core's activations of the page's own 64x64 input
    shown = shown_rgba(page, "#ov-processed")[..., :3].astype(np.float32) / np.float32(255.0)
    acts = model.forward(shown)
    want = overview_rgba(acts, build_layout(model.input_shape, layer_infos(model)), "unit")
    for layer, j in (("input", 0), ("input", 2), ("conv_1_2", 3), ("relu_2_1", 5),
                     ("max_pool_2", 9)):
        got = shown_rgba(page, f"#ov-n-{layer}-{j} canvas")
        # equal up to a colour level or two: wasm and native numpy sum in different orders,
        # so a value on a colour-table boundary may fall on its neighbour
        diff = np.abs(got.astype(int) - want[layer][j].astype(int))
        assert diff.max() <= 2, (layer, j)
    assert np.allclose(shown_probs(page), acts["probabilities"], atol=PROB_TOL)
    # ... and that input is the core's preprocessing of the first gallery photo (Pyodide's
    # Pillow may round a resampled pixel differently by one level)
    x = preprocess(str(root / "gallery" / gallery[0]["file"]), model.input_shape,
                   model.preprocessing)
    assert np.abs(np.rint(x * 255) - np.rint(shown * 255)).max() <= 1
    assert app.console_errors == []


def test_prerendered_first_paint_and_no_jump(page: Any, site: Any) -> None:
    marks = page.evaluate("Object.fromEntries(performance.getEntriesByType('mark')"
                          ".map(m => [m.name, m.startTime]))")
    assert marks["app:first-overview-paint"] < marks[DRAWN]
    pre = page.evaluate("window.__pre")
    assert pre["python"] == 0 and pre["painted"] == 103  # the pre-rendered network was up
    after = page.evaluate(BOXES_JS, BOX_SELECTOR)
    assert np.allclose(pre["boxes"], after, atol=1.0)  # Python took over without a jump
    pre_probs = np.array([float(t.rstrip("%")) / 100 for t in pre["probs"]])
    # the build's numbers (CPython) and the page's (Pyodide) agree to the digit shown
    assert np.allclose(pre_probs, shown_probs(page), atol=0.0011)


def test_hover_highlights_edges_and_reads_out(page: Any, core: Any) -> None:
    model = core[0]
    page.hover("#ov-n-conv_1_2-3")
    assert page.locator(".ov-edges g.is-hl path").count() == 10
    assert page.locator(".ov-n.is-src").count() == 10
    text = page.inner_text("#ov-readout")
    assert "conv_1_2, neuron 4 of 10" in text and "(60, 60)" in text
    assert page.locator("#ov-readout .ov-kernel td").count() == 9
    bias = float(model.layer("conv_1_2").weights["bias"][3])
    assert f"bias {bias:.4f}" in text
    page.hover("#ov-n-relu_1_1-2")
    assert page.locator(".ov-edges g.is-hl path").count() == 1
    page.hover("#ov-n-output-1")
    assert "probability" in page.inner_text("#ov-readout")
    assert page.locator(".ov-edges g.is-hl path").count() == 10


def test_gallery_probabilities_equal_the_core(page: Any, core: Any) -> None:
    model, gallery, root = core
    for i, entry in enumerate(gallery):
        before = drawn_count(page)
        page.click(f".ov-thumb[data-index='{i}']")
        wait_redraw(page, before)
        x = preprocess(str(root / "gallery" / entry["file"]), model.input_shape,
                       model.preprocessing)
        want = model.forward(x)["probabilities"]
        assert np.allclose(shown_probs(page), want, atol=PROB_TOL), entry["file"]
        pressed = page.eval_on_selector_all(".ov-thumb", "els => els.map(e => e.ariaPressed)")
        assert pressed == ["true" if k == i else "false" for k in range(len(gallery))]
        pred = page.get_attribute(".ov-out.ov-pred", "data-i")
        assert int(pred) == int(np.argmax(want))
    # Enter on a focused thumbnail works too
    before = drawn_count(page)
    page.focus(".ov-thumb[data-index='0']")
    page.keyboard.press("Enter")
    wait_redraw(page, before)
    assert page.get_attribute(".ov-thumb[data-index='0']", "aria-pressed") == "true"


def _jpeg_with_orientation(orientation: int) -> bytes:
    im = Image.new("RGB", (96, 64), (255, 255, 255))
    im.paste((220, 20, 20), (0, 0, 48, 64))  # stored: left half red, right half blue
    im.paste((20, 20, 220), (48, 0, 96, 64))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


def test_uploads_chooser_drop_paste(page: Any, core: Any, tmp_path: Path) -> None:
    model, gallery, root = core
    # 1. a PNG through the file chooser
    src = Image.open(root / "gallery" / gallery[3]["file"]).resize((120, 90))
    png = tmp_path / "mine.png"
    src.save(png)
    before = drawn_count(page)
    page.set_input_files("#ov-file", str(png))
    wait_redraw(page, before)
    want = model.forward(preprocess(png.read_bytes(), model.input_shape,
                                    model.preprocessing))["probabilities"]
    assert np.allclose(shown_probs(page), want, atol=PROB_TOL)
    assert page.locator(".ov-thumb[aria-pressed='true']").count() == 0
    assert page.get_attribute("#ov-original", "src").startswith("blob:")
    # 2. a JPEG with EXIF orientation 6, dropped: shown upright (rotated 90 degrees clockwise)
    jpg = _jpeg_with_orientation(6)
    before = drawn_count(page)
    drop_file(page, jpg, "rotated.jpg", "image/jpeg")
    wait_redraw(page, before)
    x = preprocess(jpg, model.input_shape, model.preprocessing)
    got = canvas_rgba(page, "#ov-processed")[..., :3]
    # JPEG decoders (Pyodide's libjpeg, CPython's libjpeg-turbo) differ by a few levels at
    # colour edges, so the JPEG comparison is approximate (the PNG ones above are exact)
    assert np.abs(got.astype(int) - np.rint(x * 255).astype(int)).mean() < 1.0
    # upright: red on top, blue at the bottom (the stored image has them left / right)
    assert got[4, 32, 0] > 150 > got[4, 32, 2] and got[-5, 32, 2] > 150 > got[-5, 32, 0]
    # the bars are the model's output for the input the page decoded
    mine = got.astype(np.float32) / np.float32(255.0)
    assert np.allclose(shown_probs(page), model.forward(mine)["probabilities"], atol=PROB_TOL)
    # 3. a pasted image
    buf = io.BytesIO()
    Image.open(root / "gallery" / gallery[1]["file"]).save(buf, "PNG")
    before = drawn_count(page)
    drop_file(page, buf.getvalue(), "image.png", "image/png", event="paste")
    wait_redraw(page, before)
    want = model.forward(preprocess(buf.getvalue(), model.input_shape,
                                    model.preprocessing))["probabilities"]
    assert np.allclose(shown_probs(page), want, atol=PROB_TOL)
    assert page.inner_text("#ov-message") == ""


def test_bad_files_keep_the_previous_image(page: Any, core: Any, tmp_path: Path) -> None:
    root = core[2]
    good = (root / "gallery" / core[1][0]["file"]).read_bytes()
    bad = {"notes.txt": b"this is not an image\n" * 20, "cut.jpg": good[: len(good) // 3],
           "empty.png": b""}
    for name, data in bad.items():
        probs, src = shown_probs(page), page.get_attribute("#ov-original", "src")
        pixels = canvas_rgba(page, "#ov-n-conv_1_1-0 canvas")
        page.evaluate("document.getElementById('ov-message').textContent = ''")
        path = tmp_path / name
        path.write_bytes(data)
        page.set_input_files("#ov-file", str(path))
        msg = wait_message(page)
        assert name in msg and "previous image is kept" in msg, msg
        assert np.array_equal(shown_probs(page), probs)
        assert page.get_attribute("#ov-original", "src") == src
        assert np.array_equal(canvas_rgba(page, "#ov-n-conv_1_1-0 canvas"), pixels)


def test_keyboard_moves_focus_and_read_out(page: Any) -> None:
    page.mouse.move(0, 0)
    page.focus("#ov-range")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('ov-n')"):
            break
    assert page.evaluate("document.activeElement.classList.contains('ov-n')")
    first = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert first.startswith("input, Red channel")
    assert "Red channel" in page.inner_text("#ov-readout")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id").startswith("ov-n-conv_1_1-")
    page.keyboard.press("ArrowDown")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("conv_1_1, neuron ") and label in page.inner_text("#ov-readout")
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id").startswith("ov-n-output-")
    assert "probability" in page.inner_text("#ov-readout")
    # one tab stop: Shift+Tab leaves the network
    page.keyboard.press("Shift+Tab")
    assert not page.evaluate("document.activeElement.classList.contains('ov-n')")


def test_range_modes_and_detail_toggle(page: Any) -> None:
    page.select_option("#ov-range", "global")
    assert page.locator(".ov-legend").count() == 3  # input, all hidden layers, output
    page.select_option("#ov-range", "module")
    assert page.locator(".ov-legend").count() == 1 + 4 + 1
    page.select_option("#ov-range", "unit")
    assert page.locator(".ov-legend").count() == 1 + 10 + 1
    page.click("#ov-detail")
    assert not page.is_visible(".ov-col[data-l='conv_1_1'] .ov-long")
    assert page.inner_text(".ov-col[data-l='conv_1_1'] .ov-short") == "conv"
    page.click("#ov-detail")
    assert page.is_visible(".ov-col[data-l='conv_1_1'] .ov-long")


def _overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    out = []
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1:], start=i + 1):
            if a[0] < b[0] + b[2] - 0.5 and b[0] < a[0] + a[2] - 0.5 and \
               a[1] < b[1] + b[3] - 0.5 and b[1] < a[1] + a[3] - 0.5:
                out.append((i, j))
    return out


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768), (390, 844), (1920, 1080)])
def test_screen_sizes(page: Any, size: tuple[int, int]) -> None:
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate("document.documentElement.scrollWidth") <= w
    boxes = "els => els.map(e => {const r = e.getBoundingClientRect();" \
            " return [r.x, r.y, r.width, r.height];})"
    # on a phone the output column is pinned over the strip's right end (opaque, on purpose):
    # its text is checked by tests/test_layout_browser.py, which knows what it covers
    pinned = page.evaluate("getComputedStyle(document.querySelector('.ov-k-output'))"
                           ".position === 'sticky'")
    cols = ".ov-col:not(.ov-k-output)" if pinned else ".ov-col"
    assert _overlaps(page.eval_on_selector_all(f"{cols} .ov-head", boxes)) == []
    assert _overlaps(page.eval_on_selector_all(f"{cols} .ov-n", boxes)) == []
    assert _overlaps(page.eval_on_selector_all(".ov-thumb, #ov-upload-btn, .ov-preview, "
                                               "#ov-detail, .ov-range", boxes)) == []
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"overview-{w}x{h}.png"))
    page.set_viewport_size({"width": 1440, "height": 900})


def test_deuteranopia_screenshot(page: Any) -> None:
    """A simulated deuteranope's view of the overview: negative and positive maps stay
    apart (the colour maps' own test checks the numbers; this one is for looking at)."""
    from test_render_colormaps import simulate_deuteranopia

    SCREENS.mkdir(parents=True, exist_ok=True)
    png = page.locator(".ov-scroll").screenshot()
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    sim = simulate_deuteranopia(rgb)
    Image.fromarray(np.clip(np.rint(sim), 0, 255).astype(np.uint8)).save(
        SCREENS / "overview-deuteranopia.png")
    # the simulated image still holds clearly warm (yellow-brown) and cool (blue) pixels
    warm = ((sim[..., 0] - sim[..., 2]) > 40).sum()
    cool = ((sim[..., 2] - sim[..., 0]) > 40).sum()
    assert warm > 500 and cool > 500


def test_avif_upload_decoded_by_the_browser(page: Any, core: Any, tmp_path: Path) -> None:
    """Pyodide's Pillow has no AVIF decoder: the browser decodes it, the core preprocesses."""
    from PIL import features

    assert features.check("avif"), "this CPython Pillow cannot write AVIF (Pillow >= 11.3)"
    model, gallery, root = core
    path = tmp_path / "photo.avif"
    Image.open(root / "gallery" / gallery[5]["file"]).save(path, "AVIF", quality=95)
    before = drawn_count(page)
    page.set_input_files("#ov-file", str(path))
    wait_redraw(page, before)
    x = preprocess(str(path), model.input_shape, model.preprocessing)
    got = canvas_rgba(page, "#ov-processed")[..., :3].astype(int)
    assert np.abs(got - np.rint(x * 255).astype(int)).mean() < 3.0  # two AVIF decoders
    mine = got.astype(np.float32) / np.float32(255.0)
    assert np.allclose(shown_probs(page), model.forward(mine)["probabilities"], atol=PROB_TOL)


def test_touch_tap_highlights_then_activates(page: Any) -> None:
    page.evaluate("""() => { window.__ov = [];
        document.getElementById('ov-tool').addEventListener('ov:activate',
            e => window.__ov.push(e.detail.layer + ':' + e.detail.index)); }""")
    tap = """(sel) => { const el = document.querySelector(sel);
        el.dispatchEvent(new PointerEvent('pointerdown', {pointerType: 'touch', bubbles: true}));
        el.dispatchEvent(new PointerEvent('pointerup', {pointerType: 'touch', bubbles: true}));
        el.click(); }"""
    page.evaluate(tap, "#ov-n-conv_2_1-6")
    assert "conv_2_1, neuron 7 of 10" in page.inner_text("#ov-readout")
    assert page.locator(".ov-edges g.is-hl path").count() == 10
    assert page.evaluate("window.__ov") == []  # the first tap only highlights
    page.evaluate(tap, "#ov-n-conv_2_1-6")
    assert page.evaluate("window.__ov") == ["conv_2_1:6"]  # the second tap activates
    page.keyboard.press("Escape")
    # the dialog hands focus back as it closes: focus the next neuron only after that
    page.wait_for_function("!document.querySelector('dialog[open]')", timeout=10_000)
    page.focus("#ov-n-relu_1_1-0")
    page.keyboard.press("Enter")
    page.wait_for_function("window.__ov.at(-1) === 'relu_1_1:0'", timeout=10_000)
    page.keyboard.press("Escape")
