"""The network run on the student's function: :class:`StudentModel`.

A layer's kind computes its forward pass with the ``ops`` function named as the kind
(``ops.conv2d`` for ``conv2d``, see :mod:`pyapp.codelab.source`).  :func:`recorded_call` runs
the layer as the core does and keeps the arguments its kind passed to that function, so the
student's function is called with exactly those arguments (the same weights, strides and
padding), and the core's output is there to fall back on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn import ops
from pyapp.cnn.model import LayerSpec, Model
from pyapp.i18n import tr

from . import runner
from .checker import shape_problem
from .exercises import Exercise

#: The layer name that stands for the softmax of the logits (the network's last step).
PROBABILITIES = "probabilities"


@dataclass(frozen=True)
class Call:
    """One call of a core operation: its arguments and the core's output."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: np.ndarray


def recorded_call(layer: LayerSpec, x: np.ndarray) -> Call:
    """Run ``layer`` on ``x`` and keep the arguments its kind gave ``ops.<kind type>``
    (``ValueError`` when the kind does not call it exactly once)."""
    name = layer.type
    real = getattr(ops, name)
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def recorder(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return real(*args, **kwargs)

    setattr(ops, name, recorder)
    try:  # no student code runs while the core's function is replaced
        out = layer.apply(x)
    finally:
        setattr(ops, name, real)
    if len(seen) != 1:
        raise ValueError(f"layer {layer.name}: its kind does not call ops.{name} once")
    return Call(seen[0][0], seen[0][1], np.asarray(out))


def softmax_call(logits: np.ndarray) -> Call:
    return Call((logits,), {}, ops.softmax(logits))


def layers_for(model: Model, exercise: Exercise) -> list[str]:
    """The layers whose operation ``exercise`` re-does (``probabilities`` for the softmax)."""
    names = [layer.name for layer in model.layers if layer.type == exercise.op]
    if not names and exercise.op == ops.softmax.__name__:
        names = [PROBABILITIES]
    return names


class StudentModel(Model):
    """The network with the student's function in place of the core's for ``targets``
    (layer names, or ``probabilities``).  ``original``: the model it replaced (the one
    "Back to the original" restores); ``base``: the unedited network (tinkering compares
    with it).  When the student's function fails on an image (an error, the time limit, a
    wrong shape), that layer uses the core's output and ``problems`` says so."""

    def __init__(self, original: Model, loaded: runner.Loaded, exercise: Exercise,
                 targets: Iterable[str], code: str = "",
                 limit_s: float = runner.CODE_TIME_LIMIT_S) -> None:
        root = getattr(original, "base", original)
        super().__init__(root.layers, root.input_shape, root.class_names, root.name,
                         root.preprocessing, root.provenance, root.checks)
        self.base = root
        self.original = original
        self.loaded = loaded
        self.exercise = exercise
        self.code = code
        self.targets = frozenset(targets)
        self.limit_s = limit_s
        self.problems: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        self._stopped = False  # the time limit stopped the code on the current image
        #: (image, activations, problems) of the last pass, which :meth:`forward` reuses
        self._done: tuple[np.ndarray, dict[str, np.ndarray], dict[str, str]] | None = None

    def _student(self, name: str, call: Call) -> np.ndarray:
        if self._stopped:
            # one stop per image: the other layers take the core's output at once
            self.problems[name] = tr("not run: your code was stopped in an earlier layer")
            return call.output
        t0 = time.perf_counter()
        try:
            got = runner.call(self.loaded, call.args, call.kwargs, self.limit_s)
        except runner.StudentError as exc:
            self.problems[name] = exc.text.splitlines()[-1] if not exc.stopped else exc.text
            self._stopped = self._stopped or exc.stopped
            return call.output
        finally:
            self.seconds[name] = time.perf_counter() - t0
        problem = shape_problem(got, call.output)
        if problem:
            self.problems[name] = problem
            return call.output
        out = np.asarray(got).astype(call.output.dtype, copy=False)
        self.problems.pop(name, None)
        return out

    def steps(self, image: np.ndarray) -> Iterator[str]:
        """The forward pass on ``image`` one student layer at a time: yields each target's
        name before running the student's function on it, so the page can paint between
        layers; :meth:`forward` on the same image then returns the result at once."""
        x = np.asarray(image, dtype=np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"image has shape {x.shape}, the model expects {self.input_shape}")
        self.problems = {}
        self._stopped = False
        acts: dict[str, np.ndarray] = {"input": x}
        for layer in self.layers:
            if layer.name in self.targets:
                yield layer.name
                x = self._student(layer.name, recorded_call(layer, x))
            else:
                x = layer.apply(x)
            acts[layer.name] = x
        if PROBABILITIES in self.targets:
            yield PROBABILITIES
            acts[PROBABILITIES] = self._student(PROBABILITIES, softmax_call(x))
        else:
            acts[PROBABILITIES] = ops.softmax(x)
        self._done = (image, acts, dict(self.problems))

    def forward(self, image: np.ndarray) -> dict[str, np.ndarray]:
        done = self._done
        if done is not None and (done[0] is image or np.array_equal(done[0], image)):
            self.problems = dict(done[2])
            return dict(done[1])
        for _ in self.steps(image):
            pass
        return dict(self._done[1])
