"""Page-load benchmark: the built site in headless Chromium, cold and warm.

    python3 build.py && python3 bench/run.py [--runs 5] [--site dist] [--json out.json]

Cold: each run in a fresh Chromium profile (empty HTTP cache, storage). Warm: one profile,
primed by a load that is not counted, then ``--runs`` loads. Every load waits for the
``app:interactive`` mark; then each module in ``bench/measures/`` measures (see its docstring).
Reports median / min / max of every number as a table and as JSON (``bench/results/``).
Outside network is blocked at the browser (host resolver) so the HTTP cache stays usable; any
request to another host is counted in ``outside requests``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measures import discover  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
TIMEOUT_MS = 120_000



def open_app(page: Any, url: str) -> None:
    """Load ``url`` and wait for ``app:interactive``; stop the benchmark on ``app:failed``."""
    page.goto(url)
    page.wait_for_function(
        "performance.getEntriesByName('app:interactive').length > 0"
        " || performance.getEntriesByName('app:failed').length > 0", timeout=TIMEOUT_MS)
    if page.evaluate("performance.getEntriesByName('app:failed').length > 0"):
        raise SystemExit(f"start-up failed: {page.inner_text('#status')}")

def start_server(site: Path) -> tuple[subprocess.Popen[str], str]:
    """``build.py serve --no-build`` of ``site`` on a free port; returns (process, url)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--out", str(site), "serve", "--no-build",
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        raise SystemExit(f"build.py serve did not start: {line!r}")
    return process, match.group(0)


def load_once(context: Any, url: str, modules: list[Any]) -> dict[str, float]:
    """Load the site in a new page of ``context``, wait for interactive, run every measure."""
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in (None, "127.0.0.1") and
            urlparse(r.url).scheme in ("http", "https", "ws", "wss") else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_app(page, url)
    result: dict[str, float] = {}
    for module in modules:
        for key, value in module.measure(page).items():
            result[f"{module.NAME}: {key}"] = value
    result["outside requests"] = len(outside)
    result["console errors"] = len(errors)
    for text in errors:
        print(f"  console error: {text[:200]}", file=sys.stderr)
    page.close()
    return result


def summarize(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Median / min / max of every key over the runs."""
    keys = list(dict.fromkeys(k for run in runs for k in run))
    out = {}
    for key in keys:
        values = [float(run[key]) for run in runs if key in run]
        out[key] = {"median": statistics.median(values), "min": min(values),
                    "max": max(values), "n": len(values)}
    return out


def _fmt(key: str, value: float) -> str:
    if "(bytes)" in key:
        return f"{value / 1e6:.2f} MB"
    if "(ms)" in key:
        return f"{value / 1000:.2f} s"
    return f"{value:g}"


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A Markdown table: one row per number, cold and warm median (min-max)."""
    keys = list(dict.fromkeys(k for summary in results.values() for k in summary))
    lines = ["| measure | " + " | ".join(f"{mode} median (min-max)" for mode in results) + " |",
             "| --- |" + " --- |" * len(results)]
    for key in keys:
        cells = []
        for summary in results.values():
            s = summary.get(key)
            cells.append("" if s is None else
                         f"{_fmt(key, s['median'])} ({_fmt(key, s['min'])}-{_fmt(key, s['max'])})")
        label = key.replace(" (ms)", "").replace(" (bytes)", "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Page-load benchmark (cold and warm).")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, default=ROOT / "dist")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--modes", default="cold,warm")
    args = parser.parse_args(argv)
    if not (args.site / "build-manifest.json").exists():
        raise SystemExit(f"{args.site} holds no build: run `python3 build.py` first")

    from playwright.sync_api import sync_playwright

    modules = discover()
    modes = [m for m in args.modes.split(",") if m]
    process, url = start_server(args.site.resolve())
    raw: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
            def profile(name: str) -> Any:
                return playwright.chromium.launch_persistent_context(
                    str(Path(tmp) / name), executable_path=CHROMIUM, args=ARGS,
                    headless=True, viewport={"width": 1280, "height": 800})

            for i in range(args.runs if "cold" in modes else 0):
                context = profile(f"cold-{i}")
                raw["cold"].append(load_once(context, url, modules))
                context.close()
                print(f"cold {i + 1}/{args.runs}", file=sys.stderr, flush=True)
            if "warm" in modes:
                context = profile("warm")
                load_once(context, url, modules)  # primes the cache; not counted
                for i in range(args.runs):
                    raw["warm"].append(load_once(context, url, modules))
                    print(f"warm {i + 1}/{args.runs}", file=sys.stderr, flush=True)
                context.close()
    finally:
        process.terminate()
        process.wait()

    results = {mode: summarize(runs) for mode, runs in raw.items()}
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": args.runs, "url": url,
              "summary": results, "raw": raw}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.json or ROOT / "bench" / "results" / f"page-load-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(table(results))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
