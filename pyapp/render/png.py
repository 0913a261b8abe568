"""Pictures as data URIs, for what is drawn at build time (the pre-render, the article's
figures)."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image


def png_data_uri(rgba: np.ndarray) -> str:
    """An ``(H, W, 4)`` uint8 image (opaque) as a ``data:image/png;base64,`` URI: a lossless
    palette PNG when it has at most 256 colours (every colour-mapped map), else RGB."""
    rgb = np.ascontiguousarray(rgba[..., :3])
    colours, index = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
    if len(colours) <= 256:
        im = Image.fromarray(index.reshape(rgb.shape[:2]).astype(np.uint8), "P")
        im.putpalette(colours.astype(np.uint8).tobytes())
    else:
        im = Image.fromarray(rgb, "RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
