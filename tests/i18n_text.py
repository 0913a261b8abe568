"""What counts as English left in a translated page or text (issue 20: with ``?lang=ja`` no
English remains apart from code, formulas, layer names, units and a few names)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Names and units that stay as they are in every language.
ALLOWED = frozenset({
    "CNN", "ReLU", "TinyVGG", "CIFAR", "Python", "numpy", "NumPy", "Pyodide", "PyScript",
    "Pillow", "JavaScript",
    "Grad-CAM", "Grad", "CAM", "SGD", "Adam", "Sobel", "MathML", "WebAssembly",
    "RGB", "PNG", "JPEG", "GIF", "WebP", "AVIF", "TIFF", "BMP", "ICO", "HEIC", "npz", "npy",
    "json", "JSON", "URL", "CSV", "PDF", "Esc", "Enter", "Tab", "Shift", "Ctrl", "Space",
    "Home", "End", "PageUp", "PageDown", "tanh", "sigmoid", "exp", "max", "min", "sum", "log",
    "argmax", "Keras", "PyTorch", "TensorFlow", "Poloclub", "poloclub", "GitHub", "MIT",
    "Wikimedia", "Commons", "CC", "BY", "SA", "Flickr", "Unsplash", "Pexels",
    "px", "ms", "KB", "MB", "GB", "fps", "MP",
})
# People and works the page credits (the reference's authors, CIFAR-10's, the licences' names):
# names stay as written in every language.
CREDITED = frozenset("""
Zijie Wang Robert Turko Omar Shaikh Haekyu Park Nilaksh Das Fred Hohman Minsuk Kahng Duen
Horng Polo Chau Georgia Tech Explainer Alex Krizhevsky Vinod Nair Geoffrey Hinton MPL Apache
BSD Clause Pillow MIT-CMU
""".split())
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")


def tokens(text: str) -> list[str]:
    """The word-like tokens of ``text`` (for allowing every word of a credit line)."""
    return _TOKEN.findall(text)


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` that are English: tokens of three or more letters that are not
    identifiers (``conv_1_1``, ``x1``, ``ops.conv2d``), not in :data:`ALLOWED` and not in
    ``allowed`` (for example the model's layer names, or a photo's credited author)."""
    extra = set(allowed)
    found = []
    for token in _TOKEN.findall(text):
        word = token.strip("-.")
        if len(word) < 3 or "_" in word or "." in word or any(ch.isdigit() for ch in word):
            continue
        if word in ALLOWED or word in extra:
            continue
        found.append(word)
    return found


class _Readable(HTMLParser):
    """Element text outside code, formulas and scripts, and the attributes that name or
    describe things."""

    SKIP = {"code", "pre", "math", "script", "style"}
    NAMED = {"aria-label", "title", "alt", "placeholder", "aria-description"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1
        self.parts += [v for k, v in attrs if k in self.NAMED and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def readable(html: str) -> str:
    """What a person reads or hears of ``html``: its text (not code, formulas or scripts)
    and its accessible names and descriptions, joined by spaces."""
    p = _Readable()
    p.feed(html)
    p.close()
    return " ".join(p.parts)
