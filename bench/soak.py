"""Soak benchmark: many image switches and uploads in one page; memory and speed over time.

    python3 build.py && python3 bench/soak.py [--site dist] [--switches 300] [--uploads 50]

One headless Chromium page: ``--switches`` gallery clicks (cycling through the examples) with
``--uploads`` uploads spread evenly between them (generated PNG / JPEG photos of varying size).
Measured:

* JS heap used (CDP ``Runtime.getHeapUsage`` after a forced garbage collection) and the
  WebAssembly memory (Pyodide's heap: the largest ``WebAssembly.Memory``, recorded by a
  benchmark-only init script) before the run, after a warm-up of ``--warmup`` switches, and at
  the end;
* the switch time of every gallery click: from the click (``performance.now()`` in the page) to
  its ``app:image-drawn`` mark; the median of the first and of the last block after warm-up.

Goal (issue 8): memory growth after warm-up < 10 %, no slowdown (last block's median switch time
at most 20 % above the first block's). Writes ``bench/results/soak-<time>.json`` and prints a
table; exits 1 if ``--strict`` and a goal is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import ARGS, CHROMIUM, open_app, start_server  # noqa: E402
from tests.sitekit import MEMORY_PROBE  # noqa: E402  (the same probe the tests use)

MEMORY_GOAL = 0.10
SLOWDOWN_GOAL = 0.20
BLOCK = 50


def upload_image(i: int) -> tuple[str, str, bytes]:
    """A generated photo-like image: sizes and formats vary with ``i``."""
    rng = np.random.default_rng(i)
    w, h = 200 + 37 * (i % 9), 150 + 29 * (i % 7)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([128 + 100 * np.sin(x / (5 + i % 11)), 128 + 100 * np.cos(y / (4 + i % 5)),
                    128 + 80 * np.sin((x + y) / 17)], -1) + rng.normal(0, 10, (h, w, 3))
    im = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    if i % 2:
        im.save(buf, "JPEG", quality=88)
        return f"soak_{i:03d}.jpg", "image/jpeg", buf.getvalue()
    im.save(buf, "PNG")
    return f"soak_{i:03d}.png", "image/png", buf.getvalue()


def drawn(page: Any) -> int:
    return page.evaluate("() => performance.getEntriesByName('app:image-drawn', 'mark').length")


def wait_drawn(page: Any, before: int, timeout_ms: int = 60_000) -> float:
    """Wait for the next ``app:image-drawn`` mark; return its time (ms since navigation)."""
    page.wait_for_function(
        "(k) => performance.getEntriesByName('app:image-drawn', 'mark').length > k",
        arg=before, timeout=timeout_ms, polling=10)
    return page.evaluate(
        "() => performance.getEntriesByName('app:image-drawn', 'mark').at(-1).startTime")


def switch(page: Any, index: int) -> float:
    """Click example ``index``; return the switch time in ms (click to drawn)."""
    before = drawn(page)
    started = page.evaluate("""(i) => { const t = performance.now();
        document.querySelectorAll('.ov-thumb')[i].click(); return t; }""", index)
    return wait_drawn(page, before) - started


def upload(page: Any, i: int) -> float:
    name, mime, data = upload_image(i)
    before = drawn(page)
    started = page.evaluate("() => performance.now()")
    page.set_input_files("#ov-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    return wait_drawn(page, before) - started


def memory(page: Any, cdp: Any) -> dict[str, float]:
    """JS heap used after a full GC and the WebAssembly memory, in bytes."""
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    wasm = page.evaluate(
        "() => Math.max(0, ...(window.__wasmMemories || []).map((m) => m.buffer.byteLength))")
    dom = cdp.send("Memory.getDOMCounters")
    return {"js_heap": float(heap["usedSize"]), "wasm": float(wasm),
            "dom_nodes": float(dom["nodes"]), "js_listeners": float(dom["jsEventListeners"])}


def run(url: str, switches: int, uploads: int, warmup: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(MEMORY_PROBE)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            open_app(page, url)
            thumbs = page.locator(".ov-thumb").count()
            if thumbs < 2:
                raise SystemExit("the page has no gallery (.ov-thumb): nothing to switch")
            cdp = context.new_cdp_session(page)
            page.wait_for_timeout(2000)  # let the background preloading of the gallery finish
            marks = {"before": memory(page, cdp)}
            every = max(1, switches // max(1, uploads)) if uploads else 0
            times: list[float] = []
            upload_times: list[float] = []
            started = time.perf_counter()
            for n in range(switches):
                times.append(switch(page, (n + 1) % thumbs))
                if every and n % every == every - 1 and len(upload_times) < uploads:
                    upload_times.append(upload(page, len(upload_times)))
                if n + 1 == warmup:
                    marks["after warm-up"] = memory(page, cdp)
            while len(upload_times) < uploads:
                upload_times.append(upload(page, len(upload_times)))
            marks["end"] = memory(page, cdp)
            return {"marks": marks, "switch_ms": times, "upload_ms": upload_times,
                    "seconds": round(time.perf_counter() - started, 1), "console_errors": errors,
                    "thumbs": thumbs}
        finally:
            browser.close()


def summarize(raw: dict[str, Any], warmup: int) -> dict[str, Any]:
    marks = raw["marks"]
    warm, end = marks["after warm-up"], marks["end"]
    growth = {k: (end[k] - warm[k]) / warm[k] if warm[k] else float("nan") for k in warm}
    steady = raw["switch_ms"][warmup:]
    first = steady[:BLOCK]
    last = steady[-BLOCK:]
    slowdown = statistics.median(last) / statistics.median(first) - 1.0
    return {
        "growth_after_warmup": growth,
        "switch_ms": {"median all": statistics.median(raw["switch_ms"]),
                      "median first block": statistics.median(first),
                      "median last block": statistics.median(last),
                      "p95 all": float(np.percentile(raw["switch_ms"], 95)),
                      "max": max(raw["switch_ms"])},
        "upload_ms": {"median": statistics.median(raw["upload_ms"]) if raw["upload_ms"]
                      else float("nan")},
        "block_medians_ms": [statistics.median(raw["switch_ms"][i:i + BLOCK])
                             for i in range(0, len(raw["switch_ms"]), BLOCK)],
        "slowdown": slowdown,
        "memory_ok": all(growth[k] < MEMORY_GOAL for k in ("js_heap", "wasm")),
        "speed_ok": slowdown <= SLOWDOWN_GOAL,
    }


def table(raw: dict[str, Any], summary: dict[str, Any]) -> str:
    mb = 1 << 20
    lines = ["| memory | before | after warm-up | end | growth after warm-up |",
             "| --- | --- | --- | --- | --- |"]
    for key, label, scale, unit in (("js_heap", "JS heap used", mb, " MB"),
                                    ("wasm", "WebAssembly memory", mb, " MB"),
                                    ("dom_nodes", "DOM nodes", 1, ""),
                                    ("js_listeners", "JS event listeners", 1, "")):
        m = raw["marks"]
        if key not in m["end"]:
            continue
        lines.append(f"| {label} | {m['before'][key] / scale:.1f}{unit} | "
                     f"{m['after warm-up'][key] / scale:.1f}{unit} | "
                     f"{m['end'][key] / scale:.1f}{unit} | "
                     f"{summary['growth_after_warmup'][key] * 100:+.1f} % |")
    s = summary["switch_ms"]
    lines += ["", "| switch time | ms |", "| --- | --- |"]
    lines += [f"| {k} | {v:.1f} |" for k, v in s.items()]
    lines.append(f"| upload (median) | {summary['upload_ms']['median']:.1f} |")
    lines.append(f"| slowdown (last vs first block) | {summary['slowdown'] * 100:+.1f} % |")
    blocks = ", ".join(f"{m:.0f}" for m in summary["block_medians_ms"])
    lines.append(f"| median per {BLOCK} switches | {blocks} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines.append("")
    lines.append(f"machine load average at the end: {load:.1f} ({os.cpu_count()} CPUs)")
    lines.append(f"memory growth < {MEMORY_GOAL:.0%}: {'PASS' if summary['memory_ok'] else 'FAIL'}"
                 f"; no slowdown (<= {SLOWDOWN_GOAL:.0%}): "
                 f"{'PASS' if summary['speed_ok'] else 'FAIL'}; console errors: "
                 f"{len(raw['console_errors'])}; {len(raw['switch_ms'])} switches, "
                 f"{len(raw['upload_ms'])} uploads in {raw['seconds']} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Soak: many switches and uploads, one page.")
    parser.add_argument("--site", type=Path, default=ROOT / "dist")
    parser.add_argument("--switches", type=int, default=300)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args(argv)
    if args.switches < args.warmup + 2 * BLOCK:
        parser.error(f"--switches must be at least --warmup + {2 * BLOCK}")
    if not (args.site / "index.html").exists():
        raise SystemExit(f"{args.site}/index.html is missing: run `python3 build.py` first")
    process, url = start_server(args.site)
    try:
        raw = run(url, args.switches, args.uploads, args.warmup)
    finally:
        process.terminate()
        process.wait(timeout=10)
    summary = summarize(raw, args.warmup)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = args.json or ROOT / "bench" / "results" / f"soak-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"summary": summary, "raw": raw}, indent=1) + "\n")
    print(table(raw, summary))
    print(f"\nwritten: {path}")
    if args.strict and not (summary["memory_ok"] and summary["speed_ok"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
