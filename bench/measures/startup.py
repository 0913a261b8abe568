"""Start-up: every ``app:*`` User Timing mark, when the HTML was parsed and the runtime and the
app's archive were asked for (the critical path's waypoints), bytes transferred, requests,
JS heap."""

from __future__ import annotations

from typing import Any

NAME = "startup"

_SCRIPT = """() => {
  const marks = Object.fromEntries(performance.getEntriesByType('mark')
      .filter(m => m.name.startsWith('app:')).map(m => [m.name + ' (ms)', m.startTime]));
  const nav = performance.getEntriesByType('navigation');
  const res = performance.getEntriesByType('resource');
  const all = [...nav, ...res];
  const asked = (file) => res.find((e) => e.name.endsWith(file))?.startTime;
  const waypoints = {
    'HTML parsed (DOMContentLoaded) (ms)': nav[0]?.domContentLoadedEventStart,
    'runtime requested (pyodide.mjs) (ms)': asked('/pyodide.mjs'),
    "app's archive requested (pyapp.zip) (ms)": asked('/pyapp.zip'),
  };
  return {
    ...Object.fromEntries(Object.entries(waypoints).filter(([k, v]) => v !== undefined)),
    ...marks,
    'transferred (bytes)': all.reduce((s, e) => s + (e.transferSize || 0), 0),
    'decoded (bytes)': all.reduce((s, e) => s + (e.decodedBodySize || 0), 0),
    'requests': all.length,
    'requests served from cache': all.filter(e => e.transferSize === 0).length,
    'JS heap used (bytes)': performance.memory ? performance.memory.usedJSHeapSize : NaN,
  };
}"""


def measure(page: Any) -> dict[str, float]:
    """Read the marks and the resource timing of the current load."""
    return page.evaluate(_SCRIPT)
