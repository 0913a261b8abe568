"""Is a setting computable, and does it use every input cell?  With reasons in words.

Two problems are flagged, never silently stopped:

* the (dilated) kernel is wider than the padded input: nothing can be computed;
* the stride (with dilation, also the gaps between the kernel's taps) leaves some input cells
  that no window ever reads: the output is still computed and those cells are marked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyapp.i18n import tr, trn

from .geometry import Settings, output_size

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@dataclass(frozen=True)
class Issue:
    """One finding: ``kind`` is a stable key, ``severity`` is error / warning / note."""

    kind: str
    severity: str
    message: str


@dataclass(frozen=True)
class Validity:
    """``computable`` is false when the kernel does not fit; ``issues`` say why, and what."""

    computable: bool
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is worse than a note."""
        return all(issue.severity == NOTE for issue in self.issues)


def axis_coverage(settings: Settings) -> np.ndarray:
    """Boolean ``(n + 2p,)``: which rows (equally, columns) of the padded input some window
    reads.  A padded cell is read iff its row and its column are both read."""
    size = settings.padded_size
    covered = np.zeros(size, dtype=bool)
    out = output_size(settings.input_size, settings.kernel_size, settings.stride,
                      settings.padding, settings.dilation)
    if out < 1:
        return covered
    starts = np.arange(out) * settings.stride
    taps = np.arange(settings.kernel_size) * settings.dilation
    covered[(starts[:, None] + taps[None, :]).ravel()] = True
    return covered


def used_mask(settings: Settings) -> np.ndarray:
    """Boolean ``(n + 2p, n + 2p)``: the padded cells that at least one window reads."""
    cov = axis_coverage(settings)
    return cov[:, None] & cov[None, :]


def _rows(count: int) -> str:
    return trn("{n} row", "{n} rows", count)


def _columns(count: int) -> str:
    return trn("{n} column", "{n} columns", count)


def _ordinal(number: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(number, f"{number}th")


def check(settings: Settings) -> Validity:
    """Check ``settings`` and explain what is wrong, if anything."""
    n, p, k = settings.input_size, settings.padding, settings.kernel_size
    s, d = settings.stride, settings.dilation
    span, padded = settings.window_span, settings.padded_size
    if span > padded:
        size = f"{k}\u00d7{k}"
        if d > 1:
            why = tr("a {size} kernel with dilation {d} spans d(k\u22121)+1 = {sum} = {span} "
                     "cells", size=size, d=d, sum=f"{d}\u00d7{k - 1}+1", span=span)
        else:
            why = tr("a {size} kernel spans {span} cells", size=size, span=span)
        message = tr("The kernel does not fit: {why}, but the padded input is only "
                     "n+2p = {sum} = {padded} cells wide. Use a smaller kernel or "
                     "dilation, or more padding.", why=why, sum=f"{n}+2\u00d7{p}",
                     padded=padded)
        return Validity(False, (Issue("kernel-too-big", ERROR, message),))

    issues: list[Issue] = []
    cov = axis_coverage(settings)
    real = np.zeros(padded, dtype=bool)
    real[p:p + n] = True
    last = int(np.flatnonzero(cov)[-1])
    trailing = np.arange(padded) > last
    gaps = ~cov & ~trailing
    unused_lines = int((~cov & real).sum())
    unused_cells = n * n - int(cov[real].sum()) ** 2

    trailing_real = int((trailing & real).sum())
    trailing_total = int(trailing.sum())
    if trailing_total:
        reach = last + 1
        if trailing_real:
            message = tr(
                "The stride leaves part of the input unused: windows start every {s} "
                "cells, so the last window ends at cell {reach} of {padded} and the last "
                "{rows} and {columns} of the input are never read "
                "((n+2p\u2212d(k\u22121)\u22121) mod s = {left} mod {s} = {mod}, not 0).",
                s=s, reach=reach, padded=padded, rows=_rows(trailing_real),
                columns=_columns(trailing_real), left=settings.padded_size - span,
                mod=(padded - span) % s)
            issues.append(Issue("stride-leftover", WARNING, message))
        else:
            message = tr(
                "The stride skips the last {rows} of padding (windows start every {s} "
                "cells); every input cell is still read.", rows=_rows(trailing_total), s=s)
            issues.append(Issue("stride-leftover-padding", NOTE, message))
    gaps_real = int((gaps & real).sum())
    if gaps_real:
        lines = tr("{rows} and {columns}", rows=_rows(gaps_real), columns=_columns(gaps_real))
        if s > span:
            message = tr(
                "The stride leaves part of the input unused: windows start every {s} cells "
                "but each spans only {span}, so {lines} between windows are never read.",
                s=s, span=span, lines=lines)
            issues.append(Issue("stride-gaps", WARNING, message))
        else:
            message = tr(
                "With dilation {d} the kernel reads every {ordinal} cell, and with "
                "stride {s} the windows never land on {lines} inside the input: those "
                "cells are never read.", d=d, ordinal=_ordinal(d), s=s, lines=lines)
            issues.append(Issue("dilation-gaps", WARNING, message))
    if unused_lines:
        issues.append(Issue(
            "unused-cells", WARNING,
            trn("{n} input cell of {total} are never read; they are marked in the input. "
                "The output is still computed.",
                "{n} input cells of {total} are never read; they are marked in the input. "
                "The output is still computed.", unused_cells, total=n * n),
        ))
    return Validity(True, tuple(issues))
