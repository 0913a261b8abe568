"""The URL is the session: what a lesson link holds, how it is written and how it is read.

    index.html?image=3&range=module&detail=off&model=models/mine.npz#/conv_1_2/5@12,7

Query: ``image`` (gallery example, 1-based; ``upload`` when the photo was the user's own,
which cannot travel in a link), ``range`` (``unit`` | ``module`` | ``global``), ``detail``
(``off``), ``model`` and ``classes`` (see :mod:`pyapp.model_source`), ``edit`` (the network's
changes, see :mod:`pyapp.edits`; written by :mod:`pyapp.ui.tinker`), ``code`` (an exercise and
the student's code, see :mod:`pyapp.codelab.link`; written by :mod:`pyapp.ui.code`),
``present`` (``1``: open in presenter mode, see :mod:`pyapp.ui.present`; kept in the link as it
is), ``lang`` (the page's language, one of :data:`pyapp.i18n.LANGUAGES`; kept as it is, a bad
value is ignored: see :func:`pyapp.i18n.choose`); other parameters are kept as they are.
Hash: the open detail view, everything 1-based as the views' titles count:

    #/conv_1_2/5        conv_1_2, neuron 5: the elastic convolution view
    #/conv_1_2/5/2      ... its input channel 2: the formula view
    #/relu_1_1/3@4,7    the ReLU view of neuron 3, pinned at row 4, column 7
    #/output/6@120      the flatten view of class 6, at flat element 120
    #/softmax/6         the softmax view of class 6; ``#softmax`` alone: the predicted class

Hashes of the earlier, 0-based form (``#conv_1_2/4``, ``#softmax/5``) still open their view.
Layer names are percent-encoded.  Everything here is untrusted input: the parser is bounded
(:data:`MAX_HASH` characters, :data:`MAX_DIGITS` digits a number) and never raises; what it
cannot read is "no view".  Plain Python (no ``js``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from pyapp.i18n import LANGUAGES, tr
from pyapp.render.ranges import RANGE_MODES
from pyapp.views.route import SOFTMAX, ViewRef, ref_for

MAX_HASH = 512
MAX_QUERY = 4096
MAX_DIGITS = 6
#: Query parameters this module writes (the others are kept untouched).
OWN_PARAMS = ("image", "range", "detail")
UPLOAD = "upload"
PRESENT = "present"
LANG = "lang"

_NUM = rf"[0-9]{{1,{MAX_DIGITS}}}"
_NEW = re.compile(rf"^/([^/@]{{1,200}})/({_NUM})(?:/({_NUM}))?(?:@({_NUM})(?:,({_NUM}))?)?$")
_OLD = re.compile(rf"^([^/@]{{1,200}})/({_NUM})(?:/({_NUM}))?$")


@dataclass(frozen=True)
class ViewLink:
    """A view named by a hash, not yet checked against a model (0-based fields)."""

    layer: str
    index: int
    channel: int | None = None
    at: tuple[int, ...] | None = None  # 0-based position coordinates, when pinned


def parse_view_hash(text: str) -> ViewLink | None:
    """``location.hash`` -> the view it names, or None (never raises)."""
    if not isinstance(text, str) or len(text) > MAX_HASH:
        return None
    body = text[1:] if text.startswith("#") else text
    if body == SOFTMAX or body == "/" + SOFTMAX:
        return ViewLink(SOFTMAX, -1)  # the predicted class
    m = _NEW.match(body)
    if m:
        layer = unquote(m.group(1))
        index, channel = int(m.group(2)) - 1, m.group(3)
        at = tuple(int(g) - 1 for g in m.group(4, 5) if g is not None) or None
        if index < 0 or (channel is not None and int(channel) < 1):
            return None
        if at is not None and min(at) < 0:
            return None
        return ViewLink(layer, index, int(channel) - 1 if channel else None, at)
    m = _OLD.match(body)
    if m:
        channel = m.group(3)
        return ViewLink(unquote(m.group(1)), int(m.group(2)),
                        int(channel) if channel is not None else None)
    return None


def position_shape(ref: ViewRef, model: Any) -> tuple[int, ...]:
    """The grid a view's positions walk: ``(rows, columns)`` of a map, or ``(n,)``."""
    if ref.kind == "softmax":
        return (model.num_classes,)
    if ref.kind == "logit":
        source = model.input_of(model.input_of(ref.layer))
        return (int(math.prod(model.shapes[source])),)
    shape = model.shapes[ref.layer]
    shape = model.layer(ref.layer).kind.map_shape(shape) or shape  # global pooling: 1x1 maps
    return (int(shape[0]), int(shape[1]))


def position_coords(ref: ViewRef, model: Any, index: int) -> tuple[int, ...]:
    """0-based position index -> its 0-based coordinates in :func:`position_shape`."""
    shape = position_shape(ref, model)
    if len(shape) == 1:
        return (int(index),)
    return divmod(int(index), shape[1])


def position_label(ref: ViewRef, model: Any, index: int) -> str:
    """What people (and the URL, and ``data-position``) read: ``"row,column"`` 1-based, or
    the element / class number."""
    return ",".join(str(v + 1) for v in position_coords(ref, model, index))


def position_index(ref: ViewRef, model: Any, at: Sequence[int]) -> int | None:
    """0-based coordinates -> the position index (None when outside the view)."""
    shape = position_shape(ref, model)
    if len(at) != len(shape) or any(not 0 <= a < n for a, n in zip(at, shape, strict=True)):
        return None
    return int(at[0]) if len(shape) == 1 else int(at[0]) * shape[1] + int(at[1])


def resolve(link: ViewLink | None, model: Any, predicted: int) -> tuple[ViewRef | None,
                                                                       int | None]:
    """The view and pinned position a link names in ``model`` (None, None if it has none)."""
    if link is None:
        return None, None
    if link.layer == SOFTMAX:
        ref = ref_for(model, SOFTMAX, predicted if link.index < 0 else link.index)
    else:
        ref = ref_for(model, link.layer, link.index, link.channel)
    if ref is None:
        return None, None
    pos = position_index(ref, model, link.at) if link.at is not None else None
    return ref, pos


def view_hash(ref: ViewRef | None, model: Any, position: int | None = None) -> str:
    """The hash of view ``ref`` (``""`` for none), 1-based, position appended if pinned."""
    if ref is None:
        return ""
    if ref.kind == "softmax":
        text = f"#/{SOFTMAX}/{ref.index + 1}"
    else:
        text = f"#/{quote(ref.layer, safe='')}/{ref.index + 1}"
        if ref.kind == "formula" and ref.channel is not None:
            text += f"/{ref.channel + 1}"
    if position is not None:
        text += "@" + position_label(ref, model, position)
    return text


@dataclass(frozen=True)
class PageLink:
    """What a page URL asks for (see the module docstring); unknown parameters in ``rest``."""

    image: int | None = None  # 0-based gallery entry
    upload: bool = False  # the link was made with the user's own photo
    range_mode: str = "unit"
    detail: bool = True
    view: ViewLink | None = None
    rest: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    problems: tuple[str, ...] = field(default_factory=tuple)
    present: bool = False  # ``present=1``: presenter mode (the parameter stays in ``rest``)
    lang: str | None = None  # ``lang=ja``: a known language (the parameter stays in ``rest``)


def parse_page(search: str, hash_: str = "") -> PageLink:
    """``location.search`` and ``location.hash`` -> :class:`PageLink` (never raises)."""
    search = search if isinstance(search, str) else ""
    if len(search) > MAX_QUERY:
        return PageLink(view=parse_view_hash(hash_),
                        problems=(tr("The link is too long to read; showing the first example."),))
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    image, upload, mode, detail = None, False, "unit", True
    rest: list[tuple[str, str]] = []
    problems: list[str] = []
    for key, value in pairs:
        if key == "image":
            if value == UPLOAD:
                upload = True
            elif value.isdigit() and len(value) <= MAX_DIGITS and int(value) >= 1:
                image = int(value) - 1
            else:
                problems.append(tr("The link names an example that does not exist; showing "
                                   "the first example."))
        elif key == "range":
            if value in RANGE_MODES:
                mode = value
        elif key == "detail":
            detail = value != "off"
        else:
            rest.append((key, value))
    present = any(k == PRESENT and v == "1" for k, v in rest)
    lang = next((v for k, v in rest if k == LANG and v in LANGUAGES), None)
    return PageLink(image, upload, mode, detail, parse_view_hash(hash_), tuple(rest),
                    tuple(problems), present, lang)


def page_query(snapshot: Any, rest: Sequence[tuple[str, str]] = ()) -> str:
    """The query string (``"?..."``, or ``""``) for a snapshot, keeping ``rest`` (e.g.
    ``model``, ``classes``, ``present``) first, in their order."""
    params: list[tuple[str, str]] = [(k, v) for k, v in rest if k not in OWN_PARAMS]
    source = snapshot.source
    if source.kind == "gallery" and source.index:
        params.append(("image", str(source.index + 1)))
    elif source.kind != "gallery":
        params.append(("image", UPLOAD))
    if snapshot.range_mode != "unit":
        params.append(("range", snapshot.range_mode))
    if not snapshot.detail:
        params.append(("detail", "off"))
    return "?" + urlencode(params, safe="/,:") if params else ""


def page_url(snapshot: Any, path: str, rest: Sequence[tuple[str, str]] = ()) -> str:
    """``path`` + query + hash: the link that opens exactly this screen."""
    return (path + page_query(snapshot, rest)
            + view_hash(snapshot.view, snapshot.model, snapshot.position))


def rest_of(search: str) -> list[tuple[str, str]]:
    """The parameters of ``search`` that this module does not write (kept in links)."""
    return list(parse_page(search).rest)


def with_present(search: str, on: bool) -> str:
    """``search`` with ``present=1`` set (``on``) or removed, the other parameters kept in
    their order: presenter mode travels in a copied link while it is on."""
    pairs = [] if not isinstance(search, str) or len(search) > MAX_QUERY else \
        [(k, v) for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=True)
         if k != PRESENT]
    if on:
        pairs.append((PRESENT, "1"))
    return "?" + urlencode(pairs, safe="/,:") if pairs else ""


def with_lang(search: str, code: str) -> str:
    """``search`` with ``lang=code`` (replacing any earlier ``lang``), the other parameters
    kept in their order: the language menu reloads the same session in another language."""
    pairs = [] if not isinstance(search, str) or len(search) > MAX_QUERY else \
        [(k, v) for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=True) if k != LANG]
    if code in LANGUAGES:
        pairs.append((LANG, code))
    return "?" + urlencode(pairs, safe="/,:") if pairs else ""


def upload_note(snapshot: Any) -> str:
    """What a copied link says when the photo cannot travel with it ("" when it can)."""
    if snapshot.source.kind in ("gallery", "probe"):
        return ""
    return tr("Your own photo stays on this device and cannot travel in a link: the link opens "
              "on the first example.")

