"""What a tour step does to the page: its state applied through the session's own methods
(never by faking clicks), where the step points, and where the tour's box goes so that it
does not cover what it points at.  Plain Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyapp import links
from pyapp.i18n import tr
from pyapp.session import Session, Source
from pyapp.tour.data import StepState


def apply_state(session: Session, state: StepState, image: np.ndarray | None,
                tinker: Any = None) -> list[str]:
    """Put ``session`` in ``state``: the example (``image``: its model input, already
    loaded; None keeps the image), the network's edits (through ``tinker``, a
    :class:`pyapp.tinkering.Tinker`, when there is one), the range mode, then the open view.
    Returns the problems (plain sentences) of what could not be shown."""
    problems: list[str] = []
    if image is not None and session.snapshot.source != Source("gallery", state.image):
        session.set_image(image, Source("gallery", state.image))
    if tinker is not None:
        if state.edit:
            if state.edit != tinker.link_text():
                tinker.reset()
                problem = tinker.load(state.edit)
                if problem:
                    problems.append(problem)
        else:
            tinker.reset()
    session.set_range(state.range_mode)
    snap = session.snapshot
    ref, pos = links.resolve(links.parse_view_hash(state.view), snap.model, snap.predicted) \
        if state.view else (None, None)
    if state.view and ref is None:
        problems.append(tr("This model has no view {view}.", view=state.view[:60]))
    session.open_view(ref, pos)
    return problems


def state_hash(state: StepState, session: Session) -> str:
    """The hash the address bar shows once ``state`` is applied (1-based, "" for none)."""
    snap = session.snapshot
    ref, pos = links.resolve(links.parse_view_hash(state.view), snap.model, snap.predicted) \
        if state.view else (None, None)
    return links.view_hash(ref, snap.model, pos)


@dataclass(frozen=True)
class Pointer:
    """The element a step points at: by ``element_id`` (ids are the app's own: neurons,
    column headings, regions), then ``closest`` (a fixed selector) from there, then
    ``inside`` (a fixed selector) within it."""

    element_id: str
    closest: str = ""
    inside: str = ""


#: The fixed places a step can point at.
PLACES = {
    "gallery": Pointer("ov-original", ".ov-controls"),
    "bars": Pointer("ov-h-output", "section"),
    "options": Pointer("ov-range", ".ov-options"),
    "detail": Pointer("dv", "", ".dv-body"),  # the open view's figure
    "why": Pointer("why", ""),
    "tinker": Pointer("tinker", ".tinker-section"),
}


def pointer(point: str) -> Pointer | None:
    """``"column:conv_1_1"`` -> that column; ``"neuron:conv_1_1/3"`` -> neuron 3 (1-based);
    a place of :data:`PLACES`; None for "" or an unknown place."""
    from pyapp.render.overview_html import neuron_id

    if point in PLACES:
        return PLACES[point]
    kind, _, rest = point.partition(":")
    if kind == "column" and rest:
        return Pointer(f"ov-h-{rest}", "section")
    if kind == "neuron" and "/" in rest:
        layer, n = rest.rsplit("/", 1)
        return Pointer(neuron_id(layer, int(n) - 1)) if n.isdigit() and int(n) >= 1 else None
    return None


Rect = tuple[float, float, float, float]  # left, top, width, height (CSS pixels)


def overlap(a: Rect, b: Rect) -> float:
    """The area ``a`` and ``b`` share."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def place_box(target: Rect | None, box: tuple[float, float], viewport: tuple[float, float],
              margin: float = 8.0) -> tuple[float, float]:
    """Where the tour's box (``(width, height)``) goes in the viewport: the first of below,
    above, right of, left of ``target`` that fits inside the viewport without touching the
    target; else the bottom or top edge, whichever covers less of it.  Returns (left, top)."""
    vw, vh = viewport
    bw, bh = min(box[0], vw - 2 * margin), box[1]
    corner_x = vw - bw - margin
    bottom = (corner_x, vh - bh - margin)
    if target is None:
        return bottom
    x, y, w, h = target
    cx = min(max(margin, x + w / 2 - bw / 2), vw - bw - margin)
    cy = min(max(margin, y + h / 2 - bh / 2), vh - bh - margin)
    options: Sequence[tuple[float, float]] = (
        (cx, y + h + margin), (cx, y - bh - margin),
        (x + w + margin, cy), (x - bw - margin, cy))
    for left, top in options:
        inside = (left >= 0 and top >= 0 and left + bw <= vw and top + bh <= vh)
        if inside and overlap((left, top, bw, bh), target) == 0:
            return (left, top)
    top_edge = (corner_x, margin)
    return min((bottom, top_edge), key=lambda p: overlap((p[0], p[1], bw, bh), target))
