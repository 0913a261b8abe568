"""The page's language in the page (Pyodide only): chosen before any markup is made, and the
header's language menu, which reloads the same session (the URL) in the language picked.

The page is the one the build wrote in one language (``<html lang>``): ``www/lang.js`` has
already gone to the page of the language that :func:`pyapp.i18n.choose` of ``?lang=`` and
``navigator.languages`` gives, so Python takes the page's own language (the same rule is the
fallback for a page without one).
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]

from pyapp import i18n
from pyapp.i18n.shell import MENU_ID


def choose_language() -> str:
    """Set the language the page is in (call before any markup)."""
    built = str(js.document.documentElement.lang or "")
    if built in i18n.LANGUAGES:
        return i18n.set_language(built)
    asked = js.URLSearchParams.new(js.location.search).get("lang")
    browser = [str(tag) for tag in (getattr(js.navigator, "languages", None) or [])]
    code = i18n.set_language(i18n.choose(asked, browser))
    js.document.documentElement.lang = code
    return code


def install_menu(bindings: Any) -> None:
    """Bind the language menu (``bindings``: a :class:`pyapp.ui.events.Bindings`): a choice
    goes to that language's page; one made while Python was still starting is followed at
    once."""
    menu = js.document.getElementById(MENU_ID)
    if menu is None:
        return

    def follow(_event: Any = None) -> None:
        code = str(menu.value)
        if code == i18n.current() or code not in i18n.LANGUAGES:
            return
        from pyapp import links

        # that language's page (a relative address: the same folder), the same session
        js.location.assign(i18n.page_file(code) + links.with_lang(str(js.location.search), code)
                           + str(js.location.hash))

    bindings.listen(menu, "change", follow)
    follow()
