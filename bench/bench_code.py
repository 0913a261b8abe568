"""Code it yourself (issue 19) in headless Chromium (the page's own Pyodide).

* **use, vectorised**: "Use my code" with the core's own vectorised ``conv2d`` pasted as the
  student's, for every convolution layer: ``code:use-start`` -> ``code:use-drawn`` (every view
  repainted from the new snapshot) and -> ``code:use-painted`` (the next frame); goal <= 100 ms.
* **use, loops**: a loop-based convolution for conv_1_1 only: the student's function's own
  time (``data-student-ms``) and the whole redraw; the page's thread is busy meanwhile (the
  time limit stops anything past 3 s).
* **use, loops, every conv layer**: the longest task meanwhile (a ``longtask`` observer): the
  layers run in slices of ``SLICE_MS`` with a paint between, so one layer is the longest wait.
* **check, loops**: "Check my code" with the loop-based convolution on conv_1_1, hidden checks
  included (``code:run-start`` -> ``code:run-end``).
* **endless loop**: ``while True: pass`` from ``code:run-start`` to stopped (``code:run-end``).

Medians of ``--repeats`` (5) runs, after one warm-up.

    python3 bench/bench_code.py [--url http://127.0.0.1:PORT/] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

from pyapp.codelab import source  # noqa: E402

VECTOR = (source.PRELUDE + "from pyapp.cnn import ops\nglobals().update(vars(ops))\n\n"
          + source.real_source("conv2d"))
LOOPS = """\
import numpy as np
from pyapp.cnn.ops import as_pair, pad2d, resolve_padding

def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1):
    kh, kw, c_in, c_out = kernel.shape
    s, d = as_pair(strides), as_pair(dilation)
    p = pad2d(x, resolve_padding(padding, x.shape[:2], (kh, kw), s, d))
    h_out = (p.shape[0] - (kh - 1) * d[0] - 1) // s[0] + 1
    w_out = (p.shape[1] - (kw - 1) * d[1] - 1) // s[1] + 1
    y = np.zeros((h_out, w_out, c_out), dtype=np.float32)
    for i in range(h_out):
        for j in range(w_out):
            r, c = i * s[0], j * s[1]
            win = p[r:r + (kh - 1) * d[0] + 1:d[0], c:c + (kw - 1) * d[1] + 1:d[1], :]
            for o in range(c_out):
                y[i, j, o] = np.sum(win * kernel[:, :, :, o]) + bias[o]
    return y
"""
ENDLESS = "def conv2d(x, *args):\n    while True:\n        pass\n"
LONGTASKS = """() => { window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration)))
        .observe({type: 'longtask'}); }"""
SPAN = """([a, b]) => { const s = performance.getEntriesByName(a, 'mark');
    const e = performance.getEntriesByName(b, 'mark');
    return e[e.length - 1].startTime - s[s.length - 1].startTime; }"""


class Page:
    def __init__(self, page) -> None:
        self.page = page
        self.runs = 0

    def press(self, code: str, button: str, last: str) -> None:
        page = self.page
        painted = page.evaluate(f"performance.getEntriesByName('{last}').length")
        page.locator("#dv").get_by_role("textbox", name="conv2d code").fill(code)
        page.locator("#dv").get_by_role("button", name=button).click()
        self.runs += 1
        page.wait_for_function("(n) => Number(document.getElementById('cl-panel').dataset.runs)"
                               " >= n", arg=self.runs, timeout=60_000)
        page.wait_for_function(f"performance.getEntriesByName('{last}').length > {painted}")

    def span(self, a: str, b: str) -> float:
        return float(self.page.evaluate(SPAN, [a, b]))

    def back(self) -> None:
        self.page.locator("#dv").get_by_role("button", name="Back to the original").click()
        self.page.wait_for_function("document.getElementById('dv').dataset.code === 'core'")


def measure(url: str, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in (
        "use vectorised: redrawn (ms)", "use vectorised: next frame (ms)",
        "use loops conv_1_1: student's function (ms)", "use loops conv_1_1: redrawn (ms)",
        "use loops all 4 conv layers: redrawn (ms)",
        "use loops all 4 conv layers: longest task (ms)",
        "check loops conv_1_1 + 5 hidden checks (ms)", "endless loop stopped after (ms)")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_function("performance.getEntriesByName('app:views-mounted').length > 0",
                               timeout=120_000)
        page.evaluate("location.hash = '#/conv_1_1/1'")
        page.wait_for_function("document.getElementById('dv').open")
        page.locator("#dv").get_by_role("tab", name="Code").click()
        p = Page(page)
        for i in range(repeats + 1):
            page.select_option("#cl-panel .cl-scope", "all")
            p.press(VECTOR, "Use my code", "code:use-painted")
            drawn = p.span("code:use-start", "code:use-drawn")
            painted = p.span("code:use-start", "code:use-painted")
            p.back()
            page.select_option("#cl-panel .cl-scope", "one")
            p.press(LOOPS, "Use my code", "code:use-painted")
            student = float(page.evaluate("document.getElementById('cl-panel').dataset"
                                          ".studentMs"))
            loops = p.span("code:use-start", "code:use-drawn")
            p.back()
            page.select_option("#cl-panel .cl-scope", "all")
            page.evaluate(LONGTASKS)
            p.press(LOOPS, "Use my code", "code:use-painted")
            all_loops = p.span("code:use-start", "code:use-drawn")
            longest = float(page.evaluate("Math.max(0, ...window.__long)"))
            p.back()
            p.press(LOOPS, "Check my code", "code:run-end")
            check = p.span("code:run-start", "code:run-end")
            p.press(ENDLESS, "Check my code", "code:run-end")
            endless = p.span("code:run-start", "code:run-end")
            if i:  # the first round warms up
                for key, v in zip(out, (drawn, painted, student, loops, all_loops, longest,
                                             check, endless),
                                  strict=True):
                    out[key].append(v)
        browser.close()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with served(args.url) as url:
        result = measure(url, args.repeats)
    print(f"| measure (median of {args.repeats}) | value |\n| --- | --- |")
    for k, v in result.items():
        print(f"| {k} | {v:.1f} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
