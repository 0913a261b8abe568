"""Model files: the native ``.npz`` format (save / load) and a TF.js *layers* format reader.

Native format (see docs/ARCHITECTURE.md): one ``numpy.savez`` archive, no pickles, holding
``spec.json`` (UTF-8 JSON as a uint8 array) and one float32 array per weight, keyed
``"<layer>/kernel"`` / ``"<layer>/bias"`` (conv kernels HWIO, dense kernels (inputs, units)).

TF.js layers format: ``model.json`` (a Keras ``Sequential`` topology plus a ``weightsManifest``)
and binary shards.  Each manifest group's shards are concatenated in order and its weights read
one after the other, little-endian, ``prod(shape)`` values each.  Supported layers: InputLayer,
Conv2D, Activation / ReLU (relu, linear), MaxPooling2D, Flatten, Dense.  A fused ``relu``
becomes its own layer ``<name>_relu``; a final ``softmax`` is dropped because ``forward``
always adds ``probabilities = softmax(logits)``, which keeps the logits visible.
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

from .model import LayerSpec, Model

NATIVE_FORMAT = "cnn-explainer-native"
SPEC_KEY = "spec.json"
TFJS_LAYERS = ("InputLayer", "Conv2D", "Activation", "ReLU", "MaxPooling2D", "Flatten", "Dense")
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


def _activation(name: str, act: str, is_last: bool) -> list[LayerSpec]:
    """Layers for a (fused) Keras activation; ``[]`` for linear and for a final softmax."""
    if act in (None, "linear"):
        return []
    if act == "relu":
        return [LayerSpec(name, "relu")]
    if act == "softmax" and is_last:
        return []
    raise ModelFormatError(f"unsupported activation {act!r} in layer {name!r}")


def _tfjs_layers(layer_cfgs: Sequence[Mapping[str, Any]],
                 weights: Mapping[str, np.ndarray]) -> tuple[list[LayerSpec], list[int] | None]:
    layers: list[LayerSpec] = []
    input_shape = None
    for i, entry in enumerate(layer_cfgs):
        cls, cfg = entry.get("class_name"), entry.get("config", {})
        name = cfg.get("name", f"layer_{i}")
        is_last = i == len(layer_cfgs) - 1
        if cls not in TFJS_LAYERS:
            raise ModelFormatError(f"unsupported layer type {cls!r} (layer {name!r}); "
                                   f"supported: {', '.join(TFJS_LAYERS)}")
        shape = cfg.get("batch_input_shape") or cfg.get("batch_shape")
        if shape and input_shape is None:
            input_shape = list(shape[1:])
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise ModelFormatError(f"layer {name!r}: only channels_last is supported")
        if cls == "InputLayer":
            continue
        if cls == "Conv2D":
            if int(cfg.get("groups", 1)) != 1:
                raise ModelFormatError(f"layer {name!r}: grouped convolution is not supported")
            if cfg.get("padding", "valid") not in ("valid", "same"):
                raise ModelFormatError(f"layer {name!r}: padding {cfg.get('padding')!r}")
            kernel = _find_weight(weights, name, "kernel")
            bias = (_find_weight(weights, name, "bias") if cfg.get("use_bias", True)
                    else np.zeros(int(cfg["filters"]), np.float32))
            layers.append(LayerSpec(name, "conv2d", {
                "filters": cfg["filters"], "kernel_size": cfg["kernel_size"],
                "strides": cfg.get("strides", [1, 1]), "padding": cfg.get("padding", "valid"),
                "dilation": cfg.get("dilation_rate", [1, 1])},
                {"kernel": kernel, "bias": bias}))
            layers += _activation(f"{name}_relu", cfg.get("activation"), is_last)
        elif cls == "Dense":
            kernel = _find_weight(weights, name, "kernel")
            bias = (_find_weight(weights, name, "bias") if cfg.get("use_bias", True)
                    else np.zeros(int(cfg["units"]), np.float32))
            layers.append(LayerSpec(name, "dense", {"units": cfg["units"]},
                                    {"kernel": kernel, "bias": bias}))
            layers += _activation(f"{name}_relu", cfg.get("activation"), is_last)
        elif cls == "Activation":
            layers += _activation(name, cfg.get("activation"), is_last)
        elif cls == "ReLU":
            if (cfg.get("max_value") is not None or float(cfg.get("negative_slope", 0)) != 0
                    or float(cfg.get("threshold", 0)) != 0):
                raise ModelFormatError(f"layer {name!r}: only a plain ReLU is supported")
            layers.append(LayerSpec(name, "relu"))
        elif cls == "MaxPooling2D":
            if cfg.get("padding", "valid") not in ("valid", "same"):
                raise ModelFormatError(f"layer {name!r}: padding {cfg.get('padding')!r}")
            layers.append(LayerSpec(name, "max_pool2d", {
                "pool_size": cfg.get("pool_size", [2, 2]), "strides": cfg.get("strides"),
                "padding": cfg.get("padding", "valid")}))
        else:  # Flatten
            layers.append(LayerSpec(name, "flatten"))
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
    try:
        layers, input_shape = _tfjs_layers(layer_cfgs, weights)
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:  # e.g. a layer name that is not allowed
        raise ModelFormatError(f"invalid TF.js model: {exc}") from exc
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
