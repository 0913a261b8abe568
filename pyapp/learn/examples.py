"""The student's photos, per class: a bounded set of model inputs with their labels.

Classes are the model's own (indices ``0 .. K-1``) followed by new ones the student names
(``K, K+1, ...``).  Names come from outside: control and bidi characters are dropped, spaces
collapsed, and the length, the number of classes and of photos are capped (the budgets below),
so a page can hold the set in memory and train on it in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pyapp import budgets
from pyapp.i18n import class_label, tr

#: at most this many photos in one class, and in all
MAX_PER_CLASS = 60
MAX_EXAMPLES = 240
#: at most this many classes the student adds, and their names' length
MAX_NEW_CLASSES = 8
MAX_CLASS_NAME = 40

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class ExampleError(ValueError):
    """A refused name or photo; the message is a plain sentence for the student (translated,
    shown as it is)."""


def clean_name(name: str) -> str:
    """A class name from outside as the page keeps it (:class:`ExampleError` if empty)."""
    text = " ".join(_CONTROL.sub(" ", str(name)).split())[:MAX_CLASS_NAME].strip()
    if not text:
        raise ExampleError(tr("Give the new class a name (letters, digits, spaces)."))
    return text


@dataclass(frozen=True)
class Example:
    """One photo: a unique ``id``, its class ``label`` and the model input ``image``
    ``(H, W, 3)`` float32 in [0, 1] (read-only)."""

    id: int
    label: int
    image: np.ndarray


class ExampleSet:
    """Photos per class for a model with ``class_names`` and inputs of ``input_shape``."""

    def __init__(self, class_names: Sequence[str], input_shape: Sequence[int]) -> None:
        self.base_classes = len(class_names)
        self.class_names: list[str] = list(class_names)
        self.input_shape = tuple(int(v) for v in input_shape)
        self._items: list[Example] = []
        self._next = 1

    # --- classes ---------------------------------------------------------------------------
    @property
    def new_classes(self) -> list[str]:
        return self.class_names[self.base_classes:]

    def add_class(self, name: str) -> int:
        """A new class called ``name`` (cleaned); returns its index.  A name already used
        returns that class."""
        text = clean_name(name)
        folded = [n.casefold() for n in self.class_names]
        if text.casefold() in folded:
            return folded.index(text.casefold())
        if len(self.new_classes) >= MAX_NEW_CLASSES:
            raise ExampleError(tr("At most {n} new classes can be added.", n=MAX_NEW_CLASSES))
        if len(self.class_names) >= budgets.MAX_CLASSES:
            raise ExampleError(tr("The network has the most classes it can ({n}).",
                                  n=budgets.MAX_CLASSES))
        self.class_names.append(text)
        return len(self.class_names) - 1

    # --- photos ----------------------------------------------------------------------------
    def add(self, label: int, image: np.ndarray) -> Example:
        """Keep ``image`` (the model input) as a photo of class ``label``."""
        if not 0 <= int(label) < len(self.class_names):
            raise ExampleError(tr("Choose the class the photo shows first."))
        x = np.array(image, dtype=np.float32)  # a copy: the caller's array may be reused
        if x.shape != self.input_shape or not np.isfinite(x).all():
            raise ExampleError(tr("A photo must be a {shape} model input.",
                                  shape=self.input_shape))
        if len(self._items) >= MAX_EXAMPLES:
            raise ExampleError(tr("The set is full ({n} photos); remove some first.",
                                  n=MAX_EXAMPLES))
        if self.counts()[int(label)] >= MAX_PER_CLASS:
            raise ExampleError(tr("\u201c{name}\u201d already has {n} photos, the most one "
                                  "class can have.", name=class_label(self.class_names[int(label)]),
                                  n=MAX_PER_CLASS))
        x.setflags(write=False)
        item = Example(self._next, int(label), x)
        self._next += 1
        self._items.append(item)
        return item

    def remove(self, example_id: int) -> bool:
        """Forget the photo ``example_id``; whether there was one."""
        before = len(self._items)
        self._items = [e for e in self._items if e.id != example_id]
        return len(self._items) != before

    def clear(self) -> None:
        self._items.clear()

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    @property
    def items(self) -> tuple[Example, ...]:
        return tuple(self._items)

    def of_class(self, label: int) -> tuple[Example, ...]:
        return tuple(e for e in self._items if e.label == label)

    def counts(self) -> list[int]:
        """Photos per class, for every class (the model's and the new ones)."""
        out = [0] * len(self.class_names)
        for e in self._items:
            out[e.label] += 1
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(images (N, H, W, 3) float32, labels (N,) int64)``."""
        if not self._items:
            return np.zeros((0, *self.input_shape), np.float32), np.zeros(0, np.int64)
        return (np.stack([e.image for e in self._items]),
                np.array([e.label for e in self._items], np.int64))

    def problem(self) -> str:
        """Why training cannot start yet ("" when it can)."""
        counts = self.counts()
        if sum(counts) == 0:
            return tr("Add photos to at least one class first.")
        empty = [self.class_names[i] for i in range(self.base_classes, len(counts))
                 if counts[i] == 0]
        if empty:
            return tr("The new class \u201c{name}\u201d has no photos yet.", name=empty[0])
        if sum(1 for c in counts if c) < 2:
            return tr("Add photos of at least two classes, so the network has something to "
                      "tell apart.")
        return ""
