"""The hostile image corpus (tests/hostile.py) through the core, under CPython: each refusal is
a plain sentence that names the limit, decided before the expensive work; files only partly
used come with a notice; no warning escapes (in the page, warnings reach console.error)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile import HostileFile, image_corpus  # noqa: E402

from pyapp import budgets  # noqa: E402
from pyapp.cnn.headers import declared_size  # noqa: E402
from pyapp.cnn.preprocess import ImageError, preprocess  # noqa: E402
from pyapp.intake_policy import check_kind, user_message  # noqa: E402

CORPUS = image_corpus()


@pytest.mark.parametrize("item", CORPUS, ids=lambda f: f.key)
def test_hostile_image(item: HostileFile) -> None:
    check_kind(item.data[:1024], item.name, item.mime)  # passes the intake: an image format
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if item.expect == "refuse":
            with pytest.raises(ImageError) as info:
                preprocess(item.data, notes=notes)
            text = user_message(item.name, info.value).lower()
            for word in item.words:
                assert word in text, f"{word!r} not in {text!r}"
            assert "\n" not in text and "(-2)" not in text and "traceback" not in text
        else:
            x = preprocess(item.data, notes=notes)
            assert x.shape == (64, 64, 3) and float(x.min()) >= 0.0 and float(x.max()) <= 1.0
            text = " ".join(notes).lower()
            for word in item.words:
                assert word in text, f"{word!r} not in the notices {notes!r}"
            if not item.words:
                assert notes == []
    assert [str(w.message) for w in caught] == []


def test_declared_sizes_come_from_the_header() -> None:
    by_key = {f.key: f for f in CORPUS}
    assert declared_size(by_key["avif-192mp"].data) == (16000, 12000)
    assert declared_size(by_key["jpeg-tem-192mp"].data) == (16000, 12000)
    assert declared_size(by_key["webp-claims-192mp"].data) == (16000, 12000)
    assert declared_size(by_key["ico-169mp-png"].data) == (13000, 13000)


def test_budget_sentences_name_the_limit() -> None:
    assert budgets.plain_size(budgets.MAX_DECODED_BYTES) == "96 MB"
    assert budgets.plain_size(1536) == "1.5 kB"
    assert budgets.megapixels(budgets.MAX_IMAGE_PIXELS) == "64 megapixels"
