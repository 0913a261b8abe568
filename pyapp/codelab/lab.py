"""One exercise, checked: the student's function on the current image's layer input, the
hidden checks on other inputs, and the detail view that shows a differing position."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pyapp import links
from pyapp.cnn import ops
from pyapp.cnn.model import Model
from pyapp.views.route import SOFTMAX, ViewRef, ref_for

from . import runner
from .checker import Check, compare
from .exercises import Exercise
from .swap import PROBABILITIES, Call, recorded_call, softmax_call

#: The hidden checks' inputs are the same for everyone (a seeded generator).
SEED = 19


@dataclass(frozen=True)
class Result:
    """A check of one layer on the current image: the ``check``, the ``layer``, how long the
    student's function took, and the hidden checks (name, check)."""

    layer: str
    check: Check
    seconds: float
    hidden: tuple[tuple[str, Check], ...] = ()

    @property
    def ok(self) -> bool:
        return self.check.ok and all(c.ok for _, c in self.hidden)


def core_call(model: Model, acts: Mapping[str, np.ndarray], layer: str) -> Call:
    """The core's call for ``layer`` on its input in ``acts`` (``probabilities``: softmax)."""
    if layer == PROBABILITIES:
        return softmax_call(np.asarray(acts[model.layers[-1].name]))
    return recorded_call(model.layer(layer), np.asarray(acts[model.input_of(layer)]))


def check_call(exercise: Exercise, loaded: runner.Loaded, call: Call) -> tuple[Check, float]:
    """The student's function on ``call``'s arguments, against the core's output.  Raises
    :class:`runner.StudentError` when it fails."""
    t0 = time.perf_counter()
    got = runner.call(loaded, call.args, call.kwargs)
    seconds = time.perf_counter() - t0
    return compare(got, call.output, call.args, call.kwargs, exercise.explain), seconds


def hidden_checks(exercise: Exercise, loaded: runner.Loaded,
                  limit_s: float = runner.CODE_TIME_LIMIT_S) -> tuple[tuple[str, Check], ...]:
    """Each hidden case: the student's function against the core's on made-up inputs.  All
    cases together get ``limit_s`` seconds: once it is spent, the rest are not run."""
    rng = np.random.default_rng(SEED)
    core = getattr(ops, exercise.op)
    deadline = time.perf_counter() + limit_s
    out = []
    for name, make in exercise.cases:
        args = make(rng)
        left = deadline - time.perf_counter()
        if left <= 0:
            out.append((name, Check(False, "not run: the hidden checks' time was used up")))
            continue
        call = Call(tuple(args), {}, np.asarray(core(*args)))
        try:
            got = runner.call(loaded, call.args, call.kwargs, left)
            check = compare(got, call.output, call.args, call.kwargs, exercise.explain)
        except runner.StudentError as exc:
            check = Check(False, exc.text.splitlines()[-1] if not exc.stopped else
                          "stopped: it ran past the hidden checks' time limit")
        out.append((name, check))
    return tuple(out)


def check_layer(model: Model, acts: Mapping[str, np.ndarray], exercise: Exercise,
                loaded: runner.Loaded, layer: str, hidden: bool = True) -> Result:
    """Check the student's function on ``layer``'s input in ``acts`` (then, if it passes,
    the hidden checks).  Raises :class:`runner.StudentError` when the function fails."""
    check, seconds = check_call(exercise, loaded, core_call(model, acts, layer))
    extra = hidden_checks(exercise, loaded) if hidden and check.ok else ()
    return Result(layer, check, seconds, extra)


def view_at(model: Model, layer: str, position: tuple[int, ...]) -> tuple[ViewRef, int | None] \
        | None:
    """The detail view that shows output ``position`` of ``layer`` and the position in it:
    a convolution's formula view (input channel 1), an activation's or pool's view, the
    flatten view of the layer reading a flat vector, the softmax view."""
    if layer == PROBABILITIES:
        ref = ref_for(model, SOFTMAX, int(position[0]))
        return (ref, None) if ref is not None else None
    if len(position) == 3:
        row, col, ch = (int(v) for v in position)
        ref = ref_for(model, layer, ch, 0) or ref_for(model, layer, ch)
        if ref is None:
            return None
        return ref, links.position_index(ref, model, (row, col))
    names = [s.name for s in model.layers]
    own = ref_for(model, layer, int(position[0]))
    if own is not None:  # a dense unit: its view, at its first input
        return own, None
    after = names.index(layer) + 1 if layer in names else len(names)
    for name in names[after:after + 1]:  # a flat vector: the view of the layer reading it
        ref = ref_for(model, name, 0)
        if ref is not None:
            return ref, links.position_index(ref, model, (int(position[0]),))
    return None
