"""The tour file: JSON read from outside (``www/tours/intro.json``, or ``?tour=<path>``), parsed
within budgets into frozen records.  Every refusal is a :class:`TourError` (a ``ValueError``)
with a plain sentence; the page then says it and works without the tour.

    {"format": "cnn-explainer-tour", "version": 1, "title": "...", "lang": "en",
     "labels": {"progress": "Step {n} of {m}", "next": "Next", ...},
     "steps": [{"title": "...", "text": "...",
                "state": {"image": 1, "view": "#/conv_1_1/1", "range": "unit",
                          "edit": "off:conv_1_2:4", "why": "gradcam"},
                "point": "column:conv_1_1",
                "ask": {"kind": "choice", "compute": "output_size", "layer": "conv_1_1",
                        "question": "...", "choices": ["62", "64"], "why": "... {answer} ..."}}]}

Only the keys listed here are accepted (a typo is an error, not silently ignored).  Every
string a person reads lives in the file, the labels of the tour's buttons included, so a tour
in another language is one more file.  Numbers count from 1, as the page does.  The value an
``ask`` reveals is never in the file: ``compute`` names what the core computes
(:mod:`pyapp.tour.questions`); ``why`` may hold the placeholders that compute fills in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyapp import budgets, links
from pyapp.cnn.formats import json_depth
from pyapp.cnn.model import LAYER_NAME_RE
from pyapp.i18n import N_, tr
from pyapp.render.ranges import RANGE_MODES
from pyapp.why_link import METHODS as WHY_METHODS

FORMAT = "cnn-explainer-tour"
VERSION = 1
MAX_DEPTH = 6  # tour > steps > step > ask > choices: deeper is not a tour

#: What a tour's buttons and progress say (a tour file may replace any of them); marked for
#: the catalogue and translated where shown, so a tour file without ``labels`` is in the
#: page's language too.
DEFAULT_LABELS: Mapping[str, str] = {
    "region": N_("Tour"),
    "progress": N_("Step {n} of {m}"),
    "next": N_("Next"),
    "next_name": N_("Next step of the tour"),
    "back": N_("Back"),
    "back_name": N_("Back to the previous step of the tour"),
    "leave": N_("Leave the tour"),
    "check": N_("Check my answer"),
    "answer_name": N_("Your answer"),
    "pick_map": N_("Click the map you choose in the column {layer}."),
    "picked": N_("You chose map {guess}."),
    "right": N_("Right."),
    "wrong": N_("Not quite."),
    "answer": N_("The network's answer: {answer}."),
    "no_answer": N_("Choose an answer first."),
}
#: Placeholders each label may hold.
LABEL_FIELDS: Mapping[str, frozenset[str]] = {
    "progress": frozenset({"n", "m"}), "pick_map": frozenset({"layer"}),
    "picked": frozenset({"guess"}), "answer": frozenset({"answer"}),
}

#: What an ``ask`` can reveal: the answer kinds it allows, the fields it needs, and the
#: placeholders its ``why`` may use (filled in by :mod:`pyapp.tour.questions`).
COMPUTES: Mapping[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    "predicted_class": (frozenset({"choice"}), frozenset(),
                        frozenset({"answer", "guess", "percent"})),
    "output_size": (frozenset({"choice", "number"}), frozenset({"layer"}),
                    frozenset({"answer", "guess", "input", "layer"})),
    "brightest_map": (frozenset({"map"}), frozenset({"layer"}),
                      frozenset({"answer", "guess", "mean", "guess_mean", "layer"})),
    "map_off_class": (frozenset({"choice"}), frozenset({"layer", "channel"}),
                      frozenset({"answer", "guess", "before", "percent", "layer", "channel"})),
}
ASK_KINDS = ("choice", "number", "map")
#: Where a step points: a fixed part of the page, or a column / neuron of the network.
PLACES = ("gallery", "bars", "options", "detail", "why", "tinker")
_POINT = re.compile(r"^(column):([A-Za-z0-9_.-]{1,64})$|^(neuron):([A-Za-z0-9_.-]{1,64})/"
                    r"([0-9]{1,4})$")
FIELD = re.compile(r"\{([a-z_]{1,20})\}")

TOP_KEYS = frozenset({"format", "version", "title", "lang", "labels", "steps"})
STEP_KEYS = frozenset({"title", "text", "state", "point", "ask"})
STATE_KEYS = frozenset({"image", "view", "range", "edit", "why"})
ASK_KEYS = frozenset({"kind", "compute", "question", "layer", "channel", "choices", "why"})


class TourError(ValueError):
    """The tour file cannot be used (the message says why, for people)."""


@dataclass(frozen=True)
class StepState:
    """What a step puts on screen; what a step leaves out is the default (example 1, no open
    view, unit ranges, no edits, no Why? view), so a step looks the same however it is
    reached.  ``image`` is 0-based here (the file counts from 1)."""

    image: int = 0
    view: str = ""  # a lesson-link hash (pyapp.links), "" for none
    range_mode: str = "unit"
    edit: str = ""  # a ``?edit=`` text (pyapp.edits)
    why: str = ""  # a ``?why=`` method, "" for none


@dataclass(frozen=True)
class Ask:
    """A predict-then-reveal question (``channel`` 0-based here)."""

    kind: str
    compute: str
    question: str
    why: str = ""
    layer: str = ""
    channel: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    state: StepState = field(default_factory=StepState)
    point: str = ""
    ask: Ask | None = None


@dataclass(frozen=True)
class Tour:
    title: str
    steps: tuple[Step, ...]
    lang: str = "en"
    labels: Mapping[str, str] = field(default_factory=dict)  # the file's own labels

    def label(self, key: str, **values: Any) -> str:
        """A label with its placeholders filled in, e.g. ``label("progress", n=2, m=9)``:
        the file's text, else :data:`DEFAULT_LABELS`' in the page's language."""
        text = self.labels[key] if key in self.labels else tr(DEFAULT_LABELS[key])
        return fill(text, values)


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``{name}`` -> ``values[name]``; placeholders were checked when the file was read, so
    an unknown one (which cannot happen) is left as it is."""
    return FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values
                      else m.group(0), template)


# --- reading ------------------------------------------------------------------------------
def parse_tour(data: bytes | str) -> Tour:
    """A tour file's bytes -> :class:`Tour`; :class:`TourError` says what is wrong."""
    if len(data) > budgets.MAX_TOUR_BYTES:
        raise TourError(tr("the tour file is {v}, more than the {v2} a tour may have",
                           v=budgets.plain_size(len(data)),
                           v2=budgets.plain_size(budgets.MAX_TOUR_BYTES)))
    if json_depth(data) > MAX_DEPTH:
        raise TourError(tr("the tour file is nested more than {max_depth} levels deep",
                           max_depth=MAX_DEPTH))
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise TourError(tr("the tour file is not valid JSON ({v})", v=str(exc)[:80])) from exc
    if not isinstance(doc, dict):
        raise TourError(tr("the tour file does not hold a tour (expected a JSON object)"))
    _keys(doc, TOP_KEYS, tr("the tour"))
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise TourError(tr('the file is not a tour (it needs "format": "{format}" and '
                           '"version": {version})', format=FORMAT, version=VERSION))
    title = _text(doc.get("title"), tr("the tour's title"), budgets.MAX_TOUR_LABEL)
    lang = _text(doc.get("lang", "en"), tr("the tour's language"), 16)
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})?", lang):
        raise TourError(tr("the tour's language {lang} is not a language tag such as en or ja",
                           lang=repr(lang)))
    labels = _labels(doc.get("labels", {}))
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps:
        raise TourError(tr("the tour has no steps (a list under \"steps\")"))
    if len(steps) > budgets.MAX_TOUR_STEPS:
        raise TourError(tr("the tour has {n} steps; a tour may have up to {max_tour_steps}",
                           n=len(steps), max_tour_steps=budgets.MAX_TOUR_STEPS))
    return Tour(title, tuple(_step(s, i + 1) for i, s in enumerate(steps)), lang, labels)


def _keys(obj: dict, allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(k)[:40] for k in obj if k not in allowed)
    if unknown:
        raise TourError(tr("{where} has unknown keys: {v} (known: {v2})", where=where,
                           v=', '.join(unknown), v2=', '.join(sorted(allowed))))


def _text(value: Any, what: str, limit: int, fields: frozenset[str] = frozenset()) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TourError(tr("{what} must be a text", what=what))
    if len(value) > limit:
        raise TourError(tr("{what} has {n} characters; at most {limit} are allowed", what=what,
                           n=len(value), limit=limit))
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise TourError(tr("{what} holds control characters", what=what))
    for name in FIELD.findall(value):
        if name not in fields:
            known = ", ".join("{" + f + "}" for f in sorted(fields)) or tr("none")
            raise TourError(tr("{what} uses the placeholder {{{name}}}; known here: {known}",
                               what=what, name=name, known=known))
    return value.strip()


def _number(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TourError(tr("{what} must be a whole number from {low} to {high}", what=what,
                           low=low, high=high))
    return value


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TourError(tr("the tour's \"labels\" must be an object"))
    _keys(value, frozenset(DEFAULT_LABELS), tr('the tour\'s "labels"'))
    out = {}
    for key, text in value.items():
        out[key] = _text(text, tr("the label {key}", key=repr(key)), budgets.MAX_TOUR_LABEL,
                         LABEL_FIELDS.get(key, frozenset()))
    return out


def _step(value: Any, n: int) -> Step:
    where = tr("step {n}", n=n)
    if not isinstance(value, dict):
        raise TourError(tr("{where} is not an object", where=where))
    _keys(value, STEP_KEYS, where)
    title = _text(value.get("title"), tr("the title of {where}", where=where),
                  budgets.MAX_TOUR_LABEL)
    text = _text(value.get("text"), tr("the text of {where}", where=where),
                 budgets.MAX_TOUR_TEXT)
    state = _state(value.get("state", {}), where)
    point = value.get("point", "")
    if point != "" and (not isinstance(point, str) or
                        (point not in PLACES and not _POINT.match(point))):
        raise TourError(tr("{where} points at {v}; a step points at one of {v2}, column:<layer> "
                           "or neuron:<layer>/<number>", where=where, v=repr(str(point)[:60]),
                           v2=', '.join(PLACES)))
    if point.startswith("neuron:") and int(point.rsplit("/", 1)[1]) < 1:
        raise TourError(tr("{where} points at neuron 0; neurons count from 1", where=where))
    ask = _ask(value["ask"], where) if "ask" in value else None
    return Step(title, text, state, point, ask)


def _state(value: Any, where: str) -> StepState:
    if not isinstance(value, dict):
        raise TourError(tr("the \"state\" of {where} must be an object", where=where))
    _keys(value, STATE_KEYS, tr('the "state" of {where}', where=where))
    image = _number(value.get("image", 1), tr("the image of {where}", where=where), 1, 999) - 1
    view = value.get("view", "")
    if not isinstance(view, str) or (view and links.parse_view_hash(view) is None):
        raise TourError(tr("the view of {where} is not a view link such as #/conv_1_1/1",
                           where=where))
    mode = value.get("range", "unit")
    if mode not in RANGE_MODES:
        raise TourError(tr("the range of {where} must be one of {v}", where=where,
                           v=', '.join(RANGE_MODES)))
    edit = value.get("edit", "")
    if not isinstance(edit, str) or len(edit) > 2000:
        raise TourError(tr("the edit of {where} must be a short text such as off:conv_1_2:4",
                           where=where))
    if edit:
        from pyapp.edits import EditError, decode  # only tours with edits pay for it

        try:
            decode(edit)
        except EditError as exc:
            raise TourError(tr("the edit of {where} cannot be read: {exc}", where=where,
                               exc=exc)) from exc
    why = value.get("why", "")
    if why and why not in WHY_METHODS:
        raise TourError(tr("the Why? view of {where} must be one of {v}", where=where,
                           v=', '.join(WHY_METHODS)))
    return StepState(image, view, mode, edit, why)


def _ask(value: Any, where: str) -> Ask:
    where = tr("the question of {where}", where=where)
    if not isinstance(value, dict):
        raise TourError(tr("{where} is not an object", where=where))
    _keys(value, ASK_KEYS, where)
    compute = value.get("compute")
    if compute not in COMPUTES:
        raise TourError(tr("{where} computes {v}; known: {v2}", where=where,
                           v=repr(str(compute)[:40]), v2=', '.join(COMPUTES)))
    kinds, needs, fields = COMPUTES[compute]
    kind = value.get("kind")
    if kind not in kinds:
        raise TourError(tr("{where} is answered by {v}; {compute} is answered by {v2}",
                           where=where, v=repr(str(kind)[:20]), compute=compute,
                           v2=' or '.join(sorted(kinds))))
    question = _text(value.get("question"), where, budgets.MAX_TOUR_TEXT)
    why = _text(value["why"], tr("the explanation of {where}", where=where), budgets.MAX_TOUR_TEXT,
                fields) if "why" in value else ""
    layer = value.get("layer", "")
    if "layer" in needs and (not isinstance(layer, str) or not LAYER_NAME_RE.fullmatch(layer)):
        raise TourError(tr("{where} needs a layer name such as conv_1_1", where=where))
    channel = (_number(value.get("channel"), tr("the map number of {where}", where=where), 1,
                       9999) - 1
               if "channel" in needs else None)
    choices = value.get("choices", [])
    if not isinstance(choices, list) or len(choices) > budgets.MAX_TOUR_CHOICES:
        raise TourError(tr("the choices of {where} must be a list of up to {max_tour_choices}",
                           where=where, max_tour_choices=budgets.MAX_TOUR_CHOICES))
    texts = tuple(_text(c, tr("a choice of {where}", where=where), budgets.MAX_TOUR_LABEL)
                  for c in choices)
    if len(set(texts)) != len(texts):
        raise TourError(tr("the choices of {where} repeat themselves", where=where))
    if compute == "output_size" and kind == "choice" and (
            len(texts) < 2 or not all(t.isdigit() for t in texts)):
        raise TourError(tr("the choices of {where} must be two or more whole numbers",
                           where=where))
    return Ask(kind, compute, question, why, layer if "layer" in needs else "", channel, texts)


def check_against(tour: Tour, model: Any, gallery_size: int) -> list[str]:
    """What in ``tour`` the page cannot show with ``model`` (plain sentences; [] when all is
    well): an example, a layer or a view the model does not have."""
    names = {spec.name for spec in model.layers} | {"input"}
    problems: list[str] = []
    for n, step in enumerate(tour.steps, 1):
        if step.state.image >= gallery_size:
            problems.append(tr("step {n} shows example {image}, which does not exist", n=n,
                               image=step.state.image + 1))
        if step.state.view:
            ref, _ = links.resolve(links.parse_view_hash(step.state.view), model, 0)
            if ref is None:
                problems.append(tr("step {n} opens the view {view}, which this model does not "
                                   "have", n=n, view=step.state.view[:60]))
        layer = step.point.split(":", 1)[1].split("/")[0] if ":" in step.point else ""
        for name in filter(None, (layer, step.ask.layer if step.ask else "")):
            if name not in names:
                problems.append(tr("step {n} names the layer {name}, which this model does not "
                                   "have", n=n, name=name))
    return problems


# --- translations -------------------------------------------------------------------------
def translated_path(path: str, lang: str) -> str:
    """Where the ``lang`` translation of the tour at ``path`` lives: ``tours/intro.json`` ->
    ``tours/intro.ja.json`` (the query, if any, kept); ``path`` itself for English or a path
    that is not a ``.json`` file.  The page loads that file when it exists, else ``path``."""
    head, sep, query = path.partition("?")
    if lang == "en" or not re.fullmatch(r"[a-z]{2,3}", lang) or not head.endswith(".json"):
        return path
    return f"{head[:-5]}.{lang}.json{sep}{query}"


def _shape(step: Step) -> tuple:
    ask = step.ask
    return (step.state, step.point, None if ask is None else
            (ask.kind, ask.compute, ask.layer, ask.channel, len(ask.choices)))


def translation_problems(original: Tour, translated: Tour) -> list[str]:
    """How ``translated`` differs from ``original`` in anything but its words (plain
    sentences; [] when it is the same lesson): the number of steps, each step's state, what
    it points at, its question's kind, computation, layer, map and number of choices."""
    if len(original.steps) != len(translated.steps):
        return [tr("the translation has {n} steps, the original {m}", n=len(translated.steps),
                   m=len(original.steps))]
    return [tr("step {n} of the translation shows something else than the original", n=n)
            for n, (a, b) in enumerate(zip(original.steps, translated.steps, strict=True), 1)
            if _shape(a) != _shape(b)]
