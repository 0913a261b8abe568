"""The CIFAR-10 readers, on tiny archives of both layouts generated here."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pyapp import cifar10 as data_module
from pyapp.cifar10 import (
    CIFAR10_CLASSES,
    DatasetLayoutError,
    detect_layout,
    load_cifar10,
    load_test_slice,
    load_test_split,
)


def _images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    # smooth images (JPEG keeps them close): a per-class colour plus a little noise
    base = (labels[:, None, None, None] * 25).astype(np.int64)
    noise = rng.integers(0, 6, (n, 32, 32, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8), labels.astype(np.int64)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def make_jpg_tar(path: Path, n_train: int = 20, n_test: int = 10, prefix: str = "") -> None:
    """``train/<class>/NNNN.jpg`` + ``test/<class>/NNNN.jpg`` (+ a README) in a .tar.gz."""
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, prefix + "README.md", b"tiny test archive\n")
        for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
            images, labels = _images(n, seed)
            for i, (im, lab) in enumerate(zip(images, labels, strict=True)):
                buf = io.BytesIO()
                Image.fromarray(im).save(buf, "JPEG", quality=95)
                _add(tar, f"{prefix}{split}/{CIFAR10_CLASSES[lab]}/{i:04d}.jpg", buf.getvalue())


def _batch(images: np.ndarray, labels: np.ndarray) -> bytes:
    """A batch as the official archive stores it: bytes keys, (N, 3072) CHW rows."""
    data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return pickle.dumps({b"batch_label": b"test", b"labels": labels.tolist(), b"data": data,
                         b"filenames": [b"x.png"] * len(images)}, protocol=2)


def make_python_batches(dest: Path, per_batch: int = 4, n_test: int = 10,
                        as_tar: bool = True) -> None:
    """The official layout: ``cifar-10-batches-py/data_batch_1..5``, ``test_batch``,
    ``batches.meta``, as a .tar.gz (``as_tar``) or a directory."""
    files = {}
    for b in range(1, 6):
        files[f"data_batch_{b}"] = _batch(*_images(per_batch, 10 + b))
    files["test_batch"] = _batch(*_images(n_test, 1))
    files["batches.meta"] = pickle.dumps(
        {b"label_names": [c.encode() for c in CIFAR10_CLASSES], b"num_vis": 3072}, protocol=2)
    if as_tar:
        with tarfile.open(dest, "w:gz") as tar:
            for name, data in files.items():
                _add(tar, f"cifar-10-batches-py/{name}", data)
    else:
        (dest / "cifar-10-batches-py").mkdir(parents=True)
        for name, data in files.items():
            (dest / "cifar-10-batches-py" / name).write_bytes(data)


def test_jpg_tar(tmp_path: Path) -> None:
    path = tmp_path / "cifar.tar.gz"
    make_jpg_tar(path, prefix="cifar10/")
    assert detect_layout(path) == "jpg-tar"
    data = load_cifar10(path)
    assert data.layout == "jpg-tar"
    assert data.train.images.shape == (20, 32, 32, 3) and data.train.images.dtype == np.uint8
    assert data.test.images.shape == (10, 32, 32, 3)
    # sorted by member name: class folders in alphabetical = CIFAR index order here
    want_imgs, want_labels = _images(20, 0)
    order = np.argsort([f"{CIFAR10_CLASSES[lab]}/{i:04d}" for i, lab in enumerate(want_labels)])
    assert data.train.labels.tolist() == want_labels[order].tolist()
    diff = np.abs(data.train.images.astype(int) - want_imgs[order].astype(int))
    assert diff.mean() < 3  # JPEG is lossy
    assert load_test_split(path).labels.tolist() == data.test.labels.tolist()


def test_test_slice_decodes_only_its_images(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cifar.tar.gz"
    make_jpg_tar(path, n_test=10)
    whole = load_test_split(path)
    decoded: list[str] = []
    real = data_module._decode_32
    monkeypatch.setattr(data_module, "_decode_32",
                        lambda data, name: decoded.append(name) or real(data, name))
    part = load_test_slice(path, 3)
    assert len(decoded) == 4  # images 0, 3, 6, 9 of the test split, and nothing else
    assert (part.images == whole.images[::3]).all()
    assert part.labels.tolist() == whole.labels[::3].tolist()


@pytest.mark.parametrize("as_tar", [True, False])
def test_python_batches(tmp_path: Path, as_tar: bool) -> None:
    path = tmp_path / ("cifar-10-python.tar.gz" if as_tar else "extracted")
    make_python_batches(path, as_tar=as_tar)
    assert detect_layout(path) == "python-batches"
    data = load_cifar10(path)
    assert data.layout == "python-batches"
    assert data.train.images.shape == (20, 32, 32, 3)
    imgs, labels = _images(4, 11)  # data_batch_1 comes first, pixels exact (no JPEG)
    assert np.array_equal(data.train.images[:4], imgs)
    assert data.train.labels[:4].tolist() == labels.tolist()
    test_imgs, test_labels = _images(10, 1)
    assert np.array_equal(data.test.images, test_imgs)
    assert np.array_equal(load_test_split(path).images, test_imgs)


def test_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cifar-10-python.tar.gz"
    make_python_batches(path)
    first = load_cifar10(path, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("cifar10-*.npz"))) == 1
    again = load_cifar10(path, cache_dir=tmp_path / "cache")
    assert np.array_equal(first.train.images, again.train.images)
    assert again.layout == "python-batches"


def test_neither_layout_is_a_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DatasetLayoutError, match="not a tar archive"):
        load_cifar10(text)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        _add(tar, "something/else.bin", b"123")
    with pytest.raises(DatasetLayoutError, match="neither CIFAR-10 layout"):
        load_cifar10(other)
    with pytest.raises(DatasetLayoutError, match="no such file"):
        load_cifar10(tmp_path / "missing.tar.gz")


def test_batches_refuse_arbitrary_pickles(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    make_python_batches(tmp_path / "d", as_tar=False)
    (tmp_path / "d" / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_cifar10(tmp_path / "d")
