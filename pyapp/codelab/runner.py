"""Running a student's code: a fresh namespace, a time limit, and errors as plain text.

Nothing the student writes escapes: :func:`load` and :func:`call` return or raise only
:class:`StudentError`, whose ``text`` is what the page shows (a traceback with the lines
numbered as in the editor, or a sentence).  The time limit works on the interpreter's own
thread (the page has no other): a trace function, installed only for frames of the student's
file, counts line events and raises :class:`Stopped` once the limit is past.  A numpy call that
runs long in C cannot be interrupted, but the loop around it can (``while True: pass`` too).
"""

from __future__ import annotations

import builtins
import linecache
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.budgets import CODE_TIME_LIMIT_S, MAX_CODE_CHARS
from pyapp.i18n import tr

#: How many line events pass between two looks at the clock (a look costs ~0.1 us).
CHECK_EVERY = 256


class Stopped(BaseException):  # noqa: N818 - a BaseException: ``except Exception`` cannot hold it
    """The student's code ran past its time limit."""


class StudentError(Exception):
    """The student's code failed; ``text`` is what the page shows, ``line`` the editor line
    (1-based) the failure points at, when known; ``stopped`` for the time limit."""

    def __init__(self, text: str, line: int | None = None, stopped: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.line = line
        self.stopped = stopped


def file_name(op: str) -> str:
    """The file name the student's code is compiled under (tracebacks show it)."""
    return f"<{op} code>"


@dataclass(frozen=True)
class Loaded:
    """The student's module: its namespace and the function asked for."""

    function: Callable[..., Any]
    filename: str
    namespace: dict[str, Any]


def _limited(filename: str, limit_s: float, run: Callable[[], Any]) -> Any:
    """``run()`` with the student's frames (those compiled as ``filename``) traced, and
    :class:`Stopped` raised in them once ``limit_s`` seconds have passed."""
    deadline = time.monotonic() + limit_s
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        if count % CHECK_EVERY == 0 and time.monotonic() > deadline:
            # raised again at each later event, so a bare ``except:`` in a loop cannot hold it
            count = CHECK_EVERY - 1
            raise Stopped
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == filename else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        return run()
    finally:
        sys.settrace(previous)


#: How :func:`stopped_text` begins (the time limit's message).
STOPPED_START = "Your code was stopped"


def stopped_text(limit_s: float) -> str:
    return tr("Your code was stopped after {s} s: it is probably stuck in an endless loop "
              "(look at each while loop's condition), or far too slow.", s=f"{limit_s:g}")


def _traceback_text(exc: BaseException, filename: str) -> tuple[str, int | None]:
    """The traceback of the student's frames only ("Line 4, in relu"), then the error."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        shown = (exc.text or "").strip()
        line = tr("Line {n}", n=exc.lineno)
        return (f"{line}:\n    {shown}\nSyntaxError: {exc.msg}" if shown
                else f"{line}\nSyntaxError: {exc.msg}"), exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = [tr("Traceback (lines as in the editor):")]
    for f in frames:
        lines.append("  " + (tr("Line {n}", n=f.lineno) if f.name == "<module>" else
                             tr("Line {n}, in {name}", n=f.lineno, name=f.name)))
        if f.line:
            lines.append(f"    {f.line.strip()}")
    lines.extend(s.rstrip("\n") for s in traceback.format_exception_only(type(exc), exc))
    return "\n".join(lines), (frames[-1].lineno if frames else None)


def _guard(filename: str, limit_s: float, run: Callable[[], Any]) -> Any:
    try:
        return _limited(filename, limit_s, run)
    except Stopped:
        raise StudentError(stopped_text(limit_s), stopped=True) from None
    except StudentError:
        raise
    except (Exception, SystemExit, GeneratorExit) as exc:  # nothing the student writes escapes
        text, line = _traceback_text(exc, filename)
        raise StudentError(text, line) from None


def load(code: str, function: str, op: str, limit_s: float = CODE_TIME_LIMIT_S) -> Loaded:
    """Compile and run ``code`` in a fresh namespace (``np`` is numpy) and return its
    ``function``.  Raises :class:`StudentError` with the text the page shows."""
    if not isinstance(code, str):
        raise StudentError(tr("The code must be text."))
    if len(code) > MAX_CODE_CHARS:
        raise StudentError(tr("The code is {n} characters long; the editor runs at most {m}.",
                              n=f"{len(code):,}", m=f"{MAX_CODE_CHARS:,}"))
    filename = file_name(op)
    namespace: dict[str, Any] = {"__name__": "student", "__builtins__": builtins, "np": np,
                                 "numpy": np}

    def run() -> None:
        exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - the student's own code

    # the traceback shows the student's lines (and inspect finds them)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        compile(code, filename, "exec")
    except SyntaxError as exc:
        text, line = _traceback_text(exc, filename)
        raise StudentError(text, line) from None
    except ValueError as exc:  # e.g. a NUL character
        raise StudentError(tr("The code cannot be read: {reason}.", reason=exc)) from None
    _guard(filename, limit_s, run)
    fn = namespace.get(function)
    if not callable(fn):
        raise StudentError(tr("Your code does not define a function called {name}(...); "
                              "keep the starter's first line, def {name}(...):", name=function))
    return Loaded(fn, filename, namespace)


def call(loaded: Loaded, args: Sequence[Any], kwargs: dict[str, Any] | None = None,
         limit_s: float = CODE_TIME_LIMIT_S) -> Any:
    """``loaded.function(*args, **kwargs)`` under the time limit (:class:`StudentError` on
    any failure)."""
    return _guard(loaded.filename, limit_s, lambda: loaded.function(*args, **(kwargs or {})))
