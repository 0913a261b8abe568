"""Export a trained torch TinyVGG to the core's native ``.npz`` (BatchNorm folded).

The exported model is built and saved with the numpy core (``pyapp.cnn``); its output is
checked against the torch eval model, the check probabilities are recorded in ``checks``,
and (given test data) its accuracy through the core goes into ``provenance``.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from pyapp.cifar10 import CIFAR10_CLASSES, Split
from pyapp.cnn.formats import load_native, save_native
from pyapp.cnn.model import Model, tinyvgg
from pyapp.train.checks import CHECK_INPUTS_RECIPE, check_inputs
from pyapp.train.model import TinyVGG, folded_weights

PREPROCESSING: dict[str, Any] = {
    "scale": [0, 1], "crop": "center-square", "via_size": 32, "background": [255, 255, 255],
}
DATA_DESCRIPTION = (
    "CIFAR-10 (Krizhevsky 2009), 50,000 training images (32x32) enlarged to 64x64 with "
    "bilinear interpolation"
)
#: Largest allowed difference between the core's logits and torch's.
TOLERANCE = 1e-4


def build_core_model(model: TinyVGG, provenance: Mapping[str, Any] | None = None) -> Model:
    """The numpy-core Model holding ``model``'s folded weights (exact TinyVGG spec)."""
    spec = tinyvgg(list(CIFAR10_CLASSES), rng=0).spec()
    spec.update(name="TinyVGG (CIFAR-10)", preprocessing=dict(PREPROCESSING),
                provenance=dict(provenance or {}), checks={})
    return Model.from_spec(spec, folded_weights(model))


def max_logit_difference(core: Model, model: TinyVGG, images: np.ndarray) -> float:
    """Largest |core logits - torch logits| over ``images`` ``(N, 64, 64, 3)`` float32."""
    with torch.no_grad():
        ref = model.eval()(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()).numpy()
    ours = np.stack([core.forward(x)["output"] for x in images])
    return float(np.abs(ours - ref).max())


def export_model(
    model: TinyVGG,
    out: str | os.PathLike[str],
    meta: Mapping[str, Any],
    test: Split | None = None,
    slice_step: int = 10,
) -> Model:
    """Write ``out``; return the core model as loaded back from the file.

    ``test``: if given, accuracy through the core on all of it and on its fixed slice
    (every ``slice_step``-th image) is recorded in the provenance.
    """
    from pyapp.evaluate import fixed_slice, predict_images, result_from_predictions

    recipe = dict(meta.get("recipe", {}))  # type: ignore[arg-type]
    history = dict(meta.get("history", {}))  # type: ignore[arg-type]
    if recipe.get("time_budget_s"):
        recipe["epochs"] = None  # the clock, not an epoch count, set the schedule
    provenance: dict[str, Any] = {
        "data": DATA_DESCRIPTION,
        "data_source": str(meta.get("data", "")),
        "data_layout": str(meta.get("layout", "")),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": str(meta.get("command", "")),
        "recipe": recipe,
        "train_images": meta.get("train_images"),
        "train_seconds": round(float(meta.get("train_seconds", 0.0)), 1),
        "steps": history.get("steps"),
        "epochs_done": round(float(history.get("epochs_done") or 0.0), 2),
        "trainer": f"PyTorch {torch.__version__} CPU, Python {platform.python_version()}",
        "batch_norm_folded": bool(model.batch_norm),
        "test_accuracy": None,
    }
    core = build_core_model(model, provenance)
    inputs = check_inputs(core.input_shape[0])
    diff = max_logit_difference(core, model, inputs)
    if diff > TOLERANCE:
        raise RuntimeError(f"exported model differs from torch by {diff:.2e} > {TOLERANCE}")
    provenance["export_max_logit_difference"] = diff
    if test is not None and len(test):
        t0 = time.perf_counter()
        pred = predict_images(core, test.images, progress=lambda k: print(
            f"  evaluated {k}/{len(test)} through the numpy core "
            f"({time.perf_counter() - t0:.0f}s)", flush=True))
        full = result_from_predictions(core.class_names, test.labels, pred)
        idx = fixed_slice(len(test), slice_step)
        part = result_from_predictions(core.class_names, test.labels[idx], pred[idx])
        provenance.update(
            test_images=full.total, test_accuracy=round(full.accuracy, 4),
            test_per_class={k: round(v, 4) for k, v in full.per_class.items()},
            test_confusion=full.confusion.tolist(),
            slice={"step": slice_step, "images": part.total,
                   "accuracy": round(part.accuracy, 4)},
        )
        print(full.report(), flush=True)
    core.provenance = provenance
    core.checks = {
        "inputs": CHECK_INPUTS_RECIPE,
        "probabilities": [core.forward(x)["probabilities"].astype(float).tolist()
                          for x in inputs],
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    save_native(core, out)
    return load_native(out)
