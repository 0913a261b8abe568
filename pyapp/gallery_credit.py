"""A gallery photo's credit as the page shows it: in ``www/gallery/gallery.json`` an entry's
``credit`` is English and ``credit_<lang>`` (``credit_ja``) the same credit in another
language (the photo's title translated; authors, sources and licences as written).  Plain
Python."""

from __future__ import annotations

from collections.abc import Mapping

from pyapp.i18n import DEFAULT, current


def credit(entry: Mapping[str, str]) -> str:
    """``entry``'s credit in the current language, else the English one ("" for none)."""
    lang = current()
    text = entry.get(f"credit_{lang}") if lang != DEFAULT else None
    return str(text or entry.get("credit", ""))
