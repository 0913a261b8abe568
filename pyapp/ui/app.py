"""The overview app in the page: loads the model and the gallery, takes over (or writes) the
overview, and switches images (gallery click / Enter, upload, drop, paste).

``await start_overview(container)`` returns the :class:`OverviewApp`; its ``view`` has the
``on_neuron_activate`` hook and ``state`` (also ``pyapp.ui.state.STATE``) the current image,
activations and range mode.  User Timing marks: ``app:overview-drawn`` (the live network is
drawn), ``app:views-mounted`` (the detail views and the playground, just after interactive),
and per image change ``app:image-start`` (gallery click), ``app:forward-start`` /
``app:forward-end`` (the model's forward pass) and ``app:image-drawn``.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from PIL import Image
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]
from pyodide.http import pyfetch  # type: ignore[import-not-found]

from pyapp.cnn.formats import load_native
from pyapp.cnn.model import Model
from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.model_source import load_model_from, resolve_model_url
from pyapp.ui import errors
from pyapp.ui import state as state_mod
from pyapp.ui.imageinput import ImageInput
from pyapp.ui.overview import OverviewView
from pyapp.ui.state import OverviewState

MODEL_URL = "weights/tinyvgg-cifar10.npz"
GALLERY_DIR = "gallery/"
GALLERY_URL = GALLERY_DIR + "gallery.json"


async def fetch_bytes(url: str) -> bytes:
    resp = await pyfetch(url)
    if not resp.ok:
        raise OSError(f"the server answered HTTP {resp.status} for {url}")
    return bytes(await resp.bytes())


class OverviewApp:
    def __init__(self, model: Any, gallery: list[dict], container: Any) -> None:
        self.model = model
        self.gallery = gallery
        self.state = OverviewState.for_model(model)
        state_mod.STATE = self.state
        self.view = OverviewView(self.state, gallery, container)
        self._inputs: dict[int, np.ndarray] = {}
        self._seq = 0
        self._object_url: str | None = None

    async def gallery_input(self, index: int) -> np.ndarray:
        """The model input for gallery entry ``index`` (cached after the first load)."""
        if index not in self._inputs:
            data = await fetch_bytes(GALLERY_DIR + self.gallery[index]["file"])
            self._inputs[index] = preprocess(data, self.model.input_shape,
                                             self.model.preprocessing)
        return self._inputs[index]

    async def start(self) -> None:
        image = await self.gallery_input(0)
        self.state.set_image(image, "gallery:0", 0)
        prerendered = self.view.mount()
        self.view.draw()
        if not prerendered:  # no build-time picture: this is the first one
            self._set_original(GALLERY_DIR + self.gallery[0]["file"])
            js.performance.mark("app:first-overview-paint")
        js.performance.mark("app:overview-drawn")
        errors.listen(self.view.root.querySelector(".ov-gallery"), "click", self._on_thumb)
        self.image_input = ImageInput(self.view.root, self.model, self.load_upload, self.fail)
        self.image_input.bind()
        errors.spawn(self._preload(), "preloading the example images")

    async def _preload(self) -> None:
        """Warm the gallery cache in the background (makes clicks instant)."""
        for i in range(1, len(self.gallery)):
            try:
                await self.gallery_input(i)
            except (OSError, ImageError):
                pass
            await asyncio.sleep(0)

    def _on_thumb(self, event: Any) -> None:
        button = event.target.closest(".ov-thumb")
        if button is None:
            return
        index = int(button.dataset.index)
        if index in self._inputs:  # cached: draw now, without a round trip through a task
            js.performance.mark("app:image-start")
            self._seq += 1
            self._show_gallery(index)
        else:
            errors.spawn(self.select(index), "showing an example")

    async def select(self, index: int) -> None:
        """Show gallery entry ``index``."""
        js.performance.mark("app:image-start")
        self._seq += 1
        seq = self._seq
        try:
            await self.gallery_input(index)
        except (OSError, ImageError) as exc:
            self.fail(f"Example {index + 1} could not be loaded ({exc}).")
            return
        if seq != self._seq:
            return
        self._show_gallery(index)

    def _show_gallery(self, index: int) -> None:
        self._forward(self._inputs[index], f"gallery:{index}", index)
        self._set_original(GALLERY_DIR + self.gallery[index]["file"])
        self._redraw()

    async def load_upload(self, image: np.ndarray, name: str, file: Any) -> None:
        """Show the user's decoded image (``file`` is the JS File / Blob, for the preview)."""
        self._seq += 1
        self._forward(image, f"upload:{name}", None)
        url = str(js.URL.createObjectURL(file))
        self._set_original(url)
        if self._object_url:
            js.URL.revokeObjectURL(self._object_url)
        self._object_url = url
        self._redraw()

    def _forward(self, image: np.ndarray, source: str, selected: int | None) -> None:
        js.performance.mark("app:forward-start")
        self.state.set_image(image, source, selected)
        js.performance.mark("app:forward-end")

    def _set_original(self, src: str) -> None:
        img = self.view.root.querySelector("#ov-original")
        img.src = src

    def _redraw(self) -> None:
        self.view.message("")
        self.view.set_selected(self.state.selected)
        self.view.draw(transition=True)
        js.performance.mark("app:image-drawn")

    def fail(self, text: str) -> None:
        self.view.message(text)


def keep_offline(urls: list[str]) -> None:
    """Ask the service worker to keep these files (a teacher's model) for offline visits."""
    workers = getattr(js.navigator, "serviceWorker", None)
    if workers is None or not urls:
        return
    message = to_js({"type": "keep", "urls": urls}, dict_converter=js.Object.fromEntries)

    def post(registration: Any) -> None:
        if registration.active:
            registration.active.postMessage(message)

    workers.ready.then(create_once_callable(post))


async def page_model() -> tuple[Model, bool]:
    """The model named by ``?model=`` (same site only; ``&classes=a,b,...`` renames its
    classes), else the default; and whether it is another model than the default (then the
    pre-rendered overview does not apply).

    A model that cannot be read, or that the page cannot run and draw, leaves the default
    model in place, with a notice that says why.
    """
    params = js.URLSearchParams.new(js.location.search)
    param = params.get("model")
    if param is not None:
        names = params.get("classes")  # e.g. for a TF.js model.json that carries none
        class_names = [n.strip() for n in names.split(",")] if names else None
        fetched: list[str] = []

        async def fetch_noted(url: str) -> bytes:
            fetched.append(url)
            return await fetch_bytes(url)

        try:
            model = await load_model_from(resolve_model_url(param, js.location.href),
                                          fetch_noted, class_names)
            probe = OverviewState.for_model(model)  # the page can lay it out, feed and run it
            probe.set_image(preprocess(Image.new("RGB", (8, 8)), model.input_shape,
                                       model.preprocessing), "probe", None)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the default model
            errors.log_error(f"The model {param!r} was not loaded:\n"
                             + "".join(traceback.format_exception(exc)))
            reason = str(exc).strip().rstrip(".") or type(exc).__name__
            errors.notify(f"The model {param[:120]} could not be used: {reason}. "
                          "Showing the default model instead.", "warning")
        else:
            errors.notify(f"Showing the model {param[:120]} ({model.name}, "
                          f"{model.num_params:,} parameters) instead of the default one.")
            keep_offline(fetched)
            return model, True
    return load_native(await fetch_bytes(MODEL_URL)), False


async def start_overview(container: Any) -> OverviewApp:
    """Load model + gallery, take over the overview in ``container`` and draw it."""
    model, other = await page_model()
    gallery = json.loads((await fetch_bytes(GALLERY_URL)).decode("utf-8"))
    if other:  # the pre-rendered overview shows the default network: write a new one
        prerendered = js.document.getElementById("ov-tool")
        if prerendered is not None:
            prerendered.remove()
    app = OverviewApp(model, gallery, container)
    await app.start()
    # The detail views and the playground are not on the first screen: they are imported and
    # mounted just after the page is interactive (one task each, so no long task). A neuron
    # activated before then is opened once the detail views are there.
    early: list[tuple[str, int]] = []

    def note(layer: str, index: int) -> None:
        if getattr(app, "detail", None) is None:
            early.append((layer, index))

    app.view.on_neuron_activate(note)
    errors.spawn(_mount_later(app, early), "starting the detail views and the playground")
    return app


async def _mount_later(app: OverviewApp, early: list[tuple[str, int]]) -> None:
    """Install the detail views, then the playground; mark ``app:views-mounted``."""
    await asyncio.sleep(0)  # after `app:interactive`
    try:  # the detail views open from the overview's neuron-activation hook
        from pyapp.ui import detail

        app.detail = detail.install(lambda: app.state, app.view)
        if early:
            app.detail.open(*early[-1])
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without them
        errors.report(exc, "installing the detail views")
    await asyncio.sleep(0)
    try:  # the hyperparameter playground follows the current image and model
        from pyapp.ui import playground

        app.playground = playground.mount("playground", app.state)
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without it
        errors.report(exc, "starting the hyperparameter playground")
    js.performance.mark("app:views-mounted")
