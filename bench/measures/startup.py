"""Start-up: every ``app:*`` User Timing mark, bytes transferred, requests, JS heap."""

from __future__ import annotations

from typing import Any

NAME = "startup"

_SCRIPT = """() => {
  const marks = Object.fromEntries(performance.getEntriesByType('mark')
      .filter(m => m.name.startsWith('app:')).map(m => [m.name + ' (ms)', m.startTime]));
  const nav = performance.getEntriesByType('navigation');
  const res = performance.getEntriesByType('resource');
  const all = [...nav, ...res];
  return {
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
