"""Is a setting computable, and does it use every input cell?  With reasons in words.

Two problems are flagged, never silently stopped:

* the (dilated) kernel is wider than the padded input: nothing can be computed;
* the stride (with dilation, also the gaps between the kernel's taps) leaves some input cells
  that no window ever reads: the output is still computed and those cells are marked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _ordinal(number: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(number, f"{number}th")


def check(settings: Settings) -> Validity:
    """Check ``settings`` and explain what is wrong, if anything."""
    n, p, k = settings.input_size, settings.padding, settings.kernel_size
    s, d = settings.stride, settings.dilation
    span, padded = settings.window_span, settings.padded_size
    if span > padded:
        if d > 1:
            why = (f"a {k}\u00d7{k} kernel with dilation {d} spans d(k\u22121)+1 = "
                   f"{d}\u00d7{k - 1}+1 = {span} cells")
        else:
            why = f"a {k}\u00d7{k} kernel spans {span} cells"
        message = (f"The kernel does not fit: {why}, but the padded input is only "
                   f"n+2p = {n}+2\u00d7{p} = {padded} cells wide. Use a smaller kernel or "
                   f"dilation, or more padding.")
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
            message = (
                f"The stride leaves part of the input unused: windows start every {s} "
                f"cells, so the last window ends at cell {reach} of {padded} and the last "
                f"{_plural(trailing_real, 'row')} and {_plural(trailing_real, 'column')} of "
                f"the input are never read ((n+2p\u2212d(k\u22121)\u22121) mod s = "
                f"{settings.padded_size - span} mod {s} = {(padded - span) % s}, not 0)."
            )
            issues.append(Issue("stride-leftover", WARNING, message))
        else:
            message = (
                f"The stride skips the last {_plural(trailing_total, 'row')} of padding "
                f"(windows start every {s} cells); every input cell is still read."
            )
            issues.append(Issue("stride-leftover-padding", NOTE, message))
    gaps_real = int((gaps & real).sum())
    if gaps_real:
        lines = f"{_plural(gaps_real, 'row')} and {_plural(gaps_real, 'column')}"
        if s > span:
            message = (
                f"The stride leaves part of the input unused: windows start every {s} cells "
                f"but each spans only {span}, so {lines} between windows are never read."
            )
            issues.append(Issue("stride-gaps", WARNING, message))
        else:
            message = (
                f"With dilation {d} the kernel reads every {_ordinal(d)} cell, and with "
                f"stride {s} the windows never land on {lines} inside the input: those "
                f"cells are never read."
            )
            issues.append(Issue("dilation-gaps", WARNING, message))
    if unused_lines:
        issues.append(Issue(
            "unused-cells", WARNING,
            f"{_plural(unused_cells, 'input cell')} of {n * n} are never read; they are "
            f"marked in the input. The output is still computed.",
        ))
    return Validity(True, tuple(issues))
