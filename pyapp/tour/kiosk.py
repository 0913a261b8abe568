"""The kiosk options of a link: ``?kiosk=1&idle=2&dwell=12&controls=upload,download&tour=...``.

``idle``: minutes without input before the page returns to its start screen (default 2,
fractions allowed, from :data:`MIN_IDLE` to :data:`MAX_IDLE`); ``dwell``: seconds the tour
stays on a step before it moves on by itself (default 12, :data:`MIN_DWELL` to
:data:`MAX_DWELL`; input pauses that until the idle time has passed); ``controls``: which of the
controls a kiosk hides by default it shows after all (``upload``, ``download``, ``link``).
Untrusted input: bounded, never raises.  Plain Python."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl

from pyapp.i18n import tr

MAX_QUERY = 4096
DEFAULT_IDLE = 2.0
MIN_IDLE = 0.01  # 0.6 s: short enough for a test, never a busy loop
MAX_IDLE = 24 * 60.0
DEFAULT_DWELL = 12.0
MIN_DWELL = 1.0  # seconds: a test walks the loop quickly; a visitor needs more
MAX_DWELL = 120.0
#: What a kiosk can show or hide: upload (and drop / paste), download (saving the network),
#: link (the "Copy link" buttons: a link to a kiosk is of no use to a visitor).
CONTROLS = ("upload", "download", "link")
#: The parameters a kiosk keeps when it resets (everything else is the last visitor's).
KEEP = ("kiosk", "idle", "dwell", "controls", "tour", "model", "classes", "present")


@dataclass(frozen=True)
class KioskOptions:
    on: bool = False
    idle_ms: int = int(DEFAULT_IDLE * 60_000)
    shown: frozenset[str] = frozenset()  # the controls a kiosk shows after all
    problems: tuple[str, ...] = ()
    present: bool = True  # the presenter layout (``&present=0`` keeps the ordinary one)
    dwell_ms: int = int(DEFAULT_DWELL * 1000)  # how long the tour stays on a step by itself

    @property
    def hidden(self) -> tuple[str, ...]:
        return tuple(c for c in CONTROLS if c not in self.shown)


def parse_kiosk(search: str) -> KioskOptions:
    """``location.search`` -> :class:`KioskOptions` (``on`` False without ``kiosk=1``)."""
    if not isinstance(search, str) or len(search) > MAX_QUERY:
        return KioskOptions()
    params = dict(parse_qsl(search.lstrip("?"), keep_blank_values=True))
    if params.get("kiosk") not in ("1", "on", "yes", "true"):
        return KioskOptions()
    problems: list[str] = []
    idle, ok = _bounded(params.get("idle", ""), MIN_IDLE, MAX_IDLE, DEFAULT_IDLE)
    if not ok:
        problems.append(tr("The kiosk's idle time must be {low} to {high} minutes; using "
                           "{default}.", low=f"{MIN_IDLE:g}", high=f"{MAX_IDLE:g}",
                           default=f"{DEFAULT_IDLE:g}"))
    dwell, ok = _bounded(params.get("dwell", ""), MIN_DWELL, MAX_DWELL, DEFAULT_DWELL)
    if not ok:
        problems.append(tr("The tour's time on a step must be {low} to {high} seconds; using "
                           "{default}.", low=f"{MIN_DWELL:g}", high=f"{MAX_DWELL:g}",
                           default=f"{DEFAULT_DWELL:g}"))
    shown = frozenset(c.strip() for c in params.get("controls", "")[:200].split(",")
                      if c.strip() in CONTROLS)
    return KioskOptions(True, int(round(idle * 60_000)), shown, tuple(problems),
                        params.get("present") not in ("0", "off", "no", "false"),
                        int(round(dwell * 1000)))


def _bounded(text: str, low: float, high: float, default: float) -> tuple[float, bool]:
    """``text`` (at most 12 characters read) as a number within ``[low, high]``, and whether
    it was one: absent -> ``(default, True)``, unreadable or out of bounds ->
    ``(default, False)``."""
    text = text[:12]
    if not text:
        return default, True
    try:
        value = float(text)
    except ValueError:
        return default, False
    return (value, True) if math.isfinite(value) and low <= value <= high else (default, False)


def reset_query(search: str) -> str:
    """The start screen's query: only the kiosk's own parameters (:data:`KEEP`) stay."""
    if not isinstance(search, str) or len(search) > MAX_QUERY:
        return "?kiosk=1"
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=True)
             if k in KEEP]
    return "?" + urlencode(pairs, safe="/,:") if pairs else ""
