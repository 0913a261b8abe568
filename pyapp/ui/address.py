"""The address bar follows the session (lesson links): every snapshot is written to the URL.

Opening or switching a detail view adds a history entry (Back returns to the previous view);
every other change (image, range mode, detail toggle, a pinned position) replaces the current
entry.  A change that came from the URL itself (Back, Forward, a typed hash) only normalises
it (an old 0-based hash becomes the 1-based form).  "Copy link" puts the URL on the clipboard.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

from pyapp import links
from pyapp.i18n import N_, tr
from pyapp.session import Session, Snapshot
from pyapp.ui import errors
from pyapp.ui.events import Bindings


class Address:
    def __init__(self, session: Session, root: Any) -> None:
        self.session = session
        self.root = root
        self.bindings = Bindings(N_("the link of this screen"))
        self._unsubscribe: Any = None
        self._scheduled = False
        self._push = False
        self._hash_written = str(js.location.hash)  # what the page was opened with

    def install(self) -> None:
        # the first write comes with the first change (the detail views read the hash first)
        self._unsubscribe = self.session.subscribe(self.write)
        button = self.root.querySelector("#ov-copy-link")
        if button is not None:
            self.bindings.listen(button, "click", lambda _e: self.copy(button))

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.bindings.close()

    def url(self, snapshot: Snapshot | None = None) -> str:
        """The link that opens exactly this screen (path, query and hash)."""
        snap = snapshot or self.session.snapshot
        return links.page_url(snap, str(js.location.pathname),
                              links.rest_of(str(js.location.search)))

    def write(self, snapshot: Snapshot) -> None:
        """Note the change; the address bar is written once, after the views have painted
        (it is no view: the user's click need not wait for it)."""
        opening = ("view" in snapshot.changed and snapshot.view is not None
                   and snapshot.origin == "user")
        if opening:  # a history entry of its own, now: the next view may open at once
            self._push = True
            self._flush()
            return
        if not self._scheduled:
            self._scheduled = True
            self.bindings.later(0, self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        push, self._push = self._push, False
        url = self.url()
        hash_now = str(js.location.hash)
        if hash_now != self._hash_written and hash_now != links.view_hash(
                self.session.snapshot.view, self.session.model, self.session.snapshot.position):
            # the hash changed under us (a typed or linked hash whose hashchange is still on
            # its way to the detail views): leave it for them to follow
            url = url.split("#", 1)[0] + hash_now
            push = False
        here = str(js.location.pathname) + str(js.location.search) + hash_now
        self._hash_written = "#" + url.split("#", 1)[1] if "#" in url else ""
        if url == here:
            return
        if push:
            js.history.pushState(js.Object.fromEntries([["dv", True]]), "", url)
        else:
            js.history.replaceState(js.history.state, "", url)

    def copy(self, button: Any) -> None:
        """Put this screen's link on the clipboard (and say so, in a notice)."""
        if self._scheduled:  # the address bar shows this screen too
            self._flush()
        url = str(js.URL.new(self.url(), js.location.href).href)
        button.dataset.link = url
        note = links.upload_note(self.session.snapshot)

        def done(_: Any = None) -> None:
            errors.notify(" ".join(t for t in (tr("Link copied."), note) if t))

        def failed(_: Any = None) -> None:
            errors.notify(" ".join(t for t in (tr("Copy this link: {url}", url=url), note) if t))

        clipboard = getattr(js.navigator, "clipboard", None)
        if clipboard is None:
            failed()
            return
        clipboard.writeText(url).then(create_once_callable(done),
                                      create_once_callable(failed))
