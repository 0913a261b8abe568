"""The one escaping helper for markup built as strings.

Every string that comes from outside the app (a model's layer and class names, a file name, the
URL, the user) and is written into HTML goes through :func:`attr` (attribute values and text
alike: it escapes ``& < > " '``), or reaches the DOM as ``textContent``.
"""

from __future__ import annotations

from html import escape


def attr(value: object) -> str:
    """``value`` as text that is safe inside an element or a quoted attribute value."""
    return escape(str(value), quote=True)
