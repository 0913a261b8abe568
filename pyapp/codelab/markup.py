"""The Code tab's markup and sentences, as strings (no ``js``: CPython-testable).  Every
outside string (layer names, the student's code, tracebacks) is escaped or set as text."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pyapp.cnn.model import Model
from pyapp.i18n import N_, tr

from . import source
from .checker import num, where
from .exercises import Exercise
from .lab import Result
from .swap import PROBABILITIES, StudentModel

# the layer kinds' titles as the "use my code for" choice says them, for the catalogue
KIND_TITLES = {t: t for t in (
    N_("convolution"), N_("ReLU activation"), N_("leaky ReLU activation"),
    N_("sigmoid activation"), N_("tanh activation"), N_("max-pooling layer"),
    N_("average-pooling layer"), N_("global average-pooling layer"), N_("flatten step"),
    N_("fully connected layer"))}
LEVELS = {1: N_("easy"), 2: N_("medium"), 3: N_("harder"), 4: N_("hard")}


def a(v: object) -> str:
    return escape(str(v), quote=True)


def scope_options(model: Model, exercise: Exercise, layer: str) -> list[tuple[str, str]]:
    """(value, text) of the "use my code for" choice: every layer of the kind, or the open one."""
    from .swap import layers_for

    names = layers_for(model, exercise)
    if names == [PROBABILITIES]:
        return [("all", tr("the softmax of the logits"))]
    title = model.layer(names[0]).kind.title if names else exercise.op
    title = tr(KIND_TITLES[title]) if title in KIND_TITLES else title
    options = [("all", tr("every {title} layer ({names})", title=title,
                          names=", ".join(names)))]
    if len(names) > 1 and layer in names:
        options.append(("one", tr("only {layer}", layer=layer)))
    return options


def real_code_html(op: str) -> str:
    """The function the page runs (and the ``ops`` helpers it calls, folded), as text."""
    runs = tr("The code this page runs: {function} in {file}",
              function=f"<code>ops.{a(op)}</code>", file=f"<code>{source.SOURCE_FILE}</code>")
    parts = [f'<details class="cl-real" open><summary>{runs}</summary>'
             f'<pre class="cl-src" tabindex="0"'
             f' aria-label="{a(tr("Source of {name}", name=f"ops.{op}"))}">'
             f'<code>{a(source.real_source(op))}</code></pre></details>']
    for name in source.helpers(op):
        calls = tr("It calls {function}", function=f"<code>ops.{a(name)}</code>")
        parts.append(f'<details class="cl-real cl-helper"><summary>{calls}</summary>'
                     f'<pre class="cl-src" tabindex="0"'
                     f' aria-label="{a(tr("Source of {name}", name=f"ops.{name}"))}">'
                     f'<code>{a(source.real_source(name))}</code></pre></details>')
    return "".join(parts)


def panel_html(model: Model, exercises: Sequence[Exercise], current: Exercise,
               layer: str) -> str:
    """The Code tab's content for the view of ``layer`` (the editor's text is set later)."""
    picks = "".join(
        f'<option value="{a(e.key)}"{" selected" if e.key == current.key else ""}>'
        f'{a(tr(e.title))} ({a(tr(LEVELS[e.level]) if e.level in LEVELS else "")})</option>'
        for e in exercises)
    scope = "".join(f'<option value="{v}">{a(t)}</option>'
                    for v, t in scope_options(model, current, layer))
    name = tr("{op} code", op=current.op)
    intro = tr("The same signature and docstring; fill in the body. {np} is numpy. Check it on "
               "this image, then run the whole network on it.", np="<kbd>np</kbd>")
    return (
        f'<div class="cl-wrap" data-exercise="{a(current.key)}"><div class="cl-read">'
        + "".join(real_code_html(op) for op in dict.fromkeys(e.op for e in exercises))
        + f'</div><div class="cl-write"><h3 class="cl-h">{a(tr("Write your own"))}</h3>'
        f'<p class="cl-intro">{intro}</p>'
        f'<label class="cl-pick-l">{a(tr("Exercise"))} <select class="cl-pick"'
        f' aria-label="{a(tr("Exercise"))}">{picks}</select></label>'
        f'<p class="cl-linked" hidden>{a(tr(LINKED))}</p>'
        '<div class="cl-editor"><pre class="cl-gutter" aria-hidden="true"></pre>'
        f'<textarea class="cl-text" aria-label="{a(name)}" spellcheck="false" wrap="off" '
        'autocapitalize="off" autocomplete="off" autocorrect="off"></textarea></div>'
        '<div class="cl-actions">'
        f'<button type="button" class="cl-check">{a(tr("Check my code"))}</button>'
        f'<button type="button" class="cl-use">{a(tr("Use my code"))}</button>'
        f'<label class="cl-scope-l">{a(tr("for"))} <select class="cl-scope" '
        f'aria-label="{a(tr("Layers that use my code"))}">{scope}</select></label>'
        '</div>'
        '<div class="cl-outcome" role="status" aria-live="polite">'
        '<p class="cl-summary"></p><ul class="cl-details"></ul>'
        f'<pre class="cl-trace" hidden tabindex="0" aria-label="{a(tr("Traceback"))}"></pre>'
        f'<ul class="cl-hidden" aria-label="{a(tr("Hidden checks"))}"></ul></div>'
        '<div class="cl-actions cl-more">'
        f'<button type="button" class="cl-reset">{a(tr("Start again from the starter"))}'
        '</button>'
        f'<button type="button" class="cl-download">{a(tr("Download my code"))}</button>'
        '</div>'
        '<p class="cl-url-note"></p>'
        '</div></div>')


LINKED = N_('This code came with the link you opened. Read it first: it runs only when you '
            'press "Check my code" or "Use my code".')


def gutter_html(lines: int, bad: int | None = None) -> str:
    """Line numbers 1..``lines``, the failing one marked."""
    return "".join(f'<span{" class=cl-bad" if i == bad else ""}>{i}</span>'
                   for i in range(1, max(lines, 1) + 1))


def result_texts(result: Result) -> tuple[str, list[str], list[tuple[str, bool, str]]]:
    """(summary, details, hidden checks as (name, ok, sentence)) of a check."""
    c = result.check
    ms = result.seconds * 1000
    took = (" " + tr("Your function took {ms} ms on {layer}.", ms=f"{ms:,.0f}",
                     layer=result.layer) if ms >= 1
            else " " + tr("Your function took under 1 ms on {layer}.", layer=result.layer))
    summary = (tr("Passed: {summary}", summary=c.summary) if c.ok else
               tr("Not yet: {summary}", summary=c.summary)) + (took if c.ok else "")
    hidden = [(tr(name), h.ok, tr("passed") if h.ok else h.summary)
              for name, h in result.hidden]
    if c.ok and hidden and all(ok for _, ok, _ in hidden):
        summary += " " + tr("The {n} hidden checks pass too.", n=len(hidden))
    elif c.ok and hidden:
        bad = sum(1 for _, ok, _ in hidden if not ok)
        summary += " " + tr("{bad} of {n} hidden checks fail (other inputs, below).", bad=bad,
                            n=len(hidden))
    return summary, list(c.details), hidden


def banner_text(model: StudentModel) -> str:
    """The banner while the student's code is in use."""
    names = sorted(model.targets, key=lambda n: [s.name for s in model.layers].index(n)
                   if n != PROBABILITIES else len(model.layers))
    shown = ", ".join(tr("the softmax") if n == PROBABILITIES else n for n in names)
    text = tr("Your {op} code is in use for {layers}: every view shows its numbers.",
              op=model.exercise.op, layers=shown)
    if model.original is not model.base:
        text += " " + tr("It runs on the unedited network: your tinkering changes come back "
                         "with \"Back to the original\".")
    if model.problems:
        layer, why = next(iter(model.problems.items()))
        text += " " + tr("On this image it failed in {layer} ({why}), so that layer shows the "
                         "core's numbers.", layer=layer, why=why.splitlines()[-1][:200])
    return text


def short_banner(model: StudentModel) -> str:
    """The banner in the dialog on a phone, where the view needs the room."""
    if model.problems:
        return tr("Your {op} code is in use (it failed on this image).", op=model.exercise.op)
    return tr("Your {op} code is in use.", op=model.exercise.op)


def jump_text(result: Result) -> str:
    """The note above the view that a failed check opened."""
    c = result.check
    if c.position is None or c.got is None or c.want is None:
        return tr("Your code differs from the core's.")
    return tr("Your code differs here, at {where} of {layer}: yours is {got}, the core's is "
              "{want}.", where=where(c.position), layer=result.layer, got=num(c.got),
              want=num(c.want))


def tabs_html() -> str:
    """The dialog's "View" / "Code" tab list and the notes under it (jump, code in use)."""
    return (f'<div class="cl-tabs" role="tablist"'
            f' aria-label="{a(tr("Detail view: picture or code"))}">'
            '<button type="button" role="tab" id="cl-tab-view" aria-selected="true" '
            f'aria-controls="dv-body" tabindex="0">{a(tr("View"))}</button>'
            '<button type="button" role="tab" id="cl-tab-code" aria-selected="false" '
            f'aria-controls="cl-panel" tabindex="-1">{a(tr("Code"))}</button></div>'
            '<p class="cl-jump" role="status" hidden><span class="cl-jump-t"></span> '
            f'<button type="button" class="cl-jump-back">{a(tr("Back to my code"))}</button></p>'
            '<p class="cl-inuse" role="status" hidden><span class="cl-inuse-t"></span>'
            '<span class="cl-inuse-s"></span> '
            f'<button type="button" class="cl-back">{a(tr(BACK))}</button></p>')


def banner_html() -> str:
    """The page's banner while the student's code is in use (its text is set later)."""
    return (f'<span class="cl-banner-t"></span> <button type="button" class="cl-back">'
            f'{a(tr(BACK))}</button>')


BACK = N_("Back to the original")


def no_code_html() -> str:
    return f'<p class="cl-intro">{a(tr("This view has no code of its own."))}</p>'


def running_text(limit_s: float) -> str:
    return tr("Running your code\u2026 (it is stopped after {s} s)", s=f"{limit_s:g}")


def running_on_text(layer: str) -> str:
    return tr("Running your code on {layer}\u2026", layer=layer)


def failed_in_text(layer: str) -> str:
    return tr("Your code failed in {layer}, so that layer shows the core's numbers:",
              layer=layer)


def in_use_text(names: Sequence[str], seconds: float) -> str:
    return tr("The network now runs on your code ({layers}); your function took {ms} ms in "
              "all. Every view shows its numbers.", layers=", ".join(names),
              ms=f"{seconds * 1000:,.0f}")


def url_note(fits: bool, linked: bool) -> str:
    """The note under the editor on the address: too long for a link, or held by it."""
    if not fits:
        return tr("Your code is too long to travel in a link; use \"Download my code\" to "
                  "keep it.")
    return tr("The page's link now holds your code.") if linked else ""
