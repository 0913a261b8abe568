"""The hyperparameter playground in the page (Pyodide only: imports ``js``).

``mount(container_element_id, session)`` draws the widget into that element, subscribes it to
the session (it follows the image and the model of every snapshot) and returns the
controller; ``close()`` releases it.  Every number and every piece of HTML comes from
``pyapp.playground``; this module only inserts it, toggles classes and wires events.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from pyapp.i18n import tr
from pyapp.playground import view
from pyapp.playground.compute import PlaygroundResult
from pyapp.playground.geometry import (
    CONTROL_NAMES,
    Settings,
    apply_change,
    control_ranges,
    neighbour,
    parse_control_value,
)
from pyapp.playground.inputs import as_unit_image
from pyapp.playground.session import (
    Choices,
    NetworkKernels,
    default_choices,
    evaluate,
    first_conv_kernels,
)
from pyapp.session import Session, Snapshot
from pyapp.ui.errors import guarded
from pyapp.ui.events import Bindings

STEP_MS = 900


def _control_of(element: object) -> str:
    """The ``data-control`` name of a slider / number box ("" for anything else)."""
    getter = getattr(element, "getAttribute", None)
    value = getter("data-control") if getter is not None else None
    return "" if value is None else str(value)


class Playground:
    """One mounted playground."""

    def __init__(self, root: object, image: np.ndarray | None,
                 network: NetworkKernels | None) -> None:
        self.root = root
        self.bindings = Bindings(tr("the hyperparameter playground"))
        self._unsubscribe: object = None
        self._observer: Any = None
        self._seen: Any = None
        self._on_screen = True
        self.image = image
        self.network = network
        self.settings = Settings()
        self.choices: Choices = default_choices(image is not None, network)
        self.result: PlaygroundResult | None = None
        self.playing = not bool(js.window.matchMedia("(prefers-reduced-motion: reduce)").matches)
        self.pinned: tuple[int, int] | None = None
        self.step = 0
        self.current: tuple[int, int] | None = None
        self._lit: list[object] = []
        root.innerHTML = view.shell_html()
        self._q("#pg-controls").innerHTML = view.controls_html(self.settings)
        self._draw_sources()
        self._listen(root, "input", self._on_input)
        self._listen(root, "change", self._on_change)
        self._listen(root, "click", self._on_click)
        self._listen(root, "pointerover", self._on_pointer)
        self._listen(root, "focusin", self._on_pointer)
        self._listen(self._q("#pg-stage"), "pointerleave", self._on_leave)
        self._listen(root, "focusout", self._on_leave)
        self._listen(root, "keydown", self._on_key)
        # Enter in a number box must not submit (reload) the page; no inline handler: the CSP
        # forbids them
        self._listen(self._q("#pg-controls"), "submit", lambda event: event.preventDefault())
        self.recompute()
        self.bindings.every(STEP_MS, self._tick)  # only once it has something to walk
        self._show_play()

    # --- helpers -------------------------------------------------------------------------
    def _q(self, selector: str) -> object:
        return self.root.querySelector(selector)

    def _listen(self, target: object, event: str, handler: object) -> None:
        self.bindings.listen(target, event, handler)

    def follow(self, session: Session) -> None:
        """Follow the session's image and model from now on.  Off screen (scrolled away,
        hidden) it may miss a dragged weight's snapshots; it paints the latest as soon as it
        comes on screen or the drag ends (``data-on-screen``)."""
        self._on_screen = True  # until the first observation says otherwise
        self._unsubscribe = session.subscribe(self.paint, visible=lambda: self._on_screen)
        self.root.dataset.version = str(session.snapshot.version)
        observer_cls = getattr(js, "IntersectionObserver", None)
        if observer_cls is None:
            return

        def seen(entries: Any, *_: Any) -> None:
            was, self._on_screen = self._on_screen, any(bool(e.isIntersecting)
                                                        for e in entries)
            self.root.dataset.onScreen = "true" if self._on_screen else "false"
            if self._on_screen and not was:
                session.refresh(self.paint)
        self._seen = create_proxy(guarded(seen, where=tr("the hyperparameter playground")))
        self._observer = observer_cls.new(self._seen)
        self._observer.observe(self.root)

    def paint(self, snap: Snapshot) -> None:
        """A new snapshot: pick up its model and image if they changed."""
        self.root.dataset.version = str(snap.version)
        if "model" in snap.changed:
            self.set_model(snap.model)
        if snap.changed & {"model", "image"}:
            self.set_image(snap.image)

    def close(self) -> None:
        """Stop the walk, remove every listener, leave the session."""
        if callable(self._unsubscribe):
            self._unsubscribe()
        if self._observer is not None:
            self._observer.disconnect()
            self._seen.destroy()
            self._observer = None
        self.bindings.close()

    def _draw_sources(self) -> None:
        kernels = [] if self.network is None else view.kernel_options(
            self.network.filters, self.network.layer)
        if self.network is None:
            kernels = view.kernel_options(0, "")
        self._q("#pg-sources-slot").innerHTML = view.sources_html(
            view.source_options(self.image is not None), self.choices.source,
            kernels, self.choices.kernel)

    def _sync_controls(self, skip: object | None = None) -> None:
        ranges = control_ranges(self.settings)
        for name in CONTROL_NAMES:
            rng, value = ranges[name], str(getattr(self.settings, name))
            for suffix in ("range", "box"):
                element = self._q(f"#pg-{name}-{suffix}")
                element.min = str(rng.minimum)
                element.max = str(rng.maximum)
                if element is not skip and str(element.value) != value:
                    element.value = value

    # --- state changes -------------------------------------------------------------------
    def recompute(self) -> None:
        """Recompute the maths for the current settings and redraw everything it shows."""
        self.result, kernel = evaluate(self.settings, self.choices, self.image, self.network)
        self._lit = []
        self.current = None
        self._q("#pg-stage").innerHTML = view.stage_html(self.result)
        self._q("#pg-formula").innerHTML = view.formula_html(self.result)
        self._q("#pg-issues").innerHTML = view.issues_html(self.result)
        self._q("#pg-kernel-note").textContent = kernel.note
        self._q("#pg-root").setAttribute(
            "data-valid", "true" if self.result.validity.computable else "false")
        self.step = 0
        self.pinned = None
        if self.result.output is not None:
            self.highlight(0, 0)
        else:
            self._q("#pg-detail").innerHTML = ""

    def set_image(self, pixels: np.ndarray | None) -> None:
        """Follow the app's current image (uint8 or [0, 1] floats, ``(H, W, 3)``)."""
        self.image = None if pixels is None else as_unit_image(pixels)
        if self.image is None and self.choices.source != "integers":
            self.choices = replace(self.choices, source="integers")
        self._draw_sources()
        self.recompute()

    def set_model(self, model: object) -> None:
        """Follow the app's model: its first conv layer gives the network kernels."""
        self.network = first_conv_kernels(model)
        if self.network is None and self.choices.kernel.startswith("network-"):
            self.choices = replace(self.choices, kernel="edge")
        elif self.network is not None and self.choices.kernel.startswith("network-"):
            index = int(self.choices.kernel.split("-", 1)[1])
            if index >= self.network.filters:
                self.choices = replace(self.choices, kernel="network-0")
        self._draw_sources()
        self.recompute()

    def highlight(self, row: int, col: int) -> None:
        """Show output cell ``(row, col)``'s window on the input and its dot product."""
        result = self.result
        if result is None or result.output is None:
            return
        for element in self._lit:
            element.classList.remove("pg-win", "pg-active")
        lit = []
        for r, c in result.window_cells(row, col):
            element = self._q(f"#pg-in-{r}-{c}")
            element.classList.add("pg-win")
            lit.append(element)
        out = self._q(f"#pg-out-{row}-{col}")
        out.classList.add("pg-active")
        lit.append(out)
        self._lit = lit
        self.current = (row, col)
        self._q("#pg-detail").innerHTML = view.window_html(result, result.window(row, col))

    def _show_play(self) -> None:
        button = self._q("#pg-play")
        button.textContent = tr("Pause") if self.playing else tr("Play")
        button.setAttribute("data-playing", "true" if self.playing else "false")
        button.setAttribute("aria-label", tr("Pause the sliding window (Space)") if self.playing
                            else tr("Play the sliding window (Space)"))

    def toggle_play(self) -> None:
        """Start or stop the window's walk over the input."""
        self.playing = not self.playing
        self._show_play()

    # --- events --------------------------------------------------------------------------
    def _on_input(self, event: object) -> None:
        target = event.target
        name = _control_of(target)
        if name not in CONTROL_NAMES:
            return
        if str(target.type) == "number":
            value = parse_control_value(str(target.value))
            rng = control_ranges(self.settings)[name]
            if value is None or not rng.minimum <= value <= rng.maximum:
                return  # still typing: wait for "change" to clamp
        new = apply_change(self.settings, name, str(target.value))
        if new != self.settings:
            self.settings = new
            self._sync_controls(skip=target)
            self.recompute()

    def _on_change(self, event: object) -> None:
        target = event.target
        target_id = str(target.id)
        if target_id == "pg-source":
            self.choices = replace(self.choices, source=str(target.value))
            self._q("#pg-reroll").hidden = self.choices.source != "integers"
            self.recompute()
        elif target_id == "pg-kernel-choice":
            self.choices = replace(self.choices, kernel=str(target.value))
            self.recompute()
        elif _control_of(target) in CONTROL_NAMES:
            name = _control_of(target)
            new = apply_change(self.settings, name, str(target.value))
            changed = new != self.settings
            self.settings = new
            self._sync_controls()
            if changed:
                self.recompute()

    def _on_click(self, event: object) -> None:
        target_id = str(event.target.id)
        if target_id == "pg-play":
            self.toggle_play()
        elif target_id == "pg-reroll":
            self.choices = replace(self.choices, seed=self.choices.seed + 1)
            self.recompute()
        else:
            self._on_pointer(event)

    def _output_cell(self, element: object) -> tuple[int, int] | None:
        closest = getattr(element, "closest", None)
        cell = closest(".pg-grid-output .pg-cell") if closest is not None else None
        if cell is None:
            return None
        return int(cell.dataset.row), int(cell.dataset.col)

    def _on_pointer(self, event: object) -> None:
        cell = self._output_cell(event.target)
        if cell is not None:
            self.pinned = cell
            self.highlight(*cell)

    def _on_leave(self, event: object) -> None:
        """The pointer left the stage, or focus left an output cell: resume the walk."""
        if str(event.type) == "pointerleave":
            self.pinned = None
            return
        if self._output_cell(event.target) is None:
            return
        related = event.relatedTarget
        if related is None or self._output_cell(related) is None:
            self.pinned = None

    def _on_key(self, event: object) -> None:
        key = str(event.key)
        tag = str(event.target.tagName).lower()
        if key == " " and tag not in ("input", "select", "button", "textarea"):
            event.preventDefault()
            self.toggle_play()
            return
        cell = self._output_cell(event.target)
        if cell is not None and self.result is not None and key in (
                "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"):
            event.preventDefault()
            row, col = neighbour(cell, key, self.result.output_side)
            self._q(f"#pg-out-{row}-{col}").focus()

    def _tick(self, *_: object) -> None:
        result = self.result
        if (not self.playing or self.pinned is not None or result is None
                or result.output is None or str(js.document.visibilityState) != "visible"):
            return
        order = result.order()
        self.step = (self.step + 1) % len(order)
        self.highlight(*order[self.step])


def mount(container_element_id: str, session: Session | None = None) -> Playground:
    """Draw the playground into the element with id ``container_element_id``, following
    ``session`` (or, without one, whole numbers and classic kernels only)."""
    root = js.document.getElementById(container_element_id)
    if root is None:
        raise ValueError(f"no element with id {container_element_id!r}")
    snap = session.snapshot if session is not None else None
    controller = Playground(root, as_unit_image(snap.image) if snap is not None else None,
                            first_conv_kernels(snap.model) if snap is not None else None)
    if session is not None:
        controller.follow(session)
    return controller
