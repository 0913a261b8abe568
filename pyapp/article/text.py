"""Joining the article's translated pieces in the current language: English puts a space
between sentences and writes "a, b and c"; Japanese joins sentences without a space and lists
with "、" (the joiners are catalogue entries too)."""

from __future__ import annotations

from pyapp.i18n import tr


def sentences(*parts: str) -> str:
    """The non-empty ``parts`` as one run of text: ``"A. B."`` in English, ``"A。B。"`` in
    Japanese."""
    out = ""
    for part in parts:
        if not part:
            continue
        out = tr("{first} {second}", first=out, second=part) if out else part
    return out


def listing(items: list[str], conj: str = "and") -> str:
    """``a, b and c`` (``conj="or"``: ``a, b or c``) in the current language."""
    if len(items) <= 1:
        return "".join(items)
    rest = tr(", ").join(items[:-1])
    if conj == "or":
        return tr("{rest} or {last}", rest=rest, last=items[-1])
    return tr("{rest} and {last}", rest=rest, last=items[-1])
