"""Teach it, in headless Chromium (the page's own Pyodide), with Chromium's fake camera.

* **output layer**: 20 photos (two new classes of 10, from files) x 30 epochs, from Train to
  the trained network drawn (``teach:train-start`` -> ``teach:trained``), median of ``--runs``
  (3); goal <= 3 s.
* **whole network**: the same 20 photos x 10 epochs, ``--whole-runs`` (1); goal <= 30 s.
* **click while training**: Pause / Resume clicked during a long output-layer run and during a
  whole-network run, from the click's event time to the panel's ``data-state`` changing
  (a MutationObserver); goal <= 100 ms.
* **live camera**: classified frames per second with the overview redrawn
  (``app:image-drawn`` marks over ``--seconds``, 5 s); goal >= 5.

    python3 bench/bench_teach.py [--url http://127.0.0.1:PORT/] [--runs 3] [--whole-runs 1]
                                 [--reference http://127.0.0.1:PORT2/]

``--reference``: a second site (e.g. a build of ``main``) measured the same way afterwards;
the table then has a column for each, side by side.  Whole-network training is cut into one
layer's forward or backward half per step and the page stops a slice after 30 ms, so a
click waits for at most about one slice.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
LATENCY = """() => { window.__lat = []; const b = document.getElementById('tc-pause');
  const t = document.getElementById('teach'); let down = null;
  b.addEventListener('pointerdown', (e) => { down = e.timeStamp; }, {capture: true});
  new MutationObserver(() => { if (down !== null) { window.__lat.push(performance.now() - down);
    down = null; } }).observe(t, {attributes: true, attributeFilter: ['data-state']}); }"""


def photo_png(kind: int, seed: int) -> bytes:
    g = np.random.default_rng(seed)
    colour = [(0.9, 0.15, 0.1), (0.1, 0.2, 0.85)][kind]
    x = np.clip(np.array(colour) + g.normal(0, 0.15, (96, 96, 3)), 0, 1)
    if kind == 1:
        x[::12] = 1.0
    buf = io.BytesIO()
    Image.fromarray((x * 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def wait(page, expr: str, timeout: int = 300_000) -> None:
    page.wait_for_function(expr, timeout=timeout)


def marks(page, name: str) -> int:
    return page.evaluate(f"performance.getEntriesByName('{name}').length")


def last_span(page) -> float:
    return page.evaluate("""() => { const s = performance.getEntriesByName('teach:train-start');
        const e = performance.getEntriesByName('teach:trained');
        return e[e.length - 1].startTime - s[s.length - 1].startTime; }""")


def train(page, mode: str, epochs: int) -> float:
    page.check(f'input[name="tc-mode"][value="{mode}"]')
    page.fill("#tc-epochs", str(epochs))
    n = marks(page, "teach:trained")
    page.click("#tc-train")
    wait(page, f"performance.getEntriesByName('teach:trained').length > {n}")
    span = last_span(page)
    page.click("#tc-reset")
    wait(page, "document.getElementById('teach').dataset.state === 'idle'")
    return span


def clicks(page, mode: str, epochs: int, n: int = 6) -> list[float]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.check(f'input[name="tc-mode"][value="{mode}"]')
    page.fill("#tc-epochs", str(epochs))
    page.evaluate(LATENCY)
    page.click("#tc-train")
    wait(page, "+document.getElementById('teach').dataset.epoch >= 1 || "
               "document.getElementById('teach').dataset.loss !== undefined")
    for _ in range(n):
        before = page.evaluate("document.getElementById('teach').dataset.state")
        if before == "done" or not page.is_enabled("#tc-pause"):
            break
        try:
            page.click("#tc-pause", timeout=5000)
        except PlaywrightTimeout:  # the run ended between the look and the click
            break
        wait(page, f"document.getElementById('teach').dataset.state !== '{before}'")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    lat = page.evaluate("window.__lat")
    if page.is_enabled("#tc-stop"):
        page.click("#tc-stop")
    wait(page, "document.getElementById('teach').dataset.state === 'done'")
    page.click("#tc-reset")
    return lat


def measure(url: str, runs: int, whole_runs: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS + FAKE_CAMERA)
        ctx = browser.new_context(viewport={"width": 1280, "height": 800},
                                  permissions=["camera"])
        page = ctx.new_page()
        page.goto(url)
        wait(page, "performance.getEntriesByName('app:views-mounted').length > 0", 120_000)
        for kind, name in ((0, "red thing"), (1, "striped")):
            page.fill("#tc-new-name", name)
            page.click("#tc-new button")
            page.set_input_files("#tc-files", files=[
                {"name": f"{kind}-{i}.png", "mimeType": "image/png",
                 "buffer": photo_png(kind, 100 * kind + i)} for i in range(10)])
            wait(page, f"+document.getElementById('teach').dataset.photos >= {10 * (kind + 1)}")
        train(page, "output", 30)  # warm-up (imports, first compile of the paths)
        output = [train(page, "output", 30) for _ in range(runs)]
        print("output layer (ms):", [round(v) for v in output], flush=True)
        whole = [train(page, "all", 10) for _ in range(whole_runs)]
        lat_output = clicks(page, "output", 500)
        lat_whole = clicks(page, "all", 50, 4)
        page.click("#tc-cam")
        wait(page, "+document.getElementById('teach').dataset.frames > 3", 60_000)
        n0, t0 = marks(page, "app:image-drawn"), time.monotonic()
        page.wait_for_timeout(seconds * 1000)  # a measurement window, not a wait for state
        fps = (marks(page, "app:image-drawn") - n0) / (time.monotonic() - t0)
        page.click("#tc-cam-stop")
        browser.close()
    return {"output layer, 20 photos x 30 epochs, median (ms)": statistics.median(output),
            "output layer runs (ms)": [round(v) for v in output],
            "whole network, 20 photos x 10 epochs, median (ms)": statistics.median(whole),
            "click while training the output layer, max (ms)": max(lat_output),
            "click while training the output layer, median (ms)": statistics.median(lat_output),
            "click while training the whole network, max (ms)": max(lat_whole),
            "click while training the whole network, median (ms)": statistics.median(lat_whole),
            "live camera (classified frames / s)": fps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--whole-runs", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--reference", help="a second site to measure, shown beside the first")
    args = ap.parse_args()
    with served(args.url) as url:
        result = measure(url, args.runs, args.whole_runs, args.seconds)
    ref = (measure(args.reference, args.runs, args.whole_runs, args.seconds)
           if args.reference else None)

    def cell(v: object) -> str:
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    if ref is None:
        print("| measure | value |\n| --- | --- |")
        for k, v in result.items():
            print(f"| {k} | {cell(v)} |")
    else:
        print("| measure | this build | reference |\n| --- | --- | --- |")
        for k, v in result.items():
            print(f"| {k} | {cell(v)} | {cell(ref.get(k))} |")
    print(json.dumps({"this": result, "reference": ref} if ref else result))


if __name__ == "__main__":
    main()
