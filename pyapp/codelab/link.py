"""The ``?code=`` link parameter: an exercise, and optionally the code in its editor.

    ?code=relu                  the ReLU exercise, starter code
    ?code=conv2d_loops~eJx...   the loop-based convolution with this code

The code is UTF-8, deflated (zlib) and base64url-encoded without padding.  A link is untrusted:
the value is at most :data:`~pyapp.budgets.MAX_CODE_PARAM` characters, inflates to at most
:data:`~pyapp.budgets.MAX_CODE_CHARS` characters (inflation stops there), and anything else is
a plain :class:`CodeLinkError`.  The page shows linked code; it runs only on a click.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass

from pyapp.budgets import MAX_CODE_CHARS, MAX_CODE_PARAM
from pyapp.i18n import N_, tr

from .exercises import Exercise, by_key

PARAM = "code"
TOO_LONG = N_("the code in the link is longer than {n} characters")
_VALUE = re.compile(r"([a-z0-9_]{1,40})(?:~([A-Za-z0-9_-]+))?")


class CodeLinkError(ValueError):
    """A ``?code=`` value that cannot be read; the message says why, plainly."""


@dataclass(frozen=True)
class CodeLink:
    exercise: Exercise
    code: str | None  # None: the starter


def encode(key: str, code: str | None = None) -> str:
    """The parameter's value (just ``key`` when ``code`` is None)."""
    if code is None:
        return key
    packed = base64.urlsafe_b64encode(zlib.compress(code.encode("utf-8"), 9))
    return f"{key}~{packed.decode('ascii').rstrip('=')}"


def fits(key: str, code: str) -> bool:
    """Whether ``code`` is small enough to travel in a link."""
    return len(code) <= MAX_CODE_CHARS and len(encode(key, code)) <= MAX_CODE_PARAM


def decode(value: str) -> CodeLink:
    """The exercise and code a parameter value names (``CodeLinkError`` otherwise)."""
    if not isinstance(value, str) or len(value) > MAX_CODE_PARAM:
        raise CodeLinkError(tr(TOO_LONG, n=f"{MAX_CODE_PARAM:,}"))
    m = _VALUE.fullmatch(value)
    if m is None:
        raise CodeLinkError(tr("the code in the link is not in the form exercise~code"))
    exercise = by_key(m.group(1))
    if exercise is None:
        raise CodeLinkError(tr("there is no exercise called {name}", name=repr(m.group(1))))
    if m.group(2) is None:
        return CodeLink(exercise, None)
    data = m.group(2)
    try:
        packed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, 4 * MAX_CODE_CHARS + 1)
        if len(raw) > 4 * MAX_CODE_CHARS or inflater.unconsumed_tail:
            raise CodeLinkError(tr(TOO_LONG, n=f"{MAX_CODE_CHARS:,}"))
        if not inflater.eof:
            raise CodeLinkError(tr("the code in the link is cut short"))
        code = raw.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError):
        raise CodeLinkError(tr("the code in the link is damaged")) from None
    if len(code) > MAX_CODE_CHARS:
        raise CodeLinkError(tr(TOO_LONG, n=f"{MAX_CODE_CHARS:,}"))
    return CodeLink(exercise, code)


def problem_text(reason: str) -> str:
    """What the page says about a link's code it cannot read."""
    return tr("The link's code could not be read ({reason}); showing the starter instead.",
              reason=reason)
