"""The training panel's words and markup (plain Python, every outside name escaped): the
class chooser, a class's block of photos, and the status line.  The page's
:mod:`pyapp.ui.teach` only inserts them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyapp.numbers import value
from pyapp.render.escaping import attr


def photos(n: int) -> str:
    return f"{n} photo" if n == 1 else f"{n} photos"


def class_options(names: Sequence[str], counts: Sequence[int], base: int,
                  selected: int) -> str:
    """``<option>``s for every class: the model's, then the new ones ("(new)")."""
    out = []
    for i, (name, n) in enumerate(zip(names, counts, strict=True)):
        new = " (new)" if i >= base else ""
        sel = " selected" if i == selected else ""
        out.append(f'<option value="{i}"{sel}>{attr(name)}{new}, {photos(n)}</option>')
    return "".join(out)


def class_block(index: int, name: str, count: int) -> str:
    """A class's block: its name, its count and the (empty) list its thumbnails go in."""
    return (f'<section class="tc-class" data-label="{index}" aria-label="Photos of '
            f'{attr(name)}"><h4 class="tc-class-h"><span class="tc-class-name">{attr(name)}'
            f'</span> <span class="tc-count">{photos(count)}</span></h4>'
            f'<ul class="tc-thumbs"></ul></section>')


def thumb_html(example_id: int, number: int, name: str) -> str:
    """One thumbnail (its canvas is painted by the page) and its remove button."""
    what = f"photo {number} of {name}"
    return (f'<li class="tc-thumb" data-id="{example_id}"><canvas width="1" height="1"'
            f' role="img" aria-label="{attr(what.capitalize())}"></canvas>'
            f'<button type="button" class="tc-remove" data-id="{example_id}"'
            f' aria-label="Remove {attr(what)}">\u00d7</button></li>')


def status_text(state: str, trainer: Any | None) -> str:
    """The line under the training controls (``state``: idle, running, paused, done)."""
    if trainer is None:
        return "Not trained yet: collect photos, then press Train."
    if trainer.phase == "features":
        return (f"Reading the features of photo {trainer.features_done + 1} of "
                f"{trainer.size}\u2026")
    epochs = trainer.config.epochs
    head = {"running": "Training", "paused": "Paused", "done": "Done",
            "idle": "Ready"}.get(state, state)
    last = trainer.history[-1] if trainer.history else None
    if last is None:
        return f"{head}: epoch 0 of {epochs}."
    right = round(last.accuracy * trainer.size)
    return (f"{head}: epoch {trainer.epoch} of {epochs}, loss {value(last.loss)}, "
            f"{right} of {trainer.size} photos right ({round(100 * last.accuracy)} %).")
