"""Applies the file-intake policy (:mod:`pyapp.intake_policy`) to the browser's ``File`` objects.

Use it on every path a user file comes in by (chooser ``change``, ``drop``, ``paste``)::

    upload = await intake.take(event.target.files, tell=show_message)
    if upload is not None:
        image = preprocess(upload.data, ...)   # ImageError -> intake.user_message(upload.name, exc)

Order of the checks, so that nothing big is ever read for nothing:

1. several files: the first is taken, ``inform`` says so (a toast by default);
2. ``File.size`` (metadata only): empty and over-limit files are refused without reading them;
3. the first :data:`~pyapp.intake_policy.SNIFF_BYTES` bytes (``file.slice``): SVG and non-images
   are refused;
4. only then the whole file is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyapp.i18n import tr
from pyapp.intake_policy import (
    MAX_FILE_BYTES,
    SNIFF_BYTES,
    IntakeError,
    Kind,
    check_kind,
    check_size,
    choose_first,
    user_message,
)
from pyapp.ui import errors

Tell = Callable[[str, str], None]  # (message, kind: "info" | "warning" | "error")


@dataclass(frozen=True)
class Upload:
    """A file that passed the intake: its JS ``File``, name, bytes and sniffed kind."""

    file: Any
    name: str
    data: bytes
    kind: Kind


def as_list(files: Any) -> list[Any]:
    """A JS ``FileList``, array of ``File``, a Python list of them or a single ``File`` as a
    Python list."""
    if files is None:
        return []
    if isinstance(files, (list, tuple)):
        return list(files)
    length = getattr(files, "length", None)
    if length is None:  # a single File / Blob
        return [files]
    item = getattr(files, "item", None)
    return [item(i) if item is not None else files[i] for i in range(int(length))]


def file_name(file: Any) -> str:
    """The file's name (a pasted image may have none)."""
    return str(getattr(file, "name", "") or tr("pasted image"))


async def blob_bytes(blob: Any) -> bytes:
    """The bytes of a JS ``Blob`` (or a slice of one)."""
    import js  # type: ignore[import-not-found]

    buffer = await blob.arrayBuffer()
    return bytes(js.Uint8Array.new(buffer).to_bytes())


async def read_checked(file: Any, max_bytes: int = MAX_FILE_BYTES) -> Upload:
    """Check ``file`` (size, then leading bytes) and read it; :class:`IntakeError` if refused."""
    name = file_name(file)
    size = int(file.size)
    check_size(size, max_bytes)  # before anything is read
    head = await blob_bytes(file.slice(0, SNIFF_BYTES))
    kind = check_kind(head, name, str(getattr(file, "type", "") or ""))
    data = await blob_bytes(file)
    if len(data) != size:
        raise IntakeError(tr("the file changed while it was being read; try again"))
    return Upload(file, name, data, kind)


def _default_tell(message: str, kind: str) -> None:
    errors.notify(message, kind)


async def take(files: Any, tell: Tell | None = None, max_bytes: int = MAX_FILE_BYTES,
               inform: Tell | None = None) -> Upload | None:
    """The whole intake for a chooser / drop / paste: ``None`` when refused.

    ``tell(message, kind)`` reports a refusal (``"error"``, or ``"warning"`` when nothing was
    given); ``inform(message, "info")`` the notice that only the first of several files is used.
    That notice goes with a *successful* intake, so by default it is a toast
    (:func:`pyapp.ui.errors.notify`) that outlives the caller clearing its message line when it
    draws the new image.
    """
    say = tell or _default_tell
    items = as_list(files)
    choice = choose_first([file_name(f) for f in items])
    if choice.index is None:
        say(choice.notice, "warning")
        return None
    if choice.notice:
        (inform or _default_tell)(choice.notice, "info")
    file = items[choice.index]
    try:
        return await read_checked(file, max_bytes)
    except IntakeError as exc:
        say(user_message(file_name(file), exc), "error")
        return None


__all__ = ["Upload", "as_list", "blob_bytes", "read_checked", "take", "user_message",
           "IntakeError", "MAX_FILE_BYTES"]
