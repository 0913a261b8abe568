"""The detail dialog: opens / closes views, routes the URL hash, runs the controls and keys.

One ``<dialog>`` for the page (``showModal``: the rest of the page is inert, focus stays in
it).  Opening a view pushes a history entry whose hash names it (``#conv_1_2/4``); going back
in history, the close button or Esc return to the previous entry, and focus goes back to the
element that opened the view (found again by its ``data-opens`` hash or its overview id, so it
also works after a deep link or a rebuilt parent view).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from pyapp.render.overview_html import neuron_id
from pyapp.ui import errors
from pyapp.ui.animation import SCHEDULER, reduced_motion
from pyapp.views.route import ViewRef, parse_hash, ref_for
from pyapp.views.stepper import Stepper

from .markup import ICONS, dialog_html
from .panels import make_panel

TICK_KEY = "detail"
TYPING = ("INPUT", "SELECT", "TEXTAREA")


class DetailController:
    def __init__(self, get_state: Callable[[], Any]) -> None:
        self.get_state = get_state
        self.ref: ViewRef | None = None
        self.panel: Any = None
        self.stepper: Stepper | None = None
        self.dialog: Any = None
        self._proxies: list[Any] = []
        self._resume = False
        self._esc_at = -1.0

    # --- setup ----------------------------------------------------------------------------
    def install(self) -> None:
        doc = js.document
        if doc.querySelector('link[href$="detail.css"]') is None:
            link = doc.createElement("link")
            link.rel = "stylesheet"
            link.href = "./detail.css"
            doc.head.appendChild(link)
        d = doc.createElement("dialog")
        d.id = "dv"
        d.className = "dv"
        d.setAttribute("aria-labelledby", "dv-title")
        d.setAttribute("aria-describedby", "dv-record")
        d.innerHTML = dialog_html()
        doc.body.appendChild(d)
        self.dialog = d
        self.body = d.querySelector(".dv-body")
        self.title = d.querySelector(".dv-title")
        self.caption = d.querySelector(".dv-caption")
        self.record = d.querySelector(".dv-record")
        self.pos = d.querySelector(".dv-pos")
        self.play_btn = d.querySelector(".dv-play")
        self.speed = d.querySelector("select")
        self.data = d.dataset
        self._listen(d, "click", self._on_click)
        self._listen(d, "keydown", self._on_keydown)
        self._listen(d, "cancel", self._on_cancel)
        self._listen(d, "close", self._on_close)
        self._listen(d, "pointermove", self._on_pointer)
        self._listen(d, "pointerleave", self._on_leave)
        self._listen(self.speed, "change", self._on_speed)
        self._listen(js.window, "hashchange", lambda _e: self.sync())
        self._listen(doc, "click", self._on_page_click)
        SCHEDULER.expose_stats()
        self.sync()

    def _listen(self, target: Any, event: str, fn: Callable[[Any], Any]) -> None:
        proxy = create_proxy(errors.guarded(fn, where=f"the detail view ({event})"))
        self._proxies.append(proxy)
        target.addEventListener(event, proxy)

    # --- opening and closing --------------------------------------------------------------
    def open(self, layer: str, index: int, channel: int | None = None) -> bool:
        """Open the view of neuron ``index`` of ``layer`` (a user action: pushes history)."""
        st = self.get_state()
        ref = ref_for(st.model, layer, index, channel)
        if ref is None:
            return False
        self.open_ref(ref)
        return True

    def open_hash(self, hash_: str) -> None:
        st = self.get_state()
        if hash_ == "#softmax":
            hash_ = f"#softmax/{st.predicted}"
        ref = parse_hash(hash_, st.model)
        if ref is not None:
            self.open_ref(ref)

    def open_ref(self, ref: ViewRef) -> None:
        if ref == self.ref:
            return
        js.history.pushState(js.Object.fromEntries([["dv", True]]), "", ref.to_hash())
        self.sync()

    def close(self) -> None:
        """Close button / Esc: back to the previous entry (the parent view or the page)."""
        state = js.history.state
        if self.ref is not None and state is not None and bool(getattr(state, "dv", False)):
            js.history.back()  # hashchange -> sync
        else:  # a deep link: there is no entry of ours to go back to
            js.history.replaceState(None, "", js.location.pathname + js.location.search)
            self.sync()

    def sync(self) -> None:
        """Show the view the URL's hash names (or none)."""
        st = self.get_state()
        if st is None or not st.acts:
            return
        ref = parse_hash(str(js.location.hash), st.model)
        if ref == self.ref:
            return
        old = self.ref
        if ref is None:
            self._hide()
        else:
            self._show(ref)
        if old is not None:
            self._restore_focus(old)

    def _show(self, ref: ViewRef) -> None:
        st = self.get_state()
        self._stop()
        self.ref = ref
        self.panel = make_panel(ref, st.model, st.acts, st.range_mode)
        self.title.textContent = self.panel.title
        self.dialog.dataset.kind = ref.kind
        self.dialog.dataset.hash = ref.to_hash()
        self.panel.mount(self.body)
        self.stepper = Stepper(self.panel.count, position=self.panel.start,
                               playing=not reduced_motion(),
                               interval_ms=self.panel.interval_ms,
                               speed=float(self.speed.value))
        self.render()
        if not self.dialog.open:
            js.document.documentElement.classList.add("dv-open")
            self.dialog.showModal()
        self.dialog.querySelector(".dv-close").focus()
        self._sync_play()

    def _hide(self) -> None:
        self._stop()
        self.ref = None
        self.panel = None
        self.stepper = None
        self.body.innerHTML = ""
        js.document.documentElement.classList.remove("dv-open")
        if self.dialog.open:
            self.dialog.close()

    def _restore_focus(self, old: ViewRef) -> None:
        """Focus the element that opens ``old``: in the view now shown, or on the page."""
        doc = js.document
        target = doc.querySelector(f'[data-opens="{old.to_hash()}"]')
        if target is None and old.kind == "softmax":
            target = doc.querySelector(".dv-softmax-btn")
        if target is None and old.kind != "softmax":
            target = doc.getElementById(neuron_id(old.layer, old.index))
        if target is not None and (self.ref is None or self.dialog.contains(target)):
            target.focus()

    # --- animation ------------------------------------------------------------------------
    def _stop(self) -> None:
        SCHEDULER.unsubscribe(TICK_KEY)

    def _tick(self, dt: float) -> None:
        if self.stepper is not None and self.stepper.tick(dt):
            self.render()

    def _sync_play(self) -> None:
        s = self.stepper
        playing = s is not None and s.playing
        if playing:
            SCHEDULER.subscribe(TICK_KEY, self._tick)
        else:
            self._stop()
        self.play_btn.innerHTML = ICONS["pause" if playing else "play"]
        self.play_btn.setAttribute("aria-label", "Pause" if playing else "Play")
        self.dialog.dataset.playing = "true" if playing else "false"
        self.record.setAttribute("aria-live", "off" if playing else "polite")

    def render(self) -> None:
        if self.stepper is None or self.panel is None:
            return
        i = self.stepper.position
        caption, a11y = self.panel.draw(i)
        self.caption.textContent = caption
        self.record.textContent = a11y
        self.pos.textContent = self.panel.position_text(i)
        self.data.position = str(i)

    def act(self, action: str) -> None:
        s = self.stepper
        if s is None:
            return
        if action == "play":
            s.toggle()
            self._resume = False
        elif action == "back":
            s.step(-1)
        elif action == "fwd":
            s.step(1)
        elif action == "replay":
            s.replay()
        self.render()
        self._sync_play()

    def seek(self, index: int) -> None:
        s = self.stepper
        if s is None:
            return
        if s.playing:
            self._resume = True
        if index != s.position or s.playing:
            s.seek(index)
            self.render()
            self._sync_play()

    # --- events ---------------------------------------------------------------------------
    def _on_click(self, event: Any) -> None:
        t = event.target
        if t.closest(".dv-close") is not None:
            self.close()
            return
        btn = t.closest("button[data-act]")
        if btn is not None:
            self.act(str(btn.dataset.act))
            return
        opener = t.closest("[data-opens]")
        if opener is not None:
            self.open_hash(str(opener.dataset.opens))

    def _on_page_click(self, event: Any) -> None:
        t = event.target
        opener = t.closest(".dv-softmax-btn") if hasattr(t, "closest") else None
        if opener is not None:
            self.open_hash(str(opener.dataset.opens))

    def _on_keydown(self, event: Any) -> None:
        key = str(event.key)
        t = event.target
        tag = str(getattr(t, "tagName", "")).upper()
        if key == "Escape":
            event.preventDefault()
            self._esc_at = float(js.performance.now())
            self.close()
            return
        if tag in TYPING or self.stepper is None:
            return
        if key in ("Enter", " ") and tag != "BUTTON" and t.closest("[data-opens]") is not None:
            event.preventDefault()
            self.open_hash(str(t.closest("[data-opens]").dataset.opens))
            return
        if key == " " and tag != "BUTTON":
            event.preventDefault()
            self.act("play")
            return
        arrows = {"ArrowLeft": (0, -1), "ArrowRight": (0, 1), "ArrowUp": (-1, 0),
                  "ArrowDown": (1, 0)}
        if key not in arrows:
            return
        event.preventDefault()
        d_row, d_col = arrows[key]
        if t.closest(".dv-map") is not None:
            self._resume = False
            self.seek(self.panel.move(self.stepper.position, d_row, d_col))
            self.stepper.pause()
            self._sync_play()
        elif d_row == 0:
            self.act("fwd" if d_col > 0 else "back")

    def _on_cancel(self, event: Any) -> None:
        event.preventDefault()
        if float(js.performance.now()) - self._esc_at > 200:
            self.close()

    def _on_close(self, _event: Any) -> None:
        # closed by the browser itself: follow it (a late event of our own close, after a new
        # view has already opened the dialog again, is ignored)
        if self.ref is not None and not self.dialog.open:
            self.close()

    def _on_pointer(self, event: Any) -> None:
        if self.panel is None:
            return
        t = event.target
        node = t.closest(".dv-map") if hasattr(t, "closest") else None
        index = None
        if node is not None:
            box = node.getBoundingClientRect()
            index = self.panel.index_at(node, event.clientX - box.left, event.clientY - box.top,
                                        box.width, box.height)
        else:
            index = self.panel.item_at(t)
        if index is not None:
            self.seek(index)
        elif self._resume:
            self._on_leave(event)

    def _on_leave(self, _event: Any) -> None:
        if self._resume and self.stepper is not None:
            self._resume = False
            self.stepper.play()
            self._sync_play()

    def _on_speed(self, _event: Any) -> None:
        if self.stepper is not None:
            self.stepper.set_speed(float(self.speed.value))
