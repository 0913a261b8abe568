"""The first paint in every language: ``app:first-overview-paint`` (the pre-rendered overview
on screen, before Python) per language, cold (a fresh context each load), interleaved.
Goal (issue 20): the Japanese first paint no later than the English one, both <= 0.5 s on a
quiet machine. Also the page's bytes (the other languages ride in it as <template>s).

    python3 bench/bench_lang.py [--url http://127.0.0.1:8000/] [--runs 6] [--json]

Without ``--url`` the site is built into a temporary directory and served on a free port.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

MARK = "app:first-overview-paint"


def measure(url: str, runs: int) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    with urllib.request.urlopen(url + "index.html") as resp:  # noqa: S310 - 127.0.0.1
        page_bytes = len(resp.read())
    times: dict[str, list[float]] = {"en": [], "ja": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            for code in times:
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                page.goto(f"{url}index.html?lang={code}", wait_until="commit")
                page.wait_for_function(f"performance.getEntriesByName('{MARK}').length > 0",
                                       timeout=60_000)
                times[code].append(page.evaluate(
                    f"performance.getEntriesByName('{MARK}')[0].startTime"))
                ctx.close()
        browser.close()
    return {code: {"median_ms": statistics.median(v), "min_ms": min(v), "max_ms": max(v),
                   "page_bytes": page_bytes} for code, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with served(args.url) as url:
        rows = measure(url, args.runs)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print("| language | first paint median (min-max) ms | index.html bytes |")
        print("| --- | --- | --- |")
        for code, r in rows.items():
            print(f"| {code} | {r['median_ms']:.0f} ({r['min_ms']:.0f}-{r['max_ms']:.0f}) | "
                  f"{r['page_bytes']:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
