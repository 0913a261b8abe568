"""Every string a person reads goes through :func:`tr` (or :func:`trn` for counts).

The English text is the key: ``tr("Step {n} of {m}", n=2, m=13)`` looks the text up in the
current language's catalogue (``pyapp/i18n/<lang>.json``, a flat JSON object from English to
the translation, shipped with the package) and then fills the ``{placeholders}`` with
``str.format``. A text missing from a catalogue falls back to English, so a new string never
breaks the page; the build and the tests check that every key exists in every catalogue.

Rules for callers
-----------------
* Pass a literal: ``tr("Close")``, never ``tr(f"...")`` or ``tr(variable)``, so the keys can be
  collected from the source. Values go in as keyword arguments.
* Module-level constants are marked with :func:`N_` (returns its argument) and translated
  where they are shown: ``LABEL = N_("Kernel")`` ... ``tr(LABEL)``. ``tr`` accepts a marked
  constant as well as a literal.
* Escape after translating, exactly as before (``escape(tr("… {name}", name=untrusted))``):
  catalogues are ours, the values are not.
* The language is chosen once per page (``?lang=`` or the browser's languages) with
  :func:`set_language`; the build renders each language inside ``with language(code):``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

DEFAULT = "en"
# code -> the language's own name (what the language menu shows)
LANGUAGES: dict[str, str] = {"en": "English", "ja": "日本語"}
_HERE = Path(__file__).parent
_current = DEFAULT


@cache
def catalogue(code: str) -> dict[str, str]:
    """The catalogue of ``code`` (English has none: its keys are its texts)."""
    if code == DEFAULT:
        return {}
    path = _HERE / f"{code}.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def current() -> str:
    """The language texts are translated into now."""
    return _current


def choose(asked: str | None, browser: Sequence[str] = ()) -> str:
    """The page's language: ``asked`` (``?lang=``) when it is one of :data:`LANGUAGES`, else
    the first of the browser's languages (``navigator.languages``, e.g. ``["ja-JP", "en"]``)
    whose primary subtag is one, else English.  A bad value is no error: it is ignored.
    ``www/lang.js`` makes the same choice before the first paint."""
    if isinstance(asked, str) and asked in LANGUAGES:
        return asked
    for tag in browser:
        code = str(tag).split("-", 1)[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT


def page_file(code: str) -> str:
    """The built page in ``code``: ``index.html`` in the default language, ``index.<code>.html``
    in each other one (``build.py`` writes them; ``www/lang.js`` follows the same rule)."""
    return "index.html" if code == DEFAULT or code not in LANGUAGES else f"index.{code}.html"


def set_language(code: str) -> str:
    """Switch to ``code`` if it is one of :data:`LANGUAGES` (else English); returns the code."""
    global _current
    _current = code if code in LANGUAGES else DEFAULT
    return _current


@contextmanager
def language(code: str) -> Iterator[str]:
    """``with language("ja"):`` renders in Japanese, then restores the previous language."""
    before = _current
    try:
        yield set_language(code)
    finally:
        set_language(before)


def tr(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` filled from ``values``."""
    text = catalogue(_current).get(message, message)
    return text.format(**values) if values else text


def trn(one: str, many: str, n: int, /, **values: object) -> str:
    """``one`` when ``n == 1`` else ``many`` (both are keys), translated; ``{n}`` is filled."""
    return tr(one if n == 1 else many, n=n, **values)


def N_(message: str, /) -> str:  # noqa: N802 - the gettext name for "mark, translate later"
    """Mark a constant for the catalogue without translating it yet."""
    return message


# CIFAR-10's class names, so the catalogues translate them for display; a model's class
# names stay the keys everywhere else (links, files, the session).
CIFAR10_CLASSES = (N_("airplane"), N_("automobile"), N_("bird"), N_("cat"), N_("deer"),
                   N_("dog"), N_("frog"), N_("horse"), N_("ship"), N_("truck"))


def class_label(name: str) -> str:
    """A class name as shown: translated when the catalogue knows it, else as the model has it
    (a student's own class, "my mug", is shown as typed)."""
    return catalogue(_current).get(name, name)
