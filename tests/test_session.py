"""The session: one snapshot per change, subscribers notified once, nothing changes on
failure, and every number a view paints is in the snapshot."""

import numpy as np
import pytest

from pyapp.cnn.model import sequential_cnn
from pyapp.render.overview_html import format_prob
from pyapp.render.ranges import layer_limits
from pyapp.session import Session, Source, input_rgba
from pyapp.views.route import ref_for

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


@pytest.fixture()
def session():
    model = sequential_cnn(rng=3, class_names=CLASSES)
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    return Session(model, image, Source("gallery", 0))


def test_snapshot_holds_the_core_numbers(session):
    snap = session.snapshot
    acts = session.model.forward(snap.image)
    for name, a in acts.items():
        assert np.array_equal(snap.acts[name], a)
    assert snap.predicted == int(np.argmax(acts["probabilities"]))
    assert [b.text for b in snap.bars] == [format_prob(p) for p in acts["probabilities"]]
    assert [b.width for b in snap.bars] == [f"{100 * float(p):.2f}%"
                                            for p in acts["probabilities"]]
    assert snap.limits == layer_limits(acts, snap.column_kinds(), "unit")
    assert np.array_equal(snap.input_rgba, input_rgba(acts["input"]))
    assert snap.input_rgba.shape == (64, 64, 4)
    assert set(snap.overview_rgba) == {c.name for c in snap.layout.columns
                                       if c.kind != "output"}
    with pytest.raises(ValueError):  # read-only: a view cannot change a number
        snap.acts["conv_1_1"][0, 0, 0] = 1.0


def test_each_change_notifies_every_subscriber_once(session):
    seen_a, seen_b = [], []
    session.subscribe(seen_a.append)
    unsubscribe = session.subscribe(seen_b.append)
    image = np.random.default_rng(2).random((64, 64, 3), dtype=np.float32)
    session.set_image(image, Source("upload", name="cat.png"))
    assert len(seen_a) == len(seen_b) == 1
    snap = seen_a[0]
    assert snap is session.snapshot and snap.changed == {"image"}
    assert snap.source.kind == "upload" and snap.selected is None
    session.set_range("global")
    assert seen_a[-1].changed == {"range"} and seen_a[-1].range_mode == "global"
    assert seen_a[-1].acts is snap.acts  # a range change reuses the forward pass
    unsubscribe()
    session.set_detail(False)
    assert len(seen_a) == 3 and len(seen_b) == 2
    assert [s.version for s in seen_a] == sorted({s.version for s in seen_a})


def test_no_change_no_notice(session):
    seen = []
    session.subscribe(seen.append)
    session.set_range("unit")
    session.set_detail(True)
    session.close_view()
    assert seen == []


def test_failure_changes_nothing(session):
    before = session.snapshot
    seen = []
    session.subscribe(seen.append)
    with pytest.raises(ValueError):
        session.set_image(np.zeros((10, 10, 3), np.float32), Source("upload", name="x"))
    with pytest.raises(ValueError):
        session.set_range("bogus")
    assert session.snapshot is before and seen == []


def test_a_failing_subscriber_does_not_stop_the_others(session):
    errors, seen = [], []

    def broken(_snap):
        raise RuntimeError("boom")

    session.on_error = lambda exc, fn: errors.append(exc)
    session.subscribe(broken)
    session.subscribe(seen.append)
    session.set_range("module")
    assert len(seen) == 1 and isinstance(errors[0], RuntimeError)


def test_views_and_positions(session):
    seen = []
    session.subscribe(seen.append)
    ref = ref_for(session.model, "conv_1_2", 3)
    session.open_view(ref)
    assert seen[-1].view == ref and seen[-1].changed == {"view", "position"}
    session.set_position(17)
    assert seen[-1].position == 17 and seen[-1].changed == {"position"}
    image = np.random.default_rng(5).random((64, 64, 3), dtype=np.float32)
    session.set_image(image, Source("gallery", 2))
    assert seen[-1].view == ref and seen[-1].position == 17  # the view stays open
    session.close_view(origin="url")
    assert seen[-1].view is None and seen[-1].origin == "url"


def test_a_new_model_closes_views_it_does_not_have(session):
    ref = ref_for(session.model, "conv_2_2", 9)
    session.open_view(ref, 5)
    small = sequential_cnn(blocks=((4,),), rng=1, class_names=CLASSES)
    image = np.zeros((64, 64, 3), np.float32)
    snap = session.set_model(small, image, Source("gallery", 0))
    assert snap.view is None and snap.position is None
    assert snap.layout.columns[1].count == 4
