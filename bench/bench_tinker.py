"""Tinker speed in headless Chromium (the page's own Pyodide).

* **edit**: one conv_1_1 weight typed into the open convolution view, from the edit's start to
  every view redrawn (``tinker:edit-start`` -> ``tinker:edit-end``), median of ``--repeats``
  (20); goal <= 60 ms.
* **drag**: a weight dragged up and down with the mouse for ``--seconds`` (5 s) while a
  ``requestAnimationFrame`` probe records the frame intervals; goal p95 <= 33 ms.

    python3 bench/bench_tinker.py [--url http://127.0.0.1:PORT/] [--repeats 20] [--seconds 5]

Without ``--url`` the site is built into a temporary directory and served by
``build.py serve`` on a free 127.0.0.1 port (stopped at the end).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_detail_frames import pct  # noqa: E402
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

WEIGHT = "conv_1_1 neuron 1, channel 1, weight row 2 column 2"
PROBE = """() => { window.__gaps = []; window.__probe = true; let last = null;
  function frame(t) { if (last !== null) window.__gaps.push(t - last); last = t;
    if (window.__probe) requestAnimationFrame(frame); }
  requestAnimationFrame(frame); }"""


def edit_ms(page, value: str) -> float:
    n = page.evaluate("performance.getEntriesByName('tinker:edit-end').length")
    box = page.get_by_role("spinbutton", name=WEIGHT)
    box.fill(value)
    box.press("Enter")
    page.wait_for_function(f"performance.getEntriesByName('tinker:edit-end').length > {n}")
    return page.evaluate("""() => { const s = performance.getEntriesByName('tinker:edit-start');
        const e = performance.getEntriesByName('tinker:edit-end');
        return e[e.length - 1].startTime - s[s.length - 1].startTime; }""")


def measure(url: str, repeats: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function("performance.getEntriesByName('app:interactive').length > 0",
                               timeout=120_000)
        page.click("#ov-n-conv_1_1-0")
        page.wait_for_selector("#dv[open] .tk-kernel")
        edit_ms(page, "0.5")  # warm-up
        edits = [edit_ms(page, f"{0.1 * (i % 7) - 0.3:.1f}") for i in range(repeats)]
        box = page.get_by_role("spinbutton", name=WEIGHT).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.evaluate(PROBE)
        start, i = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            i += 1
            page.mouse.move(x, y - 10 - 40 * abs(((i // 2) % 40) / 20 - 1))
        gaps = page.evaluate("window.__probe = false, window.__gaps")
        page.mouse.up()
        drags = page.evaluate("performance.getEntriesByName('tinker:edit-end').length")
        browser.close()
    return {"edit median (ms)": statistics.median(edits), "edit max (ms)": max(edits),
            "drag frames": len(gaps), "drag p50 frame (ms)": pct(gaps, 0.5),
            "drag p95 frame (ms)": pct(gaps, 0.95), "drag edits drawn": drags - repeats - 1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    with served(args.url) as url:
        result = measure(url, args.repeats, args.seconds)
    print("| measure | value |\n| --- | --- |")
    for k, v in result.items():
        print(f"| {k} | {v:.1f} |" if isinstance(v, float) else f"| {k} | {v} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
