"""Page-load benchmark: the built site and a floor page, with and without bytecode, cold and warm.

    python3 build.py && python3 bench/run.py [--runs 5] [--site dist] [--reference DIR]
        [--pages ours,ours-source,floor,floor-source] [--modes cold,warm] [--measures a,b]

Pages, all served by one server in the same run, measured interleaved (run 1 of every page,
then run 2, ...):

* ``ours``: ``--site`` (a bytecode build); ``ours-source``: the same commit built with
  ``build.py --no-bytecode`` (made by this script);
* ``floor`` / ``floor-source``: a bare PyScript page that imports numpy and Pillow from the same
  ``runtime/`` (and marks ``app:interactive``): what any page on this runtime costs;
* ``reference`` (with ``--reference DIR``): any other build, e.g. an earlier commit's.

Cold: each run in a fresh Chromium profile (empty HTTP cache, storage). Warm: one profile per
page, primed by a load that is not counted. Every load waits for ``app:interactive``; on our
pages it also clicks a neuron as soon as the pre-rendered overview is painted (while Python is
still loading) and counts the click as lost unless its detail view opens; waits for
``app:views-mounted``; cold, waits for "Available offline" and counts what the server sent
(page and service worker precache: bytes, and the most times one file was sent). Then each
module in ``bench/measures/`` measures (see its docstring). Median / min / max of every number
as a table and as JSON (``bench/results/``). Outside hosts are unresolvable in the browser.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
PROBE = "#ov-n-output-3"  # a neuron of the pre-rendered overview

# Long tasks from the very start of the document (the harness reads them after the load).
LONG_TASKS = """
window.__longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
} catch (_) {}
"""

FLOOR_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>floor</title>
<link rel="icon" href="data:,">
<script type="module" src="../runtime/pyscript/core.js"></script></head>
<body><p>floor</p><script type="py" src="./main.py" config="./pyscript.json"></script></body>
</html>
"""
FLOOR_CONFIG = {"interpreter": "../runtime/pyodide/pyodide.mjs", "packages": ["numpy", "pillow"],
                "packages_cache": "passthrough"}
FLOOR_MAIN = """import js
import numpy
from PIL import Image

js.performance.mark("app:interactive")
"""


def add_floor(site: Path) -> None:
    """The floor page beside a build: ``floor/`` (not in its manifest; no service worker)."""
    floor = site / "floor"
    floor.mkdir(exist_ok=True)
    (floor / "index.html").write_text(FLOOR_HTML)
    (floor / "pyscript.json").write_text(json.dumps(FLOOR_CONFIG))
    (floor / "main.py").write_text(FLOOR_MAIN)


class Counter:
    """What the server sent: (path, status, body bytes) per response."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, int]] = []
        self.lock = threading.Lock()

    def take(self) -> list[tuple[str, int, int]]:
        with self.lock:
            sent, self.sent = self.sent, []
        return sent


@contextmanager
def serve(root: Path, counter: Counter) -> Iterator[str]:
    """``root`` on a free port of 127.0.0.1 (build.py's handler), counting what it sends."""
    import build

    class Counting(build.SiteHandler):
        verbose = False

        def send_response(self, code: int, message: str | None = None) -> None:
            self._status = int(code)
            super().send_response(code, message)

        def copyfile(self, source: Any, outputfile: Any) -> None:
            start = source.tell()
            super().copyfile(source, outputfile)
            self._bytes = source.tell() - start

        def handle_one_request(self) -> None:
            self._status, self._bytes = 0, 0
            super().handle_one_request()
            if self._status:
                with counter.lock:
                    counter.sent.append((urlparse(self.path).path, self._status, self._bytes))

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Counting, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _mark(name: str) -> str:
    return f"performance.getEntriesByName('{name}').length > 0"


def open_app(page: Any, url: str, ours: bool) -> dict[str, float]:
    """Load ``url`` and wait for ``app:interactive`` (stop on ``app:failed``). On our pages,
    click a neuron while Python loads; return whether that click was lost."""
    page.goto(url)
    probed = False
    if ours:
        page.wait_for_function(f"{_mark('app:first-overview-paint')} || "
                               f"{_mark('app:interactive')}", timeout=TIMEOUT_MS)
        probed = page.evaluate("window.cnnBoot && window.cnnBoot.state === 'loading'")
        if probed:
            page.click(PROBE)
    page.wait_for_function(f"{_mark('app:interactive')} || {_mark('app:failed')}",
                           timeout=TIMEOUT_MS)
    if page.evaluate(_mark("app:failed")):
        raise SystemExit(f"start-up failed: {page.inner_text('#status')}")
    result: dict[str, float] = {}
    if ours and page.evaluate("'held' in (window.cnnBoot || {})"):  # builds that mount late
        page.wait_for_function(_mark("app:views-mounted"), timeout=TIMEOUT_MS)
    if ours:
        if probed:
            try:
                page.wait_for_function("document.getElementById('dv')?.open === true",
                                       timeout=15_000)
                lost = 0
            except Exception:  # noqa: BLE001 - a timeout: the click did nothing
                lost = 1
            result["clicks made while loading that were lost"] = lost
            page.keyboard.press("Escape")
            page.wait_for_function("!document.getElementById('dv')?.open", timeout=15_000)
    return result


def first_visit(page: Any, counter: Counter) -> dict[str, float]:
    """After a cold load: wait for the precache ("Available offline"); what the server sent."""
    page.wait_for_function(
        "(document.getElementById('offline-state')?.textContent || '') === 'Available offline'",
        timeout=TIMEOUT_MS)
    sent = counter.take()
    per_file: dict[str, int] = {}
    for path, status, _size in sent:
        if status == 200:
            key = path + "index.html" if path.endswith("/") else path
            per_file[key] = per_file.get(key, 0) + 1
    return {"first visit incl. precache (bytes)": sum(size for _p, _s, size in sent),
            "first visit: most downloads of one file": max(per_file.values(), default=0)}


def load_once(context: Any, url: str, modules: list[Any], ours: bool,
              counter: Counter | None) -> dict[str, float]:
    """One load in a new page of ``context``: start-up, the input probe, every measure."""
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in (None, "127.0.0.1") and
            urlparse(r.url).scheme in ("http", "https", "ws", "wss") else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    result = open_app(page, url, ours)
    if counter is not None:
        result.update(first_visit(page, counter))
    for module in modules:
        if getattr(module, "APP_ONLY", False) and not ours:
            continue
        for key, value in module.measure(page).items():
            result[f"{module.NAME}: {key}"] = value
    result["outside requests"] = len(outside)
    result["console errors"] = len(errors)
    for text in errors:
        print(f"  console error: {text[:200]}", file=sys.stderr)
    page.close()
    return result


def load_retried(context: Any, *args: Any) -> dict[str, float]:
    """:func:`load_once`, once more if Chromium's renderer crashed (seen on a loaded machine:
    the browser's failure, not the page's; a second crash ends the run)."""
    try:
        return load_once(context, *args)
    except Exception as exc:  # noqa: BLE001 - only a crashed renderer is retried
        if "crashed" not in str(exc).lower():
            raise
        print(f"  the renderer crashed ({exc}); loading once more", file=sys.stderr)
        for page in context.pages:
            page.close()
        return load_once(context, *args)


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
    """A Markdown table: one row per number, one column per page and mode: median (min-max)."""
    keys = list(dict.fromkeys(k for summary in results.values() for k in summary))
    lines = ["| measure | " + " | ".join(f"{col} median (min-max)" for col in results) + " |",
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


def ratios(results: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """Interactive medians as ratios: ours / floor and ours / reference, per mode."""
    key = "startup: app:interactive (ms)"
    lines = []
    for mode in ("cold", "warm"):
        def median(page: str, mode: str = mode) -> float | None:
            s = results.get(f"{page} {mode}", {}).get(key)
            return s["median"] if s else None
        for ours, other in (("ours", "floor"), ("ours", "reference"),
                            ("ours-source", "floor-source"), ("floor", "floor-source")):
            a, b = median(ours), median(other)
            if a and b:
                lines.append(f"{mode}: interactive {ours} / {other} = {a / b:.2f}")
    return lines


def prepare(site: Path, reference: Path | None, pages: list[str], tmp: Path) -> dict[str, str]:
    """The served root (copies of the builds, each with its floor page); page -> path."""
    served = tmp / "served"
    shutil.copytree(site, served / "bytecode")
    paths = {"ours": "bytecode/", "floor": "bytecode/floor/"}
    if {"ours-source", "floor-source"} & set(pages):
        done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out",
                               str(served / "source"), "--no-bytecode"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the source-only build failed:\n{done.stdout}\n{done.stderr}")
        paths.update({"ours-source": "source/", "floor-source": "source/floor/"})
        add_floor(served / "source")
    add_floor(served / "bytecode")
    if reference is not None:
        shutil.copytree(reference, served / "reference")
        paths["reference"] = "reference/"
    return {page: paths[page] for page in pages if page in paths}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Page-load benchmark (cold and warm).")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, default=ROOT / "dist")
    parser.add_argument("--reference", type=Path, default=None,
                        help="another build to compare with (e.g. an earlier commit's dist/)")
    parser.add_argument("--pages", default="ours,ours-source,floor,floor-source,reference")
    parser.add_argument("--measures", default="", help="only these bench/measures modules")
    parser.add_argument("--json", type=Path, default=None, help="where to write the JSON")
    parser.add_argument("--modes", default="cold,warm")
    args = parser.parse_args(argv)
    if not (args.site / "build-manifest.json").exists():
        raise SystemExit(f"{args.site} holds no build: run `python3 build.py` first")

    from playwright.sync_api import sync_playwright

    modules = discover()
    if args.measures:
        wanted = set(args.measures.split(","))
        modules = [m for m in modules if m.__name__.rsplit(".", 1)[-1] in wanted]
    modes = [m for m in args.modes.split(",") if m]
    pages = [p for p in args.pages.split(",") if p]
    raw: dict[str, list[dict[str, float]]] = {}
    counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        paths = prepare(args.site.resolve(), args.reference, pages, Path(tmp))
        raw = {f"{page} {mode}": [] for mode in modes for page in paths}
        with serve(Path(tmp) / "served", counter) as url, sync_playwright() as playwright:
            def profile(name: str) -> Any:
                context = playwright.chromium.launch_persistent_context(
                    str(Path(tmp) / "profiles" / name), executable_path=CHROMIUM, args=ARGS,
                    headless=True, viewport={"width": 1280, "height": 800})
                context.add_init_script(LONG_TASKS)
                return context

            def ours(page: str) -> bool:
                return not page.startswith("floor")

            for i in range(args.runs if "cold" in modes else 0):
                for page, path in paths.items():  # interleaved: every page once per round
                    context = profile(f"cold-{page}-{i}")
                    counter.take()
                    with_sw = ours(page) and page != "reference"
                    raw[f"{page} cold"].append(load_retried(
                        context, url + path, modules, ours(page), counter if with_sw else None))
                    context.close()
                print(f"cold {i + 1}/{args.runs}", file=sys.stderr, flush=True)
            if "warm" in modes:
                warm = {page: profile(f"warm-{page}") for page in paths}
                for page, path in paths.items():  # primes the cache; not counted
                    load_once(warm[page], url + path, modules, ours(page), None)
                for i in range(args.runs):
                    for page, path in paths.items():
                        raw[f"{page} warm"].append(load_retried(warm[page], url + path,
                                                                modules, ours(page), None))
                    print(f"warm {i + 1}/{args.runs}", file=sys.stderr, flush=True)
                for context in warm.values():
                    context.close()
        build_bytes = json.loads((args.site / "build-manifest.json").read_text())["total_bytes"]

    results = {col: summarize(runs) for col, runs in raw.items() if runs}
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": args.runs, "pages": paths,
              "build bytes": build_bytes, "summary": results, "raw": raw}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.json or ROOT / "bench" / "results" / f"page-load-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(table(results))
    print(f"\nbuild size: {build_bytes / 1e6:.2f} MB")
    for line in ratios(results):
        print(line)
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
