"""Where a cold start goes: a Chromium trace of one load per page, read back as a timeline.

    python3 build.py && python3 bench/trace_startup.py [--site dist] [--pages ours,floor]
        [--runs 1] [--min-task 50] [--keep DIR]

Each run loads every page once (interleaved), cold, in a fresh browser, with the trace
categories of DevTools' Performance panel, until ``app:interactive``. Printed per load, times
in ms from the navigation's start:

* the ``app:*`` User Timing marks;
* every main-thread task of at least ``--min-task`` ms (start, duration) with what runs in it:
  its direct children by kind (script evaluation with the script's file, function calls with
  their file and function, HTML parsing, style and layout, wasm compilation, GC), largest first;
* the main thread's busy time before ``app:python-ready`` and between it and interactive;
* each resource: request start, response end, bytes (the network's share of the wait).

``--keep DIR`` writes each raw trace there (open it in chrome://tracing or DevTools).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import ARGS, CHROMIUM, TIMEOUT_MS, Counter, add_floor, serve  # noqa: E402

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel",
              "blink.user_timing", "loading", "v8", "v8.execute", "disabled-by-default-v8.compile",
              "blink", "netlog"]
TASKS = ("RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask")
PAGES = {"ours": "bytecode/", "floor": "bytecode/floor/"}
INSIDE = ("v8.compile", "v8.compileModule", "MajorGC", "MinorGC", "v8.wasm.compileLazy",
          "v8.wasm.streamFromResponseCallback", "v8.wasm.compiledModule", "v8.wasm.cachedModule",
          "ParseHTML", "UpdateLayoutTree", "Layout", "Paint", "ParseAuthorStyleSheet",
          "v8.deserializeScript", "v8.produceCache")


def _label(event: dict[str, Any]) -> str:
    """A child event as a short label: its name and, for scripts, the file and function."""
    data = (event.get("args") or {}).get("data") or {}
    name = event["name"]
    url = data.get("url") or data.get("scriptName") or data.get("fileName") or ""
    url = url.rsplit("/", 1)[-1][:40]
    func = data.get("functionName") or ""
    if name in ("EvaluateScript", "v8.compile", "v8.compileModule", "FunctionCall",
                "v8.evaluateModule", "CompileScript"):
        return f"{name} {url} {func}".strip()
    return name


def analyse(trace: dict[str, Any], min_task: float) -> dict[str, Any]:
    """The renderer main thread's marks, long tasks (with children) and busy time."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    marks = {}
    nav = None
    for e in events:
        if e.get("cat", "").startswith("blink.user_timing") and e["name"].startswith("app:"):
            marks.setdefault(e["name"], e["ts"])
        if e.get("name") == "navigationStart" and nav is None and \
                ((e.get("args") or {}).get("data") or {}).get("isLoadingMainFrame"):
            nav = e["ts"]
    main = None
    if "app:interactive" in marks or marks:
        # the renderer whose main thread recorded our marks
        pid = next(e["pid"] for e in events if e.get("name", "").startswith("app:"))
        main = next(key for key, v in names.items() if key[0] == pid and v == "CrRendererMain")
    if main is None:
        raise SystemExit("no app:* marks in the trace")
    if nav is None:
        nav = min(e["ts"] for e in events if (e["pid"], e["tid"]) == main and e.get("ts"))
    on_main = sorted((e for e in events if (e.get("pid"), e.get("tid")) == main
                      and e.get("ph") == "X" and "dur" in e), key=lambda e: e["ts"])
    tasks = []
    reach = -1
    for e in on_main:  # top-level tasks only: a task nested in another one is part of it
        if e["name"] in TASKS and e["ts"] >= reach:
            tasks.append(e)
            reach = e["ts"] + e["dur"]
    out_tasks = []
    for task in tasks:
        start, end = task["ts"], task["ts"] + task["dur"]
        if task["dur"] < min_task * 1000:
            continue
        inside = [e for e in on_main if start <= e["ts"] < end and e is not task
                  and e["name"] not in TASKS]
        # direct children: not contained in another event of this task
        children = []
        reach = -1
        for e in inside:
            if e["ts"] >= reach:
                children.append(e)
                reach = e["ts"] + e["dur"]
        by: dict[str, float] = defaultdict(float)
        for e in children:
            by[_label(e)] += e["dur"] / 1000
        deep: dict[str, float] = defaultdict(float)  # what the scripts spend inside
        for e in inside:
            if e["name"] in INSIDE:
                deep[e["name"]] += e["dur"] / 1000
        out_tasks.append({
            "start": (start - nav) / 1000, "duration": task["dur"] / 1000,
            "cpu": task.get("tdur", 0) / 1000,
            "children": sorted(by.items(), key=lambda kv: -kv[1])[:8],
            "inside": sorted(deep.items(), key=lambda kv: -kv[1])[:8],
        })
    busy = defaultdict(float)
    ready = marks.get("app:python-ready")
    inter = marks.get("app:interactive")
    for task in tasks:
        t = task["ts"]
        phase = ("before python-ready" if ready is None or t < ready else
                 "python-ready to interactive" if inter is None or t < inter else "after")
        busy[phase] += task["dur"] / 1000
        busy[phase + " (CPU)"] += task.get("tdur", 0) / 1000
    return {"marks": {k: (v - nav) / 1000 for k, v in sorted(marks.items(), key=lambda kv: kv[1])},
            "tasks": out_tasks, "busy": dict(busy)}


def resources(page: Any) -> list[tuple[str, float, float, int]]:
    """Resource timing: (file, request start, response end, transfer bytes)."""
    return page.evaluate("""() => performance.getEntriesByType('resource').map(e =>
        [e.name.split('/').slice(-1)[0].slice(0, 40), e.requestStart || e.startTime,
         e.responseEnd, e.transferSize])""")


def trace_once(playwright: Any, url: str, keep: Path | None, tag: str,
               min_task: float) -> dict[str, Any]:
    """One cold load in a fresh browser, traced until ``app:interactive``."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(page=page, path=str(path), categories=CATEGORIES)
            page.goto(url)
            page.wait_for_function(
                "performance.getEntriesByName('app:interactive').length > 0", timeout=TIMEOUT_MS)
            page.wait_for_timeout(300)  # the trace's buffers reach the browser
            res = resources(page)
            browser.stop_tracing()
            raw = json.loads(path.read_text())
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"{tag}.json").write_text(json.dumps(raw))
        result = analyse(raw, min_task)
        result["resources"] = res
        return result
    finally:
        browser.close()


def report(tag: str, result: dict[str, Any]) -> None:
    """Print one load's timeline."""
    print(f"\n=== {tag}")
    print("marks: " + ", ".join(f"{k} {v:.0f}" for k, v in result["marks"].items()))
    print("main-thread busy: " + ", ".join(f"{k} {v:.0f} ms" for k, v in result["busy"].items()))
    for task in result["tasks"]:
        print(f"  task at {task['start']:7.0f} ms, {task['duration']:6.0f} ms "
              f"(CPU {task['cpu']:4.0f}): " +
              "; ".join(f"{k} {v:.0f}" for k, v in task["children"]))
        if task["inside"]:
            print("      inside: " + "; ".join(f"{k} {v:.0f}" for k, v in task["inside"]))
    print("resources (start-end ms, bytes):")
    for name, start, end, size in result["resources"]:
        print(f"  {start:7.0f} {end:7.0f} {size:9d} {name}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Trace cold start-ups, ours and the floor.")
    parser.add_argument("--site", type=Path, default=ROOT / "dist")
    parser.add_argument("--pages", default="ours,floor")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--min-task", type=float, default=50.0)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    import shutil

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        served = Path(tmp) / "served"
        shutil.copytree(args.site.resolve(), served / "bytecode")
        add_floor(served / "bytecode")
        with serve(served, Counter()) as url, sync_playwright() as playwright:
            for i in range(args.runs):
                for page in args.pages.split(","):
                    tag = f"{page}-{i + 1}"
                    report(tag, trace_once(playwright, url + PAGES[page], args.keep, tag,
                                           args.min_task))
    return 0


if __name__ == "__main__":
    sys.exit(main())
