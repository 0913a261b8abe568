"""Presenter mode, for a projector or a kiosk: the tool alone, on the whole screen, with
projector-sized type (``www/present.css`` does the layout).

State, for the stylesheet and the tests: ``<html data-present="on|off">`` (the presenter
layout) and ``data-fullscreen="yes|no"`` (the browser's real full screen, the Fullscreen API).
The button "Present full screen" (``aria-pressed``) enters both and leaves both.  A link with
``?present=1`` opens in the presenter layout at once; browsers grant real full screen only
during a user gesture, so the first click or key fills the screen (a hint says so).  Esc
leaves: in real full screen the browser leaves it (``fullscreenchange``), otherwise the key
does, unless a detail view is open (Esc is then that view's).  While it is on, the address
holds ``present=1`` (a copied link opens in it); leaving takes it out.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]

from pyapp import links
from pyapp.i18n import N_, tr
from pyapp.ui import errors
from pyapp.ui.events import Bindings

HINT_PENDING = N_("Presenter layout: click anywhere or press a key to fill the screen. "
                "Esc leaves.")
HINT_ON = N_("Full screen: press Esc to leave.")
HINT_REFUSED = N_("The browser did not allow full screen; this is the presenter layout. "
                "Esc leaves.")


class Presenter:
    """Presenter mode of the page whose overview tool is ``tool`` (the ``#ov-tool``)."""

    def __init__(self, tool: Any) -> None:
        self.doc = js.document
        self.html = self.doc.documentElement
        self.button = tool.querySelector("#ov-present")
        self.hint = tool.querySelector("#ov-present-hint")
        self.bindings = Bindings(N_("presenter mode"))
        self.on = False
        self._pending = False  # ?present=1: waiting for a gesture to fill the screen
        self._set_state()

    def mount(self, from_link: bool) -> Presenter:
        if self.button is not None:
            self.bindings.listen(self.button, "click", self._on_button)
        self.bindings.listen(self.doc, "fullscreenchange", self._on_fullscreen)
        self.bindings.listen(self.doc, "keydown", self._on_key)
        self.bindings.listen(self.doc, "click", self._on_any_click)
        if from_link:
            self.on, self._pending = True, True
            self._set_state(HINT_PENDING)
        return self

    def close(self) -> None:
        self.bindings.close()

    # --- entering and leaving -------------------------------------------------------------
    def enter(self) -> None:
        """Presenter layout now, and real full screen (call from a user gesture)."""
        self.on, self._pending = True, False
        self._set_state(HINT_ON)
        self._set_address()
        if self.doc.fullscreenElement is None and hasattr(self.html, "requestFullscreen"):
            errors.spawn(self._await_fullscreen(self.html.requestFullscreen()),
                         "entering full screen")

    async def _await_fullscreen(self, promise: Any) -> None:
        try:
            await promise
        except Exception:  # noqa: BLE001 - refused (no gesture, a policy): keep the layout
            if self.on:
                self._set_state(HINT_REFUSED)

    def leave(self) -> None:
        self.on, self._pending = False, False
        if self.doc.fullscreenElement is not None:
            self.doc.exitFullscreen()
        self._set_state()
        self._set_address()

    def _set_address(self) -> None:
        loc = js.location
        search = links.with_present(str(loc.search), self.on)
        if search != str(loc.search):
            js.history.replaceState(js.history.state, "",
                                    str(loc.pathname) + search + str(loc.hash))

    def _set_state(self, hint: str = "") -> None:
        self.html.dataset.present = "on" if self.on else "off"
        self.html.dataset.fullscreen = "yes" if self.doc.fullscreenElement is not None else "no"
        if self.button is not None:
            self.button.setAttribute("aria-pressed", "true" if self.on else "false")
        if self.hint is not None:
            self.hint.textContent = tr(hint) if self.on and hint else ""

    # --- events ---------------------------------------------------------------------------
    def _on_button(self, event: Any) -> None:
        event.stopPropagation()  # not also "the first click" of a pending link
        if self.on and not self._pending:
            self.leave()
        else:
            self.enter()

    def _on_fullscreen(self, _event: Any) -> None:
        if self.doc.fullscreenElement is None and self.on and not self._pending:
            self.leave()  # the browser left full screen (Esc, F11, its own button)
        else:
            self._set_state(HINT_ON if self.on else "")

    def _on_any_click(self, _event: Any) -> None:
        if self._pending:
            self.enter()

    def _on_key(self, event: Any) -> None:
        if not self.on:
            return
        if str(event.key) == "Escape":
            if self.doc.querySelector("dialog[open]") is None:
                self.leave()
        elif self._pending:
            self.enter()


def install(tool: Any, from_link: bool) -> Presenter:
    """Presenter mode for the overview ``tool``; ``from_link``: the URL asked for it."""
    return Presenter(tool).mount(from_link)
