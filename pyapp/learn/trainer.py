"""The :class:`Trainer`: fine-tunes a model on an :class:`~pyapp.learn.examples.ExampleSet` in
small steps, so that the page can paint (and answer clicks) between them.

Two choices of what learns:

* ``"output"``: only the last dense layer ``z = f K + b``.  The features ``f`` ``(N, D)`` (that
  layer's input) are computed once, one photo per step, then each step is one mini-batch::

      P = softmax(F_B K + b),   G = (P - Y_B) / |B|,   dK = F_B^T G  (D, C),   db = sum_n G_n

* ``"all"``: every conv and dense layer.  Each photo's forward and backward pass
  (:func:`pyapp.cnn.grads.backward_steps`, target ``("loss", y)``) is cut into steps of one
  layer each (a TinyVGG layer is a few milliseconds), so the page can stop between any two
  layers and paint; the mean of the batch's gradients is applied when the batch is complete.

A tinkered network trains with its switches (:mod:`pyapp.learn.start`): a map switched off
stays zero during and after training, and the trained network keeps every switch.

Before training, each new class grows the output layer by one unit initialised from its
photos' mean feature (:mod:`pyapp.learn.grow`).  Photos are shuffled every epoch by a seeded
generator, so a run is reproducible.  ``watch = (class, feature)`` records, for the output
kernel's weight ``K[feature, class]``, the value before, the gradient and the value after every
update (the numbers "see learning happen" shows).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from pyapp import edits as E
from pyapp.cnn.grads import backward_steps
from pyapp.cnn.model import Model
from pyapp.i18n import tr
from pyapp.learn import grow, optim
from pyapp.learn.loss import accuracy, cross_entropy, cross_entropy_grad
from pyapp.learn.provenance import fine_tuned
from pyapp.learn.start import finished, hold_inputs_off, running, split

MODES = ("output", "all")
#: the learning rate offered for each choice of what learns: the whole network diverges at the
#: output layer's rate (TinyVGG, SGD: the loss grows from 1.0 to 670 in two epochs at 0.01)
DEFAULT_LR = {"output": 0.01, "all": 0.001}
MAX_EPOCHS = 500


@dataclass(frozen=True)
class TrainConfig:
    """``mode`` (:data:`MODES`), ``optimiser`` (:data:`pyapp.learn.optim.OPTIMISERS`), learning
    rate, epochs (1 to :data:`MAX_EPOCHS`), mini-batch size and the shuffling seed."""

    mode: str = "output"
    optimiser: str = "sgd"
    lr: float = 0.01
    epochs: int = 30
    batch_size: int = 8
    seed: int = 0

    def checked(self) -> TrainConfig:
        if self.mode not in MODES:
            raise ValueError(f"unknown choice {self.mode!r} of what learns; choose {MODES}")
        optim.make(self.optimiser, self.lr)
        if not 1 <= int(self.epochs) <= MAX_EPOCHS:
            raise ValueError(tr("the number of epochs must be 1 to {n}", n=MAX_EPOCHS))
        if not 1 <= int(self.batch_size) <= 256:
            raise ValueError("the batch size must be 1 to 256")
        return self


@dataclass(frozen=True)
class Epoch:
    """One finished epoch: the mean loss and the accuracy on the photos."""

    index: int  # 1-based; 0: before training
    loss: float
    accuracy: float


@dataclass(frozen=True)
class WeightUpdate:
    """One update of the watched weight ``K[feature, class]`` of the output layer."""

    layer: str
    cls: int
    feature: int
    before: float
    grad: float
    after: float
    lr: float
    rule: str  # the optimiser's update rule, as text
    epoch: int
    step: int


class Trainer:
    """See the module docstring.  ``images`` ``(N, H, W, 3)``, ``labels`` ``(N,)`` indices
    into ``class_names`` (the model's classes, then the new ones)."""

    def __init__(self, model: Model, images: np.ndarray, labels: np.ndarray,
                 class_names: Sequence[str], config: TrainConfig = TrainConfig(),
                 watch: tuple[int, int] | None = None) -> None:
        self.config = config.checked()
        self.base = model  # as given (a tinkered one runs with its edits: the features)
        self.start = split(model)
        grow.last_dense(model)
        self.images = np.asarray(images, np.float32)
        self.labels = np.asarray(labels).astype(np.intp)  # wasm32: bincount wants intp
        if self.images.shape[0] != self.labels.shape[0] or not self.labels.size:
            raise ValueError("training needs photos, each with its class")
        self.class_names = list(class_names)
        if list(self.class_names[:model.num_classes]) != list(model.class_names):
            raise ValueError("the class list must start with the model's own classes")
        if self.labels.min() < 0 or self.labels.max() >= len(self.class_names):
            raise ValueError("a photo's class is not one of the classes")
        self.watch = watch
        self.optimiser = optim.make(self.config.optimiser, self.config.lr)
        self._rng = np.random.default_rng(self.config.seed)
        self._features: list[np.ndarray] = []
        self.model: Model = model  # grown once the features are known; runs the switches
        self.plain: Model = self.start.plain  # the weights as they train, without switches
        self._work: Iterator[object] | None = None  # the photo being worked on, layer by layer
        self.phase = "features"  # -> "train" -> "done"
        self.epoch = 0  # finished epochs
        self.updates = 0
        self.history: list[Epoch] = []
        self.last_update: WeightUpdate | None = None
        self._order: np.ndarray = np.zeros(0, np.intp)
        self._pos = 0
        self._acc: dict[str, np.ndarray] = {}
        self._in_batch = 0
        self._seen_loss: list[float] = []
        self._seen_right: list[bool] = []

    # --- progress ---------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.phase == "done"

    @property
    def features_done(self) -> int:
        """Photos whose feature has been computed (the first phase)."""
        return len(self._features)

    @property
    def size(self) -> int:
        return int(self.labels.size)

    @property
    def out_name(self) -> str:
        return self.base.layers[-1].name

    def progress(self) -> float:
        """0 to 1: the features first (a tenth), then the epochs."""
        if self.phase == "features":
            return 0.1 * len(self._features) / self.size
        return 0.1 + 0.9 * min(1.0, (self.epoch + self._pos / self.size) / self.config.epochs)

    def stop(self) -> None:
        """End now (the weights so far are kept; a photo half done is dropped)."""
        self.phase = "done"
        self._work = None

    # --- one small step ---------------------------------------------------------------------
    def step(self) -> None:
        """One unit of work: a photo's feature, a mini-batch update (output layer) or one
        layer of a photo's forward or backward pass (whole network)."""
        if self.phase == "features":
            self._feature_step()
        elif self.phase == "train":
            if self.config.mode == "output":
                self._output_step()
            else:
                self._whole_step()

    def run(self, steps: int | None = None) -> Trainer:
        """``steps`` steps (all of them when None)."""
        n = 0
        while not self.done and (steps is None or n < steps):
            self.step()
            n += 1
        return self

    def _feature_step(self) -> None:
        i = len(self._features)
        acts = self.base.forward(self.images[i])
        self._features.append(np.asarray(acts[self.base.input_of(self.out_name)],
                                         np.float32).reshape(-1))
        if len(self._features) < self.size:
            return
        feats = np.stack(self._features)
        new = self.class_names[self.base.num_classes:]
        means = [feats[self.labels == self.base.num_classes + j].mean(axis=0)
                 if np.any(self.labels == self.base.num_classes + j)
                 else np.zeros(feats.shape[1], np.float32) for j in range(len(new))]
        self.plain = grow.copy_model(grow.add_classes(self.start.plain, new, means))
        self.model = running(self.plain, self.start.kept)
        self._feats = feats
        if self.watch is None:
            self.watch = self.default_watch()
        self.phase = "train"
        z0 = self.logits_of_features()  # the body is unchanged yet: exact for both modes
        self.history.append(Epoch(0, cross_entropy(z0, self.labels), accuracy(z0, self.labels)))
        self._new_epoch()

    def _new_epoch(self) -> None:
        self._order = self._rng.permutation(self.size)
        self._pos = 0
        self._seen_loss, self._seen_right = [], []

    def _end_epoch(self, loss: float, acc: float) -> None:
        self.epoch += 1
        self.history.append(Epoch(self.epoch, loss, acc))
        if self.epoch >= self.config.epochs:
            self.phase = "done"
        else:
            self._new_epoch()

    def _apply(self, grads: dict[str, dict[str, np.ndarray]]) -> None:
        """One optimiser update of the layers in ``grads`` (``{layer: {kernel, bias}}``)."""
        hold_inputs_off(grads, self.plain.layers[0].name, self.start.inputs_off)
        flat = {f"{n}/{k}": self.plain.layer(n).weights[k] for n, g in grads.items() for k in g}
        new = self.optimiser.step(flat, {f"{n}/{k}": g[k] for n, g in grads.items() for k in g})
        self.updates += 1
        if self.watch is not None and self.out_name in grads:
            c, j = self.watch
            kernel = flat[f"{self.out_name}/kernel"]
            if 0 <= j < kernel.shape[0] and 0 <= c < kernel.shape[1]:
                self.last_update = WeightUpdate(
                    self.out_name, c, j, float(kernel[j, c]),
                    float(grads[self.out_name]["kernel"][j, c]),
                    float(new[f"{self.out_name}/kernel"][j, c]), self.config.lr,
                    self.optimiser.delta_rule(), self.epoch + 1, self.updates)
        for key, w in new.items():
            name, k = key.split("/", 1)
            self.plain.layer(name).weights[k] = w  # a new array: snapshots keep the old one
        if self.start.kept:  # the switches again, on the new weights
            self.model = running(self.plain, self.start.kept)

    def _output_step(self) -> None:
        batch = self._order[self._pos:self._pos + self.config.batch_size]
        self._pos += len(batch)
        layer = self.plain.layer(self.out_name)
        f = self._feats[batch].astype(np.float64)
        z = f @ layer.weights["kernel"] + layer.weights["bias"]
        g = cross_entropy_grad(z, self.labels[batch])
        self._apply({self.out_name: {"kernel": f.T @ g, "bias": g.sum(axis=0)}})
        if self._pos >= self.size:  # the epoch's numbers: the whole set, after its updates
            z_all = self.logits_of_features()
            self._end_epoch(cross_entropy(z_all, self.labels), accuracy(z_all, self.labels))

    def default_watch(self) -> tuple[int, int]:
        """The weight worth watching: the last class with photos, and the feature its photos
        share most strongly (largest mean feature), as ``(class, feature)``."""
        cls = int(self.labels.max())
        return cls, int(np.argmax(self._feats[self.labels == cls].mean(axis=0)))

    def logits_of_features(self) -> np.ndarray:
        """Logits ``(N, C)`` of every photo from the cached features (output mode)."""
        layer = self.plain.layer(self.out_name)
        return self._feats.astype(np.float64) @ layer.weights["kernel"] + layer.weights["bias"]

    def _whole_step(self) -> None:
        if self._work is None:
            self._work = self._photo()
        try:
            next(self._work)
        except StopIteration:
            self._work = None

    def _photo(self) -> Iterator[object]:
        """The next photo's forward pass (as ``EditedModel.forward`` runs it: a swapped
        operation in place of the layer's, a switched-off map times 0), its backward pass and
        the update when the batch is complete; yields after every layer."""
        i = int(self._order[self._pos])
        self._pos += 1
        model = self.model
        masks = getattr(model, "masks", None) or {}
        overrides = getattr(model, "overrides", None) or {}
        x = self.images[i]
        acts: dict[str, np.ndarray] = {"input": x}
        for layer in model.layers:
            kind = overrides.get(layer.name)
            x = layer.apply(x) if kind is None else E.run_kind(kind, layer, x)
            mask = masks.get(layer.name)
            acts[layer.name] = x = x if mask is None else x * mask
            yield layer.name
        z = acts[self.out_name]
        y = int(self.labels[i])
        self._seen_loss.append(cross_entropy(z[None], [y]))
        self._seen_right.append(int(np.argmax(z)) == y)
        g = yield from backward_steps(model, acts, ("loss", y))
        for key, value in g.params.items():
            self._acc[key] = self._acc.get(key, 0.0) + value
        self._in_batch += 1
        if self._in_batch >= self.config.batch_size or self._pos >= self.size:
            grads: dict[str, dict[str, np.ndarray]] = {}
            for key, value in self._acc.items():
                name, k = key.split("/", 1)
                grads.setdefault(name, {})[k] = value / self._in_batch
            self._apply(grads)
            self._acc, self._in_batch = {}, 0
        if self._pos >= self.size:  # running numbers, seen before each photo's update
            self._end_epoch(float(np.mean(self._seen_loss)), float(np.mean(self._seen_right)))

    # --- the result -------------------------------------------------------------------------
    def result(self) -> Model:
        """A copy of the model as trained so far, with its provenance."""
        last = self.history[-1] if self.history else None
        counts = np.bincount(self.labels, minlength=len(self.class_names)).tolist()
        prov = fine_tuned(self.base.provenance, self.base.name, photos=self.size,
                          counts=counts, class_names=self.class_names,
                          new_classes=self.class_names[self.base.num_classes:],
                          mode=self.config.mode, optimiser=self.config.optimiser,
                          lr=self.config.lr, epochs=self.epoch,
                          loss=last.loss if last else None,
                          accuracy=last.accuracy if last else None)
        suffix = ", fine-tuned in the page"
        name = self.base.name if self.base.name.endswith(suffix) else self.base.name + suffix
        plain = grow.copy_model(self.plain, class_names=self.class_names, provenance=prov,
                                name=name[:200])
        return finished(plain, self.start.kept)
