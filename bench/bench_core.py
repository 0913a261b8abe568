"""Benchmark of the numpy core: forward pass with every activation, explanation records,
preprocessing, the backward pass and the saliency maps (occlusion: total, and each step of the
progressive API).  Median (and min / max) of ``repeats`` runs after one warm-up, in ms.

Runs under CPython (``python3 bench/bench_core.py``) and, unchanged, inside Pyodide
(``bench/bench_pyodide.py`` imports it in Chromium).
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# One BLAS thread: on a shared 2-core machine, OpenBLAS threads fighting other processes make
# small matrix products 10-40x slower.  (Pyodide has no threads; this changes nothing there.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyapp.cnn import explain as ex  # noqa: E402
from pyapp.cnn import grads  # noqa: E402
from pyapp.cnn import saliency as sal  # noqa: E402
from pyapp.cnn.model import tinyvgg  # noqa: E402
from pyapp.cnn.preprocess import preprocess  # noqa: E402


def _time(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(ts), "min_ms": min(ts), "max_ms": max(ts)}


def _jpeg(w: int, h: int) -> bytes:
    g = np.random.default_rng(0)
    small = g.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), np.uint8)
    im = Image.fromarray(small).resize((w, h), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _occlusion_steps(model, x: np.ndarray, n: int) -> dict[str, float]:
    """Each ``step(n)`` of one whole progressive occlusion run (8x8 patch, stride 4)."""
    job = sal.Occlusion(model, x, 0, patch=8, stride=4)
    ts = []
    while not job.done:
        t0 = time.perf_counter()
        job.step(n)
        ts.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(ts), "min_ms": min(ts), "max_ms": max(ts)}


def run(repeats: int = 20) -> dict[str, dict[str, float]]:
    """Time each task; returns ``{task: {"median_ms", "min_ms", "max_ms"}}``."""
    model = tinyvgg(rng=0)
    x = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    acts = model.forward(x)
    photo = _jpeg(1024, 768)
    tasks: dict[str, Callable[[], object]] = {
        "forward (all 14 activations)": lambda: model.forward(x),
        "conv record (conv_1_2, 10 in-channels)": lambda: ex.explain_conv(
            model, acts, "conv_1_2", 4, 30, 17),
        "intermediate maps (conv_1_2, 1 channel)": lambda: ex.intermediate_maps(
            model, acts, "conv_1_2", 4),
        "max-pool record": lambda: ex.explain_max_pool(model, acts, "max_pool_1", 3, 10, 20),
        "dense record (1 class, 1690 inputs)": lambda: ex.explain_dense(model, acts, "output", 7),
        "softmax record": lambda: ex.explain_softmax(model, acts),
        "preprocess 1024x768 JPEG -> 64x64": lambda: preprocess(photo),
        "backward to the input (no weight grads)": lambda: grads.backward(
            model, acts, ("logit", 3), params=False),
        "backward, all activations + weights": lambda: grads.backward(model, acts, ("loss", 3)),
        "Grad-CAM (relu_2_2)": lambda: sal.grad_cam(model, acts, 3),
        "Grad-CAM + upsample to 64x64": lambda: sal.upsample(sal.grad_cam(model, acts, 3),
                                                             (64, 64)),
        "gradient x input": lambda: sal.gradient_x_input(model, acts, 3),
    }
    results = {name: _time(fn, repeats) for name, fn in tasks.items()}
    # a whole occlusion map is 225 forward passes: fewer repeats
    results["occlusion 8x8/4 total (225 positions)"] = _time(
        lambda: sal.occlusion(model, x, 0, 8, 4), max(1, repeats // 5))
    results["occlusion step(1), over one run"] = _occlusion_steps(model, x, 1)
    results["occlusion step(8), over one run"] = _occlusion_steps(model, x, 8)
    return results


def table(results: dict[str, dict[str, float]], title: str) -> str:
    lines = [f"{title}", "| task | median ms | min | max |", "| --- | ---: | ---: | ---: |"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['median_ms']:.3f} | {r['min_ms']:.3f} | {r['max_ms']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    results = run()
    title = (f"CPython {platform.python_version()}, numpy {np.__version__} "
             f"(median of 20)")
    print(table(results, title))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "core-cpython.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
