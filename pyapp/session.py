"""The one source of truth of the page: a :class:`Session` and the frozen :class:`Snapshot`s
it makes.

A session holds the model, the image under study and where it came from, the colour-range
mode, the detail toggle and the open detail view with its position.  Every change
(``set_image``, ``set_model``, ``set_range``, ``set_detail``, ``open_view``, ``close_view``,
``set_position``) computes one new snapshot and notifies every subscriber once, in order of
subscription; during a *burst* (a drag) hidden subscribers paint late and the others may
paint across frames, always the latest snapshot (:mod:`pyapp.paint_plan`).  A snapshot
holds every number a view paints: the activations, probabilities,
predicted class, colour limits, legends, bar widths and texts, the input as RGBA, and (computed
on first use) the overview's maps.  Views only paint what they are given.

Plain Python (numpy), no ``js``: the page, the build's pre-render and the tests share it.

    event -> Session.set_...() -> Snapshot -> every subscriber paints it
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from pyapp.cnn.model import Model
from pyapp.paint_plan import PaintPlan
from pyapp.render.layout import OverviewLayout, build_layout, layer_infos
from pyapp.render.maps import overview_rgba
from pyapp.render.overview_html import format_prob
from pyapp.render.ranges import RANGE_MODES, LegendSpec, layer_limits, legends

log = logging.getLogger(__name__)

#: What a change can touch; a snapshot's ``changed`` names the parts that differ from the
#: previous snapshot, so a subscriber can skip work (the overview ignores ``"position"``).
PARTS = ("model", "image", "range", "detail", "view", "position")


@dataclass(frozen=True)
class Source:
    """Where the image came from: ``kind`` is ``"gallery"`` (``index``: 0-based entry),
    ``"upload"`` (``name``: the file name), ``"camera"`` or ``"probe"``."""

    kind: str
    index: int | None = None
    name: str = ""

    @property
    def gallery_index(self) -> int | None:
        return self.index if self.kind == "gallery" else None

    def label(self) -> str:
        """A short text for people, e.g. ``"example 3"`` or ``"your image cat.jpg"``."""
        if self.kind == "gallery" and self.index is not None:
            return f"example {self.index + 1}"
        if self.kind == "upload":
            return f"your image {self.name}" if self.name else "your image"
        return self.kind


@dataclass(frozen=True)
class Bar:
    """One output row: the bar's CSS width and the probability as printed."""

    width: str
    text: str


def _frozen(acts: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The activations, each made read-only: a view cannot change a number by accident."""
    out = {}
    for name, a in acts.items():
        a = np.asarray(a)
        a.setflags(write=False)
        out[name] = a
    return out


def input_rgba(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` floats in [0, 1] -> ``(H, W, 4)`` opaque uint8 (what the model sees)."""
    pixels = np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255.0), 0, 255)
    pixels = pixels.astype(np.uint8)
    alpha = np.full(pixels.shape[:2] + (1,), 255, np.uint8)
    return np.concatenate([pixels, alpha], axis=-1)


@dataclass(frozen=True)
class Snapshot:
    """Everything the views paint, for one state of the session (never changed)."""

    version: int
    model: Model
    layout: OverviewLayout
    image: np.ndarray
    source: Source
    acts: Mapping[str, np.ndarray]
    range_mode: str
    detail: bool
    limits: Mapping[str, float]
    legends: tuple[LegendSpec, ...]
    bars: tuple[Bar, ...]
    predicted: int
    view: Any = None  # pyapp.views.route.ViewRef or None
    position: int | None = None  # the open view's position (0-based index), when pinned
    changed: frozenset[str] = field(default_factory=frozenset)
    origin: str = "user"  # "url": the change came from the address bar (Back, a typed hash)

    @property
    def probabilities(self) -> np.ndarray:
        return self.acts["probabilities"]

    @property
    def class_names(self) -> list[str]:
        return list(self.model.class_names)

    @property
    def selected(self) -> int | None:
        """The gallery entry shown (None for the user's own image)."""
        return self.source.gallery_index

    @cached_property
    def input_rgba(self) -> np.ndarray:
        return input_rgba(self.acts["input"])

    @cached_property
    def overview_rgba(self) -> dict[str, np.ndarray]:
        """``{column: (C, H, W, 4) uint8}``: every map of the overview, in this range mode."""
        return overview_rgba(self.acts, self.layout, self.range_mode)

    def with_changed(self, changed: frozenset[str]) -> Snapshot:
        """This snapshot with another ``changed`` (for a subscriber that skipped some), its
        computed maps shared."""
        other = replace(self, changed=changed)
        for name in ("input_rgba", "overview_rgba"):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other

    def column_kinds(self) -> list[tuple[str, str]]:
        return [(c.name, c.kind) for c in self.layout.columns]


Subscriber = Callable[[Snapshot], None]
ErrorHook = Callable[[BaseException, Subscriber], None]


def _log_error(exc: BaseException, fn: Subscriber) -> None:
    log.error("a session subscriber (%r) failed", fn, exc_info=exc)


class Session:
    """The page's state; see the module docstring.  ``on_error(exc, subscriber)`` is called
    when a subscriber raises (the others are still notified)."""

    def __init__(self, model: Model, image: np.ndarray, source: Source, *,
                 range_mode: str = "unit", detail: bool = True,
                 on_error: ErrorHook = _log_error) -> None:
        if range_mode not in RANGE_MODES:
            raise ValueError(f"unknown range mode {range_mode!r}; choose one of {RANGE_MODES}")
        self._plan = PaintPlan(lambda exc, fn: self.on_error(exc, fn))
        self.on_error = on_error
        self._version = 0
        self._snapshot = self._compute(model, build_layout(model.input_shape,
                                                           layer_infos(model)),
                                       image, source, range_mode, detail, None, None,
                                       frozenset(PARTS), None)

    # --- reading ---------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def model(self) -> Model:
        return self._snapshot.model

    def subscribe(self, fn: Subscriber, last: bool = False, *,
                  visible: Callable[[], bool] | None = None,
                  key: str = "") -> Callable[[], None]:
        """Call ``fn(snapshot)`` after every change, in order of subscription (``last``: after
        every other subscriber, even later ones); returns the function that unsubscribes.
        ``visible()`` says whether the view is on screen (a hidden one may paint late, during
        a burst); ``key`` names it for :meth:`begin_burst`'s ``first``."""
        return self._plan.add(fn, last, visible, key)

    # --- bursts (see pyapp.paint_plan) -----------------------------------------------------
    def begin_burst(self, first: Sequence[str] = (), budget_ms: float | None = None) -> None:
        """Many changes a second follow (a drag): hidden subscribers wait; with a budget, the
        others paint across frames, those keyed ``first`` first."""
        self._plan.begin(first, budget_ms)

    def frame_began(self) -> None:
        """The frame callback now running began now: the next publish's paints fit what is
        left of the burst's frame budget (see :mod:`pyapp.paint_plan`)."""
        self._plan.frame_began()

    def end_burst(self) -> None:
        """Every subscriber, on screen or not, paints the latest snapshot (soon)."""
        self._plan.end()

    def set_frames(self, later: Callable[[Callable[[], None]], Any] | None) -> None:
        """How the page waits for its next frame (``requestAnimationFrame``)."""
        self._plan.later = later

    def refresh(self, fn: Subscriber) -> None:
        """``fn`` has just come on screen: it paints the latest snapshot if it missed one."""
        self._plan.refresh(fn)

    def when_painted(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` each time every visible subscriber shows the latest snapshot."""
        return self._plan.when_idle(fn)

    @property
    def in_burst(self) -> bool:
        """True between :meth:`begin_burst` and :meth:`end_burst`."""
        return self._plan.burst is not None

    @property
    def painting(self) -> bool:
        """True while some visible subscriber has yet to paint the latest snapshot."""
        return self._plan.busy

    @property
    def stale(self) -> bool:
        """True while some subscriber (hidden or waiting) has not painted the latest."""
        return bool(self._plan.stale())

    # --- changing --------------------------------------------------------------------------
    def set_image(self, image: np.ndarray, source: Source) -> Snapshot:
        """Run the model on ``image`` (the model input) and make it current.  Nothing changes
        if the forward pass fails (the exception propagates)."""
        s = self._snapshot
        return self._publish(self._compute(s.model, s.layout, image, source, s.range_mode,
                                           s.detail, s.view, s.position,
                                           frozenset({"image"}), s))

    def set_model(self, model: Model, image: np.ndarray, source: Source) -> Snapshot:
        """Another (or an edited) network, with the image prepared for it.  An open view
        closes when the new model has no such view."""
        s = self._snapshot
        layout = build_layout(model.input_shape, layer_infos(model))
        view = _revalidate(s.view, model)
        return self._publish(self._compute(model, layout, image, source, s.range_mode,
                                           s.detail, view, s.position if view else None,
                                           frozenset({"model", "image", "view"}), s))

    def set_range(self, mode: str) -> Snapshot:
        """Colour ranges per unit, module or globally (:data:`RANGE_MODES`)."""
        if mode not in RANGE_MODES:
            raise ValueError(f"unknown range mode {mode!r}; choose one of {RANGE_MODES}")
        s = self._snapshot
        if mode == s.range_mode:
            return s
        return self._publish(self._compute(s.model, s.layout, s.image, s.source, mode,
                                           s.detail, s.view, s.position,
                                           frozenset({"range"}), s))

    def set_detail(self, on: bool) -> Snapshot:
        s = self._snapshot
        if bool(on) == s.detail:
            return s
        return self._publish(self._derive(detail=bool(on), origin="user",
                                          changed=frozenset({"detail"})))

    def open_view(self, ref: Any, position: int | None = None,
                  origin: str = "user") -> Snapshot:
        """Open the detail view ``ref`` (a ``ViewRef``; None closes), pinned at ``position``
        if given.  ``origin="url"`` when the address bar asked for it."""
        s = self._snapshot
        if ref == s.view and position == s.position:
            return s
        changed = {"position"} if ref == s.view else {"view", "position"}
        return self._publish(self._derive(view=ref, position=position, origin=origin,
                                          changed=frozenset(changed)))

    def close_view(self, origin: str = "user") -> Snapshot:
        return self.open_view(None, None, origin)

    def set_position(self, position: int | None) -> Snapshot:
        """Pin the open view at ``position`` (``None``: playing, not pinned)."""
        s = self._snapshot
        if s.view is None or position == s.position:
            return s
        return self._publish(self._derive(position=position, origin="user",
                                          changed=frozenset({"position"})))

    # --- internals -------------------------------------------------------------------------
    def _derive(self, changed: frozenset[str], **fields: Any) -> Snapshot:
        self._version += 1
        return replace(self._snapshot, version=self._version, changed=changed, **fields)

    def _compute(self, model: Model, layout: OverviewLayout, image: np.ndarray,
                 source: Source, mode: str, detail: bool, view: Any, position: int | None,
                 changed: frozenset[str], previous: Snapshot | None) -> Snapshot:
        if previous is not None and "image" not in changed and "model" not in changed:
            acts = previous.acts
        else:
            acts = _frozen(model.forward(image))
        kinds = [(c.name, c.kind) for c in layout.columns]
        probs = acts["probabilities"]
        bars = tuple(Bar(f"{100.0 * float(p):.2f}%", format_prob(float(p))) for p in probs)
        self._version += 1
        return Snapshot(
            version=self._version, model=model, layout=layout, image=acts["input"],
            source=source, acts=acts, range_mode=mode, detail=detail,
            limits=layer_limits(acts, kinds, mode),
            legends=tuple(legends(acts, kinds, mode)), bars=bars,
            predicted=int(np.argmax(probs)) if len(probs) else -1,
            view=view, position=position, changed=changed)

    def _publish(self, snapshot: Snapshot) -> Snapshot:
        self._snapshot = snapshot
        self._plan.publish(snapshot)
        return snapshot


def _revalidate(ref: Any, model: Model) -> Any:
    """``ref`` if ``model`` still has that view, else None."""
    if ref is None:
        return None
    from pyapp.views.route import ref_for  # views import the session's types, not the reverse

    if ref.kind == "softmax":
        return ref_for(model, "softmax", ref.index)
    return ref_for(model, ref.layer, ref.index, ref.channel)
