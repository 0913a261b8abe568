"""The BMP encoder of the live maps (pyapp.render.bmp): what Pillow decodes is the image,
alpha included, for any size; a wrong shape is refused."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from pyapp.render.bmp import PREFIX, bmp_bytes, bmp_data_uri


def decode(data: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(data))
    im.load()
    return np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (13, 13), (62, 62), (3, 64)])
def test_round_trip(shape: tuple[int, int]) -> None:
    rgba = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 4), dtype=np.uint8)
    data = bmp_bytes(rgba)
    assert data[:2] == b"BM" and len(data) == 14 + 108 + rgba.size
    assert np.array_equal(decode(data), rgba)


def test_data_uri_and_views() -> None:
    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    rgba[1, 2] = (10, 20, 30, 255)
    view = np.random.default_rng(1).integers(0, 256, (8, 12, 4), dtype=np.uint8)[::2, ::2]
    for image in (rgba, view):  # a strided view encodes as its values
        uri = bmp_data_uri(image)
        assert uri.startswith(PREFIX)
        assert np.array_equal(decode(base64.b64decode(uri[len(PREFIX):])), image)


@pytest.mark.parametrize("shape", [(4, 4), (4, 4, 3), (2, 4, 4, 4)])
def test_wrong_shape(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="expected an"):
        bmp_bytes(np.zeros(shape, dtype=np.uint8))
