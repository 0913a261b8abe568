"""Tinker speed in headless Chromium (the page's own Pyodide).

* **edit**: one conv_1_1 weight typed into the open convolution view, from the edit's start to
  every view redrawn (``tinker:edit-start`` -> ``tinker:edit-end``), median of ``--repeats``
  (20); goal <= 60 ms.
* **drag**: a weight dragged up and down with the mouse for ``--seconds`` (5 s) while a
  ``requestAnimationFrame`` probe records the frame intervals (goal p95 <= 33 ms) and a
  ``longtask`` observer the tasks over 50 ms; "drag edits drawn" counts the edits every view
  on screen showed (``tinker:edit-end``); "drag work" is the Python work of each frame the
  drag asked for (``tinker:frame-work``: the edit, or the views painted in that frame).
  Headless Chromium draws at 60 Hz, so a frame is 16.7 ms or a multiple of it: 33.3 ms is one
  frame missed (30 frames a second).

    python3 bench/bench_tinker.py [--url http://127.0.0.1:PORT/] [--repeats 20] [--seconds 5]
                                  [--reference http://127.0.0.1:PORT2/] [--runs 3]

Without ``--url`` the site is built into a temporary directory and served by
``build.py serve`` on a free 127.0.0.1 port (stopped at the end).  ``--reference`` measures
another build (e.g. ``main``'s) too, the two alternating run by run in fresh browsers, and
prints them side by side (each figure the median over ``--runs``), with the machine's load
average before and after (the figures mean little on a busy machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_detail_frames import pct  # noqa: E402
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

WEIGHT = "conv_1_1 neuron 1, channel 1, weight row 2 column 2"
PROBE = """() => { window.__gaps = []; window.__probe = true; let last = null;
  window.__long = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => {
    if (window.__probe) window.__long.push(e.duration); })).observe({type: 'longtask'});
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
        # the kernel editor is collapsed at first: its one named control opens it (builds
        # before 2026-12-02 have it open already: a click would close it)
        if not page.evaluate("document.querySelector('#dv .tk-details').open"):
            page.locator("#dv .tk-details > summary", has_text="Change this kernel").click()
        edit_ms(page, "0.5")  # warm-up
        edits = [edit_ms(page, f"{0.1 * (i % 7) - 0.3:.1f}") for i in range(repeats)]
        weight = page.get_by_role("spinbutton", name=WEIGHT)
        weight.scroll_into_view_if_needed()  # the open editor scrolls within its own box
        box = weight.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        t0 = page.evaluate("performance.now()")
        page.evaluate(PROBE)
        start, i = time.monotonic(), 0
        while time.monotonic() - start < seconds:
            i += 1
            page.mouse.move(x, y - 10 - 40 * abs(((i // 2) % 40) / 20 - 1))
        gaps, longs = page.evaluate("window.__probe = false, [window.__gaps, window.__long]")
        work = page.evaluate("(t0) => performance.getEntriesByName('tinker:frame-work')"
                             ".filter((e) => e.startTime >= t0).map((e) => e.duration)", t0)
        page.mouse.up()
        drags = page.evaluate("performance.getEntriesByName('tinker:edit-end').length")
        browser.close()
    return {"edit median (ms)": statistics.median(edits), "edit max (ms)": max(edits),
            "drag frames": len(gaps), "drag p50 frame (ms)": pct(gaps, 0.5),
            "drag p95 frame (ms)": pct(gaps, 0.95), "drag edits drawn": drags - repeats - 1,
            "drag long tasks": len(longs), "drag longest task (ms)": max(longs, default=0.0),
            "drag work p50 (ms)": pct(work, 0.5), "drag work p95 (ms)": pct(work, 0.95)}


def medians(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--reference", help="another build's URL, measured alternately")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    load_before = os.getloadavg()
    this: list[dict] = []
    ref: list[dict] = []
    with served(args.url) as url:
        for _ in range(args.runs):
            this.append(measure(url, args.repeats, args.seconds))
            if args.reference:
                ref.append(measure(args.reference, args.repeats, args.seconds))
    load_after = os.getloadavg()
    mine = medians(this)
    other = medians(ref) if ref else None
    head = "| measure | this build |" + (" reference |" if other else "")
    print(head)
    print("| --- | --- |" + (" --- |" if other else ""))
    for k, v in mine.items():
        cells = [v] + ([other[k]] if other else [])
        print(f"| {k} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    print(f"load average (1, 5, 15 min): before {load_before[0]:.1f}, {load_before[1]:.1f}, "
          f"{load_before[2]:.1f}; after {load_after[0]:.1f}, {load_after[1]:.1f}, "
          f"{load_after[2]:.1f}; {args.runs} run(s) each")
    print(json.dumps({"this": this, "reference": ref,
                      "load": [load_before, load_after]}))


if __name__ == "__main__":
    main()
