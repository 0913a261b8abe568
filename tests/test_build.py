"""build.py: verified runtime, warm rebuilds without network, manifest, MIME types."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_build

CACHE = REPO_ROOT / ".cache"
CACHED = ("npm", "pyodide-wheels")  # what a first build fetches into .cache/
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which any registry download fails: no npm, pip without an index."""
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir(exist_ok=True)
    npm = fake_bin / "npm"
    npm.write_text("#!/bin/sh\necho 'npm is disabled in this test' >&2\nexit 97\n")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ)
    env["PATH"] = f"{fake_bin}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_NO_INDEX"] = "1"
    env["PIP_FIND_LINKS"] = str(tmp_path / "no-links")
    return env


def _copy_cache(dest: Path) -> Path:
    for name in CACHED:
        shutil.copytree(CACHE / name, dest / name)
    return dest


def test_manifest_lists_every_file_with_its_hash(built_site):
    manifest = json.loads((built_site / "build-manifest.json").read_text())
    files = manifest["files"]
    on_disk = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file()}
    assert set(files) == on_disk - {"build-manifest.json"}
    for rel, entry in files.items():
        path = built_site / rel
        assert path.stat().st_size == entry["size"], rel
        assert _sha256(path) == entry["sha256"], rel
    assert manifest["total_bytes"] == sum(e["size"] for e in files.values())
    for required in ("index.html", "boot.js", "style.css", "pyscript.json", "app/main.py",
                     "app/pyapp.zip", "runtime/pyscript/core.js",
                     "runtime/pyodide/pyodide.mjs", "runtime/pyodide/pyodide.asm.wasm"):
        assert required in files, required


def test_compiled_wheels_match_pyodide_lock(built_site):
    """The shipped wheels match the build's own lock; the originals (in the cache) match
    Pyodide's, and the rebuilt ones differ from them only by added bytecode."""
    runtime = built_site / "runtime" / "pyodide"
    lock = json.loads((runtime / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == "0.27.7"
    upstream = _upstream_lock()
    for name in ("numpy", "pillow", "micropip", "packaging"):
        entry = lock["packages"][name]
        assert _sha256(runtime / entry["file_name"]) == entry["sha256"], name
        original = CACHE / "pyodide-wheels" / entry["file_name"]
        assert _sha256(original) == upstream["packages"][name]["sha256"], name
        with zipfile.ZipFile(original) as a, zipfile.ZipFile(runtime / entry["file_name"]) as b:
            added = set(b.namelist()) - set(a.namelist())
            assert set(a.namelist()) <= set(b.namelist()), name
        assert all(n.endswith(".cpython-312.pyc") for n in added), name


def _upstream_lock() -> dict:
    import tarfile

    with tarfile.open(CACHE / "npm" / "pyodide-0.27.7.tgz") as tar:
        source = tar.extractfile("package/pyodide-lock.json")
        assert source is not None
        return json.load(source)


PY312_MAGIC = (3531).to_bytes(2, "little") + b"\r\n"


def _pycs(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.endswith(".pyc")}


def test_bytecode_is_built_for_pyodides_python(built_site):
    """The stdlib zip, numpy, Pillow and pyapp carry unchecked-hash pycs with CPython 3.12's
    magic number (Pyodide 0.27.7 runs 3.12.7), beside their sources."""
    manifest = json.loads((built_site / "build-manifest.json").read_text())
    assert manifest["bytecode"]["magic"] == PY312_MAGIC.hex()
    assert manifest["bytecode"]["python"] == "3.12.7"
    runtime = built_site / "runtime" / "pyodide"
    stdlib = _pycs(runtime / "python_stdlib.zip")
    numpy = _pycs(runtime / NUMPY_WHEEL)
    app = _pycs(built_site / "app" / "pyapp.zip")
    assert "json/__init__.pyc" in stdlib and "asyncio/base_events.pyc" in stdlib
    assert "numpy/__pycache__/__init__.cpython-312.pyc" in numpy
    assert "pyapp/ui/__pycache__/app.cpython-312.pyc" in app
    assert "pyapp/ui/detail/__pycache__/controller.cpython-312.pyc" in app
    for pycs in (stdlib, numpy, app):
        for name, data in pycs.items():
            assert data[:4] == PY312_MAGIC, name
            flags = int.from_bytes(data[4:8], "little")
            assert flags == 0b01, f"{name}: not an unchecked-hash pyc (flags {flags})"
    with zipfile.ZipFile(runtime / "python_stdlib.zip") as zf:
        assert "json/__init__.py" in zf.namelist()  # sources stay: readable tracebacks


def test_source_only_build_without_bytecode(built_site, tmp_path):
    done = run_build(tmp_path / "dist", env=_offline_env(tmp_path), extra=["--no-bytecode"])
    assert done.returncode == 0, done.stderr
    assert "bytecode: no" in done.stdout
    out = tmp_path / "dist"
    assert not _pycs(out / "app" / "pyapp.zip")
    assert not _pycs(out / "runtime" / "pyodide" / "python_stdlib.zip")
    lock = json.loads((out / "runtime/pyodide/pyodide-lock.json").read_text())
    assert lock["packages"]["numpy"]["sha256"] == _upstream_lock()["packages"]["numpy"]["sha256"]


def test_no_node_means_a_notice_and_the_source_only_site(built_site, tmp_path):
    """Without an interpreter that matches Pyodide's, the build says so and ships sources."""
    env = _offline_env(tmp_path)
    node = tmp_path / "fake-bin" / "node"
    node.write_text("#!/bin/sh\nexit 1\n")
    node.chmod(0o755)
    cache = _copy_cache(tmp_path / "cache")
    done = run_build(tmp_path / "dist", cache_dir=cache, env=env)
    assert done.returncode == 0, done.stderr
    assert "no matching interpreter" in done.stdout and "sources only" in done.stdout
    assert "bytecode: no" in done.stdout
    assert not _pycs(tmp_path / "dist" / "app" / "pyapp.zip")


def test_config_uses_only_local_runtime_and_packages(built_site):
    config = json.loads((built_site / "pyscript.json").read_text())
    assert (built_site / config["interpreter"]).resolve() == (
        built_site / "runtime/pyodide/pyodide.mjs").resolve()
    lock = json.loads((built_site / "runtime/pyodide/pyodide-lock.json").read_text())
    for package in config["packages"]:
        if package.startswith("./"):
            assert (built_site / package).is_file(), package
        else:  # resolved by Pyodide from the local pyodide-lock.json index
            entry = lock["packages"][package]
            assert (built_site / "runtime/pyodide" / entry["file_name"]).is_file()
    # nothing in the page uses pyodide-http (it fetches with pyfetch): not on the start-up path
    assert not any("pyodide" in p and "http" in p for p in config["packages"])
    for source in config["files"]:
        assert (built_site / source).is_file(), source
    # nothing the page loads names another origin (credits may quote a source's address as
    # text; that loads nothing)
    html = (built_site / "index.html").read_text()
    attr = r"""(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//"""
    assert not re.findall(attr, html, flags=re.IGNORECASE)
    assert not re.findall(r"url\(\s*['\"]?\s*(?:https?:)?//", html, flags=re.IGNORECASE)


def test_app_archive_ships_pyapp_without_training(built_site):
    with zipfile.ZipFile(built_site / "app/pyapp.zip") as archive:
        names = archive.namelist()
    assert "pyapp/__init__.py" in names
    assert "pyapp/ui/main.py" in names
    assert not [n for n in names if n.startswith("pyapp/train/")]
    assert not [n for n in names if n.endswith(".pyc") and "/__pycache__/" not in n]
    assert (built_site / "app/main.py").read_bytes() == (
        REPO_ROOT / "pyapp/ui/main.py").read_bytes()


def test_warm_rebuild_makes_no_download(built_site, tmp_path):
    """``built_site`` has filled the cache; a rebuild must not touch npm or pip at all."""
    done = run_build(tmp_path / "dist", env=_offline_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "network fetches: 0" in done.stdout
    first = json.loads((built_site / "build-manifest.json").read_text())["files"]
    second = json.loads((tmp_path / "dist/build-manifest.json").read_text())["files"]
    assert first == second  # reproducible


def test_tampered_cached_wheel_is_refused(built_site, tmp_path):
    cache = _copy_cache(tmp_path / "cache")
    wheel = cache / "pyodide-wheels" / NUMPY_WHEEL
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    done = run_build(tmp_path / "dist", cache_dir=cache, env=_offline_env(tmp_path))
    assert done.returncode == 1
    assert NUMPY_WHEEL in done.stderr
    assert "sha256 mismatch" in done.stderr
    assert "pyodide-lock.json" in done.stderr
    assert "Delete" in done.stderr
    assert not (tmp_path / "dist" / "index.html").exists()


def test_tampered_npm_tarball_is_refused(built_site, tmp_path):
    cache = _copy_cache(tmp_path / "cache")
    tarball = cache / "npm" / "pyodide-0.27.7.tgz"
    tarball.write_bytes(tarball.read_bytes() + b"x")
    done = run_build(tmp_path / "dist", cache_dir=cache, env=_offline_env(tmp_path))
    assert done.returncode == 1
    assert "pyodide-0.27.7.tgz" in done.stderr and "sha256 mismatch" in done.stderr


def test_unreachable_source_stops_with_a_message(tmp_path):
    done = run_build(tmp_path / "dist", cache_dir=tmp_path / "empty-cache",
                     env=_offline_env(tmp_path))
    assert done.returncode == 1
    assert "pyscript-core-0.6.60.tgz" in done.stderr
    assert "no reachable source" in done.stderr
    assert "registry" in done.stderr


@pytest.mark.parametrize(("path", "mime"), [
    ("runtime/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("runtime/pyodide/pyodide.mjs", "text/javascript"),
    ("runtime/pyscript/core.js", "text/javascript"),
    ("index.html", "text/html"),
    ("style.css", "text/css"),
    ("pyscript.json", "application/json"),
    ("app/pyapp.zip", "application/zip"),
])
def test_served_mime_types(site_server, path, mime):
    with urllib.request.urlopen(site_server.url + path) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == mime
        body = response.read()
    assert body == (site_server.root / path).read_bytes()
