"""HTML of the detail views, as strings (no ``js``: CPython-testable).  The page writes a
panel's markup once with ``innerHTML``, then updates only text and box positions per frame."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pyapp.views.maps import Cell


def a(v: object) -> str:
    return escape(str(v), quote=True)


def map_html(name: str, h: int, w: int, label: str, caption: str, *, channel: int | None = None,
             covers: bool = False, box: bool = True, opens: str = "", extra: str = "",
             size: str = "") -> str:
    """A heat map: a ``<canvas>`` of the map's own size scaled up (pixelated), the window
    box, and optionally the two covers that hide what has not been computed yet.  ``opens``:
    the hash this map opens when activated (then it is a button)."""
    ch = f' data-ch="{channel}"' if channel is not None else ""
    cov = '<div class="dv-cover"></div><div class="dv-cover"></div>' if covers else ""
    bx = '<div class="dv-box"></div>' if box else ""
    role = (f'role="button" data-opens="{a(opens)}"' if opens else 'role="group"')
    style = f' style="{size}"' if size else ""
    return (f'<figure class="dv-fig {extra}"><div class="dv-map" data-map="{a(name)}"{ch} '
            f'tabindex="0" {role} aria-label="{a(label)}"{style}>'
            f'<canvas width="{w}" height="{h}"></canvas>{cov}{bx}</div>'
            + (f'<figcaption>{caption}</figcaption>' if caption else "") + '</figure>')


def grid_html(cells: Sequence[Sequence[Cell]], cls: str = "dv-grid", label: str = "") -> str:
    """A small table of coloured numbers (a kernel, a window)."""
    rows = []
    for row in cells:
        tds = "".join(f'<span class="dv-c" style="background:{c.bg};color:{c.fg}">'
                      f"{a(c.text)}</span>" for c in row)
        rows.append(tds)
    n = len(cells[0]) if cells else 1
    lab = f' role="img" aria-label="{a(label)}"' if label else ""
    return f'<div class="{cls}" style="--n:{n}"{lab}>{"".join(rows)}</div>'


def empty_grid_html(rows: int, cols: int, cls: str = "dv-grid", inner: str = "") -> str:
    cells = "".join(f'<span class="dv-c">{inner}</span>' for _ in range(rows * cols))
    return f'<div class="{cls}" style="--n:{cols}">{cells}</div>'


def range_toggle_html(current: str) -> str:
    """The colour-range switch of the map views (``render.ranges.MAP_RANGES``): each map on
    its own range, or the whole layer's; the legends under the maps say which."""
    from pyapp.i18n import tr

    opts = []
    for value, text in (("map", tr("each map")), ("layer", tr("whole layer"))):
        checked = " checked" if value == current else ""
        name = tr("Colour range: {choice}", choice=text)
        opts.append(f'<label><input type="radio" name="dv-maps" value="{value}"{checked} '
                    f'aria-label="{a(name)}"> {a(text)}</label>')
    return (f'<fieldset class="dv-range"><legend>{a(tr("Colour range"))}</legend>'
            + "".join(opts) + "</fieldset>")


def more_html(summary: str, body: str, toggle: str = "") -> str:
    """The view's secondary notes, folded (the drawing keeps the room), beside the
    colour-range switch."""
    return (f'<div class="dv-top"><details class="dv-more"><summary>{a(summary)}</summary>'
            f'{body}</details>{toggle}</div>')


def shape_text(h: int, w: int) -> str:
    return f"({h}, {w})"


def _icon(d: str) -> str:
    return (f'<svg class="dv-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
            f'<path d="{d}"/></svg>')


ICONS = {
    "back": _icon("M6 5h2.5v14H6zM19 5v14L9 12z"),
    "fwd": _icon("M15.5 5H18v14h-2.5zM5 5v14l10-7z"),
    "play": _icon("M7 4v16l13-8z"),
    "pause": _icon("M6 4h4.5v16H6zM13.5 4H18v16h-4.5z"),
    "replay": _icon("M12 5V1.5L7 6l5 4.5V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z"),
    "end": _icon("M4 5v14l8-7zM12 5v14l8-7zM20 5h2v14h-2z"),
    "link": _icon("M7 8h4v2H7a2 2 0 0 0 0 4h4v2H7a4 4 0 0 1 0-8zm6 0h4a4 4 0 0 1 0 8h-4v-2h4"
                  "a2 2 0 0 0 0-4h-4zM8 11h8v2H8z"),
}


def controls_html() -> str:
    """Play / pause, step back, step forward, replay, speed; the position read-out."""
    from pyapp.i18n import tr
    from pyapp.views.stepper import SPEEDS

    opts = "".join(f'<option value="{s}"{" selected" if s == 1.0 else ""}>{s:g}\u00d7</option>'
                   for s in SPEEDS)

    def btn(act: str, label: str, title: str, icon: str, extra: str = "") -> str:
        return (f'<button type="button" class="dv-btn{extra}" data-act="{act}" '
                f'aria-label="{a(label)}" title="{a(title)}">{ICONS[icon]}</button>')

    return (f'<div class="dv-controls" role="toolbar" aria-label="{a(tr("Animation controls"))}">'
            + btn("back", tr("Step back"), tr("Step back (left arrow)"), "back")
            + btn("play", tr("Pause"), tr("Play / pause (Space)"), "pause", " dv-play")
            + btn("fwd", tr("Step forward"), tr("Step forward (right arrow)"), "fwd")
            + btn("end", tr("Skip to the end: the whole map computed"),
                  tr("Skip to the end (End)"), "end")
            + btn("replay", tr("Replay from the start"), tr("Replay"), "replay")
            + f'<label class="dv-speed"><span class="dv-speed-word">{a(tr("Speed"))}</span>'
            f' <select data-act="speed" '
            f'aria-label="{a(tr("Animation speed"))}">{opts}</select></label>'
            '<span class="dv-pos" aria-hidden="true"></span></div>')


def dialog_html() -> str:
    from pyapp.i18n import tr

    return ('<div class="dv-head"><h2 id="dv-title" class="dv-title"></h2>'
            '<button type="button" class="why-open dv-why" '
            f'aria-label="{a(tr("Why? Saliency views"))}">{a(tr("Why?"))}</button>'
            '<button type="button" class="dv-copy-link dv-btn-text"'
            f' aria-label="{a(tr("Copy link to this view"))}" title="{a(tr("Copy link"))}">'
            # a narrow dialog shows the icon alone (detail.css): its name stays the same
            f'{ICONS["link"]}<span class="dv-copy-text">{a(tr("Copy link"))}</span></button>'
            f'<button type="button" class="dv-close" aria-label="{a(tr("Close (Esc)"))}" '
            f'title="{a(tr("Close (Esc)"))}">\u00d7</button></div>'
            # a tab list (one tab today): another view of the same layer adds its own tab
            f'<div class="dv-tabs" role="tablist" aria-label="{a(tr("Detail view"))}">'
            '<button type="button" role="tab" id="dv-tab-explain" class="dv-tab" '
            f'aria-selected="true" aria-controls="dv-body">{a(tr("Explanation"))}</button></div>'
            # scrolls on a phone: reachable by keys
            '<div class="dv-body" id="dv-body" role="tabpanel" aria-labelledby="dv-tab-explain" '
            'tabindex="0"></div>'
            # two fixed lines beside a column (detail.css): a longer caption scrolls there
            '<p class="dv-caption" tabindex="0"></p>'
            '<p class="dv-record" id="dv-record" aria-live="off" tabindex="0"></p>'
            + controls_html())
