"""Lesson links: the URL holds the session, 1-based; old hashes still open; hostile input
is no view, never an exception."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyapp import links
from pyapp.cnn.model import sequential_cnn
from pyapp.session import Session, Source
from pyapp.views.route import ref_for


@pytest.fixture(scope="module")
def model():
    return sequential_cnn(rng=3)


def snap_with(model, **kw):
    s = Session(model, np.zeros((64, 64, 3), np.float32), kw.pop("source", Source("gallery", 0)))
    if "range" in kw:
        s.set_range(kw["range"])
    if "detail" in kw:
        s.set_detail(kw["detail"])
    if "view" in kw:
        s.open_view(kw["view"], kw.get("position"))
    return s.snapshot


def test_new_hashes_are_one_based(model):
    ref, pos = links.resolve(links.parse_view_hash("#/conv_1_2/5"), model, 0)
    assert ref == ref_for(model, "conv_1_2", 4) and pos is None
    ref, pos = links.resolve(links.parse_view_hash("#/conv_1_2/5/2@3,7"), model, 0)
    assert ref == ref_for(model, "conv_1_2", 4, 1)
    assert pos == 2 * model.shapes["conv_1_2"][1] + 6
    ref, _ = links.resolve(links.parse_view_hash("#/softmax/6"), model, 0)
    assert ref.kind == "softmax" and ref.index == 5


def test_old_hashes_still_open_their_view(model):
    for old, layer, index, channel in [("#conv_1_2/4", "conv_1_2", 4, None),
                                       ("#conv_1_2/4/2", "conv_1_2", 4, 2),
                                       ("#relu_1_1/0", "relu_1_1", 0, None),
                                       ("#output/3", "output", 3, None)]:
        ref, _ = links.resolve(links.parse_view_hash(old), model, 0)
        assert ref == ref_for(model, layer, index, channel), old
    ref, _ = links.resolve(links.parse_view_hash("#softmax/5"), model, 0)
    assert ref.kind == "softmax" and ref.index == 5


def test_bare_softmax_opens_the_predicted_class(model):
    for text in ("#softmax", "#/softmax"):
        ref, _ = links.resolve(links.parse_view_hash(text), model, 7)
        assert ref.kind == "softmax" and ref.index == 7


def test_view_hash_round_trips_with_positions(model):
    cases = [ref_for(model, "conv_1_1", 0), ref_for(model, "conv_2_2", 9, 3),
             ref_for(model, "relu_1_2", 2), ref_for(model, "max_pool_2", 1),
             ref_for(model, "output", 4), ref_for(model, "softmax", 2)]
    for ref in cases:
        shape = links.position_shape(ref, model)
        for pos in (None, 0, int(np.prod(shape)) - 1):
            text = links.view_hash(ref, model, pos)
            assert links.resolve(links.parse_view_hash(text), model, 0) == (ref, pos), text


def test_position_labels_are_row_column_one_based(model):
    ref = ref_for(model, "conv_1_1", 0)
    w = model.shapes["conv_1_1"][1]
    assert links.position_label(ref, model, 0) == "1,1"
    assert links.position_label(ref, model, w + 2) == "2,3"
    assert links.position_label(ref_for(model, "output", 0), model, 41) == "42"


def test_layer_names_are_percent_encoded():
    link = links.parse_view_hash("#/my%20layer%C3%A9/2")
    assert link.layer == "my layer\u00e9" and link.index == 1


@pytest.mark.parametrize("text", [
    "#conv_1_1/" + "9" * 5000, "#/conv_1_1/" + "1" * 7, "#/conv_1_1/0", "#/conv_1_1/1/0",
    "#/conv_1_1/1@0,1", "#" + "a/" * 400, "#/x/1@1,2,3", "#<script>/1", "#%ZZ/1", "",
    "#/conv_1_1/-1", "#article-conv", "#/conv_1_1/1@",
])
def test_hostile_hashes_are_no_view(model, text):
    link = links.parse_view_hash(text)
    assert links.resolve(link, model, 0) == (None, None)


@given(st.text(max_size=600))
def test_the_parser_never_raises(text):
    links.parse_view_hash(text)
    links.parse_page(text, text)


def test_page_url_holds_the_session(model):
    ref = ref_for(model, "conv_1_2", 4)
    snap = snap_with(model, source=Source("gallery", 2), range="module", detail=False,
                     view=ref, position=10)
    url = links.page_url(snap, "/index.html", [("model", "models/m.npz"), ("range", "global")])
    assert url == "/index.html?model=models/m.npz&image=3&range=module&detail=off#/conv_1_2/5@1,11"
    query, hash_ = url.split("?", 1)[1].split("#")
    page = links.parse_page("?" + query, "#" + hash_)
    assert (page.image, page.range_mode, page.detail) == (2, "module", False)
    assert page.rest == (("model", "models/m.npz"),)
    assert links.resolve(page.view, model, 0) == (ref, 10)


def test_first_example_and_defaults_make_a_plain_url(model):
    assert links.page_url(snap_with(model), "/") == "/"


def test_an_upload_cannot_travel_in_a_link(model):
    snap = snap_with(model, source=Source("upload", name="me.jpg"))
    assert "image=upload" in links.page_url(snap, "/")
    assert "cannot travel in a link" in links.upload_note(snap)
    page = links.parse_page("?image=upload")
    assert page.upload and page.image is None


def test_bad_query_values_fall_back(model):
    page = links.parse_page("?image=0&range=weird&detail=maybe")
    assert page.image is None and page.range_mode == "unit" and page.detail
    assert page.problems
    assert links.parse_page("?image=" + "9" * 5000).image is None
    assert links.parse_page("?" + "a=b&" * 2000).problems
