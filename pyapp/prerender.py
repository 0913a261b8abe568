"""Pre-render the default example's complete overview under CPython, with the same core and
drawing code as the page, so a visitor sees the real network before Pyodide has started.

``python -m pyapp.prerender dist/index.html`` (``build.py`` calls :func:`inject`) puts
the tool's HTML, with every map as a PNG data URI painted behind its canvas and the real bars,
into ``<main id="app">``.  The page's Python then takes over the same DOM.  The build renders
it once per language, inside ``with pyapp.i18n.language(code):`` (see ``build.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyapp import i18n
from pyapp.render.overview_html import prerender_stamp, tool_html
from pyapp.render.png import png_data_uri
from pyapp.session import Session, Source

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "weights" / "tinyvgg-cifar10.npz"
DEFAULT_GALLERY = ROOT / "www" / "gallery" / "gallery.json"
MAIN_RE = re.compile(r'(<main id="app"[^>]*>)(.*?)(</main>)', re.S)
# marks ``app:first-overview-paint`` two frames after the markup (a file: the page's CSP
# allows no inline script)
MARK_SCRIPT = '<script src="./first-paint.js"></script>'


def render_tool(model: Any, image: np.ndarray, gallery: Sequence[Mapping[str, str]],
                selected: int = 0, mode: str = "unit", original_src: str = "",
                model_sha256: str = "") -> str:
    """The complete tool's HTML for ``image`` (model input, ``(H, W, 3)`` in [0, 1]),
    painted from a snapshot of the same :class:`~pyapp.session.Session` the page uses; with
    ``model_sha256`` (the model file's), stamped with what it shows (``prerender_stamp``), so
    the page can keep it as its own first drawing."""
    snap = Session(model, image, Source("gallery", selected), range_mode=mode).snapshot
    stamp = (prerender_stamp(model_sha256, snap, gallery[selected]["file"], i18n.current())
             if model_sha256 and 0 <= selected < len(gallery) else "")
    images: dict[tuple[str, int], str] = {}
    for name, stack in snap.overview_rgba.items():
        for j, rgba in enumerate(stack):
            images[(name, j)] = png_data_uri(rgba)
    return tool_html(snap, gallery, images, original_src=original_src,
                     processed_src=png_data_uri(snap.input_rgba), stamp=stamp)


def prerender(model_path: Path = DEFAULT_MODEL, gallery_json: Path = DEFAULT_GALLERY) -> str:
    """The fragment for the default example (gallery entry 0) and the default model."""
    from pyapp.cnn.formats import load_native
    from pyapp.cnn.preprocess import preprocess

    model = load_native(str(model_path))
    gallery = json.loads(gallery_json.read_text(encoding="utf-8"))
    first = gallery_json.parent / gallery[0]["file"]
    x = preprocess(str(first), model.input_shape, model.preprocessing)
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    html = render_tool(model, x, gallery, 0, "unit", original_src=f"gallery/{gallery[0]['file']}",
                       model_sha256=digest)
    return html + MARK_SCRIPT


def inject_html(text: str, fragment: str, where: str = "the page") -> str:
    """``text`` (a page's HTML) with ``fragment`` inside its ``<main id="app">``."""
    if not MAIN_RE.search(text):
        raise ValueError(f'{where}: no <main id="app"> element to pre-render into')
    return MAIN_RE.sub(lambda m: m.group(1) + fragment + m.group(3), text, count=1)


def inject(index_html: Path, fragment: str) -> None:
    """Put ``fragment`` inside ``<main id="app">`` of ``index_html`` (in place)."""
    text = index_html.read_text(encoding="utf-8")
    index_html.write_text(inject_html(text, fragment, str(index_html)), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_html", type=Path, help="the built index.html to fill")
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--gallery", type=Path, default=DEFAULT_GALLERY)
    args = ap.parse_args(argv)
    if not args.model.exists():
        print(f"prerender: {args.model} not found; the page will draw the overview live",
              file=sys.stderr)
        return 0
    inject(args.index_html, prerender(args.model, args.gallery))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
