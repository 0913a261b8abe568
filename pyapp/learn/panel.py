"""The training panel's words and markup (plain Python, every outside name escaped, every
text through :func:`pyapp.i18n.tr`): the panel itself, the class chooser, a class's block of
photos, the status line, the camera's messages and the list of what training changed.  The
page's :mod:`pyapp.ui.teach` and :mod:`pyapp.ui.camera` only insert them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyapp.i18n import class_label, tr, trn
from pyapp.learn import beforeafter
from pyapp.learn.changes import Change, summary
from pyapp.learn.start import split
from pyapp.numbers import value
from pyapp.render.escaping import attr


def photos(n: int) -> str:
    return trn("{n} photo", "{n} photos", n)


def skeleton() -> str:
    """The panel's markup, before any photo or run (inserted into the region "Train")."""
    t = {k: attr(v) for k, v in {
        "h": tr("Teach it: train the network on your own photos"),
        "lead": tr("Show the camera something, or collect photos of your own classes "
                   "(\u201cmy mug\u201d, \u201cthumbs up\u201d), and train the network here "
                   "in the page. Photos never leave this device."),
        "camera": tr("Camera"), "preview": tr("Camera preview"),
        "on": tr("Camera on"), "off": tr("The camera is off."),
        "start": tr("Start the camera"), "freeze": tr("Freeze frame"),
        "freeze_name": tr("Freeze frame of the camera"), "stop": tr("Stop the camera"),
        "collect": tr("Photos per class"), "add_to": tr("Add photos to"),
        "class_name": tr("Class to add photos to"), "new": tr("New class"),
        "new_name": tr("Name of a new class"), "mug": tr("my mug"),
        "add_class": tr("Add the class"), "burst": tr("Hold to take photos"),
        "burst_name": tr("Hold to take photos with the camera"),
        "files": tr("Add photos from files"),
        "files_name": tr("Add photos from files to the chosen class"),
        "drop": tr("or drop photos here"), "train_h": tr("Train"),
        "learns": tr("What learns"), "output": tr("the output layer only (fast)"),
        "all": tr("the whole network (slow)"), "opt": tr("Optimiser"),
        "sgd": tr("gradient descent (SGD)"), "lr": tr("Learning rate"), "epochs": tr("Epochs"),
        "train": tr("Train"), "train_name": tr("Train the network"), "pause": tr("Pause"),
        "pause_name": tr("Pause training"), "stop_t": tr("Stop"),
        "stop_name": tr("Stop training"), "loss": tr("loss"), "acc": tr("accuracy"),
        "see": tr("See learning happen"), "w_class": tr("Weight of class"),
        "w_class_name": tr("Watched weight: class"), "w_feature": tr("from feature"),
        "w_feature_name": tr("Watched weight: feature number"),
        "update": tr("Train to see one weight's gradient and its update, step by step."),
        "reset": tr("Reset to the original"), "reset_name": tr("Reset to the original network"),
        "save": tr("Save the trained network (.npz)"),
    }.items()}
    return f"""
<h2 id="tc-h">{t["h"]}</h2>
<p class="tc-lead">{t["lead"]}</p>
<div class="tc-grid">
<div class="tc-box tc-camera-box">
  <h3 class="tc-h3">{t["camera"]}</h3>
  <div class="tc-preview"><video id="tc-video" muted playsinline aria-label="{t["preview"]}">
  </video><span class="tc-on" hidden>&#9679; {t["on"]}</span>
  <span class="tc-off-note">{t["off"]}</span></div>
  <div class="tc-row">
    <button type="button" id="tc-cam" class="ov-btn">{t["start"]}</button>
    <button type="button" id="tc-freeze" class="ov-btn" aria-pressed="false" disabled
      aria-label="{t["freeze_name"]}">{t["freeze"]}</button>
    <button type="button" id="tc-cam-stop" class="ov-btn" disabled>{t["stop"]}</button>
  </div>
  <p id="tc-cam-msg" class="tc-msg" role="status" aria-live="polite"></p>
  <p id="tc-sees" class="tc-sees" aria-live="off"></p>
</div>
<div class="tc-box tc-collect" id="tc-collect">
  <h3 class="tc-h3">{t["collect"]}</h3>
  <label class="tc-field">{t["add_to"]} <select id="tc-class"
    aria-label="{t["class_name"]}"></select></label>
  <form id="tc-new" class="tc-row">
    <label class="tc-field">{t["new"]} <input id="tc-new-name" type="text" maxlength="40"
      autocomplete="off" aria-label="{t["new_name"]}" placeholder="{t["mug"]}"></label>
    <button type="submit" class="ov-btn">{t["add_class"]}</button>
  </form>
  <div class="tc-row">
    <button type="button" id="tc-burst" class="ov-btn"
      aria-label="{t["burst_name"]}">{t["burst"]}</button>
    <button type="button" id="tc-files-btn" class="ov-btn"
      aria-label="{t["files_name"]}">{t["files"]}</button>
    <input type="file" id="tc-files" accept="image/*" multiple hidden>
  </div>
  <p class="tc-hint">{t["drop"]}</p>
  <p id="tc-collect-msg" class="tc-msg" role="status" aria-live="polite"></p>
  <div id="tc-classes"></div>
</div>
<div class="tc-box tc-train-box">
  <h3 class="tc-h3">{t["train_h"]}</h3>
  <fieldset class="tc-learns"><legend>{t["learns"]}</legend>
    <label><input type="radio" name="tc-mode" value="output" checked> {t["output"]}</label>
    <label><input type="radio" name="tc-mode" value="all"> {t["all"]}</label>
    <p id="tc-kept" class="tc-kept" hidden></p>
  </fieldset>
  <div class="tc-row">
    <label class="tc-field">{t["opt"]} <select id="tc-opt" aria-label="{t["opt"]}">
      <option value="sgd" selected>{t["sgd"]}</option>
      <option value="adam">Adam</option></select></label>
    <label class="tc-field">{t["lr"]} <input id="tc-lr" type="number" min="0.00001"
      max="10" step="any" value="0.01" aria-label="{t["lr"]}"></label>
    <label class="tc-field">{t["epochs"]} <input id="tc-epochs" type="number" min="1" max="500"
      step="1" value="30" aria-label="{t["epochs"]}"></label>
  </div>
  <div class="tc-row">
    <button type="button" id="tc-train" class="ov-btn tc-primary"
      aria-label="{t["train_name"]}">{t["train"]}</button>
    <button type="button" id="tc-pause" class="ov-btn" disabled
      aria-label="{t["pause_name"]}">{t["pause"]}</button>
    <button type="button" id="tc-stop" class="ov-btn" disabled
      aria-label="{t["stop_name"]}">{t["stop_t"]}</button>
  </div>
  <p id="tc-status" class="tc-status" role="status" aria-live="polite"></p>
  <div id="tc-curve" class="tc-curve-box"></div>
  <div class="tc-legend" aria-hidden="true"><span class="tc-key tc-key-loss"></span> {t["loss"]}
    <span class="tc-key tc-key-acc"></span> {t["acc"]}</div>
  <details class="tc-see" open><summary>{t["see"]}</summary>
    <div class="tc-row">
      <label class="tc-field">{t["w_class"]} <select id="tc-w-class"
        aria-label="{t["w_class_name"]}"></select></label>
      <label class="tc-field">{t["w_feature"]} <input id="tc-w-feature" type="number" min="1"
        step="1" aria-label="{t["w_feature_name"]}"></label>
    </div>
    <div id="tc-update" class="tc-update" aria-live="off">{t["update"]}</div>
  </details>
  <div id="tc-changes" class="tc-changes"></div>
  <div class="tc-row">
    <button type="button" id="tc-reset" class="ov-btn"
      aria-label="{t["reset_name"]}">{t["reset"]}</button>
    <button type="button" id="tc-save" class="ov-btn" disabled>{t["save"]}</button>
  </div>
</div>
</div>
<div id="tc-ba" class="tc-box tc-ba" role="region" aria-labelledby="tc-ba-h" hidden></div>"""


def class_options(names: Sequence[str], counts: Sequence[int], base: int,
                  selected: int) -> str:
    """``<option>``s for every class: the model's, then the new ones ("(new)")."""
    out = []
    for i, (name, n) in enumerate(zip(names, counts, strict=True)):
        text = (tr("{name} (new), {photos}", name=class_label(name), photos=photos(n))
                if i >= base else
                tr("{name}, {photos}", name=class_label(name), photos=photos(n)))
        sel = " selected" if i == selected else ""
        out.append(f'<option value="{i}"{sel}>{attr(text)}</option>')
    return "".join(out)


def class_block(index: int, name: str, count: int) -> str:
    """A class's block: its name, its count and the (empty) list its thumbnails go in."""
    shown = class_label(name)
    return (f'<section class="tc-class" data-label="{index}" aria-label="'
            f'{attr(tr("Photos of {name}", name=shown))}"><h4 class="tc-class-h">'
            f'<span class="tc-class-name">{attr(shown)}</span> <span class="tc-count">'
            f'{attr(photos(count))}</span></h4><ul class="tc-thumbs"></ul></section>')


def thumb_html(example_id: int, number: int, name: str) -> str:
    """One thumbnail (its canvas is painted by the page) and its remove button."""
    shown = class_label(name)
    return (f'<li class="tc-thumb" data-id="{example_id}"><canvas width="1" height="1"'
            f' role="img" aria-label="{attr(tr("Photo {n} of {name}", n=number, name=shown))}">'
            f'</canvas><button type="button" class="tc-remove" data-id="{example_id}"'
            f' aria-label="{attr(tr("Remove photo {n} of {name}", n=number, name=shown))}">'
            "\u00d7</button></li>")


def status_text(state: str, trainer: Any | None) -> str:
    """The line under the training controls (``state``: idle, running, paused, done)."""
    if trainer is None:
        return tr("Not trained yet: collect photos, then press Train.")
    if trainer.phase == "features":
        return tr("Reading the features of photo {n} of {total}\u2026",
                  n=trainer.features_done + 1, total=trainer.size)
    epochs = trainer.config.epochs
    head = {"running": tr("Training"), "paused": tr("Paused"), "done": tr("Done"),
            "idle": tr("Ready")}.get(state, state)
    last = trainer.history[-1] if trainer.history else None
    if last is None:
        return tr("{head}: epoch 0 of {epochs}.", head=head, epochs=epochs)
    right = round(last.accuracy * trainer.size)
    return tr("{head}: epoch {epoch} of {epochs}, loss {loss}, {right} of {total} photos right "
              "({pct} %).", head=head, epoch=trainer.epoch, epochs=epochs,
              loss=value(last.loss), right=right, total=trainer.size,
              pct=round(100 * last.accuracy))


def kept_note(model: Any) -> str:
    """Said where the choice is made, when the network was tinkered with ("" otherwise)."""
    if not getattr(model, "edits", None):
        return ""
    if split(model).kept:
        return tr("Training starts from your edited network and keeps its switches: a map "
                  "switched off stays off (its output stays zero) during and after training.")
    return tr("Training starts from your edited weights.")


def update_text(step: int, epoch: int, feature: int, name: str, rule: str) -> str:
    """The line above the watched weight's update (``feature`` 0-based)."""
    return tr("Update {step} (epoch {epoch}): the weight from feature {feature} to "
              "\u201c{name}\u201d, {rule}", step=step, epoch=epoch, feature=feature + 1,
              name=class_label(name), rule=rule)


def changes_html(found: Sequence[Change], class_names: Sequence[str], out_layer: str,
                 model: Any, chosen: tuple[str, int] | None) -> str:
    """What changed (marked in the overview) and a button per changed kernel, which opens
    its before / after (:mod:`pyapp.learn.beforeafter`)."""
    if not found:
        return ""
    layers = ", ".join(sorted({c.layer for c in found}))
    head = trn("What changed ({n} unit in {layers}; marked in the network above)",
               "What changed ({n} units in {layers}; marked in the network above)",
               len(found), layers=layers)
    lines = summary(list(found), [class_label(n) for n in class_names], out_layer)
    out = [f'<h4 class="tc-h4">{attr(head)}</h4><ul>',
           *(f"<li>{attr(line)}</li>" for line in lines), "</ul>"]
    convs = beforeafter.choices(found, model)
    if convs:
        out.append(f'<p class="tc-ba-pick">{attr(tr("Before and after, kernel by kernel:"))}'
                   "</p><ul class=\"tc-ba-list\">")
        for c in convs:
            pressed = "true" if chosen == (c.layer, c.unit) else "false"
            name = tr("Before and after training: {layer} neuron {n}", layer=c.layer,
                      n=c.unit + 1)
            out.append(f'<li><button type="button" class="tc-ba-open" data-layer="'
                       f'{attr(c.layer)}" data-unit="{c.unit}" aria-pressed="{pressed}" '
                       f'aria-label="{attr(name)}">{attr(beforeafter.choice_label(c))}'
                       "</button></li>")
        out.append("</ul>")
    return "".join(out)


def camera_refused(text: str) -> str:
    """A plain sentence for a failed ``getUserMedia`` (``text``: the error, as text)."""
    if "NotAllowed" in text or "Permission" in text or "SecurityError" in text:
        return tr("The camera was not allowed, so it stays off. Everything else works; "
                  "you can add photos from files instead.")
    if "NotFound" in text or "Overconstrained" in text or "DevicesNotFound" in text:
        return tr("No camera was found. Everything else works; you can add photos from files.")
    if "NotReadable" in text or "TrackStart" in text:
        return tr("The camera is busy (another program may be using it). Try again later.")
    return tr("The camera could not be started. Everything else works; add photos from files.")


def no_camera() -> str:
    return tr("This browser offers no camera here (a camera needs a secure page). "
              "Add photos from files instead.")
