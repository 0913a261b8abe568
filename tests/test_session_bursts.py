"""Bursts (a weight being dragged): which subscriber paints which snapshot, and when
(pyapp.paint_plan through the Session).  Hidden views wait and paint the latest snapshot once,
with every change they missed; with a frame budget the views paint across frames, the one
under the pointer first; a newer snapshot supersedes waiting paints; at the end of a burst
every view shows the last snapshot."""

from __future__ import annotations

import numpy as np
import pytest

from pyapp import edits as E
from pyapp.cnn.model import sequential_cnn
from pyapp.session import Session, Source
from pyapp.tinkering import Tinker

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


class Frames:
    """A fake ``requestAnimationFrame``: callbacks wait until :meth:`step`."""

    def __init__(self) -> None:
        self.waiting: list = []

    def __call__(self, fn) -> None:
        self.waiting.append(fn)

    def step(self) -> None:
        now, self.waiting = self.waiting, []
        for fn in now:
            fn()

    def drain(self, limit: int = 50) -> int:
        n = 0
        while self.waiting and n < limit:
            self.step()
            n += 1
        return n


class Clock:
    """A fake clock that each paint moves on by its view's cost."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def session():
    model = sequential_cnn(rng=3, class_names=CLASSES)
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    return Session(model, image, Source("gallery", 0))


def view(log: list, name: str, clock: Clock | None = None, cost_ms: float = 0.0):
    def paint(snap) -> None:
        if clock is not None:
            clock.t += cost_ms / 1000.0
        log.append((name, snap.version, frozenset(snap.changed)))
    paint.__qualname__ = name
    return paint


def weight(value: float) -> E.Edit:
    return E.SetWeight("conv_1_1", 0, 0, 1, 1, value)


def test_outside_a_burst_every_view_paints_at_once_in_order(session):
    log: list = []
    session.subscribe(view(log, "last"), last=True)
    session.subscribe(view(log, "a"))
    session.subscribe(view(log, "hidden"), visible=lambda: False)
    session.set_range("module")
    v = session.snapshot.version
    assert log == [("a", v, {"range"}), ("hidden", v, {"range"}), ("last", v, {"range"})]
    assert not session.painting and not session.stale


def test_a_hidden_view_waits_and_paints_the_latest_once_with_all_it_missed(session):
    log: list = []
    shown = {"on": False}
    hidden = view(log, "hidden")
    session.subscribe(view(log, "a"))
    session.subscribe(hidden, visible=lambda: shown["on"])
    tinker = Tinker(session)
    session.begin_burst()
    tinker.push(weight(0.5), merge=True)
    session.set_range("module")  # another part changes while it is hidden
    tinker.push(weight(0.7), merge=True)
    assert [n for n, *_ in log] == ["a", "a", "a"]
    assert session.stale and not session.painting
    shown["on"] = True
    session.refresh(hidden)
    last = session.snapshot
    assert log[-1] == ("hidden", last.version, {"model", "image", "view", "range"})
    session.refresh(hidden)  # up to date: no second paint
    session.end_burst()
    assert [n for n, *_ in log].count("hidden") == 1 and not session.stale


def test_the_end_of_a_burst_paints_every_stale_view_even_a_hidden_one(session):
    log: list = []
    session.subscribe(view(log, "hidden"), visible=lambda: False)
    session.subscribe(view(log, "last"), last=True)
    tinker = Tinker(session)
    session.begin_burst()
    for v in (0.1, 0.2, 0.3):
        tinker.push(weight(v), merge=True)
    assert [n for n, *_ in log] == ["last"] * 3
    session.end_burst()
    final = session.snapshot
    # the hidden one paints once, the last snapshot with all it missed ("last" had it)
    assert log[3:] == [("hidden", final.version, {"model", "image", "view"})]
    assert not session.stale
    # the hidden view was given the final numbers: those of a fresh forward pass
    want = E.apply(tinker.base, (weight(0.3),)).forward(final.image)
    assert np.array_equal(final.acts["probabilities"], want["probabilities"])


def test_with_a_budget_views_paint_across_frames_the_first_named_first(session):
    log: list = []
    clock, frames = Clock(), Frames()
    session._plan.clock = clock
    session.set_frames(frames)
    session.subscribe(view(log, "overview", clock, 20.0), key="overview")
    session.subscribe(view(log, "detail", clock, 20.0), key="detail")
    session.subscribe(view(log, "small", clock, 1.0))
    session.subscribe(view(log, "marks", clock, 0.0), last=True)
    idle: list = []
    session.when_painted(lambda: idle.append(session.snapshot.version))
    tinker = Tinker(session)
    session.begin_burst(first=("detail",), budget_ms=12.0)
    tinker.push(weight(0.5), merge=True)
    # a frame always starts one paint; then the next only while it seems to fit
    assert [n for n, *_ in log] == ["detail"]
    frames.drain()
    assert [n for n, *_ in log] == ["detail", "overview", "small", "marks"]
    log.clear()
    tinker.push(weight(0.6), merge=True)
    v = session.snapshot.version
    assert log == [("detail", v, {"model", "image", "view"})]  # 20 ms: the frame is full
    assert session.painting and idle[-1] != v
    frames.step()  # the small ones never wait: they follow the overview in its frame
    assert [n for n, *_ in log] == ["detail", "overview", "small", "marks"]
    assert not session.painting and idle[-1] == v and not frames.waiting


def test_an_edit_late_in_its_frame_leaves_the_views_that_do_not_fit_to_the_next(session):
    """A drag's edit runs its forward pass in a frame callback that said when the frame
    began: that work counts against the budget, so the frame need not start a large paint
    (without it, the edit's frame is the forward pass plus a whole budget of paints)."""
    log: list = []
    clock, frames = Clock(), Frames()
    session._plan.clock = clock
    session.set_frames(frames)
    session.subscribe(view(log, "editor", clock, 1.0), key="tinker")
    session.subscribe(view(log, "detail", clock, 6.0), key="detail")
    tinker = Tinker(session)
    session.begin_burst(first=("tinker", "detail"), budget_ms=10.0)
    tinker.push(weight(0.5), merge=True)  # the costs become known
    frames.drain()
    log.clear()
    # the frame began 3 ms ago: the editor (small) and the detail view (6 ms) fit
    session.frame_began()
    clock.t += 0.003
    tinker.push(weight(0.6), merge=True)
    assert [n for n, *_ in log] == ["editor", "detail"]
    log.clear()
    # the forward pass took 8 ms: the small editor paints, the detail view waits a frame
    session.frame_began()
    clock.t += 0.008
    tinker.push(weight(0.7), merge=True)
    v = session.snapshot.version
    assert log == [("editor", v, {"model", "image", "view"})]
    assert session.painting
    frames.step()
    assert log[1:] == [("detail", v, {"model", "image", "view"})]
    assert not session.painting
    # said once, it holds for one publish: the next frame callback's own paints start
    log.clear()
    tinker.push(weight(0.8), merge=True)
    assert [n for n, *_ in log] == ["editor", "detail"]


def test_a_newer_snapshot_supersedes_waiting_paints(session):
    log: list = []
    clock, frames = Clock(), Frames()
    session._plan.clock = clock
    session.set_frames(frames)
    session.subscribe(view(log, "a", clock, 20.0))
    session.subscribe(view(log, "b", clock, 20.0))
    tinker = Tinker(session)
    session.begin_burst(budget_ms=12.0)
    tinker.push(weight(0.5), merge=True)
    frames.drain()
    log.clear()
    tinker.push(weight(0.6), merge=True)
    first = session.snapshot.version
    assert log == [("a", first, {"model", "image", "view"})]
    tinker.push(weight(0.7), merge=True)  # "b" has not painted 0.6: it never will
    frames.drain()
    second = session.snapshot.version
    assert ("b", first, {"model", "image", "view"}) not in log
    assert {(n, v) for n, v, _ in log[1:]} == {("a", second), ("b", second)}
    assert not session.painting


def test_unsubscribing_a_waiting_view_drops_its_paint(session):
    log: list = []
    clock, frames = Clock(), Frames()
    session._plan.clock = clock
    session.set_frames(frames)
    session.subscribe(view(log, "a", clock, 20.0))
    leave = session.subscribe(view(log, "b", clock, 20.0))
    tinker = Tinker(session)
    session.begin_burst(budget_ms=12.0)
    tinker.push(weight(0.5), merge=True)
    frames.drain()
    log.clear()
    tinker.push(weight(0.6), merge=True)
    leave()
    frames.drain()
    assert [n for n, *_ in log] == ["a"] and not session.painting


def test_a_failing_view_does_not_stop_the_others(session):
    log: list = []
    errors: list = []
    session.on_error = lambda exc, fn: errors.append(str(exc))

    def broken(_snap) -> None:
        raise RuntimeError("boom")
    session.subscribe(broken)
    session.subscribe(view(log, "b"))
    session.begin_burst()
    Tinker(session).push(weight(0.5))
    session.end_burst()
    assert errors == ["boom"] and [n for n, *_ in log] == ["b"]


def test_undo_after_a_burst_restores_bit_identical_activations(session):
    log: list = []
    session.subscribe(view(log, "hidden"), visible=lambda: False)
    before = session.snapshot.acts
    tinker = Tinker(session)
    session.begin_burst()
    for v in (0.1, 0.9, -0.4):
        tinker.push(weight(v), merge=True)
    session.end_burst()
    assert len(tinker.current) == 1  # one drag: one change to undo
    tinker.undo()
    for name, a in before.items():
        assert np.array_equal(session.snapshot.acts[name], a), name
    assert log[-1][1] == session.snapshot.version


def test_a_shared_copy_keeps_the_computed_maps(session):
    snap = session.snapshot
    maps = snap.overview_rgba
    other = snap.with_changed(frozenset({"model", "range"}))
    assert other.overview_rgba is maps and other.changed == {"model", "range"}
    assert other.version == snap.version and snap.changed != other.changed


def stepped(log: list, name: str, clock: Clock, cost_ms: float):
    """A view that paints in two steps (a generator), each ``cost_ms``."""
    def paint(snap):
        for part in ("colours", "canvases"):
            clock.t += cost_ms / 1000.0
            log.append((name, part, snap.version))
            if part == "colours":
                yield
    return paint


def test_a_paint_in_steps_spreads_over_frames_and_a_newer_snapshot_restarts_it(session):
    log: list = []
    clock, frames = Clock(), Frames()
    session._plan.clock = clock
    session.set_frames(frames)
    session.subscribe(stepped(log, "overview", clock, 8.0))
    tinker = Tinker(session)
    tinker.push(weight(0.4), merge=True)  # outside a burst: every step at once
    assert [p for _, p, _ in log] == ["colours", "canvases"] and not frames.waiting
    session.begin_burst(budget_ms=10.0)
    log.clear()
    tinker.push(weight(0.5), merge=True)
    v1 = session.snapshot.version
    assert log == [("overview", "colours", v1)]  # 8 ms: the second step waits a frame
    assert session.painting
    tinker.push(weight(0.6), merge=True)  # before the second step: this one starts over
    frames.drain()
    v2 = session.snapshot.version
    assert ("overview", "canvases", v1) not in log
    assert log[-2:] == [("overview", "colours", v2), ("overview", "canvases", v2)]
    assert not session.painting
    session.end_burst()
