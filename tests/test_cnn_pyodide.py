"""The core runs unchanged inside Pyodide (headless Chromium) and gives CPython's numbers.

Uses the vendored runtime of the session's fresh build (conftest's ``built_site``), Playwright
and /usr/bin/chromium (skipped without Chromium).  Input pixels are passed as arrays, not JPEG:
Pyodide's Pillow decodes JPEG with IJG libjpeg 9, which differs from libjpeg-turbo (see
preprocess.py).
"""

from __future__ import annotations

import base64
import functools
import http.server
import importlib.util
import io
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.cnn import explain as ex
from pyapp.cnn.formats import save_native
from pyapp.cnn.model import sequential_cnn
from pyapp.cnn.preprocess import preprocess

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def runtime(built_site: Path) -> Path:
    """The Pyodide runtime that the build vendored (the one the page runs)."""
    path = built_site / "runtime" / "pyodide"
    assert (path / "pyodide.mjs").is_file(), f"the build has no {path}/pyodide.mjs"
    return path


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_pyodide",
                                                  ROOT / "bench" / "bench_pyodide.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


RUNNER = """
window.runCode = async (code) => {
  const py = await loadPyodide({ indexURL: "./pyodide/" });
  await py.loadPackage(["numpy", "pillow"]);
  const files = await (await fetch("./files.json")).json();
  for (const f of files) {
    const text = await (await fetch("./src/" + f)).text();
    py.FS.mkdirTree("/work/" + f.split("/").slice(0, -1).join("/"));
    py.FS.writeFile("/work/" + f, text);
  }
  py.runPython("import sys; sys.path.insert(0, '/work')");
  return py.runPython(code);
};
window.benchReady = true;"""


def run_in_pyodide(tmp_path: Path, runtime: Path, code: str) -> str:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian: apt-get install chromium)"

    bp = _bench_module()
    site = tmp_path / "site"
    bp.make_site(site, runtime)
    page_html = (site / "index.html").read_text().replace("window.benchReady = true;", RUNNER)
    (site / "index.html").write_text(page_html)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(bp.Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=bp.ARGS)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                page.wait_for_function("window.benchReady === true")
                return page.evaluate("(code) => window.runCode(code)", code)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


def test_pyodide_matches_cpython(tmp_path: Path, runtime: Path) -> None:
    model = sequential_cnn((40, 36, 3), blocks=((6, 5), (4,)), num_classes=4,
                           class_names=list("abcd"), rng=9)
    buf = io.BytesIO()
    save_native(model, buf)
    x = np.random.default_rng(10).random(model.input_shape, dtype=np.float32)
    png = io.BytesIO()
    Image.fromarray(np.random.default_rng(11).integers(0, 256, (90, 70, 4), np.uint8)).save(
        png, "PNG")
    code = f"""
import base64, io, json, numpy as np
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.cnn import explain as ex
m = load_native(base64.b64decode({base64.b64encode(buf.getvalue()).decode()!r}))
x = np.frombuffer(base64.b64decode({base64.b64encode(x.tobytes()).decode()!r}),
                  np.float32).reshape(m.input_shape)
acts = m.forward(x)
rec = ex.explain_conv(m, acts, "conv_1_2", 2, 5, 9)
img = preprocess(base64.b64decode({base64.b64encode(png.getvalue()).decode()!r}),
                 m.input_shape)
json.dumps({{"acts": {{k: v.tolist() for k, v in acts.items()}},
             "conv": [rec.recompose(), rec.value],
             "pre": img.tolist()}})
"""
    out = json.loads(run_in_pyodide(tmp_path, runtime, code))
    ours = model.forward(x)
    assert list(out["acts"]) == list(ours)
    for name, arr in ours.items():
        assert np.abs(np.array(out["acts"][name]) - arr).max() <= 1e-5, name
    rec = ex.explain_conv(model, ours, "conv_1_2", 2, 5, 9)
    assert abs(out["conv"][0] - rec.recompose()) <= 1e-5
    assert abs(out["conv"][0] - out["conv"][1]) <= 1e-5  # recomposes inside Pyodide too
    # PNG decoding + alpha + Lanczos resize: Pillow 10.2 (Pyodide) vs the local Pillow
    want = preprocess(png.getvalue(), model.input_shape)
    assert np.abs(np.array(out["pre"]) - want).max() <= 1 / 255 + 1e-6
