"""The tour file (pyapp/tour): parser, validator and budgets; the questions' revealed values
against the core; the state a step applies through the session; where the box goes; the
kiosk's options.  Plain CPython."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pyapp import budgets
from pyapp.cnn.formats import load_native
from pyapp.edits import MapOff, apply
from pyapp.session import Session, Source
from pyapp.tour import questions as Q
from pyapp.tour.data import Tour, TourError, check_against, parse_tour
from pyapp.tour.kiosk import parse_kiosk, reset_query
from pyapp.tour.state import apply_state, overlap, place_box, pointer, state_hash

ROOT = Path(__file__).resolve().parents[1]
INTRO = ROOT / "www" / "tours" / "intro.json"


@pytest.fixture(scope="module")
def model():
    return load_native((ROOT / "weights" / "tinyvgg-cifar10.npz").read_bytes())


@pytest.fixture()
def session(model):
    rng = np.random.default_rng(0)
    return Session(model, rng.random(model.input_shape, dtype=np.float32), Source("gallery", 0))


def tour_doc(**step) -> dict:
    return {"format": "cnn-explainer-tour", "version": 1, "title": "T",
            "steps": [{"title": "One", "text": "Text.", **step}]}


def parse(doc) -> Tour:
    return parse_tour(json.dumps(doc).encode())


def test_the_shipped_tour_reads_and_fits_the_default_model(model):
    tour = parse_tour(INTRO.read_bytes())
    gallery = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text())
    assert len(tour.steps) >= 10
    assert check_against(tour, model, len(gallery)) == []
    assert tour.label("progress", n=2, m=len(tour.steps)) == f"Step 2 of {len(tour.steps)}"
    assert any(s.ask for s in tour.steps)
    assert {s.ask.kind for s in tour.steps if s.ask} == {"choice", "map"}


@pytest.mark.parametrize(("doc", "says"), [
    ({"format": "other", "version": 1, "title": "T", "steps": []}, "not a tour"),
    (tour_doc(colour="red"), "unknown keys: colour"),
    (tour_doc(state={"image": 0}), "whole number from 1"),
    (tour_doc(state={"view": "#/conv_1_1/x"}), "not a view link"),
    (tour_doc(state={"range": "loud"}), "range"),
    (tour_doc(state={"edit": "zz:1"}), "edit"),
    (tour_doc(state={"why": "magic"}), "Why?"),
    (tour_doc(point="#evil"), "points at"),
    (tour_doc(point="neuron:conv_1_1/0"), "count from 1"),
    (tour_doc(ask={"kind": "choice", "compute": "secret", "question": "Q?"}), "computes"),
    (tour_doc(ask={"kind": "number", "compute": "predicted_class", "question": "Q?"}),
     "answered by"),
    (tour_doc(ask={"kind": "map", "compute": "brightest_map", "question": "Q?",
                   "layer": "relu 1"}), "layer name"),
    (tour_doc(ask={"kind": "choice", "compute": "predicted_class", "question": "Q?",
                   "why": "{secret}"}), "placeholder {secret}"),
    (tour_doc(ask={"kind": "choice", "compute": "output_size", "layer": "conv_1_1",
                   "question": "Q?", "choices": ["a", "b"]}), "whole numbers"),
    (tour_doc(text="x" * (budgets.MAX_TOUR_TEXT + 1)), "characters"),
    (tour_doc(text="bell\x07"), "control"),
    ({**tour_doc(), "labels": {"progress": "{n} {q}"}}, "placeholder {q}"),
    ({**tour_doc(), "lang": "english please"}, "language"),
])
def test_a_wrong_tour_is_refused_with_a_plain_reason(doc, says):
    with pytest.raises(TourError, match=None) as err:
        parse(doc)
    assert says in str(err.value)


def test_budgets_are_checked_before_parsing():
    with pytest.raises(TourError, match="more than"):
        parse_tour(b" " * (budgets.MAX_TOUR_BYTES + 1))
    with pytest.raises(TourError, match="nested"):
        parse_tour(b"[" * 50 + b"]" * 50)
    with pytest.raises(TourError, match="not valid JSON"):
        parse_tour(b"{nope")
    many = tour_doc()
    many["steps"] = many["steps"] * (budgets.MAX_TOUR_STEPS + 1)
    with pytest.raises(TourError, match="steps"):
        parse(many)


def test_check_against_names_what_the_model_lacks(model):
    tour = parse(tour_doc(state={"image": 40, "view": "#/conv_9/1"}, point="column:nope"))
    problems = check_against(tour, model, 12)
    assert len(problems) == 3 and "example 40" in problems[0]


def test_revealed_values_are_the_core_s(model, session):
    snap = session.snapshot
    tour = parse_tour(INTRO.read_bytes())
    asks = {s.ask.compute: s.ask for s in tour.steps if s.ask}
    size = Q.reveal(asks["output_size"], snap)
    assert size.value == snap.acts[asks["output_size"].layer].shape[0] == 62
    bright = Q.reveal(asks["brightest_map"], snap)
    acts = snap.acts[asks["brightest_map"].layer]
    assert bright.value == int(np.argmax(acts.mean(axis=(0, 1))))
    cls = Q.reveal(asks["predicted_class"], snap)
    assert cls.value == int(np.argmax(snap.probabilities)) and cls.answer in snap.class_names
    off = asks["map_off_class"]
    edited = apply(model, [MapOff(off.layer, off.channel, True)])
    expect = int(np.argmax(edited.forward(snap.image)["probabilities"]))
    assert Q.reveal(off, snap).value == expect


def test_a_verdict_says_right_or_wrong_with_the_core_s_numbers(session):
    snap = session.snapshot
    tour = parse_tour(INTRO.read_bytes())
    ask = next(s.ask for s in tour.steps if s.ask and s.ask.compute == "output_size")
    rev = Q.reveal(ask, snap)
    right = Q.judge(tour, ask, rev, "62", snap)
    wrong = Q.judge(tour, ask, rev, "64", snap)
    assert right.correct and right.text.startswith("Right.") and "64 − 3 + 1 = 62" in right.text
    assert not wrong.correct and "answer: 62" in wrong.text
    assert Q.judge(tour, ask, rev, "sixty", snap) is None
    mapq = next(s.ask for s in tour.steps if s.ask and s.ask.compute == "brightest_map")
    rev = Q.reveal(mapq, snap)
    assert Q.judge(tour, mapq, rev, str(rev.value + 1), snap).correct
    assert Q.judge(tour, mapq, rev, "99", snap) is None


def test_a_step_state_goes_through_the_session(model, session):
    tour = parse_tour(INTRO.read_bytes())
    image = np.zeros(model.input_shape, np.float32)
    seen = []
    session.subscribe(seen.append)
    step5 = tour.steps[4]
    assert apply_state(session, step5.state, image) == []
    snap = session.snapshot
    assert snap.view.layer == "relu_1_1" and snap.view.index == 0
    assert state_hash(step5.state, session) == "#/relu_1_1/1@20,20"
    apply_state(session, tour.steps[7].state, image)
    assert session.snapshot.range_mode == "module" and session.snapshot.view is None
    assert seen and all(s.origin == "user" for s in seen)


def test_a_step_with_edits_loads_them_and_the_next_resets_them(model, session):
    from pyapp.tinkering import Tinker

    tinker = Tinker(session)
    tour = parse(tour_doc(state={"edit": "off:conv_1_2:4"}))
    apply_state(session, tour.steps[0].state, None, tinker)
    assert tinker.link_text() == "off:conv_1_2:4"
    assert session.snapshot.acts["conv_1_2"][..., 3].max() == 0
    apply_state(session, parse(tour_doc()).steps[0].state, None, tinker)
    assert tinker.current == ()


def test_pointers_are_ids_of_the_app():
    assert pointer("column:conv_1_1").element_id == "ov-h-conv_1_1"
    assert pointer("neuron:conv_1_1/3").element_id == "ov-n-conv_1_1-2"
    assert pointer("gallery").closest == ".ov-controls"
    assert pointer("") is None


def test_the_box_never_covers_its_target_when_there_is_room():
    viewport = (1440.0, 900.0)
    for target in [(100, 300, 60, 500), (1200, 50, 200, 800), (600, 700, 100, 100),
                   (0, 0, 1440, 400)]:
        x, y = place_box(target, (420, 200), viewport)
        assert overlap((x, y, 420, 200), target) == 0, target
        assert 0 <= x and x + 420 <= 1440 and 0 <= y and y + 200 <= 900
    # no room anywhere: the edge that covers less
    x, y = place_box((0, 0, 390, 700), (374, 200), (390.0, 844.0))
    assert y > 600


def test_kiosk_options_are_bounded():
    assert not parse_kiosk("?idle=1").on
    k = parse_kiosk("?kiosk=1&idle=0.05")
    assert k.on and k.idle_ms == 3000 and k.hidden == ("upload", "download", "link")
    assert parse_kiosk("?kiosk=1").idle_ms == 120_000
    bad = parse_kiosk("?kiosk=1&idle=-3")
    assert bad.idle_ms == 120_000 and bad.problems
    assert parse_kiosk("?kiosk=1&idle=nan").problems
    assert parse_kiosk("?kiosk=1&controls=upload,evil").hidden == ("download", "link")
    assert reset_query("?kiosk=1&image=3&edit=t:2&idle=0.1") == "?kiosk=1&idle=0.1"
    assert parse_kiosk("?kiosk=1").present and not parse_kiosk("?kiosk=1&present=0").present


def test_kiosk_dwell_is_bounded_and_kept_on_reset():
    assert parse_kiosk("?kiosk=1").dwell_ms == 12_000
    assert parse_kiosk("?kiosk=1&dwell=1").dwell_ms == 1000
    assert parse_kiosk("?kiosk=1&dwell=2.5").dwell_ms == 2500
    for text in ("0.5", "121", "inf", "soon", "1e9"):
        bad = parse_kiosk(f"?kiosk=1&dwell={text}")
        assert bad.dwell_ms == 12_000 and bad.problems, text
    assert parse_kiosk("?kiosk=1&dwell=3").problems == ()
    assert reset_query("?kiosk=1&dwell=3&image=2") == "?kiosk=1&dwell=3"


def test_a_translated_tour_sits_beside_the_original():
    from pyapp.tour.data import translated_path

    assert translated_path("https://x.org/app/tours/intro.json", "ja") == (
        "https://x.org/app/tours/intro.ja.json")
    assert translated_path("tours/mine.json?v=2", "ja") == "tours/mine.ja.json?v=2"
    assert translated_path("tours/intro.json", "en") == "tours/intro.json"
    assert translated_path("tours/intro.txt", "ja") == "tours/intro.txt"
    assert translated_path("tours/intro.json", "../x") == "tours/intro.json"
    assert (INTRO.parent / "intro.ja.json").exists()
