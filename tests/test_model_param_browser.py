"""``?model=<path>``: a teacher's own model from the same site replaces the default one; a bad
or foreign one leaves the default model with a plain notice (product.md, "Loading")."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sitekit import messages

from pyapp.cnn.formats import save_native
from pyapp.cnn.model import tinyvgg
from pyapp.cnn.preprocess import preprocess

pytestmark = pytest.mark.browser

CUSTOM_CLASSES = ["apple", "bus", "cloud", "dolphin", "elephant", "fox", "girl", "house",
                  "island", "jellyfish"]
DEFAULT_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]
PROB_TOL = 0.0005 + 1e-6  # shown as "12.3%"


def shown_classes(page: Any) -> list[str]:
    return page.eval_on_selector_all(".ov-out .ov-cls", "els => els.map(e => e.textContent)")


def shown_probs(page: Any) -> np.ndarray:
    texts = page.eval_on_selector_all(".ov-out .ov-prob", "els => els.map(e => e.textContent)")
    return np.array([float(t.rstrip("%")) / 100 for t in texts])


def test_same_site_model_is_loaded_and_drawn(app_page: Any, built_site: Path) -> None:
    model = tinyvgg(class_names=CUSTOM_CLASSES, rng=11)
    buf = io.BytesIO()
    save_native(model, buf)
    app_page.page.route("**/models/custom.npz",
                        lambda route: route.fulfill(status=200, body=buf.getvalue(),
                                                    content_type="application/octet-stream"))
    app_page.open("?model=models/custom.npz")
    page = app_page.page
    assert shown_classes(page) == CUSTOM_CLASSES
    first = json.loads((built_site / "gallery" / "gallery.json").read_text())[0]["file"]
    want = model.predict(preprocess((built_site / "gallery" / first).read_bytes(),
                                    model.input_shape, model.preprocessing))
    np.testing.assert_allclose(shown_probs(page), want, atol=PROB_TOL)
    assert "Showing the model models/custom.npz" in messages(page)
    # the overview was written anew (not the default model's pre-render), original photo included
    page.wait_for_function("document.getElementById('ov-original').naturalWidth > 0",
                           timeout=10_000)
    # the detail views follow the loaded model: its first class's flatten view
    page.click(".ov-out >> nth=0")
    page.wait_for_selector("dialog[open]", timeout=30_000)
    assert "class \u201capple\u201d" in page.inner_text("dialog[open]")
    assert app_page.outside_requests == [] and app_page.console_errors == []


@pytest.mark.parametrize(("param", "reason"), [
    ("models/missing.npz", "HTTP 404"),
    ("https://example.com/model.npz", "only a model on this site can be loaded"),
    ("build-manifest.json", "not a TF.js layers model.json"),
    ("gallery/cat_1.png", "neither a native .npz model nor a TF.js model.json"),
])
def test_unusable_model_keeps_the_default_with_a_notice(app_page: Any, param: str,
                                                        reason: str) -> None:
    app_page.open(f"?model={param}")
    page = app_page.page
    assert shown_classes(page) == DEFAULT_CLASSES
    text = messages(page)
    assert f"The model {param} could not be used" in text and reason in text, text
    assert "Showing the default model instead." in text
    assert app_page.outside_requests == []


def test_classes_parameter_names_the_classes(app_page: Any) -> None:
    model = tinyvgg(rng=12)  # numbered classes, as a TF.js model.json without metadata
    buf = io.BytesIO()
    save_native(model, buf)
    app_page.page.route("**/models/plain.npz",
                        lambda route: route.fulfill(status=200, body=buf.getvalue()))
    app_page.open("?model=models/plain.npz&classes=" + ",%20".join(CUSTOM_CLASSES))
    assert shown_classes(app_page.page) == CUSTOM_CLASSES
