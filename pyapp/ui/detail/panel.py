"""The base of a detail panel: mounts its markup, paints its maps, draws frames.

A panel turns the view model's frames into DOM updates and nothing else: geometry goes into
CSS custom properties on the panel's root (one ``cssText`` write a frame), numbers into
``textContent``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyapp.render.bmp import bmp_data_uri
from pyapp.views.geometry import Rect
from pyapp.views.placement import MAX_WIDTH

SWEEP_MS = 20_000.0  # a map view's whole sweep at the default speed (issue 15: at most 20 s)


def paint(canvas: Any, rgba: np.ndarray, as_image: bool = True) -> None:
    """Put an ``(H, W, 4)`` uint8 image into ``canvas`` in one ``ImageData``, then swap the
    canvas for an ``<img>`` of the same pixels: a static image is rastered once and cached,
    where a canvas is a compositor layer pushed again on every animation frame.
    ``as_image=False`` keeps the canvas: while a weight is dragged the maps change every
    frame, and the PNG encoding of the swap would be a third of the view's repaint."""
    from pyapp.ui.overview import paint as overview_paint

    overview_paint(canvas.getContext("2d"), rgba)
    if as_image:
        as_img(canvas, rgba)


def as_img(canvas: Any, rgba: np.ndarray | None = None) -> None:
    """Replace ``canvas`` by an ``<img>`` of its pixels (see :func:`paint`): ``rgba``, when
    given, as an uncompressed BMP (a copy, where the canvas's PNG is an encoding)."""
    img = canvas.ownerDocument.createElement("img")
    img.className = "dv-px"
    img.alt = ""
    img.width = canvas.width
    img.height = canvas.height
    img.src = canvas.toDataURL() if rgba is None else bmp_data_uri(rgba)
    canvas.replaceWith(img)


def rect_vars(prefix: str, r: Rect) -> str:
    return (f"--{prefix}l:{r.left};--{prefix}t:{r.top};--{prefix}w:{r.width};"
            f"--{prefix}h:{r.height};")


class Panel:
    """Subclasses set ``vm`` and implement ``html``, ``mounted`` and ``draw``."""

    interval_ms = 60.0
    kind = ""
    autoplay = True  # starts playing when opened (unless reduced motion or a pinned link)
    hover_seeks = True  # the pointer over a map or an item shows its position
    sweep_ms: float | None = None  # a whole sweep at speed 1 takes at most this long
    max_width = MAX_WIDTH  # px: the widest gap the network opens for it (placement.spread)
    maps_as_images = True  # False: maps stay canvases (repainted every frame of a drag)

    def __init__(self, vm: Any, start: int = 0) -> None:
        self.vm = vm
        self.start = start
        self.root: Any = None

    @property
    def title(self) -> str:
        return str(self.vm.title)

    @property
    def count(self) -> int:
        return int(self.vm.count)

    def html(self) -> str:
        raise NotImplementedError

    def mount(self, body: Any) -> None:
        body.innerHTML = self.html()
        self.root = body.firstElementChild
        self.mounted()

    def mounted(self) -> None:
        """Collect element references, paint the static maps."""

    def layout(self) -> None:
        """Redraw what depends on where the page laid the panel out (its arrows); the
        controller calls it after a resize, a scroll inside the view, an animation's end."""

    def q(self, selector: str) -> Any:
        return self.root.querySelector(selector)

    def qa(self, selector: str) -> list[Any]:
        return list(self.root.querySelectorAll(selector))

    def paint_map(self, name: str, rgba: np.ndarray, channel: int | None = None) -> None:
        sel = f'.dv-map[data-map="{name}"]' + (f'[data-ch="{channel}"]' if channel is not None
                                               else "")
        paint(self.q(sel + " canvas"), rgba, self.maps_as_images)

    def freeze_maps(self) -> None:
        """The maps a drag left as canvases become images (static again)."""
        for canvas in self.qa(".dv-map canvas"):
            as_img(canvas)
        self.maps_as_images = True

    def draw(self, index: int) -> tuple[str, str]:
        """Draw position ``index``; return (caption, accessible record text)."""
        raise NotImplementedError

    def index_at(self, node: Any, x: float, y: float, width: float,
                 height: float) -> int | None:
        """The position under the pointer on map ``node`` (None: not a pinnable map)."""
        return None

    def index_on_input_or_output(self, node: Any, x: float, y: float, width: float,
                                 height: float) -> int | None:
        """``index_at`` for views whose input map is read in windows and whose other maps
        have the output's shape."""
        if str(node.dataset.map) == "input":
            return self.vm.index_at_input(x, y, width, height)
        return self.vm.index_at_output(x, y, width, height)

    def move(self, index: int, d_row: int, d_col: int) -> int:
        return int(self.vm.move(index, d_row, d_col))

    def position_text(self, index: int) -> str:
        return f"{index + 1} / {self.count}"

    def item_at(self, target: Any) -> int | None:
        """The position a hovered term / row stands for (``data-i``), if any."""
        node = target.closest("[data-i]") if hasattr(target, "closest") else None
        if node is None or not self.root.contains(node):
            return None
        return int(node.dataset.i)
