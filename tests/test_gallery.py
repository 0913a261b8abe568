"""The example gallery: files, sizes, licences and credits beside them."""

import json
from pathlib import Path

import pytest
from PIL import Image

GALLERY = Path(__file__).resolve().parents[1] / "www" / "gallery"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "demo-photos"
CLASSES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"}
ALLOWED = ("CC0", "Public domain", "CC-BY", "GPL", "GFDL", "LGPL")


def entries():
    return json.loads((GALLERY / "gallery.json").read_text(encoding="utf-8"))


def test_every_class_has_a_photo():
    assert {e["label"] for e in entries()} == CLASSES


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e["file"])
def test_entry_file_size_licence_credit(entry):
    assert set(entry) - {"mistake", "credit_ja"} == {"file", "label", "credit", "licence"}
    assert entry.get("mistake", True) is True  # the flag is only ever `true`
    path = GALLERY / entry["file"]
    with Image.open(path) as im:
        assert max(im.size) <= 256 and im.mode == "RGB"
    assert path.stat().st_size < 40_000
    assert entry["licence"].startswith(ALLOWED) and entry["credit"]
    credits = (GALLERY / "CREDITS.md").read_text(encoding="utf-8")
    row = next(line for line in credits.splitlines() if line.startswith(f"| {entry['file']} |"))
    assert entry["licence"] in row and entry["credit"] in row


@pytest.mark.shared
def test_credits_match_the_shared_attribution():
    if not SHARED.is_dir():
        pytest.skip("../shared/demo-photos is absent")
    tsv = (SHARED / "SOURCES.tsv").read_text(encoding="utf-8").splitlines()
    src = {line.split("\t")[0].rsplit(".", 1)[0]: line.split("\t") for line in tsv[1:]}
    credits = (GALLERY / "CREDITS.md").read_text(encoding="utf-8")
    for e in entries():
        stem = e["file"].rsplit(".", 1)[0]
        assert stem in src, f"{e['file']} does not come from ../shared/demo-photos"
        assert src[stem][1] == e["label"]
        package = src[stem][5].split(" ")[1]  # e.g. "tuxpaint-stamps-default"
        row = next(line for line in credits.splitlines() if line.startswith(f"| {e['file']} |"))
        assert package in row


def test_page_credits_list_every_photo():
    from pyapp.render.overview_html import credits_html

    html = credits_html(entries())
    for e in entries():
        from html import escape

        assert escape(e["credit"], quote=True) in html and escape(e["licence"]) in html


def test_mistakes_are_flagged_and_real():
    """At least one example is one the shipped model gets wrong, and each entry flagged
    ``"mistake": true`` is one it gets wrong (so the gallery marks only real mistakes)."""
    from pyapp.cnn.formats import load_native
    from pyapp.cnn.preprocess import preprocess

    model = load_native(GALLERY.parent.parent / "weights" / "tinyvgg-cifar10.npz")
    flagged = [e for e in entries() if e.get("mistake")]
    assert flagged
    for e in entries():
        image = preprocess((GALLERY / e["file"]).read_bytes(), model.input_shape,
                           model.preprocessing)
        pred = model.class_names[int(model.forward(image)["probabilities"].argmax())]
        assert (pred != e["label"]) == bool(e.get("mistake")), (e["file"], pred)


def test_the_model_card_lists_every_example_as_the_model_classifies_it():
    """The card's gallery table says, for every example, what the shipped model predicts and
    whether it is a marked mistake; both agree with the model and with ``gallery.json``."""
    import re

    from pyapp.cnn.formats import load_native
    from pyapp.train.card import gallery_rows

    root = GALLERY.parent.parent
    card = (root / "weights" / "MODEL_CARD.md").read_text(encoding="utf-8")
    card = card[card.index("## The example gallery"):]
    model = load_native(root / "weights" / "tinyvgg-cifar10.npz")
    rows = gallery_rows(model)
    assert len(rows) == len(entries())
    for file, label, pred, prob, wrong in rows:
        line = re.search(rf"^\| {re.escape(file)} \| {label} \| (\w+) \((\d\.\d\d)\) \| (.+) \|$",
                         card, re.M)
        assert line, f"{file} is not in the model card's gallery table"
        assert line.group(1) == pred and abs(float(line.group(2)) - prob) < 0.006
        assert (line.group(3) != "right") == wrong == (pred != label)
