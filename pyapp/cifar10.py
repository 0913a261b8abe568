"""CIFAR-10 readers for the two layouts the project supports.

* ``jpg-tar``: the tar in ``../shared/datasets/`` (``train/<class>/NNNN.jpg``,
  ``test/<class>/NNNN.jpg``), or the same tree extracted into a directory.
* ``python-batches``: the official "CIFAR-10 python version" (``data_batch_1`` ...
  ``data_batch_5``, ``test_batch``, ``batches.meta``), as the downloaded ``.tar.gz`` or
  extracted into a directory.

Both give uint8 arrays of shape ``(N, 32, 32, 3)`` (HWC, RGB) and int64 labels in the
conventional CIFAR-10 class order. The official batches are pickles; they are read with a
restricted unpickler that only accepts plain containers and numpy arrays.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
TRAIN_BATCHES: tuple[str, ...] = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
_IMAGE_RE = re.compile(r"(?:^|/)(train|test)/([^/]+)/[^/]+\.(?:jpe?g|png)$", re.IGNORECASE)


class DatasetLayoutError(ValueError):
    """The path is neither of the supported CIFAR-10 layouts."""


@dataclass(frozen=True)
class Split:
    """One split: ``images`` uint8 ``(N, 32, 32, 3)``, ``labels`` int64 ``(N,)``."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass(frozen=True)
class Cifar10:
    """Both splits, the class names and where they came from."""

    train: Split
    test: Split
    class_names: tuple[str, ...]
    layout: str
    source: str


# --------------------------------------------------------------------------- detection

def _names_in(path: Path) -> list[str]:
    if path.is_dir():
        return [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
    with tarfile.open(path) as tar:
        return [m.name for m in tar.getmembers() if m.isfile()]


def detect_layout(path: str | os.PathLike[str]) -> str:
    """Return ``"jpg-tar"`` or ``"python-batches"``; raise DatasetLayoutError otherwise."""
    p = Path(path)
    if not p.exists():
        raise DatasetLayoutError(f"{p}: no such file or directory")
    if p.is_file() and not tarfile.is_tarfile(p):
        raise DatasetLayoutError(
            f"{p}: not a tar archive; expected the CIFAR-10 JPEG tar or the official "
            "'CIFAR-10 python version' archive (or a directory holding either)"
        )
    names = _names_in(p)
    base = {n.rsplit("/", 1)[-1] for n in names}
    if TEST_BATCH in base and all(b in base for b in TRAIN_BATCHES):
        return "python-batches"
    if any(_IMAGE_RE.search(n) for n in names):
        return "jpg-tar"
    raise DatasetLayoutError(
        f"{p}: neither CIFAR-10 layout found (need train/<class>/*.jpg and test/<class>/*.jpg, "
        f"or data_batch_1..5 + test_batch)"
    )


# --------------------------------------------------------------------------- jpg layout

def _iter_members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    if path.is_dir():
        for f in sorted(path.rglob("*")):
            if f.is_file():
                yield f.relative_to(path).as_posix(), f.read_bytes
        return
    with tarfile.open(path) as tar:
        for m in tar:
            if m.isfile():
                fh = tar.extractfile(m)
                data = fh.read() if fh is not None else b""
                yield m.name, (lambda d=data: d)


def _decode_32(data: bytes, name: str) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        arr = np.asarray(im.convert("RGB"), dtype=np.uint8)
    if arr.shape != (32, 32, 3):
        raise DatasetLayoutError(
            f"{name}: expected a 32x32 image, got {arr.shape[1]}x{arr.shape[0]}"
        )
    return arr


def _empty_split() -> Split:
    return Split(np.zeros((0, 32, 32, 3), np.uint8), np.zeros(0, np.int64))


def read_jpg_layout(
    path: str | os.PathLike[str], splits: tuple[str, ...] = ("train", "test")
) -> Cifar10:
    """Read the ``train/<class>/*.jpg`` + ``test/<class>/*.jpg`` layout (tar or directory).

    Splits not named in ``splits`` are not decoded and come back empty.
    """
    p = Path(path)
    found: dict[str, list[tuple[str, int, np.ndarray]]] = {s: [] for s in splits}
    for name, read in _iter_members(p):
        m = _IMAGE_RE.search(name)
        if not m or m.group(1).lower() not in found:
            continue
        split, cls = m.group(1).lower(), m.group(2)
        if cls not in CIFAR10_CLASSES:
            raise DatasetLayoutError(f"{name}: unknown class {cls!r}")
        found[split].append((name, CIFAR10_CLASSES.index(cls), _decode_32(read(), name)))
    out = {"train": _empty_split(), "test": _empty_split()}
    for split, items in found.items():
        if not items:
            raise DatasetLayoutError(f"{p}: no {split}/ images")
        items.sort(key=lambda t: t[0])  # deterministic order whatever the tar order
        out[split] = Split(
            np.stack([t[2] for t in items]), np.array([t[1] for t in items], dtype=np.int64)
        )
    return Cifar10(out["train"], out["test"], CIFAR10_CLASSES, "jpg-tar", str(p))


# --------------------------------------------------------------------------- pickled batches

class _SafeUnpickler(pickle.Unpickler):
    """Only numpy array reconstruction is allowed; anything else is refused."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")
        if name in ("ndarray", "dtype"):
            return getattr(np, name)
        if module == "_codecs":
            import codecs

            return codecs.encode
        from numpy._core import multiarray  # numpy >= 2

        return getattr(multiarray, name)


def _unpickle(data: bytes) -> dict[str, object]:
    obj = _SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
    if not isinstance(obj, dict):
        raise DatasetLayoutError("a CIFAR batch must be a pickled dict")
    return {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in obj.items()}


def _batch_to_split(batches: list[dict[str, object]], what: str) -> Split:
    images, labels = [], []
    for b in batches:
        data = np.asarray(b["data"], dtype=np.uint8)
        lab = np.asarray(b.get("labels", b.get("fine_labels")), dtype=np.int64)
        if data.ndim != 2 or data.shape[1] != 3072 or data.shape[0] != lab.shape[0]:
            raise DatasetLayoutError(f"{what}: bad batch shape {data.shape} / {lab.shape}")
        images.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(lab)
    return Split(np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels))


def read_python_batches(path: str | os.PathLike[str]) -> Cifar10:
    """Read the official pickled batches (``.tar.gz`` or extracted directory)."""
    p = Path(path)
    wanted = set(TRAIN_BATCHES) | {TEST_BATCH, "batches.meta"}
    raw: dict[str, bytes] = {}
    for name, read in _iter_members(p):
        base = name.rsplit("/", 1)[-1]
        if base in wanted:
            raw[base] = read()
    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if n not in raw]
    if missing:
        raise DatasetLayoutError(f"{p}: missing {', '.join(missing)}")
    names = CIFAR10_CLASSES
    if "batches.meta" in raw:
        meta = _unpickle(raw["batches.meta"])
        label_names = [n.decode() if isinstance(n, bytes) else str(n)
                       for n in meta.get("label_names", [])]  # type: ignore[union-attr]
        if label_names and tuple(label_names) != CIFAR10_CLASSES:
            raise DatasetLayoutError(f"{p}: unexpected class names {label_names}")
    train = _batch_to_split([_unpickle(raw[n]) for n in TRAIN_BATCHES], str(p))
    test = _batch_to_split([_unpickle(raw[TEST_BATCH])], str(p))
    return Cifar10(train, test, names, "python-batches", str(p))


# --------------------------------------------------------------------------- entry point

def _cache_key(p: Path) -> str:
    st = p.stat()
    ident = f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def load_cifar10(
    path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> Cifar10:
    """Read either layout, chosen by what ``path`` holds; optionally cache decoded arrays.

    The cache (``<cache_dir>/cifar10-<key>.npz``) is keyed by the path, size and mtime.
    """
    p = Path(path)
    layout = detect_layout(p)
    cache = None
    if cache_dir is not None and p.is_file():
        cache = Path(cache_dir) / f"cifar10-{_cache_key(p)}.npz"
        if cache.exists():
            with np.load(cache, allow_pickle=False) as z:
                return Cifar10(
                    Split(z["train_x"], z["train_y"]), Split(z["test_x"], z["test_y"]),
                    CIFAR10_CLASSES, str(z["layout"]), str(p),
                )
    data = read_jpg_layout(p) if layout == "jpg-tar" else read_python_batches(p)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, train_x=data.train.images, train_y=data.train.labels,
                 test_x=data.test.images, test_y=data.test.labels, layout=np.array(layout))
        tmp.replace(cache)
    return data


def _test_members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """Like ``_iter_members``, but reads the bytes of ``test/`` images only (the training
    set's 50,000 are skipped unread)."""
    if path.is_dir():
        yield from ((n, r) for n, r in _iter_members(path) if "test/" in n)
        return
    with tarfile.open(path) as tar:
        for m in tar:
            match = _IMAGE_RE.search(m.name) if m.isfile() else None
            if match and match.group(1).lower() == "test":
                fh = tar.extractfile(m)
                data = fh.read() if fh is not None else b""
                yield m.name, (lambda d=data: d)


def load_test_slice(path: str | os.PathLike[str], step: int) -> Split:
    """Every ``step``-th test image (in the same order as ``load_test_split``), decoding
    only those: the fixed evaluation slice without the cost of the whole test split."""
    p = Path(path)
    if detect_layout(p) != "jpg-tar":
        whole = load_test_split(p)
        return Split(whole.images[::step], whole.labels[::step])
    found: list[tuple[str, int, bytes]] = []
    for name, read in _test_members(p):
        m = _IMAGE_RE.search(name)
        if m and m.group(1).lower() == "test":
            if m.group(2) not in CIFAR10_CLASSES:
                raise DatasetLayoutError(f"{name}: unknown class {m.group(2)!r}")
            found.append((name, CIFAR10_CLASSES.index(m.group(2)), read()))
    if not found:
        raise DatasetLayoutError(f"{p}: no test/ images")
    found.sort(key=lambda t: t[0])  # the order read_jpg_layout gives
    chosen = found[::step]
    return Split(np.stack([_decode_32(data, name) for name, _, data in chosen]),
                 np.array([label for _, label, _ in chosen], dtype=np.int64))


def load_test_split(path: str | os.PathLike[str]) -> Split:
    """Only the 10,000 test images (either layout), without decoding the training set."""
    p = Path(path)
    if detect_layout(p) == "jpg-tar":
        return read_jpg_layout(p, splits=("test",)).test
    raw = {}
    for name, read in _iter_members(p):
        if name.rsplit("/", 1)[-1] == TEST_BATCH:
            raw[TEST_BATCH] = read()
    return _batch_to_split([_unpickle(raw[TEST_BATCH])], str(p))
