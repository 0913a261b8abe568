"""The page's language in the page (Pyodide only): chosen before any markup is made, and the
header's language menu, which reloads the same session (the URL) in the language picked.

The choice is :func:`pyapp.i18n.choose` of ``?lang=`` and ``navigator.languages``, the rule
``www/lang.js`` applied before the first paint; ``<html lang>`` follows it.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]

from pyapp import i18n
from pyapp.i18n.shell import MENU_ID


def choose_language() -> str:
    """Set the page's language from its URL and the browser (call before any markup)."""
    asked = js.URLSearchParams.new(js.location.search).get("lang")
    browser = [str(tag) for tag in (getattr(js.navigator, "languages", None) or [])]
    code = i18n.set_language(i18n.choose(asked, browser))
    js.document.documentElement.lang = code
    return code


def install_menu(bindings: Any) -> None:
    """Bind the language menu (``bindings``: a :class:`pyapp.ui.events.Bindings`); a choice
    made while Python was still starting is followed at once."""
    menu = js.document.getElementById(MENU_ID)
    if menu is None:
        return

    def follow(_event: Any = None) -> None:
        code = str(menu.value)
        if code == i18n.current() or code not in i18n.LANGUAGES:
            return
        from pyapp import links

        js.location.assign(str(js.location.pathname) + links.with_lang(str(js.location.search),
                                                                       code)
                           + str(js.location.hash))

    bindings.listen(menu, "change", follow)
    follow()
