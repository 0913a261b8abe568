"""Helpers for the robustness / offline / privacy / accessibility browser tests.

* :func:`serve_dir`: an in-process server (``build.SiteHandler``: the right MIME types and the
  Content-Security-Policy header) of any built directory, which the test may rebuild in place;
* :func:`new_context`: conftest's ``AppPage`` (the one harness) in a fresh context with
  service workers allowed and no request routing (offline tests need the HTTP cache);
* small page helpers: marks, image switches, uploads (chooser or synthetic drop), messages;
* :func:`need`: fail with a precise reason when an element the test needs is not on the page.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FRAMES_JS, AppPage, new_app_page

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 120_000

THUMBS = ".ov-thumb"
FILE_INPUT = "#ov-file"
MESSAGE = "#ov-message"
NOTICES = "#notices"
UPDATE_NOTICE = "#update-notice"
UPDATE_RELOAD = "#update-reload"

@contextlib.contextmanager
def serve_dir(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1 (in this process); yields the base URL."""
    import build  # the repository's build.py: MIME types and security headers

    class Quiet(build.SiteHandler):
        verbose = False

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


Watched = AppPage  # the older name


def new_context(browser: Any, base_url: str, **options: Any) -> AppPage:
    """A fresh context (service workers allowed, no routing) and page, watched."""
    return new_app_page(browser, base_url, guard=False, service_workers="allow", **options)


def mark_count(page: Any, name: str) -> int:
    return page.evaluate("(n) => performance.getEntriesByName(n, 'mark').length", name)


def wait_mark(page: Any, name: str, more_than: int = 0, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until mark ``name`` was recorded more than ``more_than`` times (or start-up failed)."""
    AppPage(page, "").wait_for_mark(name, timeout_ms, more_than)


def open_app(watched: AppPage, path: str = "") -> Any:
    return watched.open(path).page


def frames(page: Any, n: int = 2) -> None:
    """Wait until the page has rendered ``n`` more frames (its pending work has run)."""
    page.evaluate(FRAMES_JS, n)


def need(page: Any, selector: str, what: str) -> None:
    """Fail when ``selector`` is absent: a feature the test needs is missing."""
    if page.locator(selector).count() == 0:
        pytest.fail(f"missing: {what} ({selector!r} is not on the page)")


def click_gallery(page: Any, index: int, timeout_ms: int = 30_000) -> None:
    """Click example ``index`` and wait until it is drawn (``app:image-drawn``)."""
    before = mark_count(page, "app:image-drawn")
    page.locator(THUMBS).nth(index).click()
    wait_mark(page, "app:image-drawn", before, timeout_ms)


def upload(page: Any, name: str, mime: str, data: bytes) -> None:
    """Choose a file with the upload button's file input (no disk file needed)."""
    page.set_input_files(FILE_INPUT, files=[{"name": name, "mimeType": mime, "buffer": data}])


def drop(page: Any, files: list[tuple[str, str, bytes]], target: str = "body") -> None:
    """Drop ``files`` (name, mime, bytes) on ``target`` with a synthetic drop event."""
    payload = [[name, mime, base64.b64encode(data).decode()] for name, mime, data in files]
    page.evaluate("""([files, target]) => {
        const dt = new DataTransfer();
        for (const [name, mime, b64] of files) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], name, {type: mime}));
        }
        const el = document.querySelector(target) || document.body;
        const init = {dataTransfer: dt, bubbles: true, cancelable: true};
        el.dispatchEvent(new DragEvent('dragover', init));
        el.dispatchEvent(new DragEvent('drop', init));
    }""", [payload, target])


def messages(page: Any) -> str:
    """Every message currently shown to the user (the tool's message line and the notices)."""
    return page.evaluate("""([a, b]) => [a, b].map((s) => document.querySelector(s))
        .filter(Boolean).map((el) => el.innerText).join('\\n').trim()""", [MESSAGE, NOTICES])


def clear_messages(page: Any) -> None:
    page.evaluate("""([a, b]) => {
        const m = document.querySelector(a); if (m) m.textContent = '';
        const n = document.querySelector(b); if (n) n.replaceChildren();
    }""", [MESSAGE, NOTICES])


def wait_message(page: Any, timeout_ms: int = 30_000) -> str:
    page.wait_for_function("""([a, b]) => [a, b].map((s) => document.querySelector(s))
        .some((el) => el && el.innerText.trim().length > 0)""", arg=[MESSAGE, NOTICES],
        timeout=timeout_ms)
    return messages(page)


def canvas_rgba(page: Any, selector: str) -> Any:
    import numpy as np

    w, h, px = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [c.width, c.height, Array.from(d.data)]; }""", selector)
    return np.array(px, dtype=np.uint8).reshape(h, w, 4)


# Test / benchmark only: remembers every WebAssembly.Memory so its size can be read.
MEMORY_PROBE = """
(() => {
  const Original = WebAssembly.Memory;
  const seen = (window.__wasmMemories = []);
  WebAssembly.Memory = new Proxy(Original, {construct(target, args, newTarget) {
    const memory = Reflect.construct(target, args, newTarget);
    seen.push(memory);
    return memory;
  }});
})();
"""


def memory(page: Any) -> dict[str, float]:
    """JS heap used and the largest WebAssembly memory (Pyodide's heap), in bytes
    (needs :data:`MEMORY_PROBE` as an init script)."""
    return page.evaluate("""() => ({
        heap: performance.memory ? performance.memory.usedJSHeapSize : NaN,
        wasm: Math.max(0, ...(window.__wasmMemories || []).map((m) => m.buffer.byteLength)),
    })""")


def site_root(request: Any) -> Path:
    """The built site the tests use: ``$FE_SITE_DIR`` if set (an existing build, for
    development), else the session's fresh build (conftest's ``built_site``)."""
    import os

    dev = os.environ.get("FE_SITE_DIR")
    root = Path(dev) if dev else Path(request.getfixturevalue("built_site"))
    if not list((root / "weights").glob("*.npz")):
        pytest.fail(f"{root}/weights/ has no model (.npz): the app cannot start without "
                    "weights/tinyvgg-cifar10.npz")
    return root


def require_service_worker(root: Path) -> None:
    """Fail with a precise reason when the build lacks a piece the offline tests need."""
    assert (root / "sw.js").exists(), "the build has no sw.js (www/sw.js)"
    assert "registerServiceWorker" in (root / "boot.js").read_text(encoding="utf-8"), \
        "www/boot.js does not register the service worker"
    assert '"build_id"' in (root / "build-manifest.json").read_text(encoding="utf-8"), \
        "build.py does not stamp a build id into sw.js and build-manifest.json"


def wait_service_worker(page: Any, timeout_ms: int = 90_000) -> dict:
    """Wait until the service worker is active with its cache complete; return its details."""
    # ``ready`` resolves with an active worker; then wait for its state to be "activated"
    page.wait_for_function("""async () => {
        const r = await navigator.serviceWorker.ready;
        return r.active && r.active.state === 'activated';
    }""", timeout=timeout_ms, polling=100)
    return page.evaluate("""async () => {
        const names = await caches.keys();
        const out = {caches: names, entries: {}};
        for (const name of names) {
          const cache = await caches.open(name);
          out.entries[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
        }
        out.controlled = !!navigator.serviceWorker.controller;
        return out;
    }""")
