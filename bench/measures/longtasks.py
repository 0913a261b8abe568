"""Main thread: long tasks (Long Tasks API, recorded from the document's start by the harness)
after the first paint of the overview (the pre-rendered one; else the shell), and where they
fall: before ``app:python-ready`` (the runtime's own: the interpreter's start, installing numpy
and Pillow, PyScript's set-up), or after it (the app's: its imports, the first forward pass and
drawing, mounting the views). On the floor page every task is the runtime's."""

from __future__ import annotations

from typing import Any

NAME = "main thread"

_SCRIPT = """() => {
  const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
  const paint = mark('app:first-overview-paint') ?? mark('app:shell') ?? 0;
  const ready = mark('app:python-ready') ?? Infinity;
  const all = window.__longTasks || [];
  const after = all.filter(([s, d]) => s + d > paint);
  const runtime = after.filter(([s, d]) => s < ready);
  const app = after.filter(([s, d]) => s >= ready);
  const longest = (list) => Math.max(0, ...list.map(([s, d]) => d));
  const over = (list) => list.filter(([s, d]) => d > 200).length;
  return {
    'longest task after first paint (ms)': longest(after),
    'tasks over 200 ms after first paint': over(after),
    "tasks over 200 ms: the runtime's (before python-ready)": over(runtime),
    "tasks over 200 ms: the app's (after python-ready)": over(app),
    "longest of the app's tasks (ms)": longest(app),
    'longest task before first paint (ms)': longest(all.filter(([s, d]) => s + d <= paint)),
  };
}"""


def measure(page: Any) -> dict[str, float]:
    """The long tasks of the current load."""
    return page.evaluate(_SCRIPT)
