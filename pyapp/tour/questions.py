"""Predict, then reveal: the value a question reveals is computed here by the core, from the
session's snapshot, never read from the tour file; the verdict says whether the guess was
right and why (the tour's ``why`` text, its placeholders filled with the core's numbers).

=================  ======================================  ==================================
``compute``        revealed value                          placeholders of ``why``
=================  ======================================  ==================================
predicted_class    ``argmax softmax(z)`` of the shown       answer, guess, percent (p of it)
                   image
output_size        ``H_out`` of ``layer``: ``(H_in + pads   answer, guess, input (``H_in``),
                   - dilation (k - 1) - 1) // stride + 1``, layer
                   read from ``model.shapes``
brightest_map      ``argmax_c mean_{i,j} a[i, j, c]`` of    answer (1-based), guess, mean,
                   ``layer``'s output ``(H, W, C)``         guess_mean, layer
map_off_class      the class the network predicts with      answer, guess, before (the class
                   map ``channel`` of ``layer`` set to 0    now), percent, layer, channel
                   (:class:`pyapp.edits.MapOff`, rerun)
=================  ======================================  ==================================

Plain Python (numpy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pyapp import numbers
from pyapp.i18n import class_label
from pyapp.tour.data import FIELD, Ask, Tour, fill


@dataclass(frozen=True)
class Reveal:
    """What the core says: ``value`` (a class index, a size, a 0-based map) and the texts
    the placeholders take (``values``); ``choices``: what the student picks from."""

    value: int
    answer: str
    values: Mapping[str, str] = field(default_factory=dict)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    correct: bool
    text: str  # "Right. <why>" or "Not quite. The network's answer: ... <why>"


def _predicted_class(ask: Ask, snap: Any) -> Reveal:
    names = snap.class_names
    p = snap.probabilities
    return Reveal(snap.predicted, names[snap.predicted],
                  {"percent": numbers.percent(float(p[snap.predicted]))},
                  ask.choices or tuple(names))


def _output_size(ask: Ask, snap: Any) -> Reveal:
    model = snap.model
    size = int(model.shapes[ask.layer][0])
    before = int(model.shapes[model.input_of(ask.layer)][0])
    return Reveal(size, str(size), {"input": str(before), "layer": ask.layer}, ask.choices)


def _channel_means(snap: Any, layer: str) -> np.ndarray:
    """``(C,)``: the mean of each map of ``layer``'s output ``(H, W, C)``."""
    a = np.asarray(snap.acts[layer], dtype=np.float64)
    return a.reshape(-1, a.shape[-1]).mean(axis=0)


def _brightest_map(ask: Ask, snap: Any) -> Reveal:
    means = _channel_means(snap, ask.layer)
    best = int(np.argmax(means))
    return Reveal(best, str(best + 1), {"mean": numbers.value(float(means[best])),
                                        "layer": ask.layer})


def _map_off_class(ask: Ask, snap: Any) -> Reveal:
    from pyapp.edits import MapOff, apply  # the same edit the tinkering panel makes

    edited = apply(snap.model, [MapOff(ask.layer, int(ask.channel or 0), True)])
    p = edited.forward(snap.image)["probabilities"]
    best = int(np.argmax(p))
    names = snap.class_names
    return Reveal(best, names[best],
                  {"before": names[snap.predicted], "percent": numbers.percent(float(p[best])),
                   "layer": ask.layer, "channel": str(int(ask.channel or 0) + 1)},
                  ask.choices or tuple(names))


#: Punctuation after which the next sentence follows without a space (Japanese, Chinese).
FULL_STOPS = ("\u3002", "\uff01", "\uff1f", "\uff09")


def sentences(*parts: str) -> str:
    """The non-empty ``parts`` one after another: a space between them, none after a full-width
    full stop ("正解です。幅 3 の…")."""
    out = ""
    for part in filter(None, parts):
        out += part if not out or out.endswith(FULL_STOPS) else " " + part
    return out


#: The questions whose answers are class names (kept as the model's keys; shown translated).
CLASS_ANSWERS = frozenset({"predicted_class", "map_off_class"})

COMPUTE: Mapping[str, Callable[[Ask, Any], Reveal]] = {
    "predicted_class": _predicted_class,
    "output_size": _output_size,
    "brightest_map": _brightest_map,
    "map_off_class": _map_off_class,
}


def reveal(ask: Ask, snapshot: Any) -> Reveal:
    """The core's answer to ``ask`` for what ``snapshot`` shows."""
    return COMPUTE[ask.compute](ask, snapshot)


def guess_value(ask: Ask, rev: Reveal, guess: str) -> int | None:
    """The student's answer as the revealed value's kind (None: not an answer): a class
    name -> its index, a number -> itself, a map (1-based text) -> 0-based."""
    guess = str(guess).strip()[:40]
    if ask.compute in CLASS_ANSWERS:
        return rev.choices.index(guess) if guess in rev.choices else None
    text = guess.replace(numbers.MINUS, "-")
    if not text.lstrip("-").isdigit():
        return None
    n = int(text)
    return n - 1 if ask.compute == "brightest_map" else n


def judge(tour: Tour, ask: Ask, rev: Reveal, guess: str, snapshot: Any) -> Verdict | None:
    """Whether ``guess`` was right, and the tour's explanation with the core's numbers
    (None when ``guess`` is no answer)."""
    value = guess_value(ask, rev, guess)
    if value is None:
        return None
    if ask.compute in CLASS_ANSWERS and rev.choices is not None:
        # choices are class names; the revealed value is an index into the model's classes
        names = snapshot.class_names
        value = names.index(rev.choices[value]) if rev.choices[value] in names else -1
    values = dict(rev.values)
    values.update(answer=rev.answer, guess=str(guess).strip()[:40])
    if ask.compute in CLASS_ANSWERS:  # class names as the page's language shows them
        values.update({k: class_label(values[k]) for k in ("answer", "guess", "before")
                       if k in values})
    if ask.compute == "brightest_map":
        means = _channel_means(snapshot, ask.layer)
        if 0 <= value < len(means):
            values["guess_mean"] = numbers.value(float(means[value]))
        else:
            return None
    correct = value == rev.value
    head = tour.label("right") if correct else sentences(
        tour.label("wrong"), tour.label("answer", answer=values["answer"]))
    return Verdict(correct, sentences(head, fill(ask.why, values)))


#: Placeholders that speak of the student's guess (left out when nobody answered).
GUESS_FIELDS = frozenset({"guess", "guess_mean"})


def explain(tour: Tour, ask: Ask, rev: Reveal) -> str:
    """The reveal when nobody answered (a kiosk's tour moving on by itself): the core's
    answer, and the tour's ``why`` unless it speaks of a guess."""
    values = dict(rev.values)
    values["answer"] = rev.answer
    if ask.compute in CLASS_ANSWERS:
        values.update({k: class_label(values[k]) for k in ("answer", "before") if k in values})
    why = "" if GUESS_FIELDS & set(FIELD.findall(ask.why)) else fill(ask.why, values)
    return sentences(tour.label("answer", answer=values["answer"]), why)
