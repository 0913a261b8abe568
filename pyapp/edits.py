"""Tinkering with the network: edit records, an undoable list of them, the edited model, and
the compact text that carries them in a link.

Edits are frozen records, every index 0-based (the link writes them 1-based):

* :class:`SetWeight` ``(layer, out, in_ch, row, col, value)``: one weight of a conv kernel;
* :class:`SetBias` ``(layer, out, value)``;
* :class:`SetKernel` ``(layer, out, in_ch, kernel)``: a classic kernel by name
  (:data:`CLASSIC`) or nine values, row by row;
* :class:`MapOff` ``(layer, channel)``: that feature map's output is set to zero;
* :class:`InputChannelOff` ``(channel)``: the network stops seeing one colour channel;
* :class:`SwapActivation` ``(layer, kind)``: :data:`ACTIVATIONS`;
* :class:`SwapPool` ``(layer, kind)``: ``"max"`` or ``"avg"``;
* :class:`Temperature` ``(t)``: probabilities = softmax(logits / t), ``0.1 <= t <= 10``.

:func:`apply` ``(base, edits)`` returns a new :class:`EditedModel` and never changes ``base``
(changed layers get new weight arrays, the others share the base's read-only ones).  The
design, the simplest that is exactly right:

* weight, bias and kernel edits write new weight arrays;
* an input channel switched off zeroes that channel's slice of the first convolution's kernel,
  which is exactly what a zero channel would contribute (zero padding included), so the photo
  itself is unchanged;
* a map switched off is a per-channel 0/1 mask that ``forward`` multiplies the layer's output
  by (so it is exactly zero, whatever follows);
* an activation or pooling swap builds a layer of that kind when the model supports it, else
  the layer keeps its name and type and ``forward`` runs the new operation (``"none"``, the
  identity, is always run that way, so every view keeps its place);
* the temperature divides the logits before the softmax; the logits themselves stay.

The whole network is recomputed after each edit (one forward pass is fast enough for the
page); the upstream activations are identical because the same operations run on the same
inputs.

The link form (``?edit=``) is a comma-separated list of items, numbers 1-based, layer names
percent-encoded, values as the shortest float32 text::

    k:conv_1_1:3:1:edge     conv_1_1, neuron 3, input channel 1: the edge kernel
    w:conv_1_1:3:1:1:2:0.5  ... its weight at row 1, column 2 is 0.5
    b:conv_1_1:3:-0.1       ... its bias is -0.1
    off:conv_1_2:4          feature map 4 of conv_1_2 switched off
    in:2                    input channel 2 (green) switched off
    act:relu_1_1:tanh       relu_1_1 becomes tanh (none, relu, leaky_relu, sigmoid, tanh)
    pool:max_pool_1:avg     max_pool_1 becomes an average pool
    t:2                     softmax temperature 2

Malformed or oversized text raises :class:`EditError` with a plain sentence.  Plain Python
(numpy), no ``js``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from pyapp.cnn import ops
from pyapp.cnn.kinds import KINDS, ActivationKind, PoolKind
from pyapp.cnn.model import LayerSpec, Model
from pyapp.i18n import N_, tr

MAX_TEXT = 2000
MAX_EDITS = 200
MAX_ABS = 1e6
T_MIN, T_MAX = 0.1, 10.0
LEAKY_ALPHA = 0.1
NONE = "none"  # no activation: the layer passes its input through
#: the activations a layer may become: none, then every activation kind of the registry
ACTIVATIONS = (NONE,) + tuple(n for n, k in KINDS.items() if isinstance(k, ActivationKind))
POOLS = ("max", "avg")
_REDUCE = {"max": "max", "avg": "mean"}
CLASSIC = ("identity", "edge", "sobel_x", "sobel_y", "blur", "sharpen")
# shown through tr() (module constants: marked with N_)
CLASSIC_LABELS = {"identity": N_("Identity"), "edge": N_("Edge"), "sobel_x": N_("Sobel x"),
                  "sobel_y": N_("Sobel y"), "blur": N_("Blur"), "sharpen": N_("Sharpen")}
CHANNEL_NAMES = (N_("red"), N_("green"), N_("blue"))
# the activation kinds' titles as a change's name, for the catalogue
_ACTIVATION_TITLES = {"ReLU activation": N_("ReLU"), "leaky ReLU activation": N_("leaky ReLU"),
                      "sigmoid activation": N_("sigmoid"), "tanh activation": N_("tanh")}


def _windowed(kind: object) -> bool:
    return isinstance(kind, PoolKind) and "pool_size" in kind.normalise_config({})


def pool_type(name: str) -> str:
    """The layer type of pooling ``name`` (``"max"`` or ``"avg"``): the registry's windowed
    pooling kind with that reduction."""
    for type_name, kind in KINDS.items():
        if _windowed(kind) and kind.reduce == _REDUCE.get(name):
            return type_name
    raise EditError(tr("{name} is not a pooling this page offers", name=repr(name[:20])))


def is_activation(layer: LayerSpec) -> bool:
    return isinstance(layer.kind, ActivationKind)


def is_pool(layer: LayerSpec) -> bool:
    """A pooling layer with a window (max or average), which may be swapped."""
    return _windowed(layer.kind)


def has_kernels(layer: LayerSpec) -> bool:
    """A convolution: HWIO kernels whose weights can be edited."""
    return layer.kind.role == "conv"


def own_kind(layer: LayerSpec) -> str:
    """A layer's operation in the names edits use: its activation kind, or ``"max"`` /
    ``"avg"`` for pooling."""
    if is_pool(layer):
        return "max" if layer.kind.reduce == "max" else "avg"
    return layer.type


def activation_label(name: str) -> str:
    """``"no activation"``, ``"ReLU"``, ``"leaky ReLU"`` ... (from the kind's title)."""
    if name == NONE:
        return tr("no activation")
    title = KINDS[name].title
    return tr(_ACTIVATION_TITLES[title]) if title in _ACTIVATION_TITLES else \
        title.removesuffix(" activation")


class EditError(ValueError):
    """An edit that cannot be read or does not fit the model (the message is a sentence)."""


def f32(value: Any) -> float:
    """A finite number, rounded to float32 (what the weights hold)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise EditError(tr("{value} is not a number", value=repr(str(value)[:20]))) from None
    if not math.isfinite(v) or abs(v) > MAX_ABS:
        raise EditError(tr("{value} is not a number between -1000000 and 1000000",
                           value=str(value)[:20]))
    return float(np.float32(v))


def num_text(value: float) -> str:
    """The shortest text that gives the same float32 back."""
    text = str(np.float32(value))
    return text[:-2] if text.endswith(".0") else text


# --- the records --------------------------------------------------------------------------
@dataclass(frozen=True)
class SetWeight:
    layer: str
    out: int
    in_ch: int
    row: int
    col: int
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", f32(self.value))

    def key(self) -> tuple:
        return ("w", self.layer, self.out, self.in_ch, self.row, self.col)


@dataclass(frozen=True)
class SetBias:
    layer: str
    out: int
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", f32(self.value))

    def key(self) -> tuple:
        return ("b", self.layer, self.out)


@dataclass(frozen=True)
class SetKernel:
    layer: str
    out: int
    in_ch: int
    kernel: str | tuple[float, ...]  # a name in CLASSIC, or the values row by row

    def __post_init__(self) -> None:
        if not isinstance(self.kernel, str):
            object.__setattr__(self, "kernel", tuple(f32(v) for v in self.kernel))

    def key(self) -> tuple:
        return ("k", self.layer, self.out, self.in_ch)


@dataclass(frozen=True)
class MapOff:
    layer: str
    channel: int
    off: bool = True

    def key(self) -> tuple:
        return ("off", self.layer, self.channel)


@dataclass(frozen=True)
class InputChannelOff:
    channel: int
    off: bool = True

    def key(self) -> tuple:
        return ("in", self.channel)


@dataclass(frozen=True)
class SwapActivation:
    layer: str
    kind: str

    def key(self) -> tuple:
        return ("act", self.layer)


@dataclass(frozen=True)
class SwapPool:
    layer: str
    kind: str

    def key(self) -> tuple:
        return ("pool", self.layer)


@dataclass(frozen=True)
class Temperature:
    t: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", f32(self.t))

    def key(self) -> tuple:
        return ("t",)


Edit = (SetWeight | SetBias | SetKernel | MapOff | InputChannelOff | SwapActivation | SwapPool
        | Temperature)


def classic_kernel(name: str, size: tuple[int, int] = (3, 3)) -> np.ndarray:
    """The classic ``3 x 3`` kernels (float32)."""
    if tuple(size) != (3, 3):
        raise EditError(tr("classic kernels are 3 by 3; this kernel is {h} by {w}",
                           h=size[0], w=size[1]))
    table = {
        "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "edge": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "blur": [[1 / 9] * 3] * 3,
        "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    }
    if name not in table:
        raise EditError(tr("there is no classic kernel called {name}", name=repr(name[:20])))
    return np.asarray(table[name], np.float32)


# --- the undoable list --------------------------------------------------------------------
class EditList:
    """The edits in order, with undo and redo stacks (immutable steps: each change makes a
    new tuple)."""

    def __init__(self, edits: Iterable[Edit] = ()) -> None:
        self.edits: tuple[Edit, ...] = tuple(edits)
        self._undo: list[tuple[Edit, ...]] = []
        self._redo: list[tuple[Edit, ...]] = []

    def push(self, edit: Edit, merge: bool = False) -> None:
        """Add ``edit``; with ``merge`` it replaces the last edit when that one changed the
        same thing (a drag is one step to undo)."""
        if merge and self.edits and self.edits[-1].key() == edit.key():
            self.edits = self.edits[:-1] + (edit,)
            self._redo.clear()
            return
        if len(self.edits) >= MAX_EDITS:
            raise EditError(tr("at most {n} changes can be made; reset some first",
                               n=MAX_EDITS))
        self._undo.append(self.edits)
        self._redo.clear()
        self.edits = self.edits + (edit,)

    def replace(self, edits: Sequence[Edit]) -> None:
        """Make ``edits`` the list (one undoable step; reset is ``replace(())``)."""
        edits = tuple(edits)
        if edits == self.edits:
            return
        self._undo.append(self.edits)
        self._redo.clear()
        self.edits = edits

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self.edits)
        self.edits = self._undo.pop()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.edits)
        self.edits = self._redo.pop()
        return True


# --- the edited model ---------------------------------------------------------------------
class EditedModel(Model):
    """A model with edits applied: :class:`Model` plus ``masks`` (``{layer: (C,) float32}``
    of 0 / 1), ``overrides`` (``{layer: kind}`` run instead of the layer's own operation),
    ``temperature``, and the ``edits`` and ``base`` it came from."""

    masks: dict[str, np.ndarray]
    overrides: dict[str, str]
    temperature: float
    edits: tuple[Edit, ...]
    base: Model

    def forward(self, image: np.ndarray) -> dict[str, np.ndarray]:
        x = np.asarray(image, dtype=np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"image has shape {x.shape}, the model expects {self.input_shape}")
        acts: dict[str, np.ndarray] = {"input": x}
        for layer in self.layers:
            kind = self.overrides.get(layer.name)
            x = layer.apply(x) if kind is None else run_kind(kind, layer, x)
            mask = self.masks.get(layer.name)
            if mask is not None:
                x = x * mask
            acts[layer.name] = x
        t = np.float32(self.temperature)
        acts["probabilities"] = ops.softmax(x if t == 1 else x / t)
        return acts


def run_kind(kind: str, layer: LayerSpec, x: np.ndarray) -> np.ndarray:
    """The operation ``kind`` in place of ``layer``'s own (only ``"none"`` has no layer
    type of its own: the identity)."""
    if kind == NONE:
        return x
    raise EditError(tr("unknown operation {kind}", kind=repr(kind)))


def _layer(model: Model, name: str) -> LayerSpec:
    try:
        return model.layer(name)
    except KeyError:
        raise EditError(tr("the network has no layer called {name}",
                           name=repr(name[:60]))) from None


def _index(value: int, n: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value < n:
        raise EditError(tr("{what} {value} does not exist (there are {n})", what=what,
                           value=value + 1 if isinstance(value, int) else value, n=n))
    return value


def _conv(model: Model, name: str) -> LayerSpec:
    layer = _layer(model, name)
    if not has_kernels(layer):
        raise EditError(tr("{name} is not a convolution, so it has no kernels to edit",
                           name=name))
    return layer


def _spec_of(name: str, type_: str, config: dict) -> LayerSpec | None:
    """A layer of ``type_`` if this model code supports it, else None."""
    try:
        return LayerSpec(name, type_, config)
    except (ValueError, KeyError):
        return None


def apply(base: Model, edits: Sequence[Edit]) -> EditedModel:
    """The model ``base`` with ``edits`` applied in order (``base`` is never changed).
    Raises :class:`EditError` when an edit does not fit the model."""
    root = getattr(base, "base", base)
    if isinstance(base, EditedModel):  # always start from the unedited model
        edits = tuple(base.edits) + tuple(edits)
        base = root
    weights: dict[str, dict[str, np.ndarray]] = {}
    layers = list(base.layers)
    masks: dict[str, np.ndarray] = {}
    overrides: dict[str, str] = {}
    temperature = 1.0
    inputs_off: set[int] = set()

    def writable(name: str, key: str) -> np.ndarray:
        w = weights.setdefault(name, {})
        if key not in w:
            w[key] = np.array(_layer(base, name).weights[key], dtype=np.float32, copy=True)
        return w[key]

    for edit in edits:
        if isinstance(edit, (SetWeight, SetKernel, SetBias)):
            layer = _conv(base, edit.layer)
            kh, kw, cin, cout = layer.weights["kernel"].shape
            out = _index(edit.out, cout, tr("{layer} neuron", layer=edit.layer))
            if isinstance(edit, SetBias):
                writable(edit.layer, "bias")[out] = f32(edit.value)
                continue
            ch = _index(edit.in_ch, cin, tr("input channel"))
            if isinstance(edit, SetWeight):
                r = _index(edit.row, kh, "row")
                c = _index(edit.col, kw, "column")
                writable(edit.layer, "kernel")[r, c, ch, out] = f32(edit.value)
            else:
                if isinstance(edit.kernel, str):
                    values = classic_kernel(edit.kernel, (kh, kw))
                else:
                    if len(edit.kernel) != kh * kw:
                        raise EditError(tr("a kernel of {h} by {w} needs {n} values, not {m}",
                                           h=kh, w=kw, n=kh * kw, m=len(edit.kernel)))
                    values = np.asarray([f32(v) for v in edit.kernel],
                                        np.float32).reshape(kh, kw)
                writable(edit.layer, "kernel")[:, :, ch, out] = values
        elif isinstance(edit, MapOff):
            layer = _layer(base, edit.layer)
            shape = base.shapes[edit.layer]
            if len(shape) != 3:
                raise EditError(tr("{layer} has no feature maps to switch off",
                                   layer=edit.layer))
            ch = _index(edit.channel, shape[2], tr("{layer} map", layer=edit.layer))
            mask = masks.get(edit.layer)
            mask = np.ones(shape[2], np.float32) if mask is None else mask.copy()
            mask[ch] = 0.0 if edit.off else 1.0
            masks[edit.layer] = mask
        elif isinstance(edit, InputChannelOff):
            first = base.layers[0]
            if not has_kernels(first):
                raise EditError(tr("input channels can only be switched off when the first "
                                   "layer is a convolution"))
            ch = _index(edit.channel, base.input_shape[2], tr("input channel"))
            if edit.off:
                inputs_off.add(ch)
            else:
                inputs_off.discard(ch)
        elif isinstance(edit, SwapActivation):
            layer = _layer(base, edit.layer)
            if not is_activation(layer):
                raise EditError(tr("{layer} is not an activation layer", layer=edit.layer))
            if edit.kind not in ACTIVATIONS:
                raise EditError(tr("{kind} is not an activation this page offers",
                                   kind=repr(edit.kind[:20])))
            overrides[edit.layer] = edit.kind
        elif isinstance(edit, SwapPool):
            layer = _layer(base, edit.layer)
            if not is_pool(layer):
                raise EditError(tr("{layer} is not a pooling layer", layer=edit.layer))
            if edit.kind not in POOLS:
                raise EditError(tr("{name} is not a pooling this page offers",
                                   name=repr(edit.kind[:20])))
            overrides[edit.layer] = edit.kind
        elif isinstance(edit, Temperature):
            t = f32(edit.t)
            if not T_MIN <= t <= T_MAX:
                raise EditError(tr("the temperature must be between {lo} and {hi}",
                              lo=f"{T_MIN:g}", hi=f"{T_MAX:g}"))
            temperature = t
        else:
            raise EditError(tr("unknown change {edit}", edit=f"{edit!r:.40}"))

    if inputs_off:  # off wins over weight edits of that channel
        kernel = writable(base.layers[0].name, "kernel")
        kernel[:, :, sorted(inputs_off), :] = 0.0
    for i, layer in enumerate(layers):
        kind = overrides.get(layer.name)
        if kind is not None:
            new = _swapped(layer, kind)
            if new is not None:
                layers[i] = new
                del overrides[layer.name]
            elif kind == own_kind(layer):
                del overrides[layer.name]
        if layer.name in weights:
            w = dict(layer.weights)
            w.update(weights[layer.name])
            layers[i] = LayerSpec(layer.name, layer.type, dict(layer.config), w)
    for w in weights.values():
        for a in w.values():
            a.setflags(write=False)
    model = EditedModel(layers, base.input_shape, base.class_names, name=base.name,
                        preprocessing=base.preprocessing, provenance=base.provenance,
                        checks=base.checks)
    model.masks = masks
    model.overrides = overrides
    model.temperature = temperature
    model.edits = tuple(edits)
    model.base = base
    return model


def _swapped(layer: LayerSpec, kind: str) -> LayerSpec | None:
    """A layer of ``kind`` in place of ``layer`` (None: no such layer type, or the same)."""
    if kind == NONE or kind == own_kind(layer):
        return None
    if kind in POOLS:
        c = layer.config
        return _spec_of(layer.name, pool_type(kind), {"pool_size": c["pool_size"],
                                                      "strides": c["strides"],
                                                      "padding": c["padding"]})
    spec = KINDS[kind]
    cfg = spec.normalise_config({"alpha": LEAKY_ALPHA})  # a slope, for a kind that has one
    return _spec_of(layer.name, kind, {k: v for k, v in cfg.items()})


def baked(model: Model) -> Model:
    """A plain :class:`Model` that computes the same probabilities as the edited ``model``,
    for saving as a native file: masked conv maps become zero kernels and biases (a map after
    a ReLU, leaky ReLU, tanh or pooling of a conv is zero when the conv's map is), the
    temperature divides the last dense layer's weights.  Raises :class:`EditError` when an
    edit has no such form (a swap to an operation this model code has no layer for, a map
    switched off after a sigmoid)."""
    if not isinstance(model, EditedModel):
        return model
    if model.overrides:
        name, kind = next(iter(model.overrides.items()))
        raise EditError(tr("{name} as {kind} cannot be saved in the model file format",
                           name=name, kind=activation_label(kind)))
    layers = list(model.layers)
    index = {layer.name: i for i, layer in enumerate(layers)}

    def keeps_zero(layer: LayerSpec) -> bool:  # a zero map stays zero through it
        if is_pool(layer):
            return True
        if not is_activation(layer):
            return False
        zero = np.zeros((1, 1, 1), np.float32)
        return bool(np.all(layer.apply(zero) == 0))

    def with_weights(i: int, **new: np.ndarray) -> None:
        layer = layers[i]
        w = dict(layer.weights)
        w.update(new)
        layers[i] = LayerSpec(layer.name, layer.type, dict(layer.config), w)

    for name, mask in model.masks.items():
        i = index[name]
        while not has_kernels(layers[i]):
            if not keeps_zero(layers[i]) or i == 0:
                raise EditError(tr("the switched-off maps of {name} cannot be saved in the "
                                   "model file format", name=name))
            i -= 1
        kernel = np.array(layers[i].weights["kernel"]) * mask
        bias = np.array(layers[i].weights["bias"]) * mask
        with_weights(i, kernel=kernel.astype(np.float32), bias=bias.astype(np.float32))
    if model.temperature != 1.0:
        i = len(layers) - 1
        if layers[i].kind.role != "linear":
            raise EditError(tr("the temperature can only be saved when the last layer is "
                               "dense"))
        t = np.float32(model.temperature)
        with_weights(i, kernel=layers[i].weights["kernel"] / t,
                     bias=layers[i].weights["bias"] / t)
    return Model(layers, model.input_shape, model.class_names, name=model.name + " (edited)",
                 preprocessing=model.preprocessing,
                 provenance={**model.provenance, "edits": encode(model.edits)},
                 checks={})


# --- link text ----------------------------------------------------------------------------
_ITEM = re.compile(r"^[A-Za-z0-9_.~%:/+\-]{1,400}$")


def _name(text: str) -> str:
    name = unquote(text)
    if not name or len(name) > 200:
        raise EditError(tr("a layer name is empty or too long"))
    return name


def _int(text: str) -> int:
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise EditError(tr("{text} is not a number from 1 up", text=repr(text[:20])))
    return int(text) - 1


def encode_one(edit: Edit) -> str:
    q = lambda s: quote(s, safe="")  # noqa: E731
    if isinstance(edit, SetWeight):
        return (f"w:{q(edit.layer)}:{edit.out + 1}:{edit.in_ch + 1}:{edit.row + 1}:"
                f"{edit.col + 1}:{num_text(edit.value)}")
    if isinstance(edit, SetBias):
        return f"b:{q(edit.layer)}:{edit.out + 1}:{num_text(edit.value)}"
    if isinstance(edit, SetKernel):
        k = edit.kernel if isinstance(edit.kernel, str) else "/".join(
            num_text(v) for v in edit.kernel)
        return f"k:{q(edit.layer)}:{edit.out + 1}:{edit.in_ch + 1}:{k}"
    if isinstance(edit, MapOff):
        return f"{'off' if edit.off else 'on'}:{q(edit.layer)}:{edit.channel + 1}"
    if isinstance(edit, InputChannelOff):
        return f"{'in' if edit.off else 'inon'}:{edit.channel + 1}"
    if isinstance(edit, SwapActivation):
        return f"act:{q(edit.layer)}:{edit.kind}"
    if isinstance(edit, SwapPool):
        return f"pool:{q(edit.layer)}:{edit.kind}"
    if isinstance(edit, Temperature):
        return f"t:{num_text(edit.t)}"
    raise EditError(tr("unknown change {edit}", edit=f"{edit!r:.40}"))


def compact(edits: Sequence[Edit]) -> tuple[Edit, ...]:
    """``edits`` without those a next edit of the same thing replaces (same network)."""
    out: list[Edit] = []
    for e in edits:
        if out and out[-1].key() == e.key() and not isinstance(e, (MapOff, InputChannelOff)):
            out[-1] = e
        else:
            out.append(e)
    return tuple(out)


def encode(edits: Sequence[Edit]) -> str:
    """The link text of ``edits`` (``""`` for none), :func:`compact`."""
    return ",".join(encode_one(e) for e in compact(edits))


def decode_one(item: str) -> Edit:
    if not _ITEM.match(item):
        raise EditError(tr("{item} has characters a change cannot have", item=repr(item[:30])))
    tag, *parts = item.split(":")
    shapes = {"w": 6, "b": 3, "k": 4, "off": 2, "on": 2, "in": 1, "inon": 1, "act": 2,
              "pool": 2, "t": 1}
    if tag not in shapes:
        raise EditError(tr("{tag} is not a kind of change", tag=repr(tag[:20])))
    if len(parts) != shapes[tag]:
        raise EditError(tr("{item} has {n} parts, not {m}", item=repr(item[:30]), n=len(parts),
                           m=shapes[tag]))
    if tag == "w":
        return SetWeight(_name(parts[0]), *(_int(p) for p in parts[1:5]), f32(parts[5]))
    if tag == "b":
        return SetBias(_name(parts[0]), _int(parts[1]), f32(parts[2]))
    if tag == "k":
        k = parts[3]
        if k in CLASSIC:
            kernel: str | tuple[float, ...] = k
        else:
            values = k.split("/")
            if len(values) > 121:
                raise EditError(tr("a kernel has too many values"))
            kernel = tuple(f32(v) for v in values)
        return SetKernel(_name(parts[0]), _int(parts[1]), _int(parts[2]), kernel)
    if tag in ("off", "on"):
        return MapOff(_name(parts[0]), _int(parts[1]), tag == "off")
    if tag in ("in", "inon"):
        return InputChannelOff(_int(parts[0]), tag == "in")
    if tag == "act":
        if parts[1] not in ACTIVATIONS:
            raise EditError(tr("{kind} is not an activation this page offers",
                               kind=repr(parts[1][:20])))
        return SwapActivation(_name(parts[0]), parts[1])
    if tag == "pool":
        if parts[1] not in POOLS:
            raise EditError(tr("{name} is not a pooling this page offers",
                               name=repr(parts[1][:20])))
        return SwapPool(_name(parts[0]), parts[1])
    t = f32(parts[0])
    if not T_MIN <= t <= T_MAX:
        raise EditError(tr("the temperature must be between {lo} and {hi}",
                              lo=f"{T_MIN:g}", hi=f"{T_MAX:g}"))
    return Temperature(t)


def decode(text: str) -> tuple[Edit, ...]:
    """Link text -> edits (:class:`EditError` with a plain reason when it cannot be read)."""
    if not isinstance(text, str):
        raise EditError(tr("the changes are not text"))
    if len(text) > MAX_TEXT:
        raise EditError(tr("the list of changes is longer than {n} characters", n=MAX_TEXT))
    if not text:
        return ()
    items = text.split(",")
    if len(items) > MAX_EDITS:
        raise EditError(tr("there are more than {n} changes", n=MAX_EDITS))
    return tuple(decode_one(item) for item in items)


def link_problem(reason: str) -> str:
    """What the page says when a link's changes cannot be used."""
    reason = str(reason).strip().rstrip(".")
    return tr("The link's network changes could not be read ({reason}); showing the unedited "
              "network.", reason=reason)


# --- words --------------------------------------------------------------------------------
def describe(edit: Edit) -> str:
    """One line for the list of changes, e.g. ``"conv_1_1 neuron 3, channel 1: edge
    kernel"``."""
    if isinstance(edit, SetWeight):
        return tr("{layer} neuron {n}, channel {c}, weight row {r} column {k} set to {value}",
                  layer=edit.layer, n=edit.out + 1, c=edit.in_ch + 1, r=edit.row + 1,
                  k=edit.col + 1, value=num_text(edit.value))
    if isinstance(edit, SetBias):
        return tr("{layer} neuron {n}, bias set to {value}", layer=edit.layer, n=edit.out + 1,
                  value=num_text(edit.value))
    if isinstance(edit, SetKernel):
        if isinstance(edit.kernel, str):
            return tr("{layer} neuron {n}, channel {c}: the {name} kernel", layer=edit.layer,
                      n=edit.out + 1, c=edit.in_ch + 1, name=tr(CLASSIC_LABELS[edit.kernel]))
        return tr("{layer} neuron {n}, channel {c}: new kernel values", layer=edit.layer,
                  n=edit.out + 1, c=edit.in_ch + 1)
    if isinstance(edit, MapOff):
        return (tr("{layer} map {n} switched off", layer=edit.layer, n=edit.channel + 1)
                if edit.off else
                tr("{layer} map {n} switched on", layer=edit.layer, n=edit.channel + 1))
    if isinstance(edit, InputChannelOff):
        name = tr(CHANNEL_NAMES[edit.channel]) if edit.channel < 3 else str(edit.channel + 1)
        return (tr("input channel {n} ({name}) switched off", n=edit.channel + 1, name=name)
                if edit.off else
                tr("input channel {n} ({name}) switched on", n=edit.channel + 1, name=name))
    if isinstance(edit, SwapActivation):
        return tr("{layer} uses {kind}", layer=edit.layer, kind=activation_label(edit.kind))
    if isinstance(edit, SwapPool):
        return (tr("{layer} uses average pooling", layer=edit.layer) if edit.kind == "avg"
                else tr("{layer} uses max pooling", layer=edit.layer))
    return tr("softmax temperature set to {t}", t=num_text(edit.t))


def explain_activation(kind: str, own: str) -> str:
    """One plain sentence on what activation ``kind`` does instead of ``own`` (computed from
    the kind itself at -3, 0 and 3)."""
    if kind == NONE:
        return tr("Without {own}, negative values pass through: the next layer also sees the "
                  "parts of the image that argue against a feature.", own=activation_label(own))
    layer = LayerSpec("probe", kind, {"alpha": LEAKY_ALPHA})
    lo, zero, hi = (float(v) for v in layer.apply(np.array([[[-3.0, 0.0, 3.0]]], np.float32))
                    .ravel())
    if lo == 0:
        neg = tr("every negative value becomes 0")
    elif lo == -3:
        neg = tr("negative values pass through unchanged")
    elif lo < 0:
        neg = tr("negative values pass through, made smaller (-3 becomes {lo})", lo=f"{lo:.3g}")
    else:
        neg = tr("negative values become small positive ones (-3 becomes {lo})", lo=f"{lo:.3g}")
    pos = (tr("positive values stay as they are") if hi == 3
           else tr("large values are flattened (3 becomes {hi})", hi=f"{hi:.3g}"))
    if zero != 0:
        return tr("With {kind}, {neg}; {pos}, and 0 becomes {zero}, so even silent neurons "
                  "pass something on.", kind=activation_label(kind), neg=neg, pos=pos,
                  zero=f"{zero:.3g}")
    return tr("With {kind}, {neg}; {pos}.", kind=activation_label(kind), neg=neg, pos=pos)


EXPLAIN_POOL = {
    "max": N_("Max pooling keeps the strongest value of each window: a feature counts if it "
              "appears anywhere in the window."),
    "avg": N_("Average pooling keeps the mean of each window: a feature counts by how much of "
              "the window it fills, so weak and strong responses mix."),
}


def explain_pool(kind: str) -> str:
    """The plain sentence on ``kind`` of pooling (:data:`EXPLAIN_POOL`), translated."""
    return tr(EXPLAIN_POOL[kind])


def explain_temperature(t: float) -> str:
    if t == 1:
        return tr("At temperature 1 the probabilities are the plain softmax of the logits.")
    if t < 1:
        return tr("Dividing the logits by {t} spreads them apart, so the largest class takes "
                  "almost all the probability: the network looks more sure.", t=num_text(t))
    return tr("Dividing the logits by {t} pulls them together, so the probabilities become "
              "more even: the network looks less sure, but the order stays the same.",
              t=num_text(t))
