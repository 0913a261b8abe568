"""The user's own image: file chooser, drag and drop, paste.  Decoding: Pillow (the core's
``preprocess``, EXIF orientation honoured); for formats Pillow cannot identify (e.g. AVIF in
Pyodide), the browser decodes (``createImageBitmap`` honours EXIF) and the RGBA pixels go
through the same core preprocessing.  The bytes never leave the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from PIL import Image, UnidentifiedImageError
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.ui import errors, intake
from pyapp.ui.events import Bindings

# keep at least this many pixels on the short side when the browser scales a big image down
BROWSER_MIN_SIDE = 256
Loader = Callable[[np.ndarray, str, Any, int], Awaitable[None]]


async def browser_decode(data: bytes, mime: str) -> Image.Image:
    """Decode with the browser: ``createImageBitmap`` -> canvas -> RGBA -> Pillow image."""
    blob = js.Blob.new(to_js([js.Uint8Array.new(to_js(data))]),
                       to_js({"type": mime or "application/octet-stream"},
                             dict_converter=js.Object.fromEntries))
    try:
        bmp = await js.createImageBitmap(blob)
    except Exception as exc:  # noqa: BLE001 - a JS DOMException: not decodable
        raise ImageError("this file is not an image the browser can read") from exc
    w, h = int(bmp.width), int(bmp.height)
    if w < 1 or h < 1:
        raise ImageError(f"the image has no pixels ({w}x{h})")
    f = max(1.0, min(w, h) / BROWSER_MIN_SIDE)
    tw, th = max(1, round(w / f)), max(1, round(h / f))
    canvas = js.OffscreenCanvas.new(tw, th)
    ctx = canvas.getContext("2d")
    ctx.drawImage(bmp, 0, 0, tw, th)
    bmp.close()
    rgba = bytes(ctx.getImageData(0, 0, tw, th).data.to_bytes())
    return Image.frombytes("RGBA", (tw, th), rgba)


async def decode(data: bytes, mime: str, model: Any) -> np.ndarray:
    """Bytes -> the model input.  Raises :class:`ImageError` with a plain message."""
    try:
        return preprocess(data, model.input_shape, model.preprocessing)
    except ImageError as exc:
        if not isinstance(exc.__cause__, UnidentifiedImageError):
            raise
    im = await browser_decode(data, mime)
    return preprocess(im, model.input_shape, model.preprocessing)


def js_array(files: Any) -> Any:
    """A JS array copy of a ``FileList`` (``None`` -> empty), as :mod:`intake` takes."""
    return getattr(js.Array, "from")(files) if files is not None else js.Array.new()


class ImageInput:
    """Wires the upload button, drop and paste to ``load(image, name, file, ticket)`` through
    the intake policy (:mod:`pyapp.ui.intake`).  ``begin()`` is called as each action starts
    and returns its ticket (so the caller can tell whether a later action has overtaken a slow
    decode); ``fail(message)`` reports what could not be used (the caller keeps its previous
    image)."""

    def __init__(self, root: Any, model: Any, begin: Callable[[], int], load: Loader,
                 fail: Callable[[str], None]) -> None:
        self.root, self.model, self.begin, self.load, self.fail = root, model, begin, load, fail
        self.bindings = Bindings("reading your image")

    def bind(self) -> None:
        chooser = self.root.querySelector("#ov-file")
        listen = self.bindings.listen
        listen(self.root.querySelector("#ov-upload-btn"), "click", lambda e: chooser.click())
        listen(chooser, "change", self._on_change)
        doc = js.document
        listen(doc, "dragover", self._on_dragover)
        listen(doc, "dragleave", self._on_dragleave)
        listen(doc, "drop", self._on_drop)
        listen(doc, "paste", self._on_paste)

    def close(self) -> None:
        self.bindings.close()

    def _tell(self, message: str, kind: str) -> None:
        self.fail(message)

    async def take(self, files: Any) -> None:
        """Intake, decode and hand the image to ``load``; on failure report, keep the state."""
        ticket = self.begin()
        upload = await intake.take(files, tell=self._tell)
        if upload is None:
            return
        try:
            image = await decode(upload.data, upload.kind.mime or str(upload.file.type or ""),
                                 self.model)
        except ImageError as exc:
            self.fail(intake.user_message(upload.name, exc))
            return
        await self.load(image, upload.name, upload.file, ticket)

    def _on_change(self, event: Any) -> None:
        files = js_array(event.target.files)  # a copy: the FileList is cleared below
        if files.length:
            errors.spawn(self.take(files), "reading the chosen file")
        event.target.value = ""

    def _on_dragover(self, event: Any) -> None:
        event.preventDefault()
        self.root.classList.add("is-dragover")

    def _on_dragleave(self, event: Any) -> None:
        if event.relatedTarget is None:
            self.root.classList.remove("is-dragover")

    def _on_drop(self, event: Any) -> None:
        event.preventDefault()
        self.root.classList.remove("is-dragover")
        files = js_array(event.dataTransfer.files if event.dataTransfer else None)
        errors.spawn(self.take(files), "reading the dropped file")

    def _on_paste(self, event: Any) -> None:
        tag = str(getattr(event.target, "tagName", "") or "").lower()
        if tag in ("input", "textarea", "select"):
            return
        data = event.clipboardData
        if data is None:
            return
        files = js_array(data.files)
        if not files.length:
            self.fail("The clipboard holds no image. The previous image is kept.")
            return
        event.preventDefault()
        errors.spawn(self.take(files), "reading the pasted image")
