"""Which subscriber of the :class:`~pyapp.session.Session` paints which snapshot, and when.

Outside a *burst* every subscriber paints every snapshot at once, in order of subscription
(the ``last`` ones after the rest): the session's plain contract.  A burst is a run of many
snapshots a second (a weight being dragged); during one

* a subscriber that is not on screen (its ``visible()`` says False) is marked *stale* and
  skipped; it paints the latest snapshot once, when it is shown again (:meth:`PaintPlan.refresh`)
  or when the burst ends;
* with a frame budget, the visible subscribers paint one after another across frames: those
  whose key is named ``first`` (the view under the pointer), then the others in order of
  subscription, the ``last`` ones at the end.  A frame starts the next paint only while its
  expected cost (the last cost of that subscriber) fits what is left of ``budget_ms``, and
  always starts at least one; a paint known to cost under :data:`SMALL_MS` never waits.  A
  snapshot published while some paints are still waiting supersedes it: they paint the newer
  one.  A snapshot published in a frame callback that said when its frame began
  (:meth:`PaintPlan.frame_began`: a drag's edit, whose forward pass ran first) counts that
  work against the budget too, and may leave every paint that is not small to the next
  frame (the edit's frame is the heaviest one otherwise).

A subscriber may return an iterator (a generator that yields between the parts of its paint):
during a budgeted burst each part is a step of its own (a step waits for the next frame as a
paint does), otherwise it is run to its end at once; a newer snapshot drops the rest.

A subscriber that skipped snapshots is given the latest one with ``changed`` = the union of
the ``changed`` of every snapshot it missed, so a view that skips work by ``changed`` misses
nothing.  The latest snapshot is the one source of truth: a late paint just shows it later.

Plain Python (no ``js``): the page injects its frame callback (``later``) and the tests a
list.

    publish(s) -> [stale | queued] -> frame: paint while it fits -> ... -> idle hooks
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

SMALL_MS = 2.0  # a paint this cheap never waits for the next frame

Subscriber = Callable[[Any], None]
Visible = Callable[[], bool]
Later = Callable[[Callable[[], None]], Any]
ErrorHook = Callable[[BaseException, Subscriber], None]


@dataclass
class Entry:
    """One subscriber: ``missed`` is the union of the ``changed`` parts of the snapshots it
    has not painted (None: it shows the latest)."""

    fn: Subscriber
    last: bool = False
    visible: Visible | None = None
    key: str = ""
    missed: frozenset[str] | None = None
    cost_ms: float | None = None  # the last paint's (or step's) cost (None: not yet)
    steps: Iterator[Any] | None = None  # the rest of a paint given in steps

    def waits(self, spent_ms: float, budget_ms: float) -> bool:
        """Whether this paint waits for the next frame, ``spent_ms`` of it being used."""
        cost = self.cost_ms or 0.0
        small = self.cost_ms is not None and cost < SMALL_MS
        return not small and spent_ms + cost > budget_ms

    def on_screen(self) -> bool:
        return self.visible is None or bool(self.visible())


@dataclass(frozen=True)
class Burst:
    first: tuple[str, ...] = ()
    budget_ms: float | None = None  # None: every visible subscriber paints at once


class PaintPlan:
    """See the module docstring.  ``later(callback)`` runs ``callback`` at the next frame
    (None: the plan never waits, every paint happens at once)."""

    def __init__(self, on_error: ErrorHook, later: Later | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.on_error = on_error
        self.later = later
        self.clock = clock
        self.entries: list[Entry] = []
        self.burst: Burst | None = None
        self.queue: list[Entry] = []
        self.latest: Any = None
        self._scheduled = False
        self._idle: list[Callable[[], None]] = []
        self._budget: float | None = None  # the budget the queue runs with
        self._began: float | None = None  # when the running frame began (see frame_began)

    # --- subscribers -------------------------------------------------------------------
    def add(self, fn: Subscriber, last: bool = False, visible: Visible | None = None,
            key: str = "") -> Callable[[], None]:
        entry = Entry(fn, last, visible, key)
        self.entries.append(entry)

        def remove() -> None:
            if entry in self.entries:
                self.entries.remove(entry)
            if entry in self.queue:
                self.queue.remove(entry)
        return remove

    def order(self, first: Sequence[str] = ()) -> list[Entry]:
        """Those keyed in ``first`` (in that order), the others, then the ``last`` ones."""
        head = [e for k in first for e in self.entries if e.key == k and not e.last]
        rest = [e for e in self.entries if not e.last and e not in head]
        return head + rest + [e for e in self.entries if e.last]

    @property
    def busy(self) -> bool:
        """True while some visible subscriber has not painted the latest snapshot yet."""
        return bool(self.queue)

    def stale(self) -> list[Entry]:
        return [e for e in self.entries if e.missed is not None]

    def when_idle(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call ``fn()`` each time the queue empties (every visible view shows the latest)."""
        self._idle.append(fn)
        return lambda: self._idle.remove(fn) if fn in self._idle else None

    # --- publishing --------------------------------------------------------------------
    def frame_began(self) -> None:
        """The frame callback now running began now: a snapshot it publishes paints within
        what is left of the frame's budget (the next publish only; see the docstring)."""
        self._began = self.clock()

    def publish(self, snapshot: Any) -> None:
        began, self._began = self._began, None
        self.latest = snapshot
        for e in self.entries:
            e.missed = snapshot.changed if e.missed is None else e.missed | snapshot.changed
            e.steps = None  # a paint of an older snapshot in steps: superseded
        if self.burst is None:
            self.queue = []
            for e in self.order():
                self._paint_all(e)
            self._drained()
            return
        self.queue = [e for e in self.order(self.burst.first) if e.on_screen()]
        self._budget = self.burst.budget_ms
        self._run(began)

    def begin(self, first: Sequence[str] = (), budget_ms: float | None = None) -> None:
        """Start a burst (see the module docstring); a running one takes the new settings."""
        self.burst = Burst(tuple(first), budget_ms)

    def end(self) -> None:
        """End the burst: every stale subscriber, shown or not, paints the latest snapshot
        (after those still waiting, within the same frame budget)."""
        if self.burst is None:
            return
        self._budget = self.burst.budget_ms
        self.burst = None
        waiting = set(map(id, self.queue))
        self.queue += [e for e in self.order() if e.missed is not None and id(e) not in waiting]
        self._run()

    def refresh(self, fn: Subscriber) -> None:
        """``fn`` has just come on screen: if stale, it paints the latest snapshot now."""
        for e in self.entries:
            if e.fn == fn and e.missed is not None and e not in self.queue:
                self._paint_all(e)

    # --- internals ---------------------------------------------------------------------
    def _run(self, began: float | None = None) -> None:
        if self._scheduled:  # a frame is already asked for: it paints the new queue
            return
        if self._budget is None or self.later is None:
            while self.queue:
                self._paint_all(self.queue.pop(0))
            self._drained()
            return
        self._frame(began)

    def _frame(self, began: float | None = None) -> None:
        """Paint what fits in this frame (begun at ``began``: its earlier work counts, and
        nothing need start); ask for the next frame for the rest."""
        self._scheduled = False
        start = self.clock() if began is None else began
        budget = self._budget if self._budget is not None else float("inf")
        done = 0 if began is None else 1
        while self.queue:
            entry = self.queue[0]
            spent = (self.clock() - start) * 1000.0
            if done and entry.waits(spent, budget):
                break
            if self._paint(entry):
                self.queue.pop(0)
            done += 1
        if self.queue:
            if not self._scheduled:
                self._scheduled = True
                self.later(self._frame)  # type: ignore[misc]
        else:
            self._drained()

    def _paint_all(self, entry: Entry) -> None:
        while not self._paint(entry):
            pass

    def _paint(self, entry: Entry) -> bool:
        """Paint ``entry`` the latest snapshot, or its next step; True once it has finished."""
        t0 = self.clock()
        finished = True
        try:
            if entry.steps is not None:
                try:
                    next(entry.steps)
                    finished = False
                except StopIteration:
                    entry.steps = None
            else:
                missed, entry.missed = entry.missed, None
                snap = self.latest
                if snap is None or missed is None:
                    return True
                if missed != snap.changed:
                    with_changed = getattr(snap, "with_changed", None)
                    snap = with_changed(missed) if with_changed else replace(snap,
                                                                             changed=missed)
                result = entry.fn(snap)
                if isinstance(result, Iterator):
                    entry.steps, finished = result, False
        except Exception as exc:  # noqa: BLE001 - one failing view must not stop the rest
            entry.steps = None
            self.on_error(exc, entry.fn)
        entry.cost_ms = (self.clock() - t0) * 1000.0
        return finished

    def _drained(self) -> None:
        for fn in list(self._idle):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - a hook must not stop the others
                self.on_error(exc, fn)
