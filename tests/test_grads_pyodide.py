"""The backward pass and the saliency maps give CPython's numbers inside Pyodide (headless
Chromium, the session build's vendored runtime; skipped without Chromium)."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from pyapp.cnn import grads
from pyapp.cnn import saliency as sal
from pyapp.cnn.formats import save_native
from pyapp.cnn.model import sequential_cnn

sys.path.insert(0, str(Path(__file__).parent))
import test_cnn_pyodide as base  # noqa: E402

pytestmark = base.pytestmark


@pytest.fixture(scope="module")
def runtime(built_site: Path) -> Path:
    path = built_site / "runtime" / "pyodide"
    assert (path / "pyodide.mjs").is_file(), f"the build has no {path}/pyodide.mjs"
    return path


def test_gradients_and_maps_match_cpython(tmp_path: Path, runtime: Path) -> None:
    model = sequential_cnn((24, 22, 3), blocks=((5, 4), (3,)), num_classes=4,
                           class_names=list("abcd"), rng=3)
    buf = io.BytesIO()
    save_native(model, buf)
    x = np.random.default_rng(4).random(model.input_shape, dtype=np.float32)
    code = f"""
import base64, json, numpy as np
from pyapp.cnn.formats import load_native
from pyapp.cnn import grads, saliency as sal
m = load_native(base64.b64decode({base64.b64encode(buf.getvalue()).decode()!r}))
x = np.frombuffer(base64.b64decode({base64.b64encode(x.tobytes()).decode()!r}),
                  np.float32).reshape(m.input_shape)
acts = m.forward(x)
g = grads.backward(m, acts, ("loss", 2))
job = sal.Occlusion(m, x, 1, 6, 3)
while not job.done:
    job.step(4)
json.dumps({{"acts": {{k: v.tolist() for k, v in g.activations.items()}},
             "params": {{k: v.tolist() for k, v in g.params.items()}},
             "cam": sal.grad_cam(m, acts, 1).tolist(),
             "gxi": sal.gradient_x_input(m, acts, 1).tolist(),
             "occ": job.map.tolist()}})
"""
    out = json.loads(base.run_in_pyodide(tmp_path, runtime, code))
    acts = model.forward(x)
    g = grads.backward(model, acts, ("loss", 2))
    assert list(out["acts"]) == list(g.activations) and set(out["params"]) == set(g.params)
    for name, arr in [*g.activations.items(), *g.params.items()]:
        got = np.array(out["acts"].get(name, out["params"].get(name)))
        assert np.abs(got - arr).max() <= 1e-5 * max(1.0, np.abs(arr).max()), name
    assert np.abs(np.array(out["cam"]) - sal.grad_cam(model, acts, 1)).max() <= 1e-6
    assert np.abs(np.array(out["gxi"]) - sal.gradient_x_input(model, acts, 1)).max() <= 1e-6
    assert np.abs(np.array(out["occ"]) - sal.occlusion(model, x, 1, 6, 3)).max() <= 1e-6
