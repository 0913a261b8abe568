"""Frame times of the layer detail views' animations in headless Chromium.

Each view is opened by its URL hash and left playing for ``--seconds`` (5 s); a
``requestAnimationFrame`` probe records the interval between frames and a ``longtask``
observer every task over 50 ms.  Goal: p95 frame interval <= 20 ms, no long task.

    python3 bench/bench_detail_frames.py [--url http://127.0.0.1:PORT/] [--seconds 5]

Without ``--url`` the site is built into a temporary directory and served by
``build.py serve`` on a free 127.0.0.1 port (stopped at the end).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

VIEWS = ["#conv_1_1/0", "#conv_1_2/4", "#conv_1_2/4/2", "#relu_1_1/3", "#max_pool_1/1",
         "#output/3", "#softmax/3"]

PROBE = """(ms) => new Promise((done) => {
  const gaps = [], longs = [];
  let last = null;
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longs.push(e.duration)));
  try { obs.observe({type: 'longtask'}); } catch (e) {}
  const start = performance.now();
  const p0 = document.getElementById('dv').dataset.position;
  function frame(t) {
    if (last !== null) gaps.push(t - last);
    last = t;
    if (t - start < ms) requestAnimationFrame(frame);
    else { obs.disconnect();
           done({gaps, longs, moved: p0 !== document.getElementById('dv').dataset.position}); }
  }
  requestAnimationFrame(frame);
})"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


def measure(url: str, seconds: float, views: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        page.wait_for_function("performance.getEntriesByName('app:interactive').length > 0",
                               timeout=120_000)
        page.wait_for_timeout(8000)  # let the overview's background preloading finish
        for h in views:
            page.evaluate("(h) => { location.hash = h; }", h)
            page.wait_for_function("(h) => document.getElementById('dv')?.open && "
                                   "document.getElementById('dv').dataset.hash === h", arg=h)
            page.wait_for_timeout(1000)  # past the opening transition
            r = page.evaluate(PROBE, seconds * 1000)
            gaps = r["gaps"]
            work = page.evaluate("() => window.dvFrameWork ? Array.from(window.dvFrameWork())"
                                 " : []")[-len(gaps):]
            rows.append({"view": h, "py_p95_ms": pct(work, 0.95), "frames": len(gaps),
                         "median_ms": pct(gaps, 0.5),
                         "p95_ms": pct(gaps, 0.95), "max_ms": max(gaps, default=0.0),
                         "long_tasks": len(r["longs"]),
                         "longest_task_ms": max(r["longs"], default=0.0), "moved": r["moved"]})
            page.keyboard.press("Escape")
            page.wait_for_function("() => !document.getElementById('dv').open")
        browser.close()
    return rows


def table(rows: list[dict]) -> str:
    out = ["| view | frames | median ms | p95 ms | max ms | long tasks (>50 ms) | Python p95 ms "
           "| moved |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        out.append(f"| `{r['view']}` | {r['frames']} | {r['median_ms']:.1f} "
                   f"| {r['p95_ms']:.1f} | {r['max_ms']:.1f} | {r['long_tasks']} "
                   f"| {r['py_p95_ms']:.1f} | {r['moved']} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--views", nargs="*", default=VIEWS)
    args = ap.parse_args(argv)
    with served(args.url) as url:
        rows = measure(url, args.seconds, args.views)
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
