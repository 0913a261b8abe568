"""Teach it in Japanese (issue 20): the panel's markup, its messages, the camera's messages,
the list of changes and a kernel's before / after leave no English words (apart from names,
code and layer names), and every text the teach and camera files translate is in ja.json."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from i18n_text import english_words

from pyapp.cnn.model import sequential_cnn
from pyapp.i18n import language
from pyapp.learn import beforeafter, panel
from pyapp.learn import examples as ex
from pyapp.learn.changes import kernel_changes, summary
from pyapp.learn.curve import curve_svg
from pyapp.learn.trainer import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
OWN = [*sorted((ROOT / "pyapp" / "learn").glob("*.py")), ROOT / "pyapp" / "ui" / "teach.py",
       ROOT / "pyapp" / "ui" / "camera.py"]
_SKIP = re.compile(r"<(code|pre|math)\b.*?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_NAMED = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')
_FIELD = re.compile(r"\{[a-z_]+\}")


def words(markup: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """English words in the text and the accessible names of ``markup``."""
    kept = _SKIP.sub(" ", markup)
    names = " ".join(_NAMED.findall(kept))
    text = html.unescape(_TAG.sub(" ", kept) + " " + names)
    return english_words(text, allowed)


def keys_used() -> list[str]:
    """Every literal key passed to tr / trn / N_ in the files of this area."""
    out = []
    for path in OWN:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                    "tr", "trn", "N_"):
                n = 2 if node.func.id == "trn" else 1
                out += [a.value for a in node.args[:n]
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return out


@pytest.fixture(scope="module")
def run() -> tuple:
    m = sequential_cnn((12, 12, 3), ((4,),), num_classes=2, class_names=["cat", "dog"], rng=3)
    g = np.random.default_rng(3)
    images = g.random((4, 12, 12, 3)).astype(np.float32)
    t = Trainer(m, images, np.array([0, 1, 2, 2]), ["cat", "dog", "my mug"],
                TrainConfig("all", "sgd", 0.3, 2, 2)).run()
    return m, t, t.result()


def test_every_text_of_teach_it_is_in_the_japanese_catalogue() -> None:
    ja = json.loads((ROOT / "pyapp" / "i18n" / "ja.json").read_text("utf-8"))
    keys = keys_used()
    assert len(keys) > 100  # the panel, its messages and the camera's
    assert [k for k in keys if k not in ja] == []
    for k in keys:  # each translation itself: no English left (placeholders aside)
        assert english_words(_FIELD.sub(" ", ja[k])) == [], (k, ja[k])
        assert set(_FIELD.findall(ja[k])) == set(_FIELD.findall(k)), k


def test_the_panel_and_its_messages_in_japanese(run) -> None:
    m, t, out = run
    with language("ja"):
        parts = [panel.skeleton(),
                 panel.class_options(["cat", "dog", "my mug"], [3, 0, 1], 2, 0),
                 panel.class_block(0, "cat", 3), panel.thumb_html(4, 2, "dog"),
                 panel.status_text("idle", None), panel.no_camera(),
                 panel.update_text(3, 1, 0, "cat", "w \u2190 w \u2212 \u03b7\u00b7\u2202L/\u2202w"),
                 curve_svg([], 30), curve_svg(t.history, t.config.epochs)]
        for state in ("running", "paused", "done", "idle"):
            parts.append(panel.status_text(state, t))
        for error in ("NotAllowedError", "NotFoundError", "NotReadableError", "AbortError"):
            parts.append(panel.camera_refused(error))
        found = kernel_changes(m, out)
        parts.append(panel.changes_html(found, out.class_names, "output", out, None))
        parts += summary(found, out.class_names, "output")
        c = beforeafter.choices(found, out)[0]
        parts.append(beforeafter.before_after_html(
            beforeafter.kernel_diff(m, out, c.layer, c.unit)))
        parts.append(beforeafter.before_after_html(
            beforeafter.kernel_diff(m, out, c.layer, c.unit), during=True))
        from pyapp import edits as E
        parts.append(panel.kept_note(E.apply(m, [E.MapOff("conv_1_1", 0)])))
        parts.append(panel.kept_note(E.apply(m, [E.SetBias("conv_1_1", 0, 0.5)])))
        photos = ex.ExampleSet(["cat", "dog"], (12, 12, 3))
        parts.append(photos.problem())
        photos.add(0, images := np.zeros((12, 12, 3), np.float32))
        parts.append(photos.problem())
        photos.add_class("my mug")
        parts.append(photos.problem())
        for bad in (lambda: photos.add_class("  "), lambda: photos.add(9, images),
                    lambda: photos.add(0, np.zeros((3, 3, 3)))):
            with pytest.raises(ex.ExampleError) as err:
                bad()
            parts.append(str(err.value))
        for bad_config in (TrainConfig(lr=0), TrainConfig(epochs=0)):
            with pytest.raises(ValueError) as err:
                bad_config.checked()
            parts.append(str(err.value))
    text = "\n".join(parts)
    assert "\u30cb\u30e5\u30fc\u30ed\u30f3" in text  # ニューロン: translated, not English
    # class names are shown as the model has them unless the catalogue knows them; layer
    # names ("output") stay as they are
    layers = tuple(layer.name for layer in out.layers)
    assert words(text, allowed=("cat", "dog", "mug", *layers)) == []


def test_english_is_still_the_default(run) -> None:
    m, t, out = run
    assert "Start the camera" in panel.skeleton()
    assert panel.photos(1) == "1 photo" and panel.photos(3) == "3 photos"
    assert panel.status_text("done", t).startswith("Done: epoch 2 of 2, loss ")
    assert "cat (new)" not in panel.class_options(["cat", "my mug"], [1, 2], 1, 0)
    assert "my mug (new), 2 photos" in panel.class_options(["cat", "my mug"], [1, 2], 1, 0)
