"""Evaluate a model through the numpy core, exactly as the page runs it.

Each test image goes through ``pyapp.cnn.preprocess.preprocess`` with the model's own
``preprocessing`` spec (for the CIFAR-10 model: 32x32 -> bilinear 64x64) and then
``Model.forward``.  Reports overall and per-class accuracy and the confusion matrix.

    python -m pyapp.evaluate --model weights/tinyvgg-cifar10.npz \
        --data ../shared/datasets/cifar10-jpg.tar.gz [--slice 10] [--photos DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pyapp.cnn.formats import load_model
from pyapp.cnn.model import Model
from pyapp.cnn.preprocess import ImageError, preprocess

_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = str(_ROOT / "weights" / "tinyvgg-cifar10.npz")
DEFAULT_DATA = str(_ROOT.parent / "shared" / "datasets" / "cifar10-jpg.tar.gz")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")


@dataclass
class EvalResult:
    """Accuracy figures; ``confusion[i, j]`` counts true class ``i`` predicted as ``j``."""

    class_names: list[str]
    confusion: np.ndarray

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(1, self.total))

    @property
    def per_class(self) -> dict[str, float]:
        rows = self.confusion.sum(axis=1)
        return {n: float(self.confusion[i, i] / rows[i]) if rows[i] else float("nan")
                for i, n in enumerate(self.class_names)}

    def to_json(self) -> dict[str, object]:
        return {"images": self.total, "accuracy": self.accuracy, "per_class": self.per_class,
                "class_names": self.class_names, "confusion": self.confusion.tolist()}

    def report(self) -> str:
        """Plain-text report: overall, per class, confusion matrix."""
        names = self.class_names
        w = max(len(n) for n in names)
        lines = [f"accuracy {self.accuracy:.4f} ({int(np.trace(self.confusion))}/{self.total})",
                 "per class:"]
        lines += [f"  {n:<{w}} {a:.4f}" for n, a in self.per_class.items()]
        lines.append("confusion (rows = true, columns = predicted):")
        lines.append(" " * (w + 1) + " ".join(f"{n[:5]:>5}" for n in names))
        for i, n in enumerate(names):
            lines.append(f"{n:<{w}} " + " ".join(f"{v:>5d}" for v in self.confusion[i]))
        return "\n".join(lines)


def predict_images(model: Model, images: np.ndarray,
                   progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Predicted class per uint8 ``(N, h, w, 3)`` image, through preprocess + forward."""
    out = np.empty(len(images), dtype=np.int64)
    for i, arr in enumerate(images):
        x = preprocess(Image.fromarray(arr, "RGB"), model.input_shape, model.preprocessing)
        out[i] = int(np.argmax(model.forward(x)["output"]))
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1)
    return out


def result_from_predictions(class_names: Sequence[str], labels: np.ndarray,
                            predictions: np.ndarray) -> EvalResult:
    """The confusion matrix of ``predictions`` against ``labels``."""
    k = len(class_names)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (np.asarray(labels, dtype=np.int64),
                          np.asarray(predictions, dtype=np.int64)), 1)
    return EvalResult(list(class_names), confusion)


def evaluate_arrays(model: Model, images: np.ndarray, labels: np.ndarray,
                    progress: Callable[[int], None] | None = None) -> EvalResult:
    """Evaluate ``model`` on uint8 images with integer labels."""
    pred = predict_images(model, images, progress)
    return result_from_predictions(model.class_names, labels, pred)


def fixed_slice(n_images: int, step: int) -> np.ndarray:
    """Indices of the fixed slice: every ``step``-th image, starting at 0."""
    return np.arange(0, n_images, step)


def evaluate_photos(model: Model, directory: str | Path) -> list[tuple[str, str, str, float]]:
    """Classify ``<class>_<n>.<ext>`` photos; rows ``(file, true class, predicted, prob)``."""
    rows = []
    for f in sorted(Path(directory).iterdir()):
        if f.suffix.lower() not in PHOTO_SUFFIXES:
            continue
        true = f.stem.rsplit("_", 1)[0]
        if true not in model.class_names:
            continue
        try:
            x = preprocess(f, model.input_shape, model.preprocessing)
        except ImageError:
            continue
        p = model.forward(x)["probabilities"]
        j = int(np.argmax(p))
        rows.append((f.name, true, model.class_names[j], float(p[j])))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point (also reached through ``python -m pyapp evaluate``)."""
    p = argparse.ArgumentParser(prog="python -m pyapp.evaluate",
                                description=(__doc__ or "").replace("``", ""),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--data", default=DEFAULT_DATA,
                   help="CIFAR-10 JPEG tar or official python-version archive / directory")
    p.add_argument("--slice", type=int, default=1, metavar="STEP",
                   help="evaluate every STEP-th test image (10 = the fixed 1,000-image slice)")
    p.add_argument("--photos", default=None,
                   help="also classify <class>_<n>.<ext> photos in this directory")
    p.add_argument("--json", default=None, help="write the figures as JSON here")
    p.add_argument("--cache-dir", default=".cache")
    args = p.parse_args(argv)

    from pyapp.cifar10 import DatasetLayoutError, load_cifar10

    try:
        model = load_model(args.model)
        data = load_cifar10(args.data, args.cache_dir or None)
    except (ValueError, OSError) as exc:
        kind = "dataset" if isinstance(exc, DatasetLayoutError) else "error"
        print(f"{kind}: {exc}", file=sys.stderr)
        return 2
    idx = fixed_slice(len(data.test), max(1, args.slice))
    t0 = time.perf_counter()
    res = evaluate_arrays(model, data.test.images[idx], data.test.labels[idx],
                          progress=lambda n: print(f"  {n}/{len(idx)} images "
                                                   f"({time.perf_counter() - t0:.0f}s)",
                                                   file=sys.stderr, flush=True))
    print(f"{args.model} on {len(idx)} CIFAR-10 test images ({data.layout}), "
          f"through the numpy core, {time.perf_counter() - t0:.0f}s")
    print(res.report())
    out: dict[str, object] = {"model": args.model, "data": args.data, "slice_step": args.slice,
                              **res.to_json()}
    if args.photos:
        rows = evaluate_photos(model, args.photos)
        ok = sum(1 for _, t, pr, _ in rows if t == pr)
        print(f"photos in {args.photos}: {ok}/{len(rows)} correct")
        for name, t, pr, prob in rows:
            print(f"  {'ok ' if t == pr else 'NO '} {name:<22} {pr:<10} {prob:.2f}")
        out["photos"] = {"correct": ok, "total": len(rows), "rows": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
