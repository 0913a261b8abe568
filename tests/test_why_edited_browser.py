"""The Why? view explains the network as tinkered (issue 16): a link with edits that change
operations (a ReLU run as "none", a map switched off, the temperature) opens gradient x input
computed on the edited network, equal to the CPython core's backward pass of the same edits
(and not the unedited one's), and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyapp import edits as E
from pyapp.cnn.formats import load_native
from pyapp.cnn.preprocess import preprocess
from pyapp.views import saliency as sv

pytestmark = pytest.mark.browser

STATE = "document.getElementById('why')?.dataset"
EDITS = (E.SwapActivation("relu_2_2", "none"), E.MapOff("relu_1_2", 3, True),
         E.Temperature(2.0))


def test_why_follows_the_edited_network(app_page: Any, site_server: Any) -> None:
    root = Path(site_server.root)
    base = load_native(root / "weights" / "tinyvgg-cifar10.npz")
    entry = json.loads((root / "gallery" / "gallery.json").read_text())[0]
    image = preprocess((root / "gallery" / entry["file"]).read_bytes(), base.input_shape,
                       base.preprocessing)
    model = E.apply(base, EDITS)
    cls = 4
    want = sv.why_view(model, model.forward(image), cls, "gradxinput")
    plain = sv.why_view(base, base.forward(image), cls, "gradxinput")
    assert not np.isclose(want.peak[0], plain.peak[0], rtol=1e-3)  # the edits matter here

    app = app_page.open(f"?edit={E.encode(EDITS)}&why=gradxinput&class={cls + 1}")
    page = app.page
    page.wait_for_function(f"(({STATE}) || {{}}).edited === 'true' && {STATE}.state === "
                           "'drawn'", timeout=60_000)
    d = page.evaluate(f"({{...{STATE}}})")
    assert (d["method"], int(d["cls"])) == ("gradxinput", cls)
    peak, r, c = want.peak
    assert float(d["peak"]) == pytest.approx(peak, rel=1e-4, abs=1e-7)
    assert d["peakAt"] == f"{r},{c}"
    note = page.locator("#why .why-note")
    assert note.is_visible() and "as you changed it (3 changes" in note.inner_text()
    assert app_page.console_errors == []
    assert app_page.outside_requests == []
