"""The animation clock and the URL-hash routes of the detail views."""

from __future__ import annotations

import pytest

from pyapp.cnn.model import tinyvgg
from pyapp.views.route import ViewRef, parse_hash, ref_for
from pyapp.views.stepper import Stepper

MODEL = tinyvgg(rng=1)


def test_playing_advances_paused_stays() -> None:
    s = Stepper(100, interval_ms=50)
    assert not s.tick(49) and s.position == 0
    assert s.tick(1) and s.position == 1
    s.tick(250)
    assert s.position == 6
    s.pause()
    assert not s.tick(1000) and s.position == 6


def test_step_moves_exactly_one_and_pauses() -> None:
    s = Stepper(10, position=9)
    assert s.step(1) == 0 and not s.playing
    assert s.step(-1) == 9
    assert s.seek(42) == 9
    s.replay()
    assert s.position == 0 and s.playing


def test_speed_scales_the_interval() -> None:
    s = Stepper(100, interval_ms=100)
    s.set_speed(4)
    s.tick(100)
    assert s.position == 4
    with pytest.raises(ValueError):
        s.set_speed(0)


def test_reduced_motion_starts_paused() -> None:
    s = Stepper(5, playing=False)
    s.tick(10_000)
    assert s.position == 0


@pytest.mark.parametrize("hash_, ref", [
    ("#conv_1_2/4", ViewRef("conv", "conv_1_2", 4)),
    ("#conv_1_2/4/2", ViewRef("formula", "conv_1_2", 4, 2)),
    ("#relu_1_1/0", ViewRef("activation", "relu_1_1", 0)),
    ("#max_pool_2/9", ViewRef("pool", "max_pool_2", 9)),
    ("#output/5", ViewRef("logit", "output", 5)),
    ("#softmax/3", ViewRef("softmax", "output", 3)),
])
def test_hash_round_trip(hash_: str, ref: ViewRef) -> None:
    assert parse_hash(hash_, MODEL) == ref
    assert ref.to_hash() == hash_


@pytest.mark.parametrize("hash_", ["", "#", "#conv_1_2", "#conv_1_2/10", "#conv_9/0",
                                   "#flatten/0", "#relu_1_1/0/1", "#conv_2_1/0/10",
                                   "#softmax/10", "#output/-1", "#input/0", "#about"])
def test_bad_hashes_name_no_view(hash_: str) -> None:
    assert parse_hash(hash_, MODEL) is None


def test_click_targets() -> None:
    assert ref_for(MODEL, "conv_1_1", 0) == ViewRef("conv", "conv_1_1", 0)
    assert ref_for(MODEL, "input", 0) is None
