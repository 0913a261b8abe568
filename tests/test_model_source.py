"""``?model=``: which URLs the page accepts, and reading a model through an async fetch."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
import pytest
from test_cnn_formats import keras, write_tfjs

from pyapp.cnn.formats import ModelFormatError, save_native
from pyapp.cnn.model import tinyvgg
from pyapp.model_source import ModelSourceError, load_model_from, resolve_model_url

PAGE = "http://127.0.0.1:8000/app/index.html?model=x#conv_1_1/0"


@pytest.mark.parametrize(("param", "url"), [
    ("models/mine.npz", "http://127.0.0.1:8000/app/models/mine.npz"),
    ("./tfjs/model.json", "http://127.0.0.1:8000/app/tfjs/model.json"),
    ("/shared/m.npz", "http://127.0.0.1:8000/shared/m.npz"),
    ("../m.npz?v=2#frag", "http://127.0.0.1:8000/m.npz?v=2"),
    ("http://127.0.0.1:8000/x.npz", "http://127.0.0.1:8000/x.npz"),
])
def test_same_site_paths_resolve_against_the_page(param: str, url: str) -> None:
    assert resolve_model_url(param, PAGE) == url


@pytest.mark.parametrize("param", [
    "https://evil.example/m.npz", "//evil.example/m.npz", "http://127.0.0.1:9999/m.npz",
    "https://127.0.0.1:8000/m.npz", "data:application/zip;base64,UEsDBA==",
    "javascript:alert(1)", "blob:http://127.0.0.1:8000/abc",
])
def test_other_origins_and_schemes_are_refused(param: str) -> None:
    with pytest.raises(ModelSourceError, match="only a model on this site"):
        resolve_model_url(param, PAGE)


def test_empty_parameter_is_refused() -> None:
    with pytest.raises(ModelSourceError, match="empty"):
        resolve_model_url("  ", PAGE)


def _fetcher(files: dict[str, bytes], log: list[str]):  # noqa: ANN202 - test helper
    async def fetch(url: str) -> bytes:
        log.append(url)
        if url not in files:
            raise OSError(f"the server answered HTTP 404 for {url}")
        return files[url]

    return fetch


def test_native_model_is_read_from_its_bytes() -> None:
    model = tinyvgg(class_names=[f"k{i}" for i in range(10)], rng=4)
    buf = io.BytesIO()
    save_native(model, buf)
    log: list[str] = []
    fetch = _fetcher({"http://h/m.npz": buf.getvalue()}, log)
    got = asyncio.run(load_model_from("http://h/m.npz", fetch))
    assert got.class_names == model.class_names and got.num_params == 19_920
    x = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
    np.testing.assert_allclose(got.predict(x), model.predict(x), atol=1e-6)
    assert log == ["http://h/m.npz"]


def test_tfjs_model_fetches_its_shards_relative_to_model_json(tmp_path: Path) -> None:
    g = np.random.default_rng(1)
    layers = [keras("InputLayer", name="in", batch_input_shape=[None, 8, 8, 3]),
              keras("Conv2D", name="c", filters=2, kernel_size=[3, 3], strides=[1, 1],
                    padding="valid", dilation_rate=[1, 1], activation="relu", use_bias=True),
              keras("Flatten", name="f"),
              keras("Dense", name="out", units=3, activation="softmax")]
    path, _ = write_tfjs(tmp_path, layers, [("c/kernel", g.standard_normal((3, 3, 3, 2))),
                                            ("c/bias", g.standard_normal(2)),
                                            ("out/kernel", g.standard_normal((72, 3))),
                                            ("out/bias", g.standard_normal(3))],
                         userDefinedMetadata={"class_names": ["a", "b", "c"]})
    files = {f"http://h/m/{p.name}": p.read_bytes() for p in tmp_path.iterdir()}
    files["http://h/m/model.json?v=1"] = files.pop("http://h/m/model.json")
    log: list[str] = []
    model = asyncio.run(load_model_from("http://h/m/model.json?v=1", _fetcher(files, log)))
    assert model.class_names == ["a", "b", "c"] and model.input_shape == (8, 8, 3)
    assert log == ["http://h/m/model.json?v=1", "http://h/m/group1-shard1of2.bin",
                   "http://h/m/group1-shard2of2.bin"]


@pytest.mark.parametrize(("data", "match"), [
    (b"<html>not found</html>", "neither a native .npz model nor a TF.js model.json"),
    (b"{ not json", "not valid JSON"),
    (b'{"modelTopology": {"class_name": "Functional"}}', "only Sequential"),
    (b"PK\x03\x04broken", None),
])
def test_unreadable_files_raise_model_format_errors(data: bytes, match: str | None) -> None:
    with pytest.raises(ModelFormatError, match=match):
        asyncio.run(load_model_from("http://h/m", _fetcher({"http://h/m": data}, [])))


def test_missing_shard_is_an_error_naming_it(tmp_path: Path) -> None:
    doc = b'{"modelTopology": {"class_name": "Sequential", "config": {"layers": []}},' \
          b' "weightsManifest": [{"paths": ["w.bin"], "weights": []}]}'
    with pytest.raises(OSError, match="w.bin"):
        asyncio.run(load_model_from("http://h/model.json",
                                    _fetcher({"http://h/model.json": doc}, [])))
