"""Model files: the native ``.npz`` format (save / load) and a TF.js *layers* format reader.

Native format (see docs/ARCHITECTURE.md): one ``numpy.savez`` archive, no pickles, holding
``spec.json`` (UTF-8 JSON as a uint8 array) and one float32 array per weight, keyed
``"<layer>/kernel"`` / ``"<layer>/bias"`` (conv kernels HWIO, dense kernels (inputs, units)).

TF.js layers format: ``model.json`` (a Keras ``Sequential`` topology plus a ``weightsManifest``)
and binary shards.  Each manifest group's shards are concatenated in order and its weights read
one after the other, little-endian, ``prod(shape)`` values each.  Supported layers: each
kind's ``keras_classes`` (:mod:`pyapp.cnn.kinds`: Conv2D, Dense, ReLU, LeakyReLU,
MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten), ``Activation`` with a
kind's ``keras_activation`` (relu, sigmoid, tanh) or linear, BatchNormalization (folded into
the conv / dense layer before it at load: the same outputs, one layer fewer) and Dropout /
InputLayer (identity at inference: dropped).  A fused activation of Conv2D / Dense becomes
its own layer ``<name>_<activation>`` (``c1_relu``); a final ``softmax`` is dropped because
``forward`` always adds ``probabilities = softmax(logits)``, which keeps the logits visible.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import ops
from .kinds import KINDS, LayerKind
from .model import LayerSpec, Model

NATIVE_FORMAT = "cnn-explainer-native"
SPEC_KEY = "spec.json"
DEFAULT_PREPROCESSING = {"scale": [0, 1], "crop": "center-square", "background": [255, 255, 255]}


class ModelFormatError(ValueError):
    """A model file that cannot be read or uses something unsupported."""


# --- native ---------------------------------------------------------------------------
def save_native(model: Model, dest: str | os.PathLike | IO[bytes]) -> None:
    """Write ``model`` as one ``.npz`` file (spec + weights) to a path or binary file."""
    spec = json.dumps(model.spec(), ensure_ascii=False, sort_keys=False).encode("utf-8")
    arrays = {SPEC_KEY: np.frombuffer(spec, dtype=np.uint8)}
    arrays.update({k: np.ascontiguousarray(v, dtype=np.float32)
                   for k, v in model.weight_arrays().items()})
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "wb") as fh:
            np.savez(fh, **arrays)
    else:
        np.savez(dest, **arrays)


def load_native(source: str | os.PathLike | bytes | IO[bytes]) -> Model:
    """Read a native ``.npz`` model from a path, bytes or a binary file."""
    fp: Any = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        with np.load(fp, allow_pickle=False) as npz:
            if SPEC_KEY not in npz.files:
                raise ModelFormatError(f"not a native model: no {SPEC_KEY!r} entry")
            spec = json.loads(bytes(npz[SPEC_KEY]).decode("utf-8"))
            weights = {k: npz[k] for k in npz.files if k != SPEC_KEY}
    except ModelFormatError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelFormatError(f"not a readable native model file: {exc}") from exc
    if spec.get("format") != NATIVE_FORMAT:
        raise ModelFormatError(f"unknown model format {spec.get('format')!r}")
    if int(spec.get("version", 0)) != 1:
        raise ModelFormatError(f"unsupported native format version {spec.get('version')!r}")
    try:
        return Model.from_spec(spec, weights)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"invalid native model: {exc}") from exc


# --- TF.js layers ---------------------------------------------------------------------
_DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "float16": np.dtype("<f2"),
           "uint8": np.dtype("u1"), "uint16": np.dtype("<u2")}


def read_tfjs_weights(manifest: Sequence[Mapping[str, Any]],
                      read_file: Callable[[str], bytes]) -> dict[str, np.ndarray]:
    """All weights of a ``weightsManifest`` as float32 arrays by name.  Handles TF.js
    quantisation: uint8 / uint16 (``value = q * scale + min``) and float16."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b"".join(read_file(p) for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = tuple(int(s) for s in w["shape"])
            quant = w.get("quantization")
            dtype = _DTYPES.get(quant["dtype"] if quant else w.get("dtype", "float32"))
            if dtype is None:
                raise ModelFormatError(f"weight {w['name']!r}: unsupported dtype "
                                       f"{(quant or w).get('dtype')!r}")
            n = int(np.prod(shape)) if shape else 1
            end = offset + n * dtype.itemsize
            if end > len(buf):
                raise ModelFormatError(f"weight {w['name']!r} runs past the end of its shards "
                                       f"({end} > {len(buf)} bytes)")
            raw = np.frombuffer(buf, dtype=dtype, count=n, offset=offset)
            if quant and quant["dtype"] in ("uint8", "uint16"):
                vals = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(
                    quant["min"])
            else:
                vals = raw.astype(np.float32)
            out[w["name"]] = vals.reshape(shape)
            offset = end
    return out


def _find_weight(weights: Mapping[str, np.ndarray], layer: str, key: str) -> np.ndarray:
    exact = f"{layer}/{key}"
    if exact in weights:
        return weights[exact]
    hits = [k for k in weights if k.endswith("/" + exact)]
    if len(hits) != 1:
        raise ModelFormatError(f"layer {layer!r}: weight {exact!r} not found in the manifest")
    return weights[hits[0]]


#: Keras / TF.js class name -> the kind it is read as (each kind declares its classes).
_KERAS_KINDS: dict[str, LayerKind] = {cls: kind for kind in KINDS.values()
                                      for cls in kind.keras_classes}
#: Keras ``activation`` names -> kinds (``linear`` adds no layer; a final ``softmax`` neither).
_KERAS_ACTIVATIONS: dict[str, LayerKind] = {kind.keras_activation: kind
                                            for kind in KINDS.values() if kind.keras_activation}
#: Layers that compute nothing at inference: dropped at load.
_IDENTITY_LAYERS = ("InputLayer", "Dropout", "SpatialDropout2D", "GaussianDropout",
                    "GaussianNoise", "AlphaDropout")
TFJS_LAYERS = (*_IDENTITY_LAYERS, "Activation", "BatchNormalization", *_KERAS_KINDS)


def unsupported_layer(name: str, cls: Any) -> ModelFormatError:
    """The plain message for a layer the page cannot show."""
    return ModelFormatError(f"The model's layer {name!r} is of kind {cls!r}, which this app "
                            "cannot show.")


def _activation(name: str, act: Any, is_last: bool) -> list[LayerSpec]:
    """Layers for a (fused) Keras activation; ``[]`` for linear and for a final softmax."""
    if act in (None, "linear"):
        return []
    if act == "softmax" and is_last:
        return []
    kind = _KERAS_ACTIVATIONS.get(act)
    if kind is None:
        raise ModelFormatError(f"The model's layer {name!r} uses the activation {act!r}, "
                               "which this app cannot show.")
    return [LayerSpec(name, kind.type)]


def _fold_batchnorm(layers: list[LayerSpec], name: str, cfg: Mapping[str, Any],
                    find: Callable[[str], np.ndarray]) -> None:
    """Fold an inference-mode BatchNormalization into the conv / dense layer just before it
    (:func:`pyapp.cnn.ops.fold_batchnorm`): the same outputs, one layer fewer."""
    axis = cfg.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    prev = layers[-1] if layers else None
    if prev is None or prev.kind.role not in ("conv", "linear"):
        raise ModelFormatError(f"The model's batch normalisation {name!r} does not follow a "
                               "convolution or dense layer directly, so it cannot be folded "
                               "into it.")
    if axis not in (-1, 3 if prev.kind.role == "conv" else 1):  # the channel axis
        raise ModelFormatError(f"The model's batch normalisation {name!r} normalises axis "
                               f"{axis!r}; only the channel axis is supported.")
    units = prev.weights["kernel"].shape[-1]
    ones, zeros = np.ones(units, np.float32), np.zeros(units, np.float32)
    gamma = find("gamma") if cfg.get("scale", True) else ones
    beta = find("beta") if cfg.get("center", True) else zeros
    kernel, bias = ops.fold_batchnorm(prev.weights["kernel"], prev.weights.get("bias"), gamma,
                                      beta, find("moving_mean"), find("moving_variance"),
                                      float(cfg.get("epsilon", 1e-3)))
    prev.weights = {**prev.weights, "kernel": kernel, "bias": bias}


def _tfjs_layers(layer_cfgs: Sequence[Mapping[str, Any]],
                 weights: Mapping[str, np.ndarray]) -> tuple[list[LayerSpec], list[int] | None]:
    """Translate Keras layer configs into layer specs, kind by kind (see the module doc)."""
    layers: list[LayerSpec] = []
    input_shape = None
    for i, entry in enumerate(layer_cfgs):
        cls, cfg = entry.get("class_name"), entry.get("config", {})
        name = cfg.get("name", f"layer_{i}")
        is_last = i == len(layer_cfgs) - 1
        if cls not in TFJS_LAYERS:
            raise unsupported_layer(name, cls)
        shape = cfg.get("batch_input_shape") or cfg.get("batch_shape")
        if shape and input_shape is None:
            input_shape = list(shape[1:])
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ModelFormatError(f"layer {name!r}: only channels_last is supported")

        def find(key: str, layer: str = name) -> np.ndarray:
            return _find_weight(weights, layer, key)

        if cls in _IDENTITY_LAYERS:
            continue
        if cls == "Activation":
            layers += _activation(name, cfg.get("activation"), is_last)
        elif cls == "BatchNormalization":
            _fold_batchnorm(layers, name, cfg, find)
        else:
            kind = _KERAS_KINDS[cls]
            try:
                config = kind.from_keras(cfg)
            except (KeyError, TypeError, ValueError) as exc:
                raise ModelFormatError(f"layer {name!r} ({cls}): {exc}") from exc
            keras_weights = getattr(kind, "keras_weights", None)
            w = keras_weights(cfg, find) if keras_weights else {}
            layers.append(LayerSpec(name, kind.type, config, w))
            act = cfg.get("activation")
            if keras_weights and act not in (None, "linear"):  # a fused activation
                layers += _activation(f"{name}_{act}", act, is_last)
    return layers, input_shape


def load_tfjs(model_json: bytes | str | Mapping[str, Any], read_file: Callable[[str], bytes],
              class_names: Sequence[str] | None = None) -> Model:
    """Build a :class:`Model` from a TF.js layers ``model.json`` and a shard reader
    (``read_file(path)`` gets each manifest path, relative to ``model.json``).  Class names:
    the argument, else ``userDefinedMetadata.class_names`` in ``model.json``, else numbers."""
    try:
        doc = json.loads(model_json) if isinstance(model_json, (bytes, str)) else model_json
        topo = doc["modelTopology"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFormatError(f"not a TF.js layers model.json: {exc}") from exc
    cfg = topo.get("model_config", topo)
    if cfg.get("class_name") != "Sequential":
        raise ModelFormatError(f"only Sequential TF.js models are supported, this one is "
                               f"{cfg.get('class_name')!r}")
    inner = cfg.get("config", {})
    layer_cfgs = inner["layers"] if isinstance(inner, Mapping) else inner
    try:
        weights = read_tfjs_weights(doc.get("weightsManifest", []), read_file)
    except OSError as exc:
        raise ModelFormatError(f"cannot read the weight shards: {exc}") from exc
    layers, input_shape = _tfjs_layers(layer_cfgs, weights)
    if input_shape is None or any(v is None for v in input_shape):
        raise ModelFormatError("the model does not declare a fixed input shape")
    meta = doc.get("userDefinedMetadata") or {}
    names = class_names or meta.get("class_names") or meta.get("classNames")
    try:
        return Model(layers, input_shape, names,
                     name=str(inner.get("name", "tfjs model")) if isinstance(inner, Mapping)
                     else "tfjs model",
                     preprocessing=DEFAULT_PREPROCESSING,
                     provenance={"source": "TF.js layers model",
                                 "generated_by": doc.get("generatedBy"),
                                 "converted_by": doc.get("convertedBy")})
    except ValueError as exc:
        raise ModelFormatError(f"invalid TF.js model: {exc}") from exc


def load_tfjs_path(path: str | os.PathLike, class_names: Sequence[str] | None = None) -> Model:
    """Load ``model.json`` from disk; shards are read from its directory."""
    path = Path(path)
    base = path.parent
    return load_tfjs(path.read_bytes(), lambda p: (base / p).read_bytes(), class_names)


def with_class_names(model: Model, class_names: Sequence[str] | None) -> Model:
    """``model`` with other class names (unchanged when none are given)."""
    if not class_names:
        return model
    return Model(model.layers, model.input_shape, class_names, model.name,
                 model.preprocessing, model.provenance, model.checks)


def sniff_format(head: bytes) -> str | None:
    """``"native"`` for a zip archive (the ``.npz``), ``"tfjs"`` for a JSON object, else None."""
    if head.startswith(b"PK"):
        return "native"
    if head.lstrip()[:1] == b"{":
        return "tfjs"
    return None


def tfjs_shard_paths(model_json: Mapping[str, Any]) -> list[str]:
    """The weight shard paths a TF.js ``model.json`` lists (relative to it), in order."""
    try:
        return [str(p) for group in model_json.get("weightsManifest", [])
                for p in group["paths"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelFormatError(f"not a TF.js weightsManifest: {exc}") from exc


def load_model(path: str | os.PathLike, class_names: Sequence[str] | None = None) -> Model:
    """Load a native ``.npz`` or a TF.js ``model.json``, recognised by content."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ModelFormatError(f"cannot read model {path}: {exc.strerror or exc}") from exc
    kind = sniff_format(head)
    if kind == "native":
        return with_class_names(load_native(path), class_names)
    if kind == "tfjs":
        return load_tfjs_path(path, class_names)
    raise ModelFormatError(f"{path} is neither a native .npz model nor a TF.js model.json")
