"""The layer detail views in the page (PyScript layer).

Integration (in the app's start-up, after the overview is drawn)::

    from pyapp.ui import detail
    detail.install(app.session, app.view, app.address)

``install`` adds the ``<dialog>``, subscribes it to the session, follows the URL hash (deep
links, history), opens a view when the overview reports a neuron activation (click, tap,
Enter / Space) and adds the "softmax" control beside the output column.
"""

from __future__ import annotations

from typing import Any


def install(session: Any, overview_view: Any = None, address: Any = None) -> Any:
    """Set up the detail views; returns the controller."""
    from .controller import DetailController

    controller = DetailController(session, address)
    controller.install()
    from pyapp.ui import code  # the "Code" tab: its own module (issue 19)

    controller.code = code.install(session, controller.dialog)
    if overview_view is not None:
        overview_view.on_neuron_activate(controller.open)
        add_softmax_control(overview_view)
    return controller


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
    from pyapp.i18n import tr

    btn.textContent = tr("softmax")
    btn.setAttribute("aria-label", tr("Softmax: how the logits become probabilities"))
    col.appendChild(btn)
