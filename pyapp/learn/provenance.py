"""What a model trained in the page says about itself (the ``.npz``'s ``provenance``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any


def fine_tuned(base: Mapping[str, Any], base_name: str, *, photos: int, counts: Sequence[int],
               class_names: Sequence[str], new_classes: Sequence[str], mode: str,
               optimiser: str, lr: float, epochs: int, loss: float | None,
               accuracy: float | None, date: str | None = None) -> dict[str, Any]:
    """The provenance of ``base_name`` fine-tuned in the page on ``photos`` photos."""
    what = "the output layer only" if mode == "output" else "the whole network"
    per_class = {class_names[i]: int(c) for i, c in enumerate(counts) if c}
    return {
        "data": f"fine-tuned in the page on {photos} photos ({len(per_class)} classes)",
        "date": date or _dt.date.today().isoformat(),
        "command": (f"in-page training of {what}: {optimiser}, learning rate {lr:g}, "
                    f"{epochs} epochs"),
        "fine_tuned": {"in_page": True, "photos": int(photos), "per_class": per_class,
                       "new_classes": list(new_classes), "learns": mode,
                       "optimiser": optimiser, "learning_rate": float(lr),
                       "epochs": int(epochs),
                       "final_loss": None if loss is None else round(float(loss), 6),
                       "final_accuracy": None if accuracy is None else round(float(accuracy), 4)},
        "base_model": base_name,
        "base_provenance": {k: v for k, v in base.items()  # flat: no nesting per run
                            if isinstance(v, (str, int, float, bool))},
    }
