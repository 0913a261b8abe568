"""``python -m pyapp classify``: a directory of images, --json, a bad image among good ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp.__main__ import main
from pyapp.cnn.formats import save_native
from pyapp.cnn.model import tinyvgg
from pyapp.cnn.preprocess import preprocess

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


def model_and_images(tmp_path, sizes):
    """A random TinyVGG saved as ``model.npz`` and random photos ``img<i>.<png|jpg>`` of
    ``sizes`` (``((w, h), "PNG" | "JPEG")``) in ``images/``."""
    model = tinyvgg(class_names=CLASSES, rng=11)
    model_path = tmp_path / "model.npz"
    save_native(model, model_path)
    images = tmp_path / "images"
    images.mkdir()
    g = np.random.default_rng(12)
    for i, (size, fmt) in enumerate(sizes):
        arr = g.integers(0, 256, (size[1], size[0], 3), np.uint8)
        Image.fromarray(arr).save(images / f"img{i}.{fmt.lower().replace('jpeg', 'jpg')}", fmt)
    return model, model_path, images


@pytest.fixture()
def setup(tmp_path):
    model, model_path, images = model_and_images(
        tmp_path, [((64, 64), "PNG"), ((120, 80), "JPEG"), ((7, 9), "PNG")])
    (images / "notes.txt").write_text("not an image, and not listed")
    return model, model_path, images


def test_json_on_a_directory(setup, capsys) -> None:
    model, model_path, images = setup
    assert main(["classify", "--model", str(model_path), "--json", str(images)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(r["image"]).name for r in out] == ["img0.png", "img1.jpg", "img2.png"]
    for r in out:
        assert set(r) == {"image", "classes", "probs"}
        assert r["classes"] == CLASSES and len(r["probs"]) == 10
        assert abs(sum(r["probs"]) - 1) < 1e-5
        want = model.predict(preprocess(r["image"], model.input_shape, model.preprocessing))
        assert np.allclose(r["probs"], want, atol=1e-7)


def test_bad_image_among_good_ones(setup, capsys) -> None:
    _, model_path, images = setup
    bad = images / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    rc = main(["classify", "--model", str(model_path), "--json", str(images)])
    captured = capsys.readouterr()
    assert rc == 1
    assert "broken.jpg" in captured.err
    assert len(json.loads(captured.out)) == 3  # the others are still classified
    rc = main(["classify", "--model", str(model_path), "--top", "2", str(images / "img0.png"),
               str(images / "missing.png")])
    captured = capsys.readouterr()
    assert rc == 1 and "missing.png" in captured.err
    lines = captured.out.splitlines()
    assert lines[0].endswith("img0.png") and len(lines) == 3
    name, prob = lines[1].rsplit(maxsplit=1)
    assert name.strip() in CLASSES and 0 <= float(prob) <= 1


def test_model_errors(setup, tmp_path, capsys) -> None:
    _, _, images = setup
    assert main(["classify", "--model", str(tmp_path / "nope.npz"), str(images)]) == 2
    assert "model not found" in capsys.readouterr().err
    (tmp_path / "x.npz").write_bytes(b"junk")
    assert main(["classify", "--model", str(tmp_path / "x.npz"), str(images)]) == 2
    assert "cannot load model" in capsys.readouterr().err


def test_module_entry_point(setup) -> None:
    _, model_path, images = setup
    proc = subprocess.run([sys.executable, "-m", "pyapp", "classify", "--model",
                           str(model_path), "--json", str(images / "img1.jpg")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["classes"] == CLASSES


def test_missing_default_model_is_a_clear_error(setup, monkeypatch, capsys) -> None:
    import pyapp.__main__ as cli

    _, _, images = setup
    monkeypatch.setattr(cli, "DEFAULT_MODEL", images / "absent.npz")
    assert main(["classify", str(images)]) == 2
    assert "pass --model" in capsys.readouterr().err


def test_evaluate_subcommand_dispatches_to_the_evaluator(capsys) -> None:
    """``python -m pyapp evaluate`` is ``pyapp.evaluate.main`` (the same parser)."""
    from pyapp.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--help"])
    assert exc.value.code == 0
    assert "--slice" in capsys.readouterr().out


def test_model_by_url(setup, capsys) -> None:
    """``--model`` takes an http:// or file:// URL (the loader the page's ``?model=`` uses)."""
    import functools
    import http.server
    import threading

    model, model_path, images = setup
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(model_path.parent))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for url in (base + "model.npz", model_path.as_uri()):
            assert main(["classify", "--model", url, "--json", str(images / "img0.png")]) == 0
            got = json.loads(capsys.readouterr().out)[0]["probs"]
            want = model.predict(preprocess(images / "img0.png", model.input_shape,
                                            model.preprocessing))
            assert np.allclose(got, want, atol=1e-7)
        assert main(["classify", "--model", base + "missing.npz", str(images)]) == 2
        err = capsys.readouterr().err
        assert "cannot load model" in err and "404" in err
    finally:
        server.shutdown()
        server.server_close()


def test_image_by_url(setup, capsys) -> None:
    """An IMAGE given as an http:// or file:// URL is fetched, not folded into a path."""
    import functools
    import http.server
    import threading

    model, model_path, images = setup
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(images))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/img0.png"
        for src in (url, (images / "img0.png").as_uri()):
            assert main(["classify", "--model", str(model_path), "--json", src]) == 0
            got = json.loads(capsys.readouterr().out)[0]
            assert got["image"] == src
        assert main(["classify", "--model", str(model_path), url + ".missing"]) == 1
        assert "http:/1" not in capsys.readouterr().err
    finally:
        server.shutdown()
        server.server_close()


def test_help_texts(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    assert "``" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "python -m pyapp classify photo.jpg" in out
