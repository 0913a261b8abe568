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
import re
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from pyapp import budgets
from pyapp.i18n import tr

from . import ops
from .kinds import KINDS, LayerKind
from .model import LAYER_NAME_RE, LayerSpec, Model

NATIVE_FORMAT = "cnn-explainer-native"
SPEC_KEY = "spec.json"
DEFAULT_PREPROCESSING = {"scale": [0, 1], "crop": "center-square", "background": [255, 255, 255]}


class ModelFormatError(ValueError):
    """A model file that cannot be read or uses something unsupported."""


class ModelBudgetError(ModelFormatError):
    """A model over one of the budgets in :mod:`pyapp.budgets` (the message names it)."""


# --- budgets, checked before the work they bound -------------------------------------
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
# control characters and bidirectional overrides: removed from names shown to people
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of lists / objects in a JSON text, without parsing it (a deeply
    nested document would exhaust the parser's stack: in the page that kills Pyodide)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > budgets.MAX_JSON_DEPTH:
                    return deepest
        else:
            depth -= 1
    return deepest


def parse_json(data: bytes | str, what: str) -> Any:
    """JSON from outside, within :data:`~pyapp.budgets.MAX_SPEC_BYTES` and
    :data:`~pyapp.budgets.MAX_JSON_DEPTH`."""
    if len(data) > budgets.MAX_SPEC_BYTES:
        raise ModelBudgetError(tr("{what} is {v}; the app reads up to {v2}", what=what,
                                  v=budgets.plain_size(len(data)),
                                  v2=budgets.plain_size(budgets.MAX_SPEC_BYTES)))
    if json_depth(data) > budgets.MAX_JSON_DEPTH:
        raise ModelBudgetError(tr("{what} is nested more than {max_json_depth} levels deep, more "
                                  "than a model needs", what=what,
                                  max_json_depth=budgets.MAX_JSON_DEPTH))
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ModelFormatError(tr("{what} is not valid JSON: {exc}", what=what, exc=exc)) from exc


def check_zip_directory(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Member count and declared sizes, from the zip directory (nothing is inflated yet)."""
    infos = zf.infolist()
    if len(infos) > budgets.MAX_MODEL_MEMBERS:
        raise ModelBudgetError(tr("the model file has {n} entries; a model may have up to "
                                  "{max_model_members}", n=f"{len(infos):,}",
                                  max_model_members=budgets.MAX_MODEL_MEMBERS))
    total = 0
    for info in infos:
        if info.file_size > budgets.MAX_MEMBER_BYTES:
            raise ModelBudgetError(
                tr("the entry {filename} unpacks to {v}; an entry may have up to {v2}",
                   filename=repr(info.filename[:60]), v=budgets.plain_size(info.file_size),
                   v2=budgets.plain_size(budgets.MAX_MEMBER_BYTES)))
        total += info.file_size
    if total > budgets.MAX_UNCOMPRESSED_BYTES:
        raise ModelBudgetError(tr("the model unpacks to {v}; a model may unpack to up to {v2}",
                                  v=budgets.plain_size(total),
                                  v2=budgets.plain_size(budgets.MAX_UNCOMPRESSED_BYTES)))
    return infos


def _npy_header(zf: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` member's header (reads its first bytes only)."""
    with zf.open(member) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(int(v) for v in shape), dtype


def check_architecture(input_shape: Sequence[int], layers: Sequence[LayerSpec]) -> None:
    """Input size, layer count, activation sizes and multiply-adds, from the spec alone."""
    if len(layers) > budgets.MAX_LAYERS:
        raise ModelBudgetError(tr("the model has {n} layers; the app shows models of up to "
                                  "{max_layers} layers", n=len(layers),
                                  max_layers=budgets.MAX_LAYERS))
    shape = tuple(int(v) for v in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ModelFormatError(tr("the input shape {v} is not (height, width, channels)",
                                  v=list(shape)))
    h, w = shape[0], shape[1]
    if max(h, w) > budgets.MAX_INPUT_SIDE or h * w > budgets.MAX_INPUT_PIXELS:
        raise ModelBudgetError(
            tr("the model's input is {h} x {w} pixels; the app runs models whose input has up to "
               "{max_input_pixels} pixels (for example 256 x 256)", h=f"{h:,}", w=f"{w:,}",
               max_input_pixels=f"{budgets.MAX_INPUT_PIXELS:,}"))
    total, macs = int(np.prod(shape)), 0
    for layer in layers:
        try:
            out = layer.output_shape(shape)
        except (ValueError, KeyError, IndexError) as exc:
            raise ModelFormatError(str(exc)) from exc
        if min(out) < 1:
            raise ModelFormatError(tr("layer {name} has no outputs ({out})",
                                      name=repr(layer.name), out=out))
        size = int(np.prod(out))
        total += size
        for want in layer.expected_weights(shape).values():
            if want and len(want) >= 2:
                macs += size * int(np.prod(want[:-1]))
        shape = out
    if total > budgets.MAX_ACTIVATION_VALUES:
        raise ModelBudgetError(tr("the model computes {total} values per image; the app runs "
                                  "models of up to {max_activation_values}", total=f"{total:,}",
                                  max_activation_values=f"{budgets.MAX_ACTIVATION_VALUES:,}"))
    if macs > budgets.MAX_MULTIPLY_ADDS:
        raise ModelBudgetError(tr("the model needs {macs} multiply-adds per image; the app runs "
                                  "models of up to {max_multiply_adds}", macs=f"{macs:,}",
                                  max_multiply_adds=f"{budgets.MAX_MULTIPLY_ADDS:,}"))


def check_model(model: Model) -> Model:
    """What a loaded model must be to be shown: classes (strings, at least one), finite
    weights, the architecture budgets."""
    check_architecture(model.input_shape, model.layers)
    if model.num_classes < 1:
        raise ModelFormatError(tr("the model has no classes (its last layer has no outputs)"))
    if model.num_classes > budgets.MAX_CLASSES:
        raise ModelBudgetError(tr("the model has {num_classes} classes; the app shows up to "
                                  "{max_classes}", num_classes=f"{model.num_classes:,}",
                                  max_classes=f"{budgets.MAX_CLASSES:,}"))
    for layer in model.layers:
        for key, w in layer.weights.items():
            if not np.isfinite(w).all():
                raise ModelFormatError(tr("the {key} of layer {name} holds infinite or undefined "
                                          "(NaN) values; export the model again", key=key,
                                          name=repr(layer.name)))
    return model


def clean_class_names(names: Any) -> list[str] | None:
    """Class names from outside as strings: numbers are written out, anything else is refused;
    control characters and bidi overrides are dropped; each name is cut to
    :data:`~pyapp.budgets.MAX_NAME_CHARS` characters."""
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise ModelFormatError(tr("the class names are not a list of names"))
    if len(names) > budgets.MAX_CLASSES:
        raise ModelBudgetError(tr("the model has {n} class names; the app shows up to "
                                  "{max_classes}", n=f"{len(names):,}",
                                  max_classes=f"{budgets.MAX_CLASSES:,}"))
    out = []
    for i, n in enumerate(names):
        if isinstance(n, bool) or not isinstance(n, (str, int, float)):
            raise ModelFormatError(tr("class name {v} is not text ({type}); give every class a "
                                      "name", v=i + 1, type=type(n).__name__))
        out.append(_CONTROL.sub("", str(n))[:budgets.MAX_NAME_CHARS])
    return out


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


def zip_entry_count(tail: bytes) -> int | None:
    """The entry count a zip's end-of-central-directory record declares (``tail``: the file's
    last 64 kB or more), read before the directory itself is parsed."""
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (count,) = struct.unpack("<H", tail[at + 10:at + 12])
    if count == 0xFFFF:  # zip64: the count is in the zip64 record the locator points to
        loc = tail.rfind(b"PK\x06\x06", 0, at)
        if loc < 0 or loc + 40 > len(tail):
            return None
        (count,) = struct.unpack("<Q", tail[loc + 32:loc + 40])
    return count


def _open_zip(source: str | os.PathLike | bytes | IO[bytes]) -> zipfile.ZipFile:
    fp: Any = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
    try:
        if isinstance(fp, (str, os.PathLike)):
            with open(fp, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - (1 << 16) - 64))
                count = zip_entry_count(fh.read())
        else:
            fp.seek(0, os.SEEK_END)
            fp.seek(max(0, fp.tell() - (1 << 16) - 64))
            count = zip_entry_count(fp.read())
            fp.seek(0)
        if count is not None and count > budgets.MAX_MODEL_MEMBERS:
            raise ModelBudgetError(tr("the model file has {count} entries; a model may have up "
                                      "to {max_model_members}", count=f"{count:,}",
                                      max_model_members=budgets.MAX_MODEL_MEMBERS))
        return zipfile.ZipFile(fp)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelFormatError(tr("not a readable native model file: {exc}", exc=exc)) from exc


def load_native(source: str | os.PathLike | bytes | IO[bytes]) -> Model:
    """Read a native ``.npz`` model from a path, bytes or a binary file.

    Budgets first (:mod:`pyapp.budgets`): the zip directory (member count, declared sizes),
    ``spec.json`` (size, nesting), the architecture, then each needed weight's ``.npy`` header
    (shape, dtype); only then are the needed members read. Unused members are never read."""
    with _open_zip(source) as zf:
        try:
            infos = check_zip_directory(zf)
            names = {info.filename for info in infos}
            spec_member = SPEC_KEY + ".npy"
            if spec_member not in names:
                raise ModelFormatError(tr("not a native model: no {spec_key} entry",
                                          spec_key=repr(SPEC_KEY)))
            spec_info = zf.getinfo(spec_member)
            if spec_info.file_size > budgets.MAX_SPEC_BYTES + 1024:
                raise ModelBudgetError(
                    tr("{spec_key} is {v}; the app reads up to {v2}", spec_key=SPEC_KEY,
                       v=budgets.plain_size(spec_info.file_size),
                       v2=budgets.plain_size(budgets.MAX_SPEC_BYTES)))
            with zf.open(spec_member) as fh:
                raw = np.lib.format.read_array(fh, allow_pickle=False)
            spec = parse_json(bytes(np.asarray(raw, dtype=np.uint8)).decode("utf-8"), SPEC_KEY)
            if not isinstance(spec, dict):
                raise ModelFormatError(tr("{spec_key} does not hold a model description",
                                          spec_key=SPEC_KEY))
            if spec.get("format") != NATIVE_FORMAT:
                raise ModelFormatError(tr("unknown model format {v}",
                                          v=repr(str(spec.get('format'))[:40])))
            if spec.get("version") != 1:
                raise ModelFormatError(
                    tr("unsupported native format version {v}",
                       v=repr(str(spec.get('version'))[:20])))
            plan = _native_plan(spec)
            total = sum(int(np.prod(want, dtype=np.float64)) * 4 for want in plan.values())
            if total > budgets.MAX_UNCOMPRESSED_BYTES:
                raise ModelBudgetError(
                    tr("the model's weights take {v}; a model may have up to {v2}",
                       v=budgets.plain_size(total),
                       v2=budgets.plain_size(budgets.MAX_UNCOMPRESSED_BYTES)))
            weights: dict[str, np.ndarray] = {}
            for key, want in plan.items():
                member = key + ".npy"
                if member not in names:
                    continue  # Model() names the missing weight
                shape, dtype = _npy_header(zf, member)
                if shape != want or dtype.kind not in "fiu" or dtype.hasobject:
                    raise ModelFormatError(tr("weight {key} has shape {shape} ({dtype}), "
                                              "expected {want}", key=repr(key), shape=shape,
                                              dtype=dtype, want=want))
                # numpy allocates what the header claims before reading: the entry must hold it
                if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > zf.getinfo(
                        member).file_size:
                    raise ModelFormatError(tr("weight {key} is shorter than its header says",
                                              key=repr(key)))
                with zf.open(member) as fh:
                    weights[key] = np.lib.format.read_array(fh, allow_pickle=False)
        except ModelFormatError:
            raise
        except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError,
                zipfile.BadZipFile) as exc:
            raise ModelFormatError(tr("not a readable native model file: {exc}", exc=exc)) from exc
    try:
        spec = {**spec, "class_names": clean_class_names(spec.get("class_names")),
                "name": _CONTROL.sub("", str(spec.get("name", "model")))[:budgets.MAX_NAME_CHARS]}
        return check_model(Model.from_spec(spec, weights))
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFormatError(tr("invalid native model: {exc}", exc=exc)) from exc


def _native_plan(spec: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The weight arrays the spec needs, by key, with their shapes (architecture checked)."""
    try:
        entries = spec["layers"]
        if not isinstance(entries, list) or len(entries) > budgets.MAX_LAYERS:
            raise ModelBudgetError(tr("the model has more than {max_layers} layers (or no list "
                                      "of layers)", max_layers=budgets.MAX_LAYERS))
        layers = []
        for entry in entries:
            entry = dict(entry)
            layers.append(LayerSpec(entry.pop("name"), entry.pop("type"), entry))
        input_shape = [int(v) for v in spec["input_shape"]]
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ModelFormatError(tr("invalid native model: {exc}", exc=exc)) from exc
    check_architecture(input_shape, layers)
    plan: dict[str, tuple[int, ...]] = {}
    shape: tuple[int, ...] = tuple(input_shape)
    for layer in layers:
        for key, want in layer.expected_weights(shape).items():
            plan[f"{layer.name}/{key}"] = tuple(int(v) for v in want)
        shape = layer.output_shape(shape)
    return plan


# --- TF.js layers ---------------------------------------------------------------------
_DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "float16": np.dtype("<f2"),
           "uint8": np.dtype("u1"), "uint16": np.dtype("<u2")}


def read_tfjs_weights(manifest: Sequence[Mapping[str, Any]],
                      read_file: Callable[[str], bytes]) -> dict[str, np.ndarray]:
    """All weights of a ``weightsManifest`` as float32 arrays by name.  Handles TF.js
    quantisation: uint8 / uint16 (``value = q * scale + min``) and float16."""
    out: dict[str, np.ndarray] = {}
    shard_paths = [p for group in manifest for p in group["paths"]]
    if len(shard_paths) > budgets.MAX_SHARDS:
        raise ModelBudgetError(tr("the model lists {n} weight files; a model may have up to "
                                  "{max_shards}", n=len(shard_paths),
                                  max_shards=budgets.MAX_SHARDS))
    if len(set(shard_paths)) != len(shard_paths):
        raise ModelFormatError(tr("the model lists the same weight file more than once"))
    declared = 0
    for group in manifest:
        for w in group["weights"]:
            n = int(np.prod([int(v) for v in w["shape"]], dtype=np.float64))
            declared += n * 4
    if declared > budgets.MAX_UNCOMPRESSED_BYTES:
        raise ModelBudgetError(tr("the model declares {v} of weights; a model may have up to "
                                  "{v2}", v=budgets.plain_size(declared),
                                  v2=budgets.plain_size(budgets.MAX_UNCOMPRESSED_BYTES)))
    for group in manifest:
        buf = b"".join(read_file(p) for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = tuple(int(s) for s in w["shape"])
            quant = w.get("quantization")
            dtype = _DTYPES.get(quant["dtype"] if quant else w.get("dtype", "float32"))
            if dtype is None:
                raise ModelFormatError(tr("weight {w}: unsupported dtype {v}", w=repr(w['name']),
                                          v=repr((quant or w).get('dtype'))))
            n = int(np.prod(shape)) if shape else 1
            end = offset + n * dtype.itemsize
            if end > len(buf):
                raise ModelFormatError(tr("weight {w} runs past the end of its shards ({end} > "
                                          "{n} bytes)", w=repr(w['name']), end=end, n=len(buf)))
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
        raise ModelFormatError(tr("layer {layer}: weight {exact} not found in the manifest",
                                  layer=repr(layer), exact=repr(exact)))
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
    return ModelFormatError(tr("The model's layer {name} is of kind {cls}, which this app cannot "
                               "show.", name=repr(name), cls=repr(cls)))


def _activation(name: str, act: Any, is_last: bool) -> list[LayerSpec]:
    """Layers for a (fused) Keras activation; ``[]`` for linear and for a final softmax."""
    if act in (None, "linear"):
        return []
    if act == "softmax" and is_last:
        return []
    kind = _KERAS_ACTIVATIONS.get(act)
    if kind is None:
        raise ModelFormatError(tr("The model's layer {name} uses the activation {act}, which "
                                  "this app cannot show.", name=repr(name), act=repr(act)))
    return [LayerSpec(name, kind.type)]


def _fold_batchnorm(layers: list[LayerSpec], name: str, cfg: Mapping[str, Any],
                    find: Callable[[str], np.ndarray]) -> None:
    """Fold an inference-mode BatchNormalization into the conv / dense layer just before it
    (:func:`pyapp.cnn.ops.fold_batchnorm`): the same outputs, one layer fewer."""
    axis = cfg.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    prev = layers[-1] if layers else None
    if prev is None or prev.kind.role not in ("conv", "linear"):
        raise ModelFormatError(tr("The model's batch normalisation {name} does not follow a "
                                  "convolution or dense layer directly, so it cannot be folded "
                                  "into it.", name=repr(name)))
    if axis not in (-1, 3 if prev.kind.role == "conv" else 1):  # the channel axis
        raise ModelFormatError(tr("The model's batch normalisation {name} normalises axis "
                                  "{axis}; only the channel axis is supported.", name=repr(name),
                                  axis=repr(axis)))
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
            raise ModelFormatError(tr("layer {name}: only channels_last is supported",
                                      name=repr(name)))

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
                raise ModelFormatError(tr("layer {name} ({cls}): {exc}", name=repr(name), cls=cls,
                                          exc=exc)) from exc
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
        doc = (parse_json(model_json, "model.json") if isinstance(model_json, (bytes, str))
               else model_json)
        topo = doc["modelTopology"]
    except ModelFormatError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFormatError(tr("not a TF.js layers model.json: {exc}", exc=exc)) from exc
    cfg = topo.get("model_config", topo)
    if cfg.get("class_name") != "Sequential":
        raise ModelFormatError(tr("only Sequential TF.js models are supported, this one is {v}",
                                  v=repr(cfg.get('class_name'))))
    inner = cfg.get("config", {})
    layer_cfgs = inner["layers"] if isinstance(inner, Mapping) else inner
    try:
        weights = read_tfjs_weights(doc.get("weightsManifest", []), read_file)
    except OSError as exc:
        raise ModelFormatError(tr("cannot read the weight shards: {exc}", exc=exc)) from exc
    try:
        layers, input_shape = _tfjs_layers(layer_cfgs, weights)
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:  # e.g. a layer name that is not allowed
        raise ModelFormatError(tr("invalid TF.js model: {exc}", exc=exc)) from exc
    if input_shape is None or any(v is None for v in input_shape):
        raise ModelFormatError(tr("the model does not declare a fixed input shape"))
    meta = doc.get("userDefinedMetadata") or {}
    if not isinstance(meta, Mapping):
        meta = {}
    names = clean_class_names(class_names or meta.get("class_names") or meta.get("classNames"))
    check_architecture(input_shape, layers)
    try:
        return check_model(Model(layers, input_shape, names,
                     name=str(inner.get("name", "tfjs model")) if isinstance(inner, Mapping)
                     else "tfjs model",
                     preprocessing=DEFAULT_PREPROCESSING,
                     provenance={"source": "TF.js layers model",
                                 "generated_by": doc.get("generatedBy"),
                                 "converted_by": doc.get("convertedBy")}))
    except ModelFormatError:
        raise
    except (ValueError, TypeError) as exc:
        raise ModelFormatError(tr("invalid TF.js model: {exc}", exc=exc)) from exc


def load_tfjs_path(path: str | os.PathLike, class_names: Sequence[str] | None = None) -> Model:
    """Load ``model.json`` from disk; shards are read from its directory."""
    path = Path(path)
    base = path.parent
    return load_tfjs(path.read_bytes(), lambda p: (base / p).read_bytes(), class_names)


def with_class_names(model: Model, class_names: Sequence[str] | None) -> Model:
    """``model`` with other class names (unchanged when none are given)."""
    if not class_names:
        return model
    class_names = clean_class_names(class_names)
    if not class_names or len(class_names) != model.num_classes:
        raise ModelFormatError(tr("{n} class names were given for a model with {num_classes} "
                                  "classes", n=len(class_names or []),
                                  num_classes=model.num_classes))
    return Model(model.layers, model.input_shape, class_names, model.name,
                 model.preprocessing, model.provenance, model.checks)


def sniff_format(head: bytes) -> str | None:
    """``"native"`` for a zip archive (the ``.npz``), ``"tfjs"`` for a JSON object, else None."""
    if head.startswith(b"PK"):
        return "native"
    if head.lstrip()[:1] == b"{":
        return "tfjs"
    return None


def check_tfjs_topology(doc: Mapping[str, Any]) -> None:
    """Layer count and names of a TF.js ``model.json``, before any shard is fetched."""
    try:
        topo = doc["modelTopology"]
        cfg = topo.get("model_config", topo)
        inner = cfg.get("config", {})
        layer_cfgs = inner.get("layers", []) if isinstance(inner, Mapping) else inner
        if len(layer_cfgs) > budgets.MAX_LAYERS + 1:
            raise ModelBudgetError(tr("the model has {n} layers; the app shows models of up to "
                                      "{max_layers} layers", n=len(layer_cfgs),
                                      max_layers=budgets.MAX_LAYERS))
        for i, entry in enumerate(layer_cfgs):
            name = entry.get("config", {}).get("name", f"layer_{i}")
            if not isinstance(name, str) or not LAYER_NAME_RE.fullmatch(name):
                LayerSpec(name, "relu")  # raises the documented message
    except ModelFormatError:
        raise
    except ValueError as exc:
        raise ModelFormatError(str(exc)) from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelFormatError(tr("not a TF.js layers model.json: {exc}", exc=exc)) from exc


def tfjs_shard_paths(model_json: Mapping[str, Any]) -> list[str]:
    """The weight shard paths a TF.js ``model.json`` lists (relative to it), in order."""
    try:
        return [str(p) for group in model_json.get("weightsManifest", [])
                for p in group["paths"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ModelFormatError(tr("not a TF.js weightsManifest: {exc}", exc=exc)) from exc


def load_model(path: str | os.PathLike, class_names: Sequence[str] | None = None) -> Model:
    """Load a native ``.npz`` or a TF.js ``model.json``, recognised by content."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ModelFormatError(tr("cannot read model {path}: {v}", path=path,
                                  v=exc.strerror or exc)) from exc
    kind = sniff_format(head)
    if kind == "native":
        return with_class_names(load_native(path), class_names)
    if kind == "tfjs":
        return load_tfjs_path(path, class_names)
    raise ModelFormatError(tr("{path} is neither a native .npz model nor a TF.js model.json",
                              path=path))
