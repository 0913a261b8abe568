"""Where a drag frame goes: the floor of the page's frames and a Chromium trace of a drag.

    python3 bench/trace_drag.py [--url http://127.0.0.1:PORT/] [--seconds 3] [--runs 1]
                                [--paused] [--keep DIR] [--json]

The page of ``bench_tinker.py`` (1280x800, the conv_1_1 neuron 1 view open, its kernel
editor beside it).  Three phases, each under the same ``requestAnimationFrame`` probe
(frame intervals, p50 / p95, long tasks), all in one trace (the categories of DevTools'
Performance panel and ``cc`` / ``viz``), each phase between its own User Timing marks:

* **idle**: nothing happens (what the page costs a frame by itself: the view's sweep plays);
* **hover**: the same pointer moves as the drag with no button down, each one writing one
  number into the page (input events, hit tests and one text node: the browser's floor for
  a drag);
* **drag**: the weight dragged up and down (with the Python work of its frames,
  ``tinker:frame-work``).

For each phase it prints, per frame of the renderer's main thread (one
``WebFrameWidgetImpl::BeginMainFrame`` to the next), the main thread's own time (an event's
duration less its children's) by kind: script (JavaScript and Python), DOM writes
(``innerHTML``), style, layout, pre-paint / paint, canvas pixels, layerize / commit, input,
GC and other (mean and p95 a frame); the raster workers' and the compositor's draw time a
frame; ``Paint`` events a frame with the largest painted nodes; counts a frame (canvas
resources pushed to the compositor, ``ParseHTML``, ``selectOption``, ``PaintImage``,
``putImageData``'s ``WritePixels``); the compositor's frames by state (``PipelineReporter``).
``--paused`` pauses the view's sweep first; ``--keep DIR`` writes the raw trace (open it in
DevTools' Performance panel).
"""

from __future__ import annotations

import argparse
import bisect
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_detail_frames import pct  # noqa: E402
from bench_tinker import PROBE, WEIGHT  # noqa: E402
from benchsite import ARGS, CHROMIUM, served  # noqa: E402

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline",
              "disabled-by-default-devtools.timeline.frame", "toplevel", "blink",
              "blink.user_timing", "cc", "viz", "benchmark", "input"]
PHASES = ("idle", "hover", "drag")
# a main-thread event's own time (its duration less its children's) by what it is; an event
# not named here counts as the kind of the nearest event around it that is
KINDS = {
    "script": ("FunctionCall", "EvaluateScript", "V8.Execute", "TimerFire", "FireAnimationFrame",
               "EventDispatch", "v8.callFunction", "RunMicrotasks", "AsyncTask Run",
               "HandlePostMessage", "V8.HandleInterrupts"),
    "dom writes (innerHTML)": ("ParseHTML", "HTMLDocumentParser::HTMLDocumentParser",
                               "HTMLSelectElement::selectOption"),
    "style": ("UpdateLayoutTree", "Document::recalcStyle", "Document::updateStyle",
              "Document::rebuildLayoutTree", "ScheduleStyleRecalculation"),
    "layout": ("Layout", "LocalFrameView::performLayout", "InlineNode::ShapeText",
               "InlineNode::ShapeTextIncludingFirstLine", "UpdateLayerTree"),
    "pre-paint / paint": ("PrePaint", "Paint", "PaintImage", "Blink.PrePaint.UpdateTime",
                          "Blink.Paint.UpdateTime", "LocalFrameView::RunPaintLifecyclePhase",
                          "Blink.CompositingInputs.UpdateTime"),
    "canvas pixels": ("Canvas2DResourceProvider::ProduceCanvasResource",
                      "Canvas2DResourceProvider::WritePixels"),
    "layerize / commit": ("PaintArtifactCompositor::Update", "ProxyMain::BeginMainFrame::commit",
                          "LayerTreeHost::DoUpdateLayers", "Layerize", "UpdateLayer",
                          "Blink.UpdateLayers.UpdateTime"),
    "input / hit test": ("EventHandler::handleMouseMoveEvent", "HitTest",
                         "EventHandler::HandlePointerEvent"),
    "gc": ("MinorGC", "MajorGC", "V8.GCScavenger", "V8.GCFinalizeMC", "BlinkGC.AtomicPhase"),
}
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}
FRAME = ("WebFrameWidgetImpl::BeginMainFrame", "ProxyMain::BeginMainFrame")
COUNTED = ("Canvas2DResourceProvider::ProduceCanvasResource", "ParseHTML",
           "Document::rebuildLayoutTree", "HTMLSelectElement::selectOption", "PaintImage",
           "Canvas2DResourceProvider::WritePixels")
HOVER = """() => { const out = document.createElement('span');
  out.id = 'trace-hover'; out.setAttribute('aria-hidden', 'true');
  out.style.cssText = 'position:fixed;left:0;top:0;font:12px monospace';
  document.body.appendChild(out);
  addEventListener('pointermove', (e) => { out.textContent = String(e.clientY); }); }"""


def probe_gaps(page: Any, phase: str, run: Any) -> dict[str, Any]:
    """Frame intervals (p50 / p95 ms) and long tasks while ``run()`` drives the page, between
    the marks ``trace:PHASE-start`` and ``trace:PHASE-end``."""
    page.evaluate(PROBE)
    page.evaluate(f"performance.mark('trace:{phase}-start')")
    run()
    page.evaluate(f"performance.mark('trace:{phase}-end')")
    gaps, longs = page.evaluate("window.__probe = false, [window.__gaps, window.__long]")
    return {"frames": len(gaps), "p50": pct(gaps, 0.5), "p95": pct(gaps, 0.95),
            "long tasks": len(longs)}


def moves(page: Any, x: float, y: float, seconds: float) -> None:
    """The pointer up and down over 40 px as fast as the page takes the moves (as the
    benchmark's drag)."""
    start, i = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        i += 1
        page.mouse.move(x, y - 10 - 40 * abs(((i // 2) % 40) / 20 - 1))


def own_times(on_main: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, float]]:
    """Each event with its kind and own time (us): duration less its direct children's."""
    out: list[tuple[dict[str, Any], str, float]] = []
    stack: list[list[Any]] = []  # [event, kind, own]
    for e in sorted(on_main, key=lambda e: (e["ts"], -e["dur"])):
        while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= e["ts"]:
            out.append(tuple(stack.pop()))  # type: ignore[arg-type]
        kind = KIND_OF.get(e["name"]) or (stack[-1][1] if stack else "other")
        if stack:
            stack[-1][2] -= e["dur"]
        stack.append([e, kind, float(e["dur"])])
    out.extend(tuple(s) for s in reversed(stack))  # type: ignore[misc]
    return out


def analyse(events: list[dict[str, Any]], phase: str) -> dict[str, Any]:
    """The breakdown of the module docstring for the events between the phase's marks."""
    marks = {e["name"]: e for e in events if e.get("name", "").startswith("trace:")
             and e.get("ph") in ("R", "I", "i", "n", "b")}
    start, end = marks[f"trace:{phase}-start"], marks[f"trace:{phase}-end"]
    t0, t1, pid = start["ts"], end["ts"], start["pid"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    main = next(k for k, v in names.items() if k[0] == pid and v == "CrRendererMain")
    inside = [e for e in events if t0 <= e.get("ts", 0) < t1]
    on_main = [e for e in inside if (e.get("pid"), e.get("tid")) == main
               and e.get("ph") == "X" and "dur" in e]
    starts = sorted({e["ts"] for e in on_main if e["name"] == FRAME[0]}
                    or {e["ts"] for e in on_main if e["name"] == FRAME[1]}) or [t0]
    frames: list[dict[str, float]] = [defaultdict(float) for _ in starts]
    total: dict[str, float] = defaultdict(float)
    for e, kind, own in own_times(on_main):
        i = max(0, bisect.bisect_right(starts, e["ts"]) - 1)
        frames[i][kind] += own / 1000
        total[kind] += own / 1000
    span_ms = (t1 - t0) / 1000
    n = len(starts)
    other = defaultdict(float)
    for e in inside:
        if e.get("ph") == "X" and "dur" in e and e.get("pid") == pid and \
                e["name"] in ("RasterTask", "ProxyImpl::ScheduledActionDraw"):
            other[e["name"]] += e["dur"] / 1000
    rects: Counter[str] = Counter()
    for e in on_main:
        if e["name"] != "Paint":
            continue
        d = (e.get("args") or {}).get("data") or {}
        clip = d.get("clip") or []
        if len(clip) == 8:
            w = min(max(clip[0::2]) - min(clip[0::2]), 99999)
            h = min(max(clip[1::2]) - min(clip[1::2]), 99999)
            rects[f"{d.get('nodeName', '?')} {w:.0f}x{h:.0f}"] += 1
    states = Counter(str(((e.get("args") or {}).get("frame_reporter") or {}).get("state"))
                     for e in inside if e["name"] == "PipelineReporter" and e.get("ph") == "b"
                     and e.get("pid") == pid)
    counts = Counter(e["name"] for e in on_main if e["name"] in COUNTED)
    sums = [sum(f.values()) for f in frames]
    return {
        "span (ms)": span_ms, "main frames": n,
        "main thread busy (%)": 100 * sum(total.values()) / span_ms,
        "per frame": {k: (total.get(k, 0.0) / n, pct([f.get(k, 0.0) for f in frames], 0.95))
                      for k in [*KINDS, "other"]},
        "all per frame p50 / p95": (pct(sums, 0.5), pct(sums, 0.95)),
        "off main thread per frame (ms)": {k: v / n for k, v in other.items()},
        "paints per frame": sum(rects.values()) / n,
        "largest paints": rects.most_common(6),
        "counts per frame": {k: v / n for k, v in counts.items()},
        "compositor frames": dict(states),
    }


def run(url: str, seconds: float, keep: Path | None, paused: bool = False) -> dict[str, Any]:
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
        if paused:  # the view's own animation stopped: the page's floor without it
            page.get_by_role("button", name="Pause", exact=True).click()
            page.wait_for_function("document.getElementById('dv').dataset.playing === 'false'")
        weight = page.get_by_role("spinbutton", name=WEIGHT)
        weight.scroll_into_view_if_needed()  # the open editor scrolls within its own box
        box = weight.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.evaluate(HOVER)
        out: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trace.json"
            browser.start_tracing(page=page, path=str(path), categories=CATEGORIES)
            out["idle"] = probe_gaps(page, "idle", lambda: page.wait_for_timeout(seconds * 1000))
            out["hover"] = probe_gaps(page, "hover", lambda: moves(page, x, y, seconds))
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x, y - 8)  # past the dead zone: the drag (and its burst) begins
            t0 = page.evaluate("performance.now()")
            out["drag"] = probe_gaps(page, "drag", lambda: moves(page, x, y, seconds))
            work = page.evaluate("(t0) => performance.getEntriesByName('tinker:frame-work')"
                                 ".filter((e) => e.startTime >= t0).map((e) => e.duration)", t0)
            page.mouse.up()
            page.wait_for_timeout(300)  # the trace's buffers reach the browser
            browser.stop_tracing()
            raw = json.loads(path.read_text())
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / "drag.json").write_text(json.dumps(raw))
        browser.close()
    events = raw["traceEvents"] if isinstance(raw, dict) else raw
    out["drag"]["python per frame p50 / p95"] = (pct(work, 0.5), pct(work, 0.95))
    for phase in PHASES:
        out[phase]["trace"] = analyse(events, phase)
    return out


def report(result: dict[str, Any]) -> None:
    """Print the phases side by side: probe, then the traced breakdown per frame."""
    cols = [result[p] for p in PHASES]
    print("| measure | " + " | ".join(PHASES) + " |")
    print("| --- |" + " --- |" * len(PHASES))

    def row(name: str, cells: list[str]) -> None:
        print(f"| {name} | " + " | ".join(cells) + " |")

    row("frames probed", [str(c["frames"]) for c in cols])
    row("rAF frame p50 / p95 (ms)", [f"{c['p50']:.1f} / {c['p95']:.1f}" for c in cols])
    row("long tasks", [str(c["long tasks"]) for c in cols])
    w = result["drag"].get("python per frame p50 / p95")
    row("Python per drag frame p50 / p95 (ms)", ["-", "-", f"{w[0]:.1f} / {w[1]:.1f}"])
    tr = [c["trace"] for c in cols]
    row("main-thread frames (BeginMainFrame)", [str(t["main frames"]) for t in tr])
    row("main thread busy (% of the phase)", [f"{t['main thread busy (%)']:.0f}" for t in tr])
    for kind in [*KINDS, "other"]:
        row(f"{kind}: mean / p95 a frame (ms)",
            [f"{t['per frame'][kind][0]:.1f} / {t['per frame'][kind][1]:.1f}" for t in tr])
    row("main thread, all: p50 / p95 a frame (ms)",
        [f"{t['all per frame p50 / p95'][0]:.1f} / {t['all per frame p50 / p95'][1]:.1f}"
         for t in tr])
    for key, label in (("RasterTask", "raster (workers) a frame (ms)"),
                       ("ProxyImpl::ScheduledActionDraw", "compositor draw a frame (ms)")):
        row(label, [f"{t['off main thread per frame (ms)'].get(key, 0.0):.1f}" for t in tr])
    row("Paint events a frame", [f"{t['paints per frame']:.1f}" for t in tr])
    for name in COUNTED:
        row(f"{name} a frame", [f"{t['counts per frame'].get(name, 0.0):.1f}" for t in tr])
    row("compositor frames by state",
        ["; ".join(f"{k.replace('STATE_', '').lower()} {v}"
                   for k, v in sorted(t["compositor frames"].items())) for t in tr])
    for phase, t in zip(PHASES, tr, strict=True):
        print(f"{phase}: largest paints (node, clip, count): " +
              "; ".join(f"{k} x{n}" for k, n in t["largest paints"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--paused", action="store_true",
                    help="pause the detail view's animation before the phases")
    ap.add_argument("--json", action="store_true", help="print the raw figures too")
    args = ap.parse_args()
    with served(args.url) as url:
        results = [run(url, args.seconds, args.keep, args.paused) for _ in range(args.runs)]
    for i, r in enumerate(results):
        print(f"\n=== run {i + 1}")
        report(r)
    if len(results) > 1:
        print("\nmedian drag p95 (ms):", statistics.median(r["drag"]["p95"] for r in results))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
