"""pyapp.train.routes: the page's route is the page's function; the other framings do what
they say; compare() counts right answers per route."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.cnn.formats import load_model
from pyapp.cnn.preprocess import preprocess
from pyapp.train import routes

WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "tinyvgg-cifar10.npz"


def _photos(tmp_path: Path) -> Path:
    g = np.random.default_rng(0)
    big = g.integers(0, 256, (700, 1100, 3), dtype=np.uint8)  # JPEG decoded at 1/2 DCT scale
    Image.fromarray(big).save(tmp_path / "ship_1.jpg", quality=90)
    wide = np.zeros((40, 120, 3), np.uint8)
    wide[:, :20] = 255  # only the left edge is white: a centre crop drops it
    Image.fromarray(wide).save(tmp_path / "truck_1.png")
    rgba = np.zeros((50, 30, 4), np.uint8)
    rgba[10:40, 5:25] = (200, 10, 10, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cat_1.png")
    (tmp_path / "notes.txt").write_text("not a photo")
    return tmp_path


@pytest.mark.parametrize("name", ["ship_1.jpg", "truck_1.png", "cat_1.png"])
def test_the_page_route_is_preprocess_pixel_for_pixel(tmp_path: Path, name: str) -> None:
    f = _photos(tmp_path) / name
    pre = {"crop": "center-square", "via_size": 32, "background": [255, 255, 255]}
    assert np.array_equal(routes.route_input(f, *routes.PAGE, 64),
                          preprocess(f, (64, 64, 3), pre))


def test_framings(tmp_path: Path) -> None:
    f = _photos(tmp_path) / "truck_1.png"
    crop = routes.route_input(f, "centre-crop", "lanczos", 32, 64)
    squash = routes.route_input(f, "squash", "lanczos", 32, 64)
    pad = routes.route_input(f, "pad-white", "lanczos", 32, 64)
    assert crop.shape == squash.shape == pad.shape == (64, 64, 3)
    assert float(crop.max()) == 0.0  # the white edge is outside the centre square
    assert float(squash[:, :4].min()) > 0.9 and float(squash[:, 20:].max()) < 0.1
    assert float(pad[:8].min()) == 1.0 and float(pad[30:34, 30:34].max()) == 0.0


def test_compare_counts_per_route(tmp_path: Path) -> None:
    model = load_model(WEIGHTS)
    d = _photos(tmp_path)
    assert [true for _f, true in routes.photos(d, model.class_names)] == ["cat", "ship", "truck"]
    table = routes.compare(model, d)
    assert len(table) == len(routes.FRAMINGS) * (len(routes.FILTERS) + 1)
    assert table[0][0] == routes.PAGE
    for (fr, fi, via), right in table:
        want = []
        for f, true in routes.photos(d, model.class_names):
            p = model.predict(routes.route_input(f, fr, fi, via, 64))
            if model.class_names[int(np.argmax(p))] == true:
                want.append(f.stem)
        assert right == want
