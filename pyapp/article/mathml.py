"""A tiny builder for native MathML (Presentation Markup) strings.  No TeX, no CDN: browsers
draw ``<math>`` themselves."""

from __future__ import annotations

from html import escape

Node = str


def _wrap(tag: str, *children: Node) -> Node:
    return f"<{tag}>{''.join(children)}</{tag}>"


def mi(name: str, normal: bool = False) -> Node:
    """An identifier (italic by default; ``normal`` for multi-letter names like ReLU)."""
    attr = ' mathvariant="normal"' if normal else ""
    return f"<mi{attr}>{escape(name)}</mi>"


def mn(number: int | float | str) -> Node:
    """A number (negatives are written with a proper minus sign)."""
    text = str(number)
    if text.startswith("-"):
        return mrow(mo("\u2212"), f"<mn>{escape(text[1:])}</mn>")
    return f"<mn>{escape(text)}</mn>"


def mo(op: str, stretchy: bool | None = None) -> Node:
    """An operator or fence."""
    attr = "" if stretchy is None else f' stretchy="{str(stretchy).lower()}"'
    return f"<mo{attr}>{escape(op)}</mo>"


def mtext(text: str) -> Node:
    """Plain words inside a formula."""
    return f"<mtext>{escape(text)}</mtext>"


def mrow(*children: Node) -> Node:
    """A horizontal group."""
    return _wrap("mrow", *children)


def mfrac(numerator: Node, denominator: Node) -> Node:
    """A fraction."""
    return _wrap("mfrac", numerator, denominator)


def msub(base: Node, sub: Node) -> Node:
    """``base`` with a subscript."""
    return _wrap("msub", base, sub)


def msup(base: Node, sup: Node) -> Node:
    """``base`` with a superscript."""
    return _wrap("msup", base, sup)


def munder(base: Node, under: Node) -> Node:
    """``base`` with something under it (limits of max, sum)."""
    return _wrap("munder", base, under)


def munderover(base: Node, under: Node, over: Node) -> Node:
    """``base`` with limits under and over it (a sum from .. to ..)."""
    return _wrap("munderover", base, under, over)


def fenced(*children: Node, left: str = "(", right: str = ")") -> Node:
    """``children`` between stretchy fences."""
    return mrow(mo(left), *children, mo(right))


def floor(*children: Node) -> Node:
    """The floor brackets around ``children`` (stretched to their height)."""
    return mrow(mo("\u230a", stretchy=True), *children, mo("\u230b", stretchy=True))


def math(*children: Node, label: str, display: str = "block") -> Node:
    """A ``<math>`` element; ``label`` is its spoken / text alternative."""
    return (f'<math display="{display}" aria-label="{escape(label, quote=True)}">'
            f"{mrow(*children)}</math>")
