"""The page shell in every language (CPython, used by ``build.py``): the static texts of
``www/index.html``, the language menu and the start-up glue's messages.

``www/index.html`` stays plain English HTML; :func:`translate_static` translates its texts
(element text, ``aria-label`` / ``title`` / ``alt`` / ``placeholder``, the ``<title>`` and the
description) through the catalogue, each text's key being its English with whitespace runs
made single spaces and entities decoded ("Loading Python&hellip;" -> "Loading Python…").
:func:`index_keys` hands those keys to the catalogue check.  Scripts' bodies are left alone.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from pyapp.i18n import DEFAULT, LANGUAGES, N_, current, tr

INDEX = Path(__file__).resolve().parents[2] / "www" / "index.html"
# the menu's accessible name holds every language's word for it, so a visitor who cannot read
# the page's current language still finds it
MENU_NAME = "Language 言語"
MENU_ID = "lang-select"

_ATTR = re.compile(r'(\s(?:aria-label|title|alt|placeholder)=")([^"]*)(")')
_DESCRIPTION = re.compile(r'(<meta name="description" content=")([^"]*)(")')
_TITLE = re.compile(r"(<title>)(.*?)(</title>)", re.S)
_TEXT = re.compile(r">([^<]+)<")
_SCRIPT = re.compile(r"(<script\b[^>]*>.*?</script>)", re.S)


def key_of(text: str) -> str:
    """The catalogue key of a text as written in HTML."""
    return " ".join(html.unescape(text).split())


def _translated(raw: str) -> str:
    key = key_of(raw)
    if not key or not any(ch.isalpha() for ch in key) or tr(key) == key:
        return raw  # untouched: the English page stays byte for byte as written
    lead = raw[: len(raw) - len(raw.lstrip())]
    tail = raw[len(raw.rstrip()):]
    return lead + html.escape(tr(key), quote=True) + tail


def _texts(markup: str) -> list[str]:
    """The raw translatable texts of ``markup`` (outside scripts), in order."""
    found: list[str] = []
    head, _, body = markup.partition("<body")
    for pattern in (_TITLE, _DESCRIPTION):
        found += [m.group(2) for m in pattern.finditer(head)]
    for part in _SCRIPT.split(body):
        if part.startswith("<script"):
            continue
        found += [m.group(2) for m in _ATTR.finditer(part)]
        found += [m.group(1) for m in _TEXT.finditer(part)]
    return found


def translate_static(markup: str) -> str:
    """``markup`` (the page's HTML) with its static texts in the current language."""
    def sub(pattern: re.Pattern[str], text: str, group: int = 2) -> str:
        if group == 1:
            return pattern.sub(lambda m: ">" + _translated(m.group(1)) + "<", text)
        return pattern.sub(lambda m: m.group(1) + _translated(m.group(2)) + m.group(3), text)

    head, sep, body = markup.partition("<body")
    head = sub(_DESCRIPTION, sub(_TITLE, head))
    parts = [part if part.startswith("<script") else sub(_TEXT, sub(_ATTR, part), 1)
             for part in _SCRIPT.split(body)]
    return head + sep + "".join(parts)


def index_keys(path: Path = INDEX) -> dict[str, str]:
    """The catalogue keys of ``www/index.html`` (a key source for :mod:`pyapp.i18n.check`)."""
    keys: dict[str, str] = {}
    for raw in _texts(path.read_text("utf-8")):
        key = key_of(raw)
        if key and any(ch.isalpha() for ch in key):
            keys.setdefault(key, "www/index.html")
    return keys


def language_menu(code: str | None = None) -> str:
    """The header's language menu, ``code`` (default: the current language) selected; each
    option in its own language, so it reads the same whatever the page's language."""
    code = code or current()
    options = "".join(
        f'<option value="{c}" lang="{c}"{" selected" if c == code else ""}>'
        f"{html.escape(name)}</option>"
        for c, name in LANGUAGES.items())
    # autocomplete=off: no form state restored on Back, which would look like a choice
    return (f'<label class="lang-menu"><select id="{MENU_ID}" autocomplete="off" '
            f'aria-label="{html.escape(MENU_NAME)}">{options}</select></label>')


# The start-up glue's messages (www/boot.js; "{name}" is filled there). The glue keeps its
# English as the fallback: these ids must match its TEXT keys.
BOOT = {
    "stage_python": N_("Loading Python…"),
    "stage_packages": N_("Loading numpy and Pillow…"),
    "stage_app": N_("Starting the app…"),
    "file_failed": N_("A file of the app could not be loaded: {files}."),
    "unknown": N_("Unknown error."),
    "failed": N_("The app could not start. {reason}"),
    "help": N_("Reload the page to try again. If it keeps failing, the site may be "
               "incomplete: ask whoever hosts it to rebuild it."),
    "reload": N_("Reload"),
    "details": N_("Technical details"),
    "hold_file": N_("Still starting: your image will be shown in a moment."),
    "hold_drop": N_("Still starting: drop the image again in a moment."),
    "hold_example": N_("Still starting: your example will be shown in a moment."),
    "hold_click": N_("Still starting: your click will open it in a moment."),
    "changed": N_("The page changed while it was starting: please click again."),
    "picture": N_("A picture could not be loaded ({src}); everything else works. "
                  "Reload the page to try again."),
    "could_not_load": N_("Could not load {what}."),
    "a_file": N_("a file"),
    "python_error": N_("Python raised an exception."),
    "stalled": N_("Start-up did not finish within {seconds} s (stage: {stage})."),
    "update": N_("A new version is ready — reload to use it."),
    "later": N_("Later"),
    "other_tab": N_("This site was updated in another tab — reload to use the new version."),
    "offline": N_("Available offline"),
    "update_failed": N_("A new version of this site could not be installed ({reason}). This "
                        "version keeps working; it will try again later."),
}


def boot_texts(*codes: str) -> str:
    """The glue messages of ``codes`` (default: every language) as one JSON object
    ``{code: {id: text}}``, for a ``<script type="application/json">`` block (never executed;
    ``<`` escaped). Each language's page carries its own language's only."""
    from pyapp.i18n import language

    texts = {}
    for code in codes or tuple(LANGUAGES):
        with language(code):
            texts[code] = {k: tr(v) for k, v in BOOT.items()}
    return json.dumps(texts, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


__all__ = ["BOOT", "DEFAULT", "MENU_NAME", "boot_texts", "index_keys", "language_menu",
           "translate_static"]
