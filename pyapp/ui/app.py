"""The app in the page: loads the model and the gallery, makes the :class:`~pyapp.session.Session`
and subscribes the views, and turns the user's image actions (gallery click / Enter, upload,
drop, paste) into session changes.

Two rules for those actions:

* **the last action wins**: every action takes a ticket (:meth:`OverviewApp.begin`); an
  asynchronous load (fetching an example, decoding a big upload) is applied only if no later
  action has started meanwhile;
* **one redraw per frame**: an action arriving while a redraw already happened in this frame
  waits for the next animation frame, and only the latest waiting one runs (500 queued clicks
  cost one redraw, not 500).

``await start_overview(container)`` returns the :class:`OverviewApp` (``app.session``,
``app.view``).  User Timing marks: ``app:overview-drawn`` (the live network is drawn), and per
image change ``app:image-start``, ``app:forward-start`` / ``app:forward-end`` (the model's
forward pass) and ``app:image-drawn`` (every subscribed view has painted); ``app:views-mounted``
(the detail views, the Why? views and the playground, mounted just after interactive).
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import traceback
from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np
from PIL import Image
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]

from pyapp import i18n, links
from pyapp.cnn.formats import load_native
from pyapp.cnn.model import Model
from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.i18n import N_, tr
from pyapp.model_source import load_model_from, resolve_model_url
from pyapp.render.overview_html import prerender_stamp
from pyapp.session import Session, Source
from pyapp.ui import errors, prefetch
from pyapp.ui.address import Address
from pyapp.ui.events import Bindings
from pyapp.ui.imageinput import ImageInput
from pyapp.ui.overview import OverviewView

MODEL_URL = prefetch.MODEL_URL
GALLERY_DIR = prefetch.GALLERY_DIR
GALLERY_URL = prefetch.GALLERY_URL


async def fetch_bytes(url: str) -> bytes:
    """The body of ``url``, from the download started at ``app:python-ready`` when it was
    one of the first screen's files (:mod:`pyapp.ui.prefetch`)."""
    return await prefetch.take(url)


class LatestPerFrame:
    """Runs an action now if nothing ran in this animation frame, else keeps only the latest
    one for the next frame."""

    def __init__(self) -> None:
        self._busy = False
        self._pending: Callable[[], None] | None = None

    def run(self, action: Callable[[], None]) -> None:
        if self._busy:
            self._pending = action
            return
        self._busy = True
        js.requestAnimationFrame(create_once_callable(self._frame))
        action()

    def _frame(self, *_: Any) -> None:
        self._busy = False
        action, self._pending = self._pending, None
        if action is not None:
            try:
                self.run(action)
            except Exception as exc:  # noqa: BLE001 - the boundary of a frame callback
                errors.report(exc, N_("redrawing"))


class OverviewApp:
    def __init__(self, model: Model, gallery: list[dict], container: Any,
                 link: links.PageLink, model_sha256: str = "") -> None:
        self.model = model
        self.model_sha256 = model_sha256  # the default model file's ("" for another model)
        self.gallery = gallery
        self.container = container
        self.link = link
        self.session: Session | None = None
        self.view: OverviewView | None = None
        self.bindings = Bindings(N_("the example images"))
        self._inputs: dict[int, np.ndarray] = {}
        self._ticket = 0
        self._frames = LatestPerFrame()
        self._object_url: str | None = None

    # --- the gallery -------------------------------------------------------------------
    async def gallery_input(self, index: int) -> np.ndarray:
        """The model input for gallery entry ``index`` (cached after the first load)."""
        if index not in self._inputs:
            data = await fetch_bytes(GALLERY_DIR + self.gallery[index]["file"])
            self._inputs[index] = preprocess(data, self.model.input_shape,
                                             self.model.preprocessing)
        return self._inputs[index]

    def first_index(self) -> int:
        """The example the link asks for (the first one if it names none or a wrong one)."""
        index = self.link.image
        if index is None or not 0 <= index < len(self.gallery):
            if index is not None:
                errors.notify(tr("The link names an example that does not exist; showing "
                                 "the first example."), "warning")
            return 0
        return index

    async def start(self) -> None:
        index = self.first_index()
        if self.link.upload:
            errors.notify(tr("This link was made with someone's own photo, which stays on "
                             "their device: showing the first example instead."), "info")
        for problem in self.link.problems:
            errors.notify(problem, "warning")
        image, source = await self.first_image(index)
        js.performance.mark("app:first-image-loaded")
        self.session = Session(self.model, image, source,
                               range_mode=self.link.range_mode, detail=self.link.detail,
                               on_error=lambda exc, fn: errors.report(exc, N_("drawing a view")))
        js.performance.mark("app:first-forward")
        await asyncio.sleep(0)  # the forward pass and the drawing: two tasks, not one long one
        self.view = OverviewView(self.session, self.gallery, self.container)
        prerendered = self.view.mount()
        if prerendered and self._prerender_shows(self.session.snapshot, source):
            self.view.adopt(self.session.snapshot)  # already on screen: nothing to paint
            js.performance.mark("app:prerender-kept")
        else:
            self.view.paint(self.session.snapshot)
        self.session.subscribe(self._computed)  # first: runs right after the forward pass
        self.session.subscribe(self.view.paint_steps, key="overview")  # in steps in a drag
        self.session.subscribe(self._after_paint, last=True)  # after every view, mounted later too
        if source.gallery_index is not None:
            self._set_original(GALLERY_DIR + self.gallery[source.gallery_index]["file"])
        if not prerendered:  # no build-time picture: this is the first one
            js.performance.mark("app:first-overview-paint")
        js.performance.mark("app:overview-drawn")
        self.bindings.listen(self.view.root.querySelector(".ov-gallery"), "click",
                             self._on_thumb)
        self.image_input = ImageInput(self.view.root, self.model, self.begin,
                                      self.load_upload, self.fail)
        self.image_input.bind()
        self.address = Address(self.session, self.view.root)
        self.address.install()
        errors.spawn(self._preload(), N_("preloading the example images"))

    def _prerender_shows(self, snap: Any, source: Source) -> bool:
        """Whether the pre-rendered ``#ov-tool`` already shows ``snap``: its stamp (written
        by the build, ``prerender_stamp``) is ``snap``'s, and no ``edit`` in the link is about
        to change the network."""
        root = self.view.root
        if not self.model_sha256 or source.gallery_index is None or \
                not root.hasAttribute("data-prerender") or \
                any(key == "edit" for key, _ in self.link.rest):
            return False
        mine = prerender_stamp(self.model_sha256, snap,
                               self.gallery[source.gallery_index]["file"], i18n.current())
        return str(root.getAttribute("data-prerender")) == mine

    async def first_image(self, index: int) -> tuple[np.ndarray, Source]:
        """The first image: example ``index``, else the next example that loads (a missing
        or broken picture must not stop the page), else a plain grey image; with a note."""
        order = [index] + [i for i in range(len(self.gallery)) if i != index]
        failed: list[str] = []
        for i in order:
            try:
                image = await self.gallery_input(i)
            except (OSError, ImageError, KeyError, TypeError) as exc:
                js.console.info(f"Example {i + 1} could not be loaded: {exc}")  # not a fault
                failed.append(i + 1)
                continue
            if failed:
                errors.notify(tr("Example {n} could not be loaded; showing example {m} "
                                 "instead. Reload the page to try again.",
                                 n=failed[0], m=i + 1), "warning")
            return image, Source("gallery", i)
        errors.notify(tr("None of the example images could be loaded: showing a plain grey "
                         "image. Upload a photo of your own, or reload the page to try "
                         "again."), "warning")
        grey = np.full(self.model.input_shape, 0.5, dtype=np.float32)
        return grey, Source("blank")

    async def _preload(self) -> None:
        """Warm the gallery cache in the background (makes clicks instant)."""
        for i in range(len(self.gallery)):
            try:
                await self.gallery_input(i)
            except (OSError, ImageError) as exc:  # a missing picture: noted, not a fault
                js.console.info(f"Example {i + 1} could not be preloaded: {exc}")
            await asyncio.sleep(0)

    def begin(self) -> int:
        """A new image action starts: its ticket (later actions make it stale)."""
        self._ticket += 1
        return self._ticket

    def current(self, ticket: int) -> bool:
        return ticket == self._ticket

    def _on_thumb(self, event: Any) -> None:
        button = event.target.closest(".ov-thumb")
        if button is None:
            return
        js.performance.mark("app:image-start")
        index = int(button.dataset.index)
        ticket = self.begin()
        if index in self._inputs:  # cached: no round trip through a task
            self._frames.run(lambda: self._show_gallery(index, ticket))
        else:
            errors.spawn(self.select(index, ticket), N_("showing an example"))

    async def select(self, index: int, ticket: int | None = None) -> None:
        """Show gallery entry ``index`` (unless a later action has started meanwhile)."""
        ticket = self.begin() if ticket is None else ticket
        try:
            await self.gallery_input(index)
        except (OSError, ImageError) as exc:
            if self.current(ticket):
                self.fail(tr("Example {n} could not be loaded ({reason}). The previous "
                             "image is kept.", n=index + 1, reason=exc))
            return
        if self.current(ticket):
            self._frames.run(lambda: self._show_gallery(index, ticket))

    def _show_gallery(self, index: int, ticket: int) -> None:
        if not self.current(ticket):
            return
        self.view.message("")
        self._set_original(GALLERY_DIR + self.gallery[index]["file"])
        self._forward(self._inputs[index], Source("gallery", index))

    async def load_upload(self, image: np.ndarray, name: str, file: Any, ticket: int) -> None:
        """Show the user's decoded image (``file`` is the JS File / Blob, for the preview)."""
        if not self.current(ticket):
            return

        def show() -> None:
            if not self.current(ticket):
                return
            self.view.message("")
            url = str(js.URL.createObjectURL(file))
            self._set_original(url)
            if self._object_url:
                js.URL.revokeObjectURL(self._object_url)
            self._object_url = url
            self._forward(image, Source("upload", name=name))
        self._frames.run(show)

    def show_image(self, image: np.ndarray, source: Source, original: str = "") -> None:
        """Show a model input made in the page (a camera frame) by the gallery's route: a
        ticket, the latest per animation frame (older frames are dropped, never queued)."""
        js.performance.mark("app:image-start")
        ticket = self.begin()

        def show() -> None:
            if not self.current(ticket):
                return
            if original:
                self._set_original(original)
            self._forward(image, source)
        self._frames.run(show)

    def _forward(self, image: np.ndarray, source: Source) -> None:
        js.performance.mark("app:forward-start")
        self.session.set_image(image, source)  # subscribers paint; _after_paint marks


    def _computed(self, snapshot: Any) -> None:
        if "image" in snapshot.changed:
            js.performance.mark("app:forward-end")

    def _after_paint(self, snapshot: Any) -> None:
        if "image" in snapshot.changed:
            js.performance.mark("app:image-drawn")

    def _set_original(self, src: str) -> None:
        self.view.root.querySelector("#ov-original").src = src

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


async def page_model() -> tuple[Model, str | None]:
    """The model named by ``?model=`` (same site only; ``&classes=a,b,...`` renames its
    classes), else the default; and the default model file's sha256, or None for another
    model (then the pre-rendered overview does not apply).

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
            from pyapp.ui.bounded_fetch import fetch_capped

            fetched.append(url)
            return await fetch_capped(url)  # refused from Content-Length before the body

        try:
            model = await load_model_from(resolve_model_url(param, js.location.href),
                                          fetch_noted, class_names)
            # the page can lay it out, feed and run it
            Session(model, preprocess(Image.new("RGB", (8, 8)), model.input_shape,
                                      model.preprocessing), Source("probe"))
        except Exception as exc:  # noqa: BLE001 - any failure keeps the default model
            detail = (f"The model {param[:200]!r} was not loaded:\n"
                      + "".join(traceback.format_exception(exc)))
            if isinstance(exc, ValueError):  # a refused file (format, budget): not a fault
                js.console.info(detail)
            else:
                errors.log_error(detail)
            reason = str(exc).strip().rstrip(".") or type(exc).__name__
            errors.notify(tr("The model {name} could not be used: {reason}. Showing the "
                             "default model instead.", name=param[:120], reason=reason),
                          "warning")
        else:
            errors.notify(tr("Showing the model {name} ({title}, {count} parameters) instead "
                             "of the default one.", name=param[:120], title=model.name,
                             count=f"{model.num_params:,}"))
            keep_offline(fetched)
            return model, None
    data = await fetch_bytes(MODEL_URL)
    return load_native(data), hashlib.sha256(data).hexdigest()


async def start_overview(container: Any) -> OverviewApp:
    """Load model + gallery, take over the overview in ``container`` and draw it."""
    link = links.parse_page(str(js.location.search), str(js.location.hash))
    model, model_sha256 = await page_model()
    js.performance.mark("app:model-loaded")
    gallery = json.loads((await fetch_bytes(GALLERY_URL)).decode("utf-8"))
    js.performance.mark("app:gallery-loaded")
    if model_sha256 is None:  # the pre-rendered overview shows the default network: write anew
        prerendered = js.document.getElementById("ov-tool")
        if prerendered is not None:
            prerendered.remove()
    app = OverviewApp(model, gallery, container, link, model_sha256 or "")
    await app.start()
    try:  # presenter mode (the button, ?present=1, Esc)
        from pyapp.ui import present

        kiosk_present = False
        if "kiosk" in str(js.location.search):  # a kiosk is in the presenter layout too
            from pyapp.tour.kiosk import parse_kiosk

            opts = parse_kiosk(str(js.location.search))
            kiosk_present = opts.on and opts.present
        app.present = present.install(app.view.root, link.present or kiosk_present)
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without it
        errors.report(exc, N_("starting presenter mode"))
    # The detail views and the playground are not on the first screen: they are imported and
    # mounted just after the page is interactive (one task each, so no long task). A neuron
    # activated before then is opened once the detail views are there.
    early: list[tuple[str, int]] = []

    def note(layer: str, index: int) -> None:
        if getattr(app, "detail", None) is None:
            early.append((layer, index))

    app.view.on_neuron_activate(note)
    errors.spawn(_mount_later(app, early), N_("starting the detail views and the playground"))
    return app


async def imported(*names: str) -> None:
    """Import ``names`` one per task (what is already imported costs nothing); a module that
    fails to import is left to the ``import`` that needs it, which reports it."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - reported where the view is installed
            pass
        await asyncio.sleep(0)


async def _mount_later(app: OverviewApp, early: list[tuple[str, int]]) -> None:
    """Install the detail views, then the playground; mark ``app:views-mounted``."""
    await asyncio.sleep(0)  # after `app:interactive`
    # the detail views' module graph, a part per task (at once it was one long task)
    await imported("pyapp.views.conv", "pyapp.views.dense", "pyapp.ui.detail.panels",
                   "pyapp.ui.detail.controller", "pyapp.codelab.lab", "pyapp.ui.code")
    try:  # the detail views open from the overview's neuron-activation hook
        from pyapp.ui import detail

        app.detail = detail.install(app.session, app.view, app.address)
        if early:
            app.detail.open(*early[-1])
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without them
        errors.report(exc, N_("installing the detail views"))
    await asyncio.sleep(0)
    await imported("pyapp.views.saliency", "pyapp.views.backprop")
    try:  # the "Why?" views (saliency, backpropagation) and the gradient toggle
        from pyapp.ui import why

        app.why = why.install(app.session, app.view, getattr(app, "detail", None))
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without them
        errors.report(exc, N_("installing the Why? views"))
    await asyncio.sleep(0)
    await imported("pyapp.tinkering")
    try:  # tinkering: edit the network, every view follows (after the detail views)
        from pyapp.ui import tinker

        app.tinker = tinker.install(app.session)
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without it
        errors.report(exc, N_("starting the network editor"))
    await asyncio.sleep(0)
    await imported("pyapp.learn.trainer", "pyapp.learn.panel")
    try:  # teach it: the camera, photos per class, training in the page
        from pyapp.ui import teach

        app.teach = teach.install(app)
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without it
        errors.report(exc, N_("starting the training panel"))
    await asyncio.sleep(0)
    await imported("pyapp.playground.view")
    try:  # the hyperparameter playground follows the session's image and model
        from pyapp.ui import playground

        app.playground = playground.mount("playground", app.session)
    except Exception as exc:  # noqa: BLE001 - the overview stays usable without it
        errors.report(exc, N_("starting the hyperparameter playground"))
    params = js.URLSearchParams.new(js.location.search)
    try:  # kiosk mode (?kiosk=1, the tour on a loop), else the guided tour (?tour=)
        if params.has("kiosk") or params.has("tour"):  # imported only when asked for
            from pyapp.ui import kiosk, tour

            app.kiosk = await kiosk.install_from_url(app)
            if app.kiosk is None:
                app.tour = await tour.install_from_url(app)
    except Exception as exc:  # noqa: BLE001 - the app stays usable without them
        errors.report(exc, N_("starting the tour"))
    js.performance.mark("app:views-mounted")
