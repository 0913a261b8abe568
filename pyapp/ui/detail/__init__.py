"""The layer detail views in the page (PyScript layer).

Integration (a few lines in the app's start-up, after the overview is drawn)::

    from pyapp.ui import detail
    detail.install(lambda: app.state, app.view)

``install`` adds the ``<dialog>``, follows the URL hash (deep links, history), opens a view
when the overview reports a neuron activation (click, tap, Enter / Space) and adds the
"softmax" control beside the output column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CONTROLLER: Any = None


def install(get_state: Callable[[], Any], overview_view: Any = None) -> Any:
    """Set up the detail views once; returns the controller."""
    global CONTROLLER
    from .controller import DetailController

    if CONTROLLER is None:
        CONTROLLER = DetailController(get_state)
        CONTROLLER.install()
        if overview_view is not None:
            overview_view.on_neuron_activate(CONTROLLER.open)
            add_softmax_control(overview_view)
    return CONTROLLER


def add_softmax_control(overview_view: Any) -> None:
    """A "softmax" button at the foot of the output column (it opens the softmax view of
    the predicted class)."""
    import js  # type: ignore[import-not-found]

    root = getattr(overview_view, "root", None) or js.document
    col = root.querySelector('.ov-col.ov-k-output')
    if col is None or col.querySelector(".dv-softmax-btn") is not None:
        return
    btn = js.document.createElement("button")
    btn.type = "button"
    btn.className = "dv-softmax-btn"
    btn.dataset.opens = "#softmax"
    btn.textContent = "softmax"
    btn.setAttribute("aria-label", "Softmax: how the logits become probabilities")
    col.appendChild(btn)


def open_view(kind: str, layer: str, index: int, channel: int | None = None) -> bool:
    """Open a view programmatically (``kind`` is informative; the layer decides)."""
    if CONTROLLER is None:
        return False
    if kind == "softmax":
        CONTROLLER.open_hash(f"#softmax/{index}")
        return True
    return bool(CONTROLLER.open(layer, index, channel))
