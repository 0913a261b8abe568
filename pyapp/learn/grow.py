"""Growing the output layer by one unit per new class.

The last layer is dense, ``z = f K + b`` with ``K`` ``(D, C)``.  A new class gets the column

    k_new = f_bar * (s / |f_bar|^2),   b_new = 0,   s = max(max_c z_c(f_bar), 1)

where ``f_bar`` ``(D,)`` is the mean feature (the dense layer's input) of the class's photos:
the new unit answers most strongly to what those photos have in common, and on their mean it
starts level with the strongest old class (``z_new(f_bar) = s``).  The old columns are copied
unchanged, so before training every old logit stays exactly what it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pyapp.cnn.model import LayerSpec, Model
from pyapp.i18n import tr


def last_dense(model: Model) -> LayerSpec:
    """The output layer, which must be dense (else a plain :class:`ValueError`)."""
    layer = model.layers[-1]
    if layer.kind.role != "linear" or "kernel" not in layer.weights:
        raise ValueError(tr("only a network whose last layer is dense can learn new "
                            "classes"))
    return layer


def copy_model(model: Model, weights: dict[str, dict[str, np.ndarray]] | None = None,
               class_names: Sequence[str] | None = None,
               provenance: dict | None = None, name: str | None = None) -> Model:
    """A new :class:`Model` with the same layers; ``weights[layer]`` replaces that layer's
    arrays (copies everywhere, so neither model can change the other)."""
    weights = weights or {}
    layers = []
    for layer in model.layers:
        w = weights.get(layer.name, layer.weights)
        config = dict(layer.config)
        if layer is model.layers[-1] and "units" in config and "kernel" in w:
            config["units"] = int(np.shape(w["kernel"])[1])
        layers.append(LayerSpec(layer.name, layer.type, config,
                                {k: np.array(v, np.float32) for k, v in w.items()}))
    return Model(layers, model.input_shape,
                 list(class_names) if class_names is not None else model.class_names,
                 name=name or model.name, preprocessing=model.preprocessing,
                 provenance=provenance if provenance is not None else model.provenance)


def new_column(kernel: np.ndarray, bias: np.ndarray, mean_feature: np.ndarray) -> np.ndarray:
    """``k_new`` for a class whose photos' mean feature is ``mean_feature`` ``(D,)``."""
    f = np.asarray(mean_feature, np.float64).reshape(-1)
    norm2 = float(f @ f)
    if norm2 <= 0 or not np.isfinite(norm2):
        return np.zeros(f.shape, np.float32)  # no signal (all features zero): start at zero
    strongest = float(np.max(f @ np.asarray(kernel, np.float64) + bias)) if kernel.size else 1.0
    return (f * (max(strongest, 1.0) / norm2)).astype(np.float32)


def add_classes(model: Model, names: Sequence[str],
                mean_features: Sequence[np.ndarray]) -> Model:
    """``model`` with one output unit more per name (module docstring)."""
    if len(names) != len(mean_features):
        raise ValueError("one mean feature per new class")
    if not names:
        return model
    out = last_dense(model)
    kernel = np.array(out.weights["kernel"], np.float32)
    bias = np.array(out.weights["bias"], np.float32)
    cols, biases = [kernel], [bias]
    for f in mean_features:
        cols.append(new_column(kernel, bias, f)[:, None])
        biases.append(np.zeros(1, np.float32))
    grown = {"kernel": np.concatenate(cols, axis=1), "bias": np.concatenate(biases)}
    return copy_model(model, {out.name: grown}, [*model.class_names, *names])
