"""Main thread: long tasks (Long Tasks API, recorded from the document's start by the harness)
after the first paint of the overview (the pre-rendered one; else the shell)."""

from __future__ import annotations

from typing import Any

NAME = "main thread"

_SCRIPT = """() => {
  const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
  const paint = mark('app:first-overview-paint') ?? mark('app:shell') ?? 0;
  const after = (window.__longTasks || []).filter(([s, d]) => s + d > paint);
  return {
    'longest task after first paint (ms)': Math.max(0, ...after.map(([s, d]) => d)),
    'tasks over 200 ms after first paint': after.filter(([s, d]) => d > 200).length,
    'longest task before first paint (ms)': Math.max(0, ...(window.__longTasks || [])
        .filter(([s, d]) => s + d <= paint).map(([s, d]) => d)),
  };
}"""


def measure(page: Any) -> dict[str, float]:
    """The long tasks of the current load."""
    return page.evaluate(_SCRIPT)
