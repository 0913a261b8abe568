"""Run ``bench/bench_core.py`` inside Pyodide 0.27.7 in headless Chromium (median of 20).

Needs the vendored runtime from ``python3 build.py`` (``dist/runtime/pyodide/``, or pass
``--runtime DIR``), Playwright for Python and Debian's Chromium.  A snapshot of the runtime and
of ``pyapp/cnn`` (with ``pyapp/budgets.py`` and ``pyapp/i18n``, which its messages use) is
served from a temporary directory on 127.0.0.1; nothing else is contacted.

    python3 bench/bench_pyodide.py [--runtime dist/runtime/pyodide] [--repeats 20]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_core import table  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json", "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
                 "pillow-10.2.0-cp312-cp312-pyodide_2024_0_wasm32.whl"]

PAGE = """<!doctype html><meta charset="utf-8"><title>core bench</title>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
window.runBench = async (repeats) => {
  const t0 = performance.now();
  const py = await loadPyodide({ indexURL: "./pyodide/" });
  await py.loadPackage(["numpy", "pillow"]);
  const files = await (await fetch("./files.json")).json();
  for (const f of files) {
    const text = await (await fetch("./src/" + f)).text();
    py.FS.mkdirTree("/work/" + f.split("/").slice(0, -1).join("/"));
    py.FS.writeFile("/work/" + f, text);
  }
  const ready = performance.now() - t0;
  const out = py.runPython(`
import sys, json, numpy
sys.path.insert(0, "/work/bench")
import bench_core
json.dumps({"results": bench_core.run(${repeats}), "python": sys.version.split()[0],
            "numpy": numpy.__version__})`);
  return { ready_ms: ready, ...JSON.parse(out) };
};
window.benchReady = true;
</script>"""


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm", ".json": "application/json"}

    def log_message(self, *args: object) -> None:  # quiet
        pass


def make_site(site: Path, runtime: Path) -> None:
    (site / "pyodide").mkdir(parents=True)
    for name in RUNTIME_FILES:
        src = runtime / name
        if not src.is_file():
            raise SystemExit(f"missing {src}: run `python3 build.py` first or pass --runtime")
        shutil.copy2(src, site / "pyodide" / name)
    files = ["pyapp/__init__.py", "pyapp/budgets.py", "pyapp/i18n/__init__.py",
             "pyapp/i18n/ja.json", *(p.relative_to(ROOT).as_posix() for p in
                                    sorted((ROOT / "pyapp" / "cnn").rglob("*.py"))),
             "bench/bench_core.py"]
    for f in files:
        dest = site / "src" / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest)
    (site / "files.json").write_text(json.dumps(files))
    (site / "index.html").write_text(PAGE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", default=str(ROOT / "dist" / "runtime" / "pyodide"))
    ap.add_argument("--repeats", type=int, default=20)
    ns = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        make_site(site, Path(ns.runtime))
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page()
                foreign: list[str] = []
                page.on("request", lambda r: foreign.append(r.url)
                        if not r.url.startswith(url.rsplit("/", 1)[0]) else None)
                page.goto(url)
                page.wait_for_function("window.benchReady === true")
                t0 = time.perf_counter()
                out = page.evaluate(f"window.runBench({ns.repeats})")
                ua = page.evaluate("navigator.userAgent")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    chrome = next((t for t in ua.split() if t.startswith(("Chrome/", "HeadlessChrome/"))), ua)
    title = (f"Pyodide (Python {out['python']}, numpy {out['numpy']}) in {chrome}, "
             f"median of {ns.repeats}; runtime ready in {out['ready_ms']:.0f} ms, "
             f"whole run {time.perf_counter() - t0:.1f} s")
    print(table(out["results"], title))
    if foreign:
        print(f"WARNING: requests left localhost: {foreign}")
    res = ROOT / "bench" / "results"
    res.mkdir(exist_ok=True)
    (res / "core-pyodide.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
