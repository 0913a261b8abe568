"""The "Why?" views in a link: ``?why=gradcam&class=4`` opens Grad-CAM for the fourth class
(1-based, as the page counts; a class name works too).  ``why`` is one of ``gradcam``,
``gradxinput``, ``occlusion``, ``backprop`` (anything else: ``gradcam``).  Untrusted input:
bounded, never raises.  Other parameters are kept as they are.  Plain Python (no ``js``)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

METHODS = ("gradcam", "gradxinput", "occlusion", "backprop")
PARAMS = ("why", "class")
MAX_QUERY = 4096


def parse(search: str, class_names: Sequence[str]) -> tuple[str, int | None] | None:
    """``location.search`` -> ``(method, 0-based class or None)``, or None: no ``why``."""
    if not isinstance(search, str) or len(search) > MAX_QUERY:
        return None
    params = dict(parse_qsl(search.lstrip("?"), keep_blank_values=True))
    if "why" not in params:
        return None
    method = params["why"] if params["why"] in METHODS else "gradcam"
    value = params.get("class", "")[:200]
    names = list(class_names)
    cls = None
    if value.isdigit() and len(value) <= 6 and 1 <= int(value) <= len(names):
        cls = int(value) - 1
    elif value in names:
        cls = names.index(value)
    return method, cls


def with_why(search: str, method: str | None, class_index: int | None = None) -> str:
    """``search`` with the ``why`` / ``class`` parameters set (``method`` None: removed)."""
    pairs = [(k, v) for k, v in parse_qsl(str(search).lstrip("?")[:MAX_QUERY],
                                          keep_blank_values=True) if k not in PARAMS]
    if method is not None:
        pairs.append(("why", method))
        if class_index is not None:
            pairs.append(("class", str(int(class_index) + 1)))
    query = urlencode(pairs)
    return f"?{query}" if query else ""
