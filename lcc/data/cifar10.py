"""CIFAR-10 from the official python batches or from an image-folder layout.

``root`` may be the ``cifar-10-batches-py/`` folder (what torchvision downloads), its parent,
or an image-folder root holding ``{train,test}/<class>/*.png|jpg`` (classes in sorted order,
which for the ten CIFAR-10 names is the official label order).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from lcc.data.cache import Decoded, load_cached
from lcc.data.dataset import Dataset
from lcc.data.decode import decode_images, list_images

BATCH_FOLDER = "cifar-10-batches-py"
BATCH_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
IMAGE_SIZE = 32
# The official label order (batches.meta); image folders named so sort into it.
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck")  # fmt: skip


def load_cifar10(split: str, root: Path, cache_dir: str | os.PathLike | None = None) -> Dataset:
    """The ``split`` ("train"/"test") of CIFAR-10 found under ``root`` (see module docstring)."""
    batches = _batch_folder(root)
    if batches is not None:
        files = [batches / "batches.meta", *(batches / f for f in BATCH_FILES[split])]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"CIFAR-10 batches incomplete: missing {', '.join(missing)}")
        images, labels, classes = load_cached(
            f"cifar10-batches-{split}", files, lambda: _decode_batches(files), cache_dir
        )
    else:
        folder = Path(root) / split
        if not folder.is_dir():
            raise FileNotFoundError(
                f"no CIFAR-10 under {root}: expected {BATCH_FOLDER}/ (python batches) or "
                f"{split}/<class>/*.png|jpg (image folders)"
            )
        class_dirs = sorted(p for p in folder.iterdir() if p.is_dir())
        files_by_class = [list_images(d) for d in class_dirs]
        files = [f for fs in files_by_class for f in fs]
        if not files:
            raise FileNotFoundError(f"no .png/.jpg images in {folder}/<class>/")
        images, labels, classes = load_cached(
            f"cifar10-folder-{split}",
            files,
            lambda: _decode_folders(class_dirs, files_by_class),
            cache_dir,
        )
    return Dataset("cifar10", split, images, labels, classes)


def _batch_folder(root: Path) -> Path | None:
    """``root`` or ``root/cifar-10-batches-py`` when it holds ``batches.meta``; else None."""
    for candidate in (Path(root), Path(root) / BATCH_FOLDER):
        if (candidate / "batches.meta").is_file():
            return candidate
    return None


def _decode_batches(files: list[Path]) -> Decoded:
    meta = _unpickle(files[0])
    classes = tuple(
        name.decode() if isinstance(name, bytes) else name for name in meta[b"label_names"]
    )
    parts = [_unpickle(f) for f in files[1:]]
    data = np.concatenate([p[b"data"] for p in parts])
    if data.dtype != np.uint8 or data.shape[1:] != (3 * IMAGE_SIZE * IMAGE_SIZE,):
        raise ValueError(f"{files[1]}: data must be uint8 (N, 3072), got {data.dtype} {data.shape}")
    images = data.reshape(-1, 3, IMAGE_SIZE, IMAGE_SIZE).transpose(0, 2, 3, 1)
    labels = np.concatenate([np.asarray(p[b"labels"], dtype=np.int64) for p in parts])
    return images, labels, classes


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as f:
        return pickle.load(f, encoding="bytes")


def _decode_folders(class_dirs: list[Path], files_by_class: list[list[Path]]) -> Decoded:
    files = [f for fs in files_by_class for f in fs]
    labels = np.repeat(
        np.arange(len(class_dirs), dtype=np.int64), [len(fs) for fs in files_by_class]
    )
    return decode_images(files, IMAGE_SIZE), labels, tuple(d.name for d in class_dirs)
