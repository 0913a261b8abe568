"""Issue 13, start-up: each built page starts PyScript's chain before its stylesheets and
body (``build.wire_runtime``): the config inlined (the same as ``pyscript.json``), a
``modulepreload`` of the core chunk ``core.js`` imports and of the interpreter, and the
pre-rendered overview stamped with what it shows (``data-prerender``)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pyapp import i18n

PY_SCRIPT = re.compile(r"<script type=\"py\" src=\"\./app/main\.py\" config='([^']*)'></script>")
PRELOAD = re.compile(r'<link rel="modulepreload" href="\./([^"]+)">')


def test_each_page_inlines_the_config_and_preloads_the_chain(built_site: Path) -> None:
    config = json.loads((built_site / "pyscript.json").read_text())
    core = (built_site / "runtime/pyscript/core.js").read_text()
    for code in i18n.LANGUAGES:
        html = (built_site / i18n.page_file(code)).read_text("utf-8")
        head = html[:html.index("</head>")]
        m = PY_SCRIPT.search(head)
        assert m, code
        assert json.loads(m.group(1)) == config
        preloads = PRELOAD.findall(head)
        chunk = next(p for p in preloads if p.startswith("runtime/pyscript/core-"))
        assert f'"./{chunk.rsplit("/", 1)[1]}"' in core  # the chunk core.js imports
        assert config["interpreter"].removeprefix("./") in preloads
        for path in preloads:
            assert (built_site / path).is_file(), path
        # before every stylesheet: nothing the first layout waits for comes first
        first_css = head.index('rel="stylesheet"')
        assert head.index("runtime/pyscript/core.js") < first_css
        assert m.start() < first_css
        assert head.index("./lang.js") < head.index("modulepreload")  # the language first


STAMP = re.compile(r'<div id="ov-tool"[^>]* data-prerender="([0-9a-f]{24})"')


def test_the_prerender_is_stamped_with_what_it_shows(built_site: Path) -> None:
    from pyapp.cnn.formats import load_native
    from pyapp.cnn.preprocess import preprocess
    from pyapp.render.overview_html import prerender_stamp
    from pyapp.session import Session, Source

    weights = built_site / "weights/tinyvgg-cifar10.npz"  # the file the page fetches
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    gallery = json.loads((built_site / "gallery/gallery.json").read_text())
    model = load_native(str(weights))
    x = preprocess(str(built_site / "gallery" / gallery[0]["file"]), model.input_shape,
                   model.preprocessing)
    snap = Session(model, x, Source("gallery", 0)).snapshot
    stamps = set()
    for code in i18n.LANGUAGES:
        m = STAMP.search((built_site / i18n.page_file(code)).read_text("utf-8"))
        assert m, code
        assert m.group(1) == prerender_stamp(digest, snap, gallery[0]["file"], code)
        stamps.add(m.group(1))
        # another example, scale or model file is another stamp
        assert m.group(1) != prerender_stamp(digest, snap, gallery[1]["file"], code)
        assert m.group(1) != prerender_stamp("0" * 64, snap, gallery[0]["file"], code)
    assert len(stamps) == len(i18n.LANGUAGES)  # the language is part of what it shows
