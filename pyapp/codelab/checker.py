"""The check: the student's output against the core's, on the same arguments.

``compare(got, want, op, args)`` gives a :class:`Check`: all equal within :data:`ATOL` /
:data:`RTOL` (``|got - want| <= ATOL + RTOL * |want|``, as ``np.isclose``), or the first
differing position in C order (row, column, channel) with both values and what produced it
(the window of a convolution or pooling, the input of an element-wise function, the element a
flatten should have moved there, a dense unit's bias), or the wrong shape or dtype said in words.
Positions are 0-based in :attr:`Check.position`; the sentences count from 1, as the views do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp.cnn import ops
from pyapp.i18n import N_, tr, trn

ATOL = 1e-5
RTOL = 1e-5
BIAS_MISSING = N_("Yours equals the core's minus the bias: is the bias missing?")


@dataclass(frozen=True)
class Check:
    """``ok``; ``summary`` (one sentence); ``details`` (what produced the position, hints);
    ``position`` (0-based index into the output, or None); ``got`` / ``want`` there."""

    ok: bool
    summary: str
    details: tuple[str, ...] = ()
    position: tuple[int, ...] | None = None
    got: float | None = None
    want: float | None = None


def num(v: float) -> str:
    """A value as the check prints it (U+2212 minus)."""
    return f"{float(v):.6g}".replace("-", "\u2212")


def where(position: Sequence[int]) -> str:
    """``row 3, column 5, channel 2`` (1-based) for a map, ``element 7`` for a vector."""
    p = [int(v) + 1 for v in position]
    if len(p) == 3:
        return tr("row {r}, column {c}, channel {ch}", r=p[0], c=p[1], ch=p[2])
    if len(p) == 1:
        return tr("element {n}", n=p[0])
    return tr("position {p}", p=", ".join(map(str, p)))


def index_text(position: Sequence[int]) -> str:
    return "y[" + ", ".join(str(int(v)) for v in position) + "]"


def _shape_words(shape: Sequence[int]) -> str:
    names = {3: tr("(rows, columns, channels)"), 1: tr("(one vector)")}
    return f"{tuple(int(s) for s in shape)} {names.get(len(shape), '')}".rstrip()


def shape_problem(got: Any, want: np.ndarray) -> str:
    """"" when ``got`` is an array of ``want``'s shape and a real number type; else the
    sentence that says what is wrong."""
    if got is None:
        return tr("Your function returned None: is the `return y` line missing?")
    if not isinstance(got, np.ndarray):
        kind = type(got).__name__
        if np.isscalar(got) or isinstance(got, (list, tuple)):
            got = np.asarray(got)
        else:
            return tr("Your function returned a {kind}, not a numpy array.", kind=kind)
    if got.dtype == object or not (np.issubdtype(got.dtype, np.floating)
                                   or np.issubdtype(got.dtype, np.integer)
                                   or got.dtype == bool):
        return tr("Your function returned an array of {dtype} values; the network needs real "
                  "numbers (float32).", dtype=got.dtype)
    if got.shape != want.shape:
        text = tr("Your output has the shape {got}; the core's has {want}.",
                  got=_shape_words(got.shape), want=_shape_words(want.shape))
        if got.ndim == 3 and want.ndim == 3 and got.shape == (want.shape[2], *want.shape[:2]):
            text += " " + tr("It looks channels-first: this page keeps channels last, "
                             "x[row, column, c].")
        elif got.size == want.size:
            text += " " + tr("The same number of values, arranged differently.")
        elif got.ndim == want.ndim == 3 and got.shape[2] == want.shape[2]:
            text += " " + tr("The number of rows or columns differs: look at the window's "
                             "range, the stride and the padding.")
        return text
    if np.issubdtype(got.dtype, np.integer) or got.dtype == bool:
        return tr("Your output holds {dtype} values, not floats: the fractions are lost. Make "
                  "it with dtype=np.float32 (or x.dtype).", dtype=got.dtype)
    return ""


def dtype_note(got: np.ndarray, want: np.ndarray) -> str:
    """A note (not a failure) when the values agree but the float type differs."""
    if got.dtype != want.dtype:
        return tr("Your output is {got}; the core's is {want}. The network converts yours to "
                  "{want}.", got=got.dtype, want=want.dtype)
    return ""


def first_difference(got: np.ndarray, want: np.ndarray) -> tuple[int, ...] | None:
    """The first position (C order) where ``got`` and ``want`` differ beyond the tolerance
    (NaN differs from everything), or None."""
    bad = ~np.isclose(got.astype(np.float64), want.astype(np.float64), rtol=RTOL, atol=ATOL)
    if not bad.any():
        return None
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(bad)), bad.shape))


def compare(got: Any, want: np.ndarray, args: Sequence[Any],
            kwargs: dict[str, Any] | None = None, explain: Explainer | None = None) -> Check:
    """The check of ``got`` (the student's output) against ``want`` (the core's, for the same
    ``args``); ``explain`` says what produced the first differing position."""
    problem = shape_problem(got, want)
    if problem:
        return Check(False, problem)
    got = np.asarray(got)
    pos = first_difference(got, want)
    if pos is None:
        note = dtype_note(got, want)
        return Check(True, tr("All {n} values equal the core's (within {tol}).",
                              n=f"{want.size:,}", tol=f"{ATOL:g}"),
                     (note,) if note else ())
    g, w = float(got[pos]), float(want[pos])
    n_bad = int((~np.isclose(got.astype(np.float64), want.astype(np.float64), rtol=RTOL,
                             atol=ATOL)).sum())
    summary = tr("First difference at {where} ({index}): yours is {got}, the core's is "
                 "{want}. {bad} of {n} values differ.", where=where(pos), index=index_text(pos),
                 got=num(g), want=num(w), bad=f"{n_bad:,}", n=f"{want.size:,}")
    details = (explain or explain_elementwise)(list(args), kwargs or {}, pos, g, w)
    return Check(False, summary, tuple(details), pos, g, w)


# --- what produced a position ------------------------------------------------------------
def _arg(args: list[Any], kwargs: dict[str, Any], i: int, name: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _window_rows(start: int, k: int, d: int, n: int) -> str:
    idx = [start + u * d for u in range(k)]
    inside = [r for r in idx if 0 <= r < n]
    pad = " " + tr("(some of it zero padding)") if len(inside) < len(idx) else ""
    if not inside:
        return tr("only padding")
    return f"{inside[0] + 1}\u2013{inside[-1] + 1}{pad}" if len(inside) > 1 \
        else f"{inside[0] + 1}{pad}"


#: ``explain(args, kwargs, pos, got, want) -> sentences``: what produced output ``pos``.
Explainer = Callable[[list[Any], dict[str, Any], tuple[int, ...], float, float], list[str]]


def _x(args: list[Any], kwargs: dict[str, Any]) -> np.ndarray:
    return np.asarray(args[0] if args else next(iter(kwargs.values())))


def explain_elementwise(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                        got: float, want: float) -> list[str]:
    """An element-wise function: the input value at the same position."""
    x = _x(args, kwargs)
    if x.shape == () or len(pos) != x.ndim:
        return []
    return [tr("It comes from the input x[{pos}] = {value}.", pos=", ".join(map(str, pos)),
               value=num(x[pos]))]


def explain_softmax(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                    got: float, want: float) -> list[str]:
    x = _x(args, kwargs).reshape(-1)
    return [tr("The logits: {values}", values=", ".join(num(v) for v in x[:12]))
            + (" ..." if x.size > 12 else "")]


def explain_conv(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                 got: float, want: float) -> list[str]:
    """A convolution: the window, the filter, the bias; a missing bias or a flipped kernel."""
    x = _x(args, kwargs)
    if len(pos) != 3:
        return []
    kernel = np.asarray(_arg(args, kwargs, 1, "kernel", None))
    bias = _arg(args, kwargs, 2, "bias", None)
    s = ops.as_pair(_arg(args, kwargs, 3, "strides", 1))
    padding = _arg(args, kwargs, 4, "padding", "valid")
    d = ops.as_pair(_arg(args, kwargs, 5, "dilation", 1))
    kh, kw, c_in, _ = kernel.shape
    pads = ops.resolve_padding(padding, x.shape[:2], (kh, kw), s, d)
    i, j, o = pos
    r0, c0 = i * s[0] - pads[0][0], j * s[1] - pads[1][0]
    b = 0.0 if bias is None else float(np.asarray(bias)[o])
    rows = _window_rows(r0, kh, d[0], x.shape[0])
    cols = _window_rows(c0, kw, d[1], x.shape[1])
    lines = [trn("It is made from the window of the input at rows {rows}, columns {cols}, all "
                 "{n} channel, times filter {o}'s {kh}\u00d7{kw} kernel, plus its bias {b}.",
                 "It is made from the window of the input at rows {rows}, columns {cols}, all "
                 "{n} channels, times filter {o}'s {kh}\u00d7{kw} kernel, plus its bias {b}.",
                 c_in, rows=rows, cols=cols, o=o + 1, kh=kh, kw=kw, b=num(b))]
    if bias is not None and abs(got - (want - b)) <= ATOL + RTOL * abs(want) and b != 0:
        lines.append(tr(BIAS_MISSING))
    flipped = ops.conv2d(x, kernel[::-1, ::-1], bias, s, padding, d)[pos]
    if abs(got - float(flipped)) <= ATOL + RTOL * abs(float(flipped)):
        lines.append(tr("Yours equals the sum with the kernel flipped (the textbook "
                        "convolution): this page, like PyTorch and Keras, does not flip it."))
    return lines


def explain_pool(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                 got: float, want: float) -> list[str]:
    """A pooling: the window and its values."""
    x = _x(args, kwargs)
    if len(pos) != 3:
        return []
    k = ops.as_pair(_arg(args, kwargs, 1, "pool_size", 2))
    strides = _arg(args, kwargs, 2, "strides", None)
    s = ops.as_pair(strides if strides is not None else k)
    pads = ops.resolve_padding(_arg(args, kwargs, 3, "padding", "valid"), x.shape[:2], k, s)
    i, j, c = pos
    r0, c0 = i * s[0] - pads[0][0], j * s[1] - pads[1][0]
    rows = [r for r in range(r0, r0 + k[0]) if 0 <= r < x.shape[0]]
    cols = [q for q in range(c0, c0 + k[1]) if 0 <= q < x.shape[1]]
    values = ", ".join(num(x[r, q, c]) for r in rows for q in cols)
    return [tr("Its window: rows {rows}, columns {cols} of channel {c}, holding {values}.",
               rows=_window_rows(r0, k[0], 1, x.shape[0]),
               cols=_window_rows(c0, k[1], 1, x.shape[1]), c=c + 1, values=values)]


def explain_flatten(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                    got: float, want: float) -> list[str]:
    """A flatten: which element belongs there, and where the student's value came from."""
    x = _x(args, kwargs)
    if x.ndim != 3 or len(pos) != 1:
        return []
    r, q, c = ops.unflat_index(pos[0], x.shape)
    lines = [tr("Element {n} should be x[{r}, {q}, {c}] (row {r1}, column {q1}, channel "
                "{c1}): flatten reads rows, then columns, then channels.", n=pos[0] + 1, r=r,
                q=q, c=c, r1=r + 1, q1=q + 1, c1=c + 1)]
    chw = x.transpose(2, 0, 1).reshape(-1)  # the usual mistake: PyTorch's channels-first order
    if pos[0] < chw.size and chw[pos[0]] == np.float32(got):
        lines.append(tr("Yours is what reading channels first gives here (x[c, row, column], "
                        "as PyTorch stores maps): this page keeps channels last."))
        return lines
    hits = np.argwhere(x == np.float32(got)) if got != 0 else []  # zeros are everywhere
    if len(hits) and not np.array_equal(hits[0], (r, q, c)):
        hr, hq, hc = (int(v) for v in hits[0])
        lines.append(tr("Yours is the value of x[{r}, {q}, {c}]: is the order channels "
                        "first?", r=hr, q=hq, c=hc) if hc != c else
                     tr("Yours is the value of x[{r}, {q}, {c}].", r=hr, q=hq, c=hc))
    return lines


def explain_dense(args: list[Any], kwargs: dict[str, Any], pos: tuple[int, ...],
                  got: float, want: float) -> list[str]:
    """A dense unit: its bias and inputs; a missing bias."""
    x = _x(args, kwargs)
    if len(pos) != 1:
        return []
    bias = _arg(args, kwargs, 2, "bias", None)
    (u,) = pos
    b = 0.0 if bias is None else float(np.asarray(bias)[u])
    lines = [tr("Unit {u} is its bias {b} plus the sum of all {n} inputs times column {u} "
                "of the kernel.", u=u + 1, b=num(b), n=f"{x.size:,}")]
    if bias is not None and b != 0 and abs(got - (want - b)) <= ATOL + RTOL * abs(want):
        lines.append(tr(BIAS_MISSING))
    return lines
