"""Teach it, in the browser, with Chromium's fake camera: the camera starts only on click, the
overview follows its frames (each marked ``app:image-drawn``), freeze keeps one frame, stop
releases the track, a refused camera gives a plain message; photos from files for two new
classes, training the output layer (paused and stopped while it runs), the page's predictions
on those photos become right, the saved ``.npz`` reloads to the same classes, and reset brings
the shipped network back."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from conftest import new_app_page
from PIL import Image

from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess

pytestmark = pytest.mark.browser
CHROMIUM_EXTRA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
WAIT = 60_000
# keeps every stream the page is given, so the test can see that stop ends its tracks
SPY = """window.__streams = [];
if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const orig = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    const s = await orig(c); window.__streams.push(s); return s; };
}"""
REFUSE = """() => { navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Permission denied', 'NotAllowedError')); }"""


@pytest.fixture(scope="module")
def app(browser: Any, site_server: Any) -> Any:
    page = new_app_page(browser, site_server.url, permissions=["camera"])
    page.context.add_init_script(SPY)
    page.open()
    yield page
    page.close()


def teach(page: Any, key: str) -> str:
    return str(page.evaluate(f"document.getElementById('teach').dataset.{key} ?? ''"))


def wait_teach(page: Any, key: str, value: str) -> None:
    page.wait_for_function(f"document.getElementById('teach').dataset.{key} === '{value}'",
                           timeout=WAIT)


def photo_png(kind: int, seed: int) -> bytes:
    """Made-up classes: reddish noise (0), bluish noise with white stripes (1)."""
    g = np.random.default_rng(seed)
    colour = [(0.9, 0.15, 0.1), (0.1, 0.2, 0.85)][kind]
    x = np.clip(np.array(colour) + g.normal(0, 0.15, (96, 96, 3)), 0, 1)
    if kind == 1:
        x[::12] = 1.0
    buf = io.BytesIO()
    Image.fromarray((x * 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_the_camera_starts_on_click_follows_freezes_and_stops(app: Any) -> None:
    page = app.page
    region = page.get_by_role("region", name="Train")
    assert page.evaluate("window.__streams.length") == 0  # nothing asked before the click
    assert teach(page, "camera") in ("", "off")
    drawn = app.mark_count("app:image-drawn")
    region.get_by_role("button", name="Start the camera").click()
    wait_teach(page, "camera", "on")
    assert region.get_by_text("Camera on").is_visible()
    app.wait_for_mark("app:image-drawn", WAIT, more_than=drawn + 3)  # the overview follows
    assert int(teach(page, "frames")) >= 3
    region.get_by_role("button", name="Freeze frame of the camera").click()
    wait_teach(page, "frozen", "true")
    app.frames(3)  # a frame already waiting for its animation frame may still land
    frozen = app.mark_count("app:image-drawn")
    app.frames(20)
    assert app.mark_count("app:image-drawn") == frozen  # one frame stays under study
    region.get_by_role("button", name="Stop the camera").click()
    wait_teach(page, "camera", "off")
    assert page.evaluate("window.__streams.length") == 1
    assert page.evaluate("window.__streams.every(s => s.getTracks().every("
                         "t => t.readyState === 'ended'))")
    assert page.evaluate("document.getElementById('tc-video').srcObject === null")
    assert app.console_errors == []


def test_a_refused_camera_says_so_and_the_page_keeps_working(app: Any) -> None:
    page = app.page
    page.evaluate(REFUSE)
    region = page.get_by_role("region", name="Train")
    region.get_by_role("button", name="Start the camera").click()
    wait_teach(page, "camera", "refused")
    assert "not allowed" in page.inner_text("#tc-cam-msg")
    drawn = app.mark_count("app:image-drawn")
    page.click(".ov-thumb[data-index='2']")
    app.wait_for_mark("app:image-drawn", WAIT, more_than=drawn)
    assert app.console_errors == []


def add_class(page: Any, name: str, kind: int, n: int) -> None:
    region = page.get_by_role("region", name="Train")
    region.get_by_role("textbox", name="Name of a new class").fill(name)
    region.get_by_role("button", name="Add the class").click()
    before = int(teach(page, "photos") or 0)
    files = [{"name": f"{name}-{i}.png", "mimeType": "image/png",
              "buffer": photo_png(kind, 100 * kind + i)} for i in range(n)]
    page.set_input_files("#tc-files", files=files)
    wait_teach(page, "photos", str(before + n))


def shown_prediction(page: Any) -> str:
    return page.inner_text(".ov-col.ov-k-output .ov-out.ov-pred")


def test_collect_train_predict_save_reset(app: Any, tmp_path: Any, browser: Any,
                                         site_server: Any) -> None:
    page = app.page
    region = page.get_by_role("region", name="Train")
    add_class(page, "red thing", 0, 6)
    add_class(page, "striped", 1, 6)
    counts = page.eval_on_selector_all(".tc-class .tc-count", "els => els.map(e => e.textContent)")
    assert counts == ["6 photos", "6 photos"]
    region.get_by_role("button", name="Remove photo 6 of striped").click()
    wait_teach(page, "photos", "11")
    assert "5 photos" in page.inner_text('.tc-class[data-label="11"] .tc-count')
    # a long run, paused and stopped while it trains. The output layer trains dozens of
    # epochs a frame (a whole run takes well under a second), so Pause is clicked by the page
    # itself at the first shown epoch >= 2, in the task that shows it (no round trip to the
    # test in between)
    region.get_by_role("spinbutton", name="Epochs").fill("500")
    page.evaluate("""() => { const t = document.getElementById('teach');
      const watch = new MutationObserver(() => {
        if (t.dataset.state === 'running' && +t.dataset.epoch >= 2) {
          watch.disconnect();
          t.querySelector('button[aria-label="Pause training"]').click(); } });
      watch.observe(t, {attributes: true, attributeFilter: ['data-epoch', 'data-state']}); }""")
    region.get_by_role("button", name="Train the network").click()
    wait_teach(page, "state", "paused")
    assert 2 <= int(teach(page, "epoch")) < 500
    # the paused network is published after the button has answered: the new rows follow
    page.wait_for_function("document.querySelectorAll('.ov-col.ov-k-output .ov-out').length"
                           " === 12", timeout=WAIT)
    region.get_by_role("button", name="Stop training").click()
    wait_teach(page, "state", "done")
    # train again from there, to the end
    region.get_by_role("spinbutton", name="Epochs").fill("30")
    trained = app.mark_count("teach:trained")
    region.get_by_role("button", name="Train the network").click()
    app.wait_for_mark("teach:trained", WAIT, more_than=trained)
    assert teach(page, "epoch") == "30" and float(teach(page, "accuracy")) == 1.0
    assert "\u2190" in page.inner_text("#tc-update")  # the watched weight's update
    assert page.locator("#tc-update math").count() == 1
    # the output rows training moved are marked, and listed (the convolutions stayed)
    assert page.locator(".ov-col.ov-k-output .ov-out.tc-changed").count() >= 2
    assert page.locator(".ov-col:not(.ov-k-output) .ov-n.tc-changed").count() == 0
    assert "What changed" in page.inner_text("#tc-changes")
    for kind, name in ((0, "red thing"), (1, "striped")):
        drawn = app.mark_count("app:image-drawn")
        page.set_input_files("#ov-file", files=[{"name": "p.png", "mimeType": "image/png",
                                                 "buffer": photo_png(kind, 100 * kind)}])
        app.wait_for_mark("app:image-drawn", WAIT, more_than=drawn)
        assert name in shown_prediction(page)
    with page.expect_download() as info:
        region.get_by_role("button", name="Save the trained network (.npz)").click()
    path = tmp_path / "trained.npz"
    info.value.save_as(path)
    back = load_native(path)
    assert back.class_names[-2:] == ["red thing", "striped"]
    assert back.provenance["fine_tuned"]["photos"] == 11
    x = preprocess(photo_png(0, 3), back.input_shape, back.preprocessing)
    assert back.class_names[int(np.argmax(back.predict(x)))] == "red thing"
    region.get_by_role("button", name="Reset to the original network").click()
    page.wait_for_function("document.querySelectorAll('.ov-col.ov-k-output .ov-out')"
                           ".length === 10", timeout=WAIT)
    assert page.locator(".ov-n.tc-changed").count() == 0
    assert app.console_errors == []
    # the saved file opens with ?model= (12 classes: the overview's output column grows)
    models = site_server.root / "models"
    models.mkdir(exist_ok=True)
    (models / "taught.npz").write_bytes(path.read_bytes())
    other = new_app_page(browser, site_server.url)
    try:
        other.open("?model=models/taught.npz")
        assert other.page.locator(".ov-col.ov-k-output .ov-out").count() == 12
        assert "fine-tuned in the page" in other.page.inner_text("body")
        assert other.console_errors == []
    finally:
        other.close()


def test_whole_network_answers_clicks_and_shows_a_kernel_before_and_after(
        app: Any, tmp_path: Any, repo_root: Any) -> None:
    """The whole network on the photos left by the test above: a click while it trains is
    handled (Pause, then Resume, change the state before training ends); the kernel that moved
    most is shown before / after while it trains and at the end, and another changed kernel
    opens from the list; the numbers are those of the saved network and the shipped one."""
    from pyapp.learn.beforeafter import change_decimals
    from pyapp.numbers import fixed, value

    page = app.page
    region = page.get_by_role("region", name="Train")
    assert teach(page, "state") == "idle" and int(teach(page, "photos")) >= 6
    region.get_by_role("radio", name="the whole network (slow)").check()
    region.get_by_role("spinbutton", name="Epochs").fill("3")
    trained = app.mark_count("teach:trained")
    # the first batch's update shows the most-moved kernel, "so far", while training runs;
    # the page itself clicks Pause then, in the task that shows it (a run of 3 epochs can
    # end before a click sent from the test arrives)
    page.evaluate("""() => { const box = document.getElementById('tc-ba');
      const watch = new MutationObserver(() => {
        if (+(box.dataset.update || 0) >= 1) {
          watch.disconnect();
          window.__soFar = box.innerText;
          document.querySelector('#teach button[aria-label="Pause training"]').click(); } });
      watch.observe(box, {attributes: true, attributeFilter: ['data-update']}); }""")
    region.get_by_role("button", name="Train the network").click()
    box = page.locator("#tc-ba")
    wait_teach(page, "state", "paused")
    assert "still running" in page.evaluate("window.__soFar")
    assert app.mark_count("teach:trained") == trained and int(teach(page, "epoch")) < 3
    region.get_by_role("button", name="Resume training").click()
    wait_teach(page, "state", "running")
    app.wait_for_mark("teach:trained", WAIT, more_than=trained)
    assert teach(page, "epoch") == "3"
    assert page.locator(".ov-col:not(.ov-k-output) .ov-n.tc-changed").count() > 0
    buttons = region.get_by_role("button", name="Before and after training:")
    assert buttons.count() >= 2
    first = box.get_attribute("data-layer"), box.get_attribute("data-unit")
    assert buttons.first.get_attribute("aria-pressed") == "true"
    assert "before and after training" in box.inner_text()
    other = buttons.nth(1)
    layer, unit = other.get_attribute("data-layer"), int(other.get_attribute("data-unit"))
    other.click()
    page.wait_for_function(f"document.getElementById('tc-ba').dataset.layer === '{layer}' && "
                           f"document.getElementById('tc-ba').dataset.unit === '{unit}'")
    assert (layer, str(unit)) != first
    assert other.get_attribute("aria-pressed") == "true"
    with page.expect_download() as info:
        region.get_by_role("button", name="Save the trained network (.npz)").click()
    path = tmp_path / "whole.npz"
    info.value.save_as(path)
    after = load_native(path).layer(layer).weights["kernel"][..., unit].astype(np.float64)
    shipped = load_native(repo_root / "weights" / "tinyvgg-cifar10.npz")
    before = shipped.layer(layer).weights["kernel"][..., unit].astype(np.float64)
    grids = page.eval_on_selector_all(
        "#tc-ba table.tc-k", "ts => ts.map(t => [...t.querySelectorAll('td')]"
        ".map(td => td.textContent))")
    assert len(grids) == 3 * before.shape[2]  # before, after, change per input channel
    bias = (load_native(path).layer(layer).weights["bias"][unit].astype(np.float64)
            - shipped.layer(layer).weights["bias"][unit].astype(np.float64))
    dec = change_decimals(max(float(np.abs(after - before).max()), abs(float(bias))))
    for c in range(before.shape[2]):
        assert grids[3 * c] == [value(v) for v in before[:, :, c].ravel()]
        assert grids[3 * c + 1] == [value(v) for v in after[:, :, c].ravel()]
        assert grids[3 * c + 2] == [fixed(v, dec) for v in (after - before)[:, :, c].ravel()]
    region.get_by_role("button", name="Reset to the original network").click()
    wait_teach(page, "state", "idle")
    assert box.is_hidden()
    assert app.console_errors == []
