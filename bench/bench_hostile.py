"""Hostile inputs in the page: memory growth, the longest task, and click latency, measured
in the page (run by hand after a build; the tests check the same cases without timings).

    python3 build.py && python3 bench/bench_hostile.py [--site dist] [--json FILE]

For each image of ``tests/hostile.py`` (delivered with the file input, each in a fresh page so
that its WebAssembly growth is its own) and each hostile model (``?model=``): the growth of
WebAssembly memory read through ``window.cnnMemory()``, the longest task while the page handled
it (Long Tasks API; delivering a 10 MB file through the test driver is itself a long task of
about 1.7 s, whatever the file holds), and the duration of the next click on an example image
as the browser's Event Timing API reports it (input to the next paint).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sitekit  # noqa: E402
from hostile import image_corpus, model_corpus  # noqa: E402

OBSERVE = """
window.__longest = 0; window.__clicks = [];
new PerformanceObserver((l) => { for (const e of l.getEntries())
  window.__longest = Math.max(window.__longest, e.duration); }).observe({type: 'longtask'});
new PerformanceObserver((l) => { for (const e of l.getEntries())
  if (e.name === 'click' || e.name === 'pointerup') window.__clicks.push(e.duration); })
  .observe({type: 'event', durationThreshold: 16, buffered: true});
"""


def _click(page) -> float:
    page.evaluate("() => { window.__clicks.length = 0; }")
    sitekit.click_gallery(page, 1)
    page.wait_for_timeout(100)  # bench only: let the Event Timing entry arrive
    clicks = page.evaluate("() => window.__clicks")
    return max(clicks) if clicks else 0.0  # under 16 ms is not reported


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", default=str(ROOT / "dist"))
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--only", help="comma-separated case keys (default: all)")
    ns = ap.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        site = Path(tmp) / "site"
        shutil.copytree(ns.site, site)
        for item in model_corpus():
            for name, data in item.files.items():
                path = site / "hostile" / item.key / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        with sitekit.serve_dir(site) as url:
            only = set(ns.only.split(",")) if ns.only else None
            for item in image_corpus():
                if only and item.key not in only:
                    continue
                w = sitekit.new_context(browser, url)
                page = sitekit.open_app(w)
                page.wait_for_function("() => typeof window.cnnMemory === 'function'")
                page.evaluate(OBSERVE)
                before = page.evaluate("() => window.cnnMemory()")
                drawn = sitekit.mark_count(page, "app:image-drawn")
                sitekit.upload(page, item.name, item.mime, item.data)
                if item.expect == "refuse":
                    sitekit.wait_message(page)
                else:
                    sitekit.wait_mark(page, "app:image-drawn", drawn)
                growth = page.evaluate("() => window.cnnMemory()") - before
                longest = page.evaluate("() => window.__longest")
                rows.append({"case": item.key, "growth_mb": round(growth / 2**20, 1),
                             "longest_task_ms": round(longest), "click_ms": round(_click(page))})
                w.context.close()
            for item in model_corpus():
                if only and item.key not in only:
                    continue
                w = sitekit.new_context(browser, url)
                page = sitekit.open_app(w, f"?model=hostile/{item.key}/{next(iter(item.files))}")
                sitekit.wait_message(page)
                page.evaluate(OBSERVE)  # the model is read during start-up: its tasks are not
                rows.append({"case": item.key, "growth_mb": None,  # told apart; clicks are
                             "longest_task_ms": None, "click_ms": round(_click(page))})
                w.context.close()
        browser.close()
    print("| case | WebAssembly growth (MB) | longest task (ms) | next click (ms) |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        dash = ["-" if r[k] is None else r[k] for k in ("growth_mb", "longest_task_ms")]
        print(f"| {r['case']} | {dash[0]} | {dash[1]} | {r['click_ms']} |")
    if ns.json:
        Path(ns.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
