"""Issue 20, item 4 for the image intake, the budgets, model loading, the tour and the kiosk:
with ``language("ja")`` every sentence these parts show is Japanese (no English words left
apart from names, file names and placeholders' values), every key they use is in
``pyapp/i18n/ja.json``, and the Japanese tour is the English one in other words: the same
steps, the same states, the same questions.  Plain CPython."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from pyapp import budgets
from pyapp.cnn.formats import ModelFormatError, load_native, unsupported_layer
from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.i18n import catalogue, language
from pyapp.intake_policy import (
    IntakeError,
    check_kind,
    check_size,
    choose_first,
    enlarge_note,
    user_message,
)
from pyapp.model_source import ModelSourceError, resolve_model_url, shard_urls
from pyapp.session import Session, Source
from pyapp.tour import questions as Q
from pyapp.tour.data import DEFAULT_LABELS, parse_tour, translation_problems
from pyapp.tour.kiosk import parse_kiosk
from tests.i18n_text import english_words

sys.path.insert(0, str(Path(__file__).parent))
from hostile import image_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOURS = ROOT / "www" / "tours"
#: The files whose strings this test covers (issue 20: intake, tours, kiosk, model loading).
FILES = sorted({
    *(ROOT / "pyapp" / "ui").glob("intake.py"), ROOT / "pyapp" / "ui" / "imageinput.py",
    ROOT / "pyapp" / "ui" / "kiosk.py", ROOT / "pyapp" / "ui" / "tour.py",
    ROOT / "pyapp" / "ui" / "bounded_fetch.py", *(ROOT / "pyapp" / "tour").glob("*.py"),
    ROOT / "pyapp" / "budgets.py", ROOT / "pyapp" / "intake_policy.py",
    ROOT / "pyapp" / "model_source.py", *(ROOT / "pyapp" / "cnn").glob("*.py"),
    *(ROOT / "pyapp" / "cnn" / "kinds").glob("*.py")})
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def keys_in(path: Path) -> list[str]:
    """The literal keys of ``tr`` / ``trn`` (both texts) / ``N_`` calls in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", "")
        count = {"tr": 1, "N_": 1, "trn": 2}.get(name, 0)
        found += [a.value for a in node.args[:count]
                  if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return found


def test_every_key_of_these_files_is_in_the_japanese_catalogue():
    ja = catalogue("ja")
    keys = {k for f in FILES for k in keys_in(f)}
    assert len(keys) > 150  # the walk sees the calls
    missing = sorted(k for k in keys if k not in ja)
    assert missing == []
    for key in keys:  # the same placeholders in both languages
        assert set(PLACEHOLDER.findall(ja[key])) == set(PLACEHOLDER.findall(key)), key


def test_no_english_is_left_in_the_japanese_texts_of_these_files():
    ja = catalogue("ja")
    for key in {k for f in FILES for k in keys_in(f)}:
        text = PLACEHOLDER.sub(" ", ja[key])
        # code-like names a message quotes: keys of the formats, options, file names
        assert english_words(text, allowed=CODE_WORDS) == [], (key, ja[key])


#: Names the messages quote as they are written in files and code (not prose).
CODE_WORDS = ("format", "version", "labels", "state", "steps", "column", "layer", "neuron",
              "number", "conv_1_1", "off", "Why", "model", "mine", "models", "tours",
              "Sequential", "weightsManifest", "input_shape", "channels_last", "keepdims",
              "alpha", "conv2d", "valid", "same", "input", "probabilities", "Pillow", "Office",
              "Windows", "Zip", "RAR", "Ogg", "FLAC", "WebM", "Matroska", "gzip", "HTTP",
              "HTML", "SVG", "ZIP", "NaN", "TF", "js", "npz")


# --- the tour ---------------------------------------------------------------------------
def test_the_japanese_tour_is_the_english_one_in_japanese():
    en = parse_tour((TOURS / "intro.json").read_bytes())
    ja = parse_tour((TOURS / "intro.ja.json").read_bytes())
    assert ja.lang == "ja"
    assert translation_problems(en, ja) == []
    assert [s.state for s in ja.steps] == [s.state for s in en.steps]
    texts = [ja.title, *ja.labels.values()]
    for step in ja.steps:
        texts += [step.title, step.text]
        if step.ask:
            texts += [step.ask.question, step.ask.why, *step.ask.choices]
    for text in texts:
        assert english_words(PLACEHOLDER.sub(" ", text)) == [], text
    assert set(ja.labels) == set(DEFAULT_LABELS)
    assert ja.label("region") == "ツアー"
    assert ja.label("progress", n=2, m=len(ja.steps)) == f"ステップ 2 / {len(ja.steps)}"


def test_a_changed_translation_is_found():
    en = json.loads((TOURS / "intro.json").read_text("utf-8"))
    other = json.loads((TOURS / "intro.ja.json").read_text("utf-8"))
    other["steps"][2]["state"] = {"image": 2}
    problems = translation_problems(parse_tour(json.dumps(en)), parse_tour(json.dumps(other)))
    assert problems == ["step 3 of the translation shows something else than the original"]
    other["steps"] = other["steps"][:3]
    assert "3 steps" in translation_problems(parse_tour(json.dumps(en)),
                                             parse_tour(json.dumps(other)))[0]


def test_a_tour_without_labels_speaks_the_page_s_language():
    doc = {"format": "cnn-explainer-tour", "version": 1, "title": "T",
           "steps": [{"title": "One", "text": "Text."}]}
    tour = parse_tour(json.dumps(doc))
    assert tour.label("region") == "Tour" and tour.label("next") == "Next"
    with language("ja"):
        assert tour.label("region") == "ツアー"
        assert tour.label("progress", n=1, m=1) == "ステップ 1 / 1"
        assert tour.label("next") == "次へ"


@pytest.fixture(scope="module")
def snapshot():
    model = load_native((ROOT / "weights" / "tinyvgg-cifar10.npz").read_bytes())
    gallery = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text())
    data = (ROOT / "www" / "gallery" / gallery[0]["file"]).read_bytes()
    x = preprocess(data, model.input_shape, model.preprocessing)
    return Session(model, x, Source("gallery", 0)).snapshot


def test_the_reveal_sentences_are_japanese(snapshot):
    tour = parse_tour((TOURS / "intro.ja.json").read_bytes())
    names = list(snapshot.class_names)
    with language("ja"):
        for step in tour.steps:
            if step.ask is None:
                continue
            rev = Q.reveal(step.ask, snapshot)
            guess = {"choice": (rev.choices or ("1",))[0], "map": "1"}.get(step.ask.kind, "1")
            verdict = Q.judge(tour, step.ask, rev, guess, snapshot)
            assert verdict is not None
            for text in (verdict.text, Q.explain(tour, step.ask, rev)):
                assert english_words(text, allowed=names) == [], text
                assert rev.answer in text or step.ask.compute in Q.CLASS_ANSWERS


def test_explain_leaves_out_what_speaks_of_a_guess(snapshot):
    tour = parse_tour((TOURS / "intro.json").read_bytes())
    asks = {s.ask.compute: s.ask for s in tour.steps if s.ask}
    bright = Q.reveal(asks["brightest_map"], snapshot)
    assert Q.explain(tour, asks["brightest_map"], bright) == (
        f"The network's answer: {bright.answer}.")
    size = Q.reveal(asks["output_size"], snapshot)
    assert Q.explain(tour, asks["output_size"], size).endswith(f"conv_1_1 is {size.answer} wide.")


# --- the kiosk ----------------------------------------------------------------------------
def test_the_kiosk_s_notices_are_japanese():
    with language("ja"):
        problems = parse_kiosk("?kiosk=1&idle=nope&dwell=0").problems
    assert len(problems) == 2
    for text in problems:
        assert english_words(text) == [], text
    assert parse_kiosk("?kiosk=1&dwell=0").problems == (
        "The tour's time on a step must be 1 to 120 seconds; using 12.",)


# --- the image intake ----------------------------------------------------------------------
def refusals() -> list[tuple[str, Exception]]:
    out: list[tuple[str, Exception]] = []
    for head, name in ((b"%PDF-1.7", "cat.png"), (b"<svg xmlns='x'/>", "logo.svg"),
                       (b"\x00\x01\x02\x03" * 8, "noise.bin"), (b"", "empty.jpg"),
                       (b"<!doctype html><p>", "page.html"), (b"plain words", "notes.txt")):
        try:
            check_kind(head, name)
        except IntakeError as exc:
            out.append((name, exc))
    for size in (0, budgets.MAX_IMAGE_FILE_BYTES + 1):
        try:
            check_size(size)
        except IntakeError as exc:
            out.append(("big.jpg", exc))
    return out


def test_the_intake_s_sentences_are_japanese():
    with language("ja"):
        cases = refusals()
        texts = [user_message(name, exc) for name, exc in cases]
        texts += [user_message("", IntakeError("x"), kept=False)]
        texts += [choose_first(["a.jpg", "b.jpg", "c.jpg"]).notice, choose_first([]).notice,
                  enlarge_note(20, 20, (64, 64, 3)), enlarge_note(40, 20, (64, 64, 3)),
                  budgets.plain_size(1), budgets.megapixels(budgets.MAX_IMAGE_PIXELS)]
    assert len(cases) == 8
    for text in texts:
        assert english_words(text, allowed=(*CODE_WORDS, "cat", "png", "logo", "svg", "noise",
                                            "bin", "empty", "jpg", "page", "html", "notes",
                                            "txt", "big")) == [], text
    # English stays as it was
    assert user_message("", IntakeError("x."), kept=False) == "This file: X."


@pytest.mark.parametrize("item", [i for i in image_corpus() if i.expect == "refuse"],
                         ids=lambda f: f.key)
def test_every_hostile_image_is_refused_in_japanese(item):
    with language("ja"):
        with pytest.raises(ImageError) as info:
            preprocess(item.data)
        text = user_message(item.name, info.value)
    words = re.findall(r"[A-Za-z]+", item.name)
    assert english_words(text, allowed=words) == [], text
    assert text.endswith("前の画像のままです。")


# --- model loading --------------------------------------------------------------------------
def test_model_loading_messages_are_japanese():
    texts = []
    with language("ja"):
        texts.append(str(unsupported_layer("vox", "Conv3D")))
        for param in ("", "https://elsewhere.example/m.npz"):
            with pytest.raises(ModelSourceError) as info:
                resolve_model_url(param, "https://x.org/app/index.html")
            texts.append(str(info.value))
        with pytest.raises(ModelSourceError) as info:
            shard_urls("https://x.org/app/model.json", ["https://elsewhere.example/w.bin"])
        texts.append(str(info.value))
        with pytest.raises(ModelFormatError) as info:
            load_native(b"PK\x03\x04not a zip at all")
        texts.append(str(info.value).split(":")[0])  # the zip library's own reason follows
    for text in texts:
        assert english_words(text, allowed=("vox", "Conv3D", "model", "json", "mine",
                                            "models")) == [], text
    assert str(unsupported_layer("vox", "Conv3D")) == (
        "The model's layer 'vox' is of kind 'Conv3D', which this app cannot show.")


def test_english_is_the_default_and_unchanged():
    assert budgets.plain_size(7) == "7 bytes" and budgets.plain_size(1) == "1 byte"
    assert budgets.megapixels(12_000_000) == "12 megapixels"
    assert choose_first(["a", "b"]).notice == (
        "2 files were given at once; using the first one, \u201ca\u201d (1 other ignored).")


def test_sentences_follow_a_japanese_full_stop_without_a_space():
    assert Q.sentences("Right.", "", "Map 3.") == "Right. Map 3."
    assert Q.sentences("正解です。", "幅は 62 です。") == "正解です。幅は 62 です。"
    with language("ja"):
        tour = parse_tour((TOURS / "intro.ja.json").read_bytes())
        assert "。 " not in Q.sentences(tour.label("wrong"), tour.label("answer", answer="62"))


# --- the gallery's credits -------------------------------------------------------------------
URL = re.compile(r"https?://[^\s、（）,]+")


def test_every_gallery_photo_has_a_japanese_credit():
    from pyapp.gallery_credit import credit

    entries = json.loads((ROOT / "www" / "gallery" / "gallery.json").read_text("utf-8"))
    for entry in entries:
        ja = entry["credit_ja"]
        # names (authors, projects, programmes) as written: the English credit's capitalised
        # words, and the file a sample comes from
        names = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_-]*", URL.sub(" ", entry["credit"]))
                 if w[0].isupper() or "-" in w or w in ("van", "der", "chelsea", "png")]
        assert english_words(URL.sub(" ", ja), allowed=names) == [], ja
        for url in URL.findall(entry["credit"]):
            assert url in ja  # sources unchanged
        assert credit(entry) == entry["credit"]
        with language("ja"):
            assert credit(entry) == ja
    assert credit({"credit": "Mine"}) == "Mine"
    with language("ja"):
        assert credit({"credit": "Mine"}) == "Mine"  # a gallery without translations
