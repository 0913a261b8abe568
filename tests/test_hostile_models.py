"""The hostile model corpus (tests/hostile.py) through ``load_model_from`` under CPython: each
is refused with a plain sentence that names the limit, before the work it bounds, and the
repeated / off-site shards are never fetched."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile import HostileModel, model_corpus, tfjs  # noqa: E402

from pyapp.model_source import load_model_from  # noqa: E402

BASE = "https://site.example/app/models/"


def _fetcher(files: dict[str, bytes], fetched: list[str]):
    async def fetch(url: str) -> bytes:
        fetched.append(url)
        parts = urlsplit(url)
        assert parts.netloc == "site.example", f"fetched off the site: {url}"
        return files[parts.path.rsplit("/", 1)[1]]
    return fetch


@pytest.mark.parametrize("item", model_corpus(), ids=lambda m: m.key)
def test_hostile_model_is_refused(item: HostileModel) -> None:
    first = next(iter(item.files))
    fetched: list[str] = []
    with pytest.raises(ValueError) as info:
        asyncio.run(load_model_from(BASE + first, _fetcher(item.files, fetched)))
    text = str(info.value).lower()
    for word in item.words:
        assert word in text, f"{word!r} not in {text!r}"
    assert len(text) < 400 and "\n" not in text
    assert fetched == [BASE + first]  # no shard of a refused TF.js model was fetched


def test_a_good_tfjs_model_fetches_each_shard_once() -> None:
    files = tfjs(["a.bin", "b.bin"], bytes(48), names=[1, "two"])
    fetched: list[str] = []
    model = asyncio.run(load_model_from(BASE + "model.json", _fetcher(files, fetched)))
    assert fetched == [BASE + "model.json", BASE + "a.bin", BASE + "b.bin"]
    assert model.class_names == ["1", "two"]
