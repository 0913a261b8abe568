"""The Code tab's markup and sentences, as strings (no ``js``: CPython-testable).  Every
outside string (layer names, the student's code, tracebacks) is escaped or set as text."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pyapp.cnn.model import Model

from . import source
from .checker import num, where
from .exercises import Exercise
from .lab import Result
from .swap import PROBABILITIES, StudentModel

LEVELS = {1: "easy", 2: "medium", 3: "harder", 4: "hard"}


def a(v: object) -> str:
    return escape(str(v), quote=True)


def scope_options(model: Model, exercise: Exercise, layer: str) -> list[tuple[str, str]]:
    """(value, text) of the "use my code for" choice: every layer of the kind, or the open one."""
    from .swap import layers_for

    names = layers_for(model, exercise)
    if names == [PROBABILITIES]:
        return [("all", "the softmax of the logits")]
    title = model.layer(names[0]).kind.title if names else exercise.op
    options = [("all", f"every {title} layer ({', '.join(names)})")]
    if len(names) > 1 and layer in names:
        options.append(("one", f"only {layer}"))
    return options


def real_code_html(op: str) -> str:
    """The function the page runs (and the ``ops`` helpers it calls, folded), as text."""
    parts = [f'<details class="cl-real" open><summary>The code this page runs: '
             f'<code>ops.{a(op)}</code> in <code>{source.SOURCE_FILE}</code></summary>'
             f'<pre class="cl-src" tabindex="0" aria-label="Source of ops.{a(op)}">'
             f'<code>{a(source.real_source(op))}</code></pre></details>']
    for name in source.helpers(op):
        parts.append(f'<details class="cl-real cl-helper"><summary>It calls '
                     f'<code>ops.{a(name)}</code></summary><pre class="cl-src" tabindex="0" '
                     f'aria-label="Source of ops.{a(name)}"><code>{a(source.real_source(name))}'
                     '</code></pre></details>')
    return "".join(parts)


def panel_html(model: Model, exercises: Sequence[Exercise], current: Exercise,
               layer: str) -> str:
    """The Code tab's content for the view of ``layer`` (the editor's text is set later)."""
    picks = "".join(
        f'<option value="{a(e.key)}"{" selected" if e.key == current.key else ""}>'
        f'{a(e.title)} ({LEVELS.get(e.level, "")})</option>' for e in exercises)
    scope = "".join(f'<option value="{v}">{a(t)}</option>'
                    for v, t in scope_options(model, current, layer))
    name = f"{current.op} code"
    return (
        f'<div class="cl-wrap" data-exercise="{a(current.key)}"><div class="cl-read">'
        + "".join(real_code_html(op) for op in dict.fromkeys(e.op for e in exercises))
        + '</div><div class="cl-write"><h3 class="cl-h">Write your own</h3>'
        '<p class="cl-intro">The same signature and docstring; fill in the body. '
        '<kbd>np</kbd> is numpy. Check it on this image, then run the whole network on it.</p>'
        f'<label class="cl-pick-l">Exercise <select class="cl-pick" aria-label="Exercise">'
        f'{picks}</select></label>'
        '<p class="cl-linked" hidden>This code came with the link you opened. Read it first: '
        'it runs only when you press "Check my code" or "Use my code".</p>'
        '<div class="cl-editor"><pre class="cl-gutter" aria-hidden="true"></pre>'
        f'<textarea class="cl-text" aria-label="{a(name)}" spellcheck="false" wrap="off" '
        'autocapitalize="off" autocomplete="off" autocorrect="off"></textarea></div>'
        '<div class="cl-actions">'
        '<button type="button" class="cl-check">Check my code</button>'
        '<button type="button" class="cl-use">Use my code</button>'
        f'<label class="cl-scope-l">for <select class="cl-scope" '
        f'aria-label="Layers that use my code">{scope}</select></label>'
        '</div>'
        '<div class="cl-outcome" role="status" aria-live="polite">'
        '<p class="cl-summary"></p><ul class="cl-details"></ul>'
        '<pre class="cl-trace" hidden tabindex="0" aria-label="Traceback"></pre>'
        '<ul class="cl-hidden" aria-label="Hidden checks"></ul></div>'
        '<div class="cl-actions cl-more">'
        '<button type="button" class="cl-reset">Start again from the starter</button>'
        '<button type="button" class="cl-download">Download my code</button>'
        '</div>'
        '<p class="cl-url-note"></p>'
        '</div></div>')


def gutter_html(lines: int, bad: int | None = None) -> str:
    """Line numbers 1..``lines``, the failing one marked."""
    return "".join(f'<span{" class=cl-bad" if i == bad else ""}>{i}</span>'
                   for i in range(1, max(lines, 1) + 1))


def result_texts(result: Result) -> tuple[str, list[str], list[tuple[str, bool, str]]]:
    """(summary, details, hidden checks as (name, ok, sentence)) of a check."""
    c = result.check
    ms = result.seconds * 1000
    took = (f" Your function took {ms:,.0f} ms on {result.layer}." if ms >= 1
            else f" Your function took under 1 ms on {result.layer}.")
    summary = ("Passed: " if c.ok else "Not yet: ") + c.summary + (took if c.ok else "")
    hidden = [(name, h.ok, "passed" if h.ok else h.summary) for name, h in result.hidden]
    if c.ok and hidden and all(ok for _, ok, _ in hidden):
        summary += f" The {len(hidden)} hidden checks pass too."
    elif c.ok and hidden:
        bad = sum(1 for _, ok, _ in hidden if not ok)
        summary += f" {bad} of {len(hidden)} hidden checks fail (other inputs, below)."
    return summary, list(c.details), hidden


def banner_text(model: StudentModel) -> str:
    """The banner while the student's code is in use."""
    names = sorted(model.targets, key=lambda n: [s.name for s in model.layers].index(n)
                   if n != PROBABILITIES else len(model.layers))
    shown = ", ".join("the softmax" if n == PROBABILITIES else n for n in names)
    text = f"Your {model.exercise.op} code is in use for {shown}: every view shows its numbers."
    if model.original is not model.base:
        text += (" It runs on the unedited network: your tinkering changes come back with "
                 "\"Back to the original\".")
    if model.problems:
        layer, why = next(iter(model.problems.items()))
        text += (f" On this image it failed in {layer} ({why.splitlines()[-1][:200]}), so that "
                 "layer shows the core's numbers.")
    return text


def short_banner(model: StudentModel) -> str:
    """The banner in the dialog on a phone, where the view needs the room."""
    failed = " (it failed on this image)" if model.problems else ""
    return f"Your {model.exercise.op} code is in use{failed}."


def jump_text(result: Result) -> str:
    """The note above the view that a failed check opened."""
    c = result.check
    if c.position is None or c.got is None or c.want is None:
        return "Your code differs from the core's."
    return (f"Your code differs here, at {where(c.position)} of {result.layer}: yours is "
            f"{num(c.got)}, the core's is {num(c.want)}.")
