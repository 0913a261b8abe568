"""Teach it (PyScript layer): the webcam as input, photos collected per class, and training
the network in the page.  ``install(app)`` mounts the panel into ``#teach`` (the region
named "Train").

* **Camera**: asked for only on click (:mod:`pyapp.ui.camera`); while live, a frame is drawn
  every :data:`LIVE_MS` and goes through the app's image route (``OverviewApp.show_image``:
  the latest per animation frame, older ones dropped), so every view follows and each frame
  is marked ``app:image-drawn``.  Freeze keeps the current frame as the image under study.
* **Photos**: per class (the model's or a new one), a burst from the camera while the button
  is held, or several files at once (the file intake's budgets, each file checked before it is
  read); thumbnails with remove buttons.
* **Training**: a :class:`~pyapp.learn.trainer.Trainer` advanced on the page's one animation
  loop for :data:`STEP_BUDGET_MS` a frame, so the page keeps painting and answering; pause,
  resume, stop; the result becomes the session's model (``Session.set_model``).

Every number comes from :mod:`pyapp.learn`; this module inserts markup and turns events into
calls.  State for tests: ``#teach`` carries ``data-camera`` (on / off), ``data-frozen``,
``data-frames`` (frames classified), ``data-state`` (idle / running / paused / done),
``data-epoch``, ``data-accuracy``, ``data-loss``, ``data-photos``; marks
``teach:train-start`` and ``teach:trained`` (the trained network is the session's).
"""

from __future__ import annotations

import io
from typing import Any

import js  # type: ignore[import-not-found]
import numpy as np

from pyapp.article.training import update_math
from pyapp.cnn.formats import save_native
from pyapp.cnn.preprocess import ImageError, preprocess
from pyapp.edits import EditError, baked
from pyapp.i18n import class_label, tr
from pyapp.learn import beforeafter, panel
from pyapp.learn.changes import kernel_changes
from pyapp.learn.examples import ExampleError, ExampleSet
from pyapp.learn.trainer import DEFAULT_LR, TrainConfig, Trainer
from pyapp.render.overview_html import neuron_id
from pyapp.session import Source, input_rgba
from pyapp.ui import dom, errors, intake
from pyapp.ui.animation import SCHEDULER
from pyapp.ui.camera import Camera
from pyapp.ui.events import Bindings
from pyapp.ui.imageinput import decode, js_array
from pyapp.ui.overview import paint

LIVE_MS = 100  # at most 10 classified frames a second
BURST_MS = 150  # photos a second while "hold to take photos" is held: about 6
BURST_MAX = 30  # photos per hold
FILES_MAX = 40  # files taken from one choice or drop
# training work per animation frame: a slice stops once it has run this long (a step is one
# layer of one photo, a few ms), so a click waits at most about this plus one step
STEP_BUDGET_MS = 30.0
BA_MS = 400  # the before / after of a kernel is redrawn at most this often while training



class TeachPanel:
    def __init__(self, app: Any, root: Any) -> None:
        self.app = app
        self.session = app.session
        self.root = root
        self.bindings = Bindings("teaching the network")
        self.original = getattr(self.session.model, "base", self.session.model)
        self.examples = ExampleSet(self.original.class_names, self.original.input_shape)
        self.trainer: Trainer | None = None
        self.trained: Any = None
        self.state = "idle"
        self.frozen = False
        self.frames = 0
        self._last_frame = -1e9
        self._burst: Any = None
        self._burst_taken = 0
        self._shown_epochs = -1
        self._shown_update: Any = None
        self._selected = 0
        self._numbers: dict[int, int] = {}  # example id -> its number within its class
        self._found: list[Any] = []
        self._ba_chosen: tuple[str, int] | None = None  # the kernel the student opened
        self._ba_shown: tuple[str, int] | None = None
        self._ba_painted = -1e9
        self._ba_update = -1  # the trainer's update the shown before / after is of

    # --- setup ------------------------------------------------------------------------
    def install(self) -> None:
        r = self.root
        r.innerHTML = panel.skeleton()
        q = r.querySelector
        self.el = {k: q(f"#tc-{k}") for k in (
            "video", "cam", "freeze", "cam-stop", "cam-msg", "class", "new", "new-name",
            "burst", "files-btn", "files", "collect-msg", "classes", "opt", "lr", "epochs",
            "train", "pause", "stop", "status", "curve", "w-class", "w-feature", "update",
            "reset", "save", "collect", "sees", "changes", "ba", "kept")}
        self.on_badge = q(".tc-on")
        self.camera = Camera(self.el["video"])
        listen = self.bindings.listen
        listen(self.el["cam"], "click", lambda e: errors.spawn(self.start_camera(),
                                                               "starting the camera"))
        listen(self.el["freeze"], "click", lambda e: self.toggle_freeze())
        listen(self.el["cam-stop"], "click", lambda e: self.stop_camera())
        listen(self.el["class"], "change", self._on_class)
        listen(self.el["new"], "submit", self._on_new_class)
        listen(self.el["burst"], "pointerdown", self._on_burst_down)
        for ev in ("pointerup", "pointercancel", "pointerleave"):
            listen(self.el["burst"], ev, lambda e: self._end_burst())
        listen(self.el["burst"], "click", self._on_burst_click)
        listen(self.el["files-btn"], "click", lambda e: self.el["files"].click())
        listen(self.el["files"], "change", self._on_files)
        listen(self.el["collect"], "dragover", self._on_dragover)
        listen(self.el["collect"], "drop", self._on_drop)
        listen(self.el["classes"], "click", self._on_remove)
        listen(self.el["train"], "click", lambda e: self.train())
        listen(self.el["pause"], "click", lambda e: self.pause())
        listen(self.el["stop"], "click", lambda e: self.stop())
        listen(self.el["reset"], "click", lambda e: self.reset())
        listen(self.el["save"], "click", lambda e: self.save())
        listen(self.el["w-class"], "change", lambda e: self._on_watch())
        listen(self.el["w-feature"], "change", lambda e: self._on_watch())
        listen(self.el["changes"], "click", self._on_open_kernel)
        for radio in js_array(r.querySelectorAll('input[name="tc-mode"]')):
            listen(radio, "change", self._on_mode)
        self._unsubscribe = self.session.subscribe(self._on_snapshot)
        self._refresh_classes()
        self._say_kept(self.session.model)
        self._show()

    def close(self) -> None:
        self.stop_camera()
        SCHEDULER.unsubscribe("teach")
        self.bindings.close()
        self._unsubscribe()

    def say(self, where: str, text: str) -> None:
        self.el[where].textContent = text

    # --- camera -----------------------------------------------------------------------
    async def start_camera(self) -> None:
        self.say("cam-msg", tr("Asking for the camera\u2026"))
        problem = await self.camera.start()
        if problem:
            self.say("cam-msg", problem)
            self.root.dataset.camera = "refused"
            return
        self.say("cam-msg", tr("The camera is on: the network classifies what it sees."))
        self.frozen = False
        self._camera_ui(True)
        SCHEDULER.subscribe("teach-camera", self._live)

    def _camera_ui(self, on: bool) -> None:
        self.root.dataset.camera = "on" if on else "off"
        self.root.dataset.frozen = "true" if self.frozen else "false"
        self.on_badge.hidden = not on
        self.root.querySelector(".tc-off-note").hidden = on
        self.el["freeze"].disabled = not on
        self.el["cam-stop"].disabled = not on
        self.el["cam"].disabled = on
        self.el["freeze"].setAttribute("aria-pressed", "true" if self.frozen else "false")
        self.el["freeze"].textContent = tr("Live again") if self.frozen else tr("Freeze frame")
        self.el["freeze"].setAttribute("aria-label", tr("Live again: the camera moves on")
                                       if self.frozen else tr("Freeze frame of the camera"))

    def _live(self, _dt: float) -> None:
        if self.frozen or not self.camera.ready():
            return
        now = float(js.performance.now())
        if now - self._last_frame < LIVE_MS:
            return
        self._last_frame = now
        self._show_frame(Source("camera", name="live camera"))

    def _show_frame(self, source: Source) -> bool:
        image = self.camera.frame()
        if image is None:
            return False
        model = self.session.model
        x = preprocess(image, model.input_shape, model.preprocessing)
        self.frames += 1
        self.root.dataset.frames = str(self.frames)
        self.app.show_image(x, source, self.camera.frame_url())
        return True

    def toggle_freeze(self) -> None:
        """Freeze: the current frame stays the image under study; again: live."""
        if not self.camera.on:
            return
        self.frozen = not self.frozen
        if self.frozen:
            self._show_frame(Source("camera", name="frozen frame"))
            self.say("cam-msg", tr("Frozen: every view explains this frame."))
        else:
            self.say("cam-msg", tr("Live again."))
        self._camera_ui(True)

    def stop_camera(self) -> None:
        SCHEDULER.unsubscribe("teach-camera")
        self._end_burst()
        if self.camera.on:
            self.camera.stop()
            self.say("cam-msg", tr("The camera is off and released."))
        self.frozen = False
        self._camera_ui(False)

    # --- collecting -------------------------------------------------------------------
    def _refresh_classes(self) -> None:
        ex = self.examples
        counts = ex.counts()
        self.el["class"].innerHTML = panel.class_options(ex.class_names, counts,
                                                         ex.base_classes, self._selected)
        watch = self.trainer.watch if self.trainer is not None and self.trainer.watch else None
        cls = watch[0] if watch else self._selected
        self.el["w-class"].innerHTML = panel.class_options(ex.class_names, counts,
                                                           ex.base_classes, cls)
        self.root.dataset.photos = str(len(ex))
        for i, n in enumerate(counts):
            block = self._block(i, create=n > 0 or i >= ex.base_classes)
            if block is not None:
                block.querySelector(".tc-count").textContent = panel.photos(n)

    def _block(self, label: int, create: bool = True) -> Any:
        block = self.el["classes"].querySelector(f'.tc-class[data-label="{label}"]')
        if block is None and create:
            holder = js.document.createElement("div")
            holder.innerHTML = panel.class_block(label, self.examples.class_names[label], 0)
            block = holder.firstElementChild
            self.el["classes"].appendChild(block)
        return block

    def _on_class(self, event: Any) -> None:
        self._selected = int(event.target.value)

    def _on_new_class(self, event: Any) -> None:
        event.preventDefault()
        try:
            index = self.examples.add_class(str(self.el["new-name"].value))
        except ExampleError as exc:
            self.say("collect-msg", str(exc))
            return
        self._selected = index
        self.el["new-name"].value = ""
        self.say("collect-msg", tr("Now add photos of \u201c{name}\u201d.",
                                   name=class_label(self.examples.class_names[index])))
        self._refresh_classes()

    def add_photo(self, image: np.ndarray) -> bool:
        """Keep a model input as a photo of the chosen class; its thumbnail."""
        try:
            item = self.examples.add(self._selected, image)
        except ExampleError as exc:
            self.say("collect-msg", str(exc))
            return False
        block = self._block(item.label)
        number = len(self.examples.of_class(item.label))
        self._numbers[item.id] = number
        holder = js.document.createElement("ul")
        holder.innerHTML = panel.thumb_html(item.id, number,
                                            self.examples.class_names[item.label])
        li = holder.firstElementChild
        canvas = li.querySelector("canvas")
        rgba = input_rgba(item.image)
        canvas.width, canvas.height = rgba.shape[1], rgba.shape[0]
        paint(canvas.getContext("2d"), rgba)
        block.querySelector(".tc-thumbs").appendChild(li)
        return True

    def _photo_from_camera(self) -> bool:
        image = self.camera.frame()
        if image is None:
            self.say("collect-msg", tr("Start the camera first (or add photos from files)."))
            return False
        x = preprocess(image, self.original.input_shape, self.original.preprocessing)
        return self.add_photo(x)

    def _on_burst_down(self, event: Any) -> None:
        event.preventDefault()
        if not self.camera.on:
            self.say("collect-msg", tr("Start the camera first (or add photos from files)."))
            return
        self._burst_taken = 0
        self._take_burst()
        self._burst = self.bindings.every(BURST_MS, self._take_burst)

    def _take_burst(self) -> None:
        if self._burst_taken >= BURST_MAX or not self._photo_from_camera():
            self._end_burst()
            return
        self._burst_taken += 1
        self._refresh_classes()

    def _end_burst(self) -> None:
        if self._burst is not None:
            from pyodide.ffi.wrappers import clear_interval  # type: ignore[import-not-found]

            clear_interval(self._burst)
            self._burst = None
            self.say("collect-msg", tr("Took {photos}.", photos=panel.photos(self._burst_taken)))

    def _on_burst_click(self, event: Any) -> None:
        if int(event.detail or 0) == 0:  # Enter / Space: one photo (holding is for pointers)
            if self._photo_from_camera():
                self._refresh_classes()

    def _on_files(self, event: Any) -> None:
        files = js_array(event.target.files)
        event.target.value = ""
        if files.length:
            errors.spawn(self.add_files(files), "adding photos from files")

    def _on_dragover(self, event: Any) -> None:
        event.preventDefault()

    def _on_drop(self, event: Any) -> None:
        event.preventDefault()
        event.stopPropagation()  # the photos are for this class, not the image under study
        files = js_array(event.dataTransfer.files if event.dataTransfer else None)
        if files.length:
            errors.spawn(self.add_files(files), "adding dropped photos")

    async def add_files(self, files: Any) -> None:
        """Several files at once, each through the intake's checks before it is read."""
        items = intake.as_list(files)
        problems: list[str] = []
        if len(items) > FILES_MAX:
            problems.append(tr("Only the first {n} files were taken.", n=FILES_MAX))
            items = items[:FILES_MAX]
        added = 0
        for file in items:
            name = intake.file_name(file)
            try:
                upload = await intake.read_checked(file)
                x = await decode(upload.data, upload.kind.mime or str(file.type or ""),
                                 self.original)
            except (intake.IntakeError, ImageError) as exc:
                problems.append(intake.user_message(name, exc))
                continue
            if not self.add_photo(x):
                break
            added += 1
        self._refresh_classes()
        text = tr("Added {photos}.", photos=panel.photos(added))
        if problems:
            text += " " + " ".join(p if p.endswith(".") else p + "." for p in problems[:3])
        self.say("collect-msg", text)

    def _on_remove(self, event: Any) -> None:
        button = event.target.closest(".tc-remove")
        if button is None:
            return
        example_id = int(button.dataset.id)
        if self.examples.remove(example_id):
            li = button.closest(".tc-thumb")
            nxt = li.nextElementSibling or li.previousElementSibling
            li.remove()
            target = nxt.querySelector(".tc-remove") if nxt is not None else self.el["class"]
            target.focus()  # focus stays in the list, not lost to the page
            self._refresh_classes()

    # --- training ---------------------------------------------------------------------
    def _config(self) -> TrainConfig:
        mode = str(self.root.querySelector('input[name="tc-mode"]:checked').value)
        try:
            lr = float(self.el["lr"].value)
            epochs = int(float(self.el["epochs"].value))
        except ValueError as exc:
            raise ValueError(tr("the learning rate and the epochs must be numbers")) from exc
        return TrainConfig(mode, str(self.el["opt"].value), lr, epochs).checked()

    def _start_model(self) -> Any:
        """The session's model when its classes lead the photo set's, else the original.
        A tinkered one trains with its switches (:mod:`pyapp.learn.start`); the trainer
        never changes the model it is given."""
        model = self.session.model
        names = self.examples.class_names
        if list(names[:model.num_classes]) == list(model.class_names):
            return model
        return self.original

    def _on_mode(self, event: Any) -> None:
        """The learning rate follows the choice of what learns unless the student set one."""
        mode = str(event.target.value)
        try:
            lr = float(self.el["lr"].value)
        except ValueError:
            return
        if mode in DEFAULT_LR and lr in DEFAULT_LR.values():
            self.el["lr"].value = str(DEFAULT_LR[mode])

    def train(self) -> None:
        if self.state in ("running", "paused"):
            return
        problem = self.examples.problem()
        if problem:
            self.say("status", problem)
            return
        try:
            config = self._config()
            images, labels = self.examples.arrays()
            self.trainer = Trainer(self._start_model(), images, labels,
                                   self.examples.class_names, config, self._watch_choice())
        except ValueError as exc:
            self.say("status", tr("Training cannot start: {problem}.", problem=str(exc)))
            return
        self._shown_epochs, self._shown_update = -1, None
        self.state = "running"
        js.performance.mark("teach:train-start")
        SCHEDULER.subscribe("teach", self._tick)
        self._show()

    def _tick(self, _dt: float) -> None:
        t = self.trainer
        if t is None or self.state != "running":
            return
        start = float(js.performance.now())
        while not t.done and float(js.performance.now()) - start < STEP_BUDGET_MS:
            t.step()
        if t.done:
            self._finish()
        else:
            self._follow_kernel()
            self._show()

    def pause(self) -> None:
        """Pause (the network so far becomes the session's) or resume.  The button answers
        at once; the paused network is published after the next paint (every view redraws)."""
        if self.state == "running":
            self.state = "paused"
            SCHEDULER.subscribe("teach-publish", self._publish_after_paint)
        elif self.state == "paused":
            self.state = "running"
        self._show()

    def _publish_after_paint(self, _dt: float) -> None:
        from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]

        SCHEDULER.unsubscribe("teach-publish")
        trainer = self.trainer

        def publish() -> None:
            if self.state == "paused" and self.trainer is trainer:  # not reset or stopped
                self._publish()

        js.setTimeout(create_once_callable(publish), 0)  # after this frame's paint

    def stop(self) -> None:
        if self.trainer is not None and self.state in ("running", "paused"):
            self.trainer.stop()
            self._finish()

    def _finish(self) -> None:
        SCHEDULER.unsubscribe("teach")
        self.state = "done"
        self._publish()
        self._show()
        js.performance.mark("teach:trained")

    def _publish(self) -> None:
        t = self.trainer
        if t is None or t.phase == "features":
            return
        self.trained = t.result()
        s = self.session.snapshot
        self.session.set_model(self.trained, s.image, s.source)
        self._refresh_classes()
        self._mark_changes(kernel_changes(t.base, self.trained))

    def _mark_changes(self, found: list[Any]) -> None:
        """Mark the overview's units whose weights this run moved; list the biggest, each
        changed kernel with a button that opens its before / after."""
        for node in js.document.querySelectorAll(".ov-n.tc-changed"):
            node.classList.remove("tc-changed")
        self._found = found
        if not found or self.trainer is None:
            self.el["changes"].innerHTML = ""
            self._show_kernel(None)
            return
        for c in found:
            node = js.document.getElementById(neuron_id(c.layer, c.unit))
            if node is not None:
                node.classList.add("tc-changed")
        self._show_kernel(self._kernel_choice(found))
        self.el["changes"].innerHTML = panel.changes_html(
            found, self.examples.class_names, self.original.layers[-1].name, self.trained,
            self._ba_shown)

    def _kernel_choice(self, found: list[Any]) -> tuple[str, int] | None:
        """The kernel the student chose, else the one this run moved most (None: no
        convolution moved, e.g. when only the output layer learnt)."""
        if self.trainer is None:
            return None
        convs = beforeafter.choices(found, self.trainer.model)
        if self._ba_chosen is not None and any(
                (c.layer, c.unit) == self._ba_chosen for c in found):
            return self._ba_chosen
        return (convs[0].layer, convs[0].unit) if convs else None

    def _show_kernel(self, which: tuple[str, int] | None, during: bool = False) -> None:
        """Paint the before / after of conv neuron ``which`` (``(layer, unit)``)."""
        box, t = self.el["ba"], self.trainer
        self._ba_shown = which
        if which is None or t is None:
            box.hidden = True
            box.innerHTML = ""
            box.dataset.layer = box.dataset.unit = ""
            return
        after = t.model if during or self.trained is None else self.trained
        kd = beforeafter.kernel_diff(t.base, after, *which)
        box.innerHTML = beforeafter.before_after_html(kd, during)
        box.dataset.layer, box.dataset.unit = which[0], str(which[1])
        box.dataset.update = str(t.updates)
        self._ba_update = t.updates
        box.hidden = False

    def _on_open_kernel(self, event: Any) -> None:
        button = event.target.closest(".tc-ba-open")
        if button is None or self.trainer is None:
            return
        self._ba_chosen = (str(button.dataset.layer), int(button.dataset.unit))
        self._show_kernel(self._ba_chosen, during=self.state == "running")
        for b in self.el["changes"].querySelectorAll(".tc-ba-open"):
            b.setAttribute("aria-pressed", "true" if b is button or (
                str(b.dataset.layer), int(b.dataset.unit)) == self._ba_chosen else "false")

    def _follow_kernel(self) -> None:
        """While the whole network trains: the shown kernel's before / after, now (at most
        every :data:`BA_MS`; the list of changes is redrawn on pause and at the end)."""
        t = self.trainer
        if t is None or t.config.mode != "all" or t.updates == 0:
            return
        if self._ba_update == t.updates:
            return
        now = float(js.performance.now())
        if now - self._ba_painted < BA_MS:
            return
        self._ba_painted = now
        which = self._ba_chosen or self._kernel_choice(kernel_changes(t.base, t.model))
        self._show_kernel(which, during=True)

    def reset(self) -> None:
        """Back to the shipped network (the photos stay)."""
        if self.state in ("running", "paused") and self.trainer is not None:
            self.trainer.stop()
            SCHEDULER.unsubscribe("teach")
        self.state = "idle"
        self.trainer = None
        self.trained = None
        self._ba_chosen = None
        s = self.session.snapshot
        self.session.set_model(self.original, s.image, s.source)
        self._mark_changes([])
        self.say("update", tr("Train to see one weight's gradient and its update, step by "
                              "step."))
        self._shown_epochs = -1
        self._show()

    def save(self) -> None:
        if self.trained is None:
            return
        buf = io.BytesIO()
        try:
            plain = baked(self.trained)  # a tinkered network's switches, in the weights
        except EditError as exc:
            self.say("status", tr("The trained network cannot be saved: {problem}.",
                                  problem=str(exc)))
            return
        save_native(plain, buf)
        data = buf.getvalue()
        dom.download(data, "trained-network.npz", "application/octet-stream", self.bindings)
        self.root.dataset.saved = str(len(data))

    def _watch_choice(self) -> tuple[int, int] | None:
        text = str(self.el["w-feature"].value or "").strip()
        if not text:
            return None  # the trainer picks the weight worth watching
        try:
            feature = int(float(text)) - 1
        except ValueError:
            return None
        return int(self.el["w-class"].value or 0), max(0, feature)

    def _on_watch(self) -> None:
        choice = self._watch_choice()
        if self.trainer is not None and choice is not None:
            self.trainer.watch = choice

    def _on_snapshot(self, snap: Any) -> None:
        if (self.camera.on and snap.source.kind == "camera"
                and snap.changed & {"image", "model"}):
            # the overview is further up the page: the answer is repeated by the preview
            self.say("sees", tr("The network sees: {name} ({p})",
                                name=class_label(snap.class_names[snap.predicted]),
                                p=snap.bars[snap.predicted].text))
        elif "image" in snap.changed or not self.camera.on:
            self.say("sees", "")
        if "model" in snap.changed:
            self._say_kept(snap.model)
        if "model" in snap.changed and self.trained is not None and \
                snap.model is not self.trained and getattr(snap.model, "base", None) is None:
            self.trained = None  # another network took over (not an edit of the trained one)
            self._show()

    def _say_kept(self, model: Any) -> None:
        """Where "what learns" is chosen: whether the network was tinkered with, and what
        training keeps of it."""
        note = panel.kept_note(model)
        self.el["kept"].textContent = note
        self.el["kept"].hidden = not note

    # --- painting ---------------------------------------------------------------------
    def _show(self) -> None:
        t, r = self.trainer, self.root
        r.dataset.state = self.state
        self.say("status", panel.status_text(self.state, t))
        running = self.state in ("running", "paused")
        self.el["train"].disabled = running
        self.el["pause"].disabled = not running
        self.el["stop"].disabled = not running
        self.el["pause"].textContent = tr("Resume") if self.state == "paused" else tr("Pause")
        self.el["pause"].setAttribute("aria-label", tr("Resume training")
                                      if self.state == "paused" else tr("Pause training"))
        self.el["save"].disabled = self.trained is None
        if t is None:
            r.dataset.epoch = "0"
            if self._shown_epochs != -2:
                from pyapp.learn.curve import curve_svg

                self.el["curve"].innerHTML = curve_svg([], int(self.el["epochs"].value or 30))
                self._shown_epochs = -2
            return
        r.dataset.epoch = str(t.epoch)
        if t.history:
            r.dataset.accuracy = f"{t.history[-1].accuracy:.4f}"
            r.dataset.loss = f"{t.history[-1].loss:.6f}"
        if len(t.history) != self._shown_epochs:
            from pyapp.learn.curve import curve_svg

            self.el["curve"].innerHTML = curve_svg(t.history, t.config.epochs)
            self._shown_epochs = len(t.history)
        u = t.last_update
        if u is not None and u is not self._shown_update:
            self._shown_update = u
            name = self.examples.class_names[u.cls] if u.cls < len(
                self.examples.class_names) else str(u.cls + 1)
            line = panel.update_text(u.step, u.epoch, u.feature, name, u.rule)
            self.el["update"].innerHTML = f"<p>{_text(line)}</p>" + update_math(u)
            if not str(self.el["w-feature"].value or ""):
                self.el["w-feature"].value = str(u.feature + 1)
                self.el["w-class"].value = str(u.cls)


def _text(s: str) -> str:
    from pyapp.render.escaping import attr

    return attr(s)


def install(app: Any, container_id: str = "teach") -> TeachPanel | None:
    root = js.document.getElementById(container_id)
    if root is None:
        return None
    view = TeachPanel(app, root)
    view.install()
    return view
