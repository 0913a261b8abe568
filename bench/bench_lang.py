"""The first paint in every language: ``app:first-overview-paint`` (the pre-rendered overview
on screen, before Python) per language, cold (a fresh context each load), interleaved.
Goal (issue 20): the Japanese first paint no later than the English one, both <= 0.5 s on a
quiet machine (issue 13 keeps it). Also each language's page bytes.

Each load opens the lesson link ``index.html?lang=<code>``: for a language other than the
default, ``www/lang.js`` goes on to that language's page (``index.<code>.html``), whose own
clock starts there. So the first paint is timed from the link: the wall clock just before the
navigation to ``performance.timeOrigin + mark`` of the page that painted (both epoch ms on
this machine); ``in the page`` is the mark alone.

    python3 bench/bench_lang.py [--url http://127.0.0.1:8000/] [--runs 6] [--json]

Without ``--url`` the site is built into a temporary directory and served on a free port.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pyapp.i18n import LANGUAGES, page_file  # noqa: E402

MARK = "app:first-overview-paint"


def _summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(values), "min_ms": min(values),
            "max_ms": max(values)}


def measure(url: str, runs: int) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    sizes: dict[str, int | None] = {}
    for code in LANGUAGES:
        try:
            with urllib.request.urlopen(url + page_file(code)) as resp:  # noqa: S310 - local
                sizes[code] = len(resp.read())
        except urllib.error.HTTPError:  # an earlier build: one page carried every language
            sizes[code] = None
    link: dict[str, list[float]] = {code: [] for code in LANGUAGES}
    own: dict[str, list[float]] = {code: [] for code in LANGUAGES}
    pages: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            for code in LANGUAGES:
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                page.goto("about:blank")
                before = time.time() * 1000
                page.goto(f"{url}index.html?lang={code}", wait_until="commit")
                page.wait_for_function(f"performance.getEntriesByName('{MARK}').length > 0",
                                       timeout=60_000)
                origin, at, path = page.evaluate(
                    f"[performance.timeOrigin, performance.getEntriesByName('{MARK}')[0]"
                    ".startTime, location.pathname]")
                link[code].append(origin + at - before)
                own[code].append(at)
                pages[code] = path
                ctx.close()
        browser.close()
    return {code: {**_summary(link[code]), "in_page_median_ms": statistics.median(own[code]),
                   "page": pages[code], "page_bytes": sizes[code]} for code in LANGUAGES}


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
        print("| language | first paint from the link, median (min-max) ms | in the page, "
              "median ms | page | its bytes |")
        print("| --- | --- | --- | --- | --- |")
        for code, r in rows.items():
            print(f"| {code} | {r['median_ms']:.0f} ({r['min_ms']:.0f}-{r['max_ms']:.0f}) | "
                  f"{r['in_page_median_ms']:.0f} | {r['page']} | {r['page_bytes'] or '-'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
