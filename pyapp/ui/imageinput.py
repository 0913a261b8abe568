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

from pyapp.cnn.preprocess import ImageError, check_dimensions, open_image, preprocess
from pyapp.i18n import tr
from pyapp.intake_policy import image_notes, source_size
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
        raise ImageError(tr("this file is not an image the browser can read")) from exc
    w, h = int(bmp.width), int(bmp.height)
    try:  # formats whose header the core does not parse: the pixel budget still holds
        check_dimensions(w, h)
    except ImageError:
        bmp.close()
        raise
    f = max(1.0, min(w, h) / BROWSER_MIN_SIDE)
    tw, th = max(1, round(w / f)), max(1, round(h / f))
    canvas = js.OffscreenCanvas.new(tw, th)
    ctx = canvas.getContext("2d")
    ctx.drawImage(bmp, 0, 0, tw, th)
    bmp.close()
    rgba = bytes(ctx.getImageData(0, 0, tw, th).data.to_bytes())
    return Image.frombytes("RGBA", (tw, th), rgba)


async def decode(data: bytes, mime: str, model: Any,
                 notes: list[str] | None = None) -> np.ndarray:
    """Bytes -> the model input.  Raises :class:`ImageError` with a plain message; ``notes``
    receives the sentences for the user that :func:`pyapp.intake_policy.image_notes` decides
    (a file only partly used, a small image enlarged)."""
    frames: list[str] = []
    try:
        image = preprocess(data, model.input_shape, model.preprocessing, frames)
        size = source_size(data) or open_image(data).size  # header only, nothing decoded
    except ImageError as exc:
        if not isinstance(exc.__cause__, UnidentifiedImageError):
            raise
        im = await browser_decode(data, mime)  # scaled only when its short side is > 256
        size = im.size
        image = preprocess(im, model.input_shape, model.preprocessing, frames)
    if notes is not None:
        notes.extend(image_notes(size, model.input_shape, frames))
    return image


def wasm_memory_bytes() -> int:
    """The size of Pyodide's WebAssembly memory now (it only grows)."""
    import pyodide_js  # type: ignore[import-not-found]

    module = pyodide_js._module
    heap = getattr(module, "HEAPU8", None) or getattr(module, "HEAP8", None)
    return int(heap.buffer.byteLength) if heap is not None else -1


def expose_memory() -> None:
    """``window.cnnMemory()``: the WebAssembly memory size in bytes, for tests and benches
    (a refused or accepted file must not grow it past its budget)."""
    from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

    js.window.cnnMemory = create_proxy(lambda *_: wasm_memory_bytes())


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
        self.bindings = Bindings(tr("reading your image"))

    def bind(self) -> None:
        try:
            expose_memory()
        except Exception as exc:  # noqa: BLE001 - only a measurement hook; the app works without
            errors.log_error(f"window.cnnMemory could not be installed: {exc!r}")
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
        notes: list[str] = []
        try:
            image = await decode(upload.data, upload.kind.mime or str(upload.file.type or ""),
                                 self.model, notes)
        except ImageError as exc:
            self.fail(intake.user_message(upload.name, exc))
            return
        finally:
            upload = intake.Upload(upload.file, upload.name, b"", upload.kind)  # free the bytes
        await self.load(image, upload.name, upload.file, ticket)
        for note in notes:  # after the load: the caller clears its message line when it draws
            errors.notify(tr("\u201c{name}\u201d: {note}", name=upload.name[:120], note=note),
                          "info")

    def _on_change(self, event: Any) -> None:
        files = js_array(event.target.files)  # a copy: the FileList is cleared below
        if files.length:
            errors.spawn(self.take(files), tr("reading the chosen file"))
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
        errors.spawn(self.take(files), tr("reading the dropped file"))

    def _on_paste(self, event: Any) -> None:
        tag = str(getattr(event.target, "tagName", "") or "").lower()
        if tag in ("input", "textarea", "select"):
            return
        data = event.clipboardData
        if data is None:
            return
        files = js_array(data.files)
        if not files.length:
            self.fail(tr("The clipboard holds no image. The previous image is kept."))
            return
        event.preventDefault()
        errors.spawn(self.take(files), tr("reading the pasted image"))
