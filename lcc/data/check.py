"""Plan-time checks of data folders: the expected layout and plausible counts, without decoding.

Each check raises a one-line :class:`ValueError` saying what was expected and what was found,
so a launcher can refuse a bad path before any job is submitted. They list folders and read
small index files (``batches.meta``, ``wnids.txt``, ``val_annotations.txt``, ``.npy``
headers through ``np.load(mmap_mode="r")``), never the images themselves.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lcc.data.cifar10 import BATCH_FILES, BATCH_FOLDER, CLASSES
from lcc.data.cifar10c import release_severities
from lcc.data.decode import IMAGE_SUFFIXES
from lcc.data.registry import DATASETS
from lcc.data.tinyimagenet import FOLDER as TINY_FOLDER

TINY_CLASSES = 200
_BATCHES = "python batches (data_batch_1..5, test_batch, batches.meta)"
_FOLDERS = f"image folders train/ and test/, each with the {len(CLASSES)} class folders"
_TINY = (
    f"the official {TINY_FOLDER}/ tree (wnids.txt, train/<wnid>/images/, val/images/, "
    "val/val_annotations.txt)"
)
EXPECTED = {"cifar10": f"{_BATCHES} or {_FOLDERS}", "tinyimagenet": _TINY}


def check_root(name: str, root: str | os.PathLike | None) -> None:
    """Check that ``root`` holds dataset ``name`` in a layout its loader reads.

    Generated (synthetic) datasets take no root. ``cifar10``: the python batches in ``root``
    or ``root/cifar-10-batches-py``, or image folders ``root/{train,test}/<class>/`` with the
    ten CIFAR-10 classes, each holding images. ``tinyimagenet``: the official tree
    (``wnids.txt`` with 200 ids, ``train/<wnid>/images/``, ``val/images/``,
    ``val/val_annotations.txt``) in ``root`` or ``root/tiny-imagenet-200``.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")
    if DATASETS[name].read is None:
        if root is not None:
            raise ValueError(f"dataset {name!r} is generated, not read: it takes no root")
        return
    if root is None:
        raise ValueError(f"dataset {name!r} needs a root folder holding {EXPECTED[name]}")
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder; expected one holding {EXPECTED[name]}")
    if name == "cifar10":
        _check_cifar10(root)
    else:
        _check_tinyimagenet(root)


def _check_cifar10(root: Path) -> None:
    for batches in (root, root / BATCH_FOLDER):
        if (batches / "batches.meta").is_file():
            return _check_batches(batches)
    if not (root / "train").is_dir() and not (root / "test").is_dir():
        raise ValueError(f"no CIFAR-10 in {root}: expected {_BATCHES} or {_FOLDERS}{_hint(root)}")
    for split in ("train", "test"):
        folder = root / split
        if not folder.is_dir():
            raise ValueError(f"no {split}/ in CIFAR-10 image folders {root}: expected {_FOLDERS}")
        found = sorted(p.name for p in folder.iterdir() if p.is_dir())
        if tuple(found) != CLASSES:
            raise ValueError(
                f"{folder} holds class folders {found}; expected the {len(CLASSES)} CIFAR-10 "
                f"classes {', '.join(CLASSES)}"
            )
        empty = [c for c in CLASSES if _count_images(folder / c) == 0]
        if empty:
            raise ValueError(f"no .png/.jpg images in {folder}/ class folders {', '.join(empty)}")


def _check_batches(folder: Path) -> None:
    files = [*BATCH_FILES["train"], *BATCH_FILES["test"]]
    missing = [f for f in files if not (folder / f).is_file() or not (folder / f).stat().st_size]
    if missing:
        raise ValueError(
            f"CIFAR-10 batches in {folder} are incomplete: {', '.join(missing)} missing or "
            f"empty; expected {_BATCHES}"
        )
    try:
        with open(folder / "batches.meta", "rb") as handle:
            names = pickle.load(handle, encoding="bytes")[b"label_names"]
    except Exception as err:  # any unreadable pickle is the same finding
        raise ValueError(
            f"{folder / 'batches.meta'} is not a CIFAR-10 batches.meta: {err}"
        ) from None
    if len(names) != len(CLASSES):
        raise ValueError(
            f"{folder / 'batches.meta'} lists {len(names)} classes; expected {len(CLASSES)}"
        )


def _check_tinyimagenet(root: Path) -> None:
    base = next((c for c in (root, root / TINY_FOLDER) if (c / "wnids.txt").is_file()), None)
    if base is None:
        raise ValueError(f"no Tiny ImageNet in {root}: expected {_TINY}{_hint(root)}")
    wnids = (base / "wnids.txt").read_text().split()
    if len(set(wnids)) != TINY_CLASSES:
        raise ValueError(
            f"{base / 'wnids.txt'} lists {len(set(wnids))} distinct class ids; expected "
            f"{TINY_CLASSES}"
        )
    missing = [w for w in wnids if _count_images(base / "train" / w / "images") == 0]
    if missing:
        raise ValueError(
            f"{len(missing)} of {TINY_CLASSES} Tiny ImageNet classes have no images in "
            f"{base}/train/<wnid>/images/ (first: {missing[0]})"
        )
    annotations = base / "val" / "val_annotations.txt"
    if not annotations.is_file():
        raise ValueError(f"Tiny ImageNet validation labels {annotations} are missing")
    listed = {line.split("\t")[1] for line in annotations.read_text().splitlines() if "\t" in line}
    unknown = sorted(listed - set(wnids))
    if not listed or unknown:
        raise ValueError(
            f"{annotations} must label images with ids of wnids.txt; found "
            f"{len(listed)} ids, {len(unknown)} unknown ({', '.join(unknown[:3])})"
        )
    if _count_images(base / "val" / "images") == 0:
        raise ValueError(f"no Tiny ImageNet validation images in {base / 'val' / 'images'}")


def check_cifar10c(
    root: str | os.PathLike, corruptions: Sequence[str], severities: Sequence[int]
) -> None:
    """Check a CIFAR-10-C release folder: ``labels.npy`` and one ``<corruption>.npy`` per
    needed corruption, uint8 ``(k * N, H, W, 3)`` with as many rows as labels, where the
    folder's severity list (``meta.json``, else 1-5) has ``k`` entries and holds every
    needed severity. Reads only the ``.npy`` headers."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder; expected a CIFAR-10-C release folder")
    needed = [root / f"{c}.npy" for c in corruptions]
    missing = [p.name for p in [root / "labels.npy", *needed] if not p.is_file()]
    if missing:
        raise ValueError(
            f"CIFAR-10-C folder {root} lacks {', '.join(missing)}; expected labels.npy and "
            f"<corruption>.npy for each of {', '.join(corruptions)}{_hint(root)}"
        )
    held = release_severities(root)
    absent = [s for s in severities if s not in held]
    if absent:
        raise ValueError(f"CIFAR-10-C folder {root} holds severities {list(held)}, not {absent}")
    labels = _header(root / "labels.npy")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{root / 'labels.npy'}: expected integer labels (k * N,), got {labels.dtype} "
            f"{labels.shape}"
        )
    if not len(labels) or len(labels) % len(held):
        raise ValueError(
            f"{root / 'labels.npy'} holds {len(labels)} labels; expected a positive multiple "
            f"of the {len(held)} severities"
        )
    for path in needed:
        images = _header(path)
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"{path}: expected uint8 (k * N, H, W, 3), got {images.dtype} "
                             f"{images.shape}")  # fmt: skip
        if len(images) != len(labels):
            raise ValueError(
                f"{path} holds {len(images)} images but labels.npy {len(labels)} labels; "
                "expected equal counts"
            )


def _header(path: Path) -> np.ndarray:
    """A memory map of the ``.npy`` file (only its header is read)."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as err:  # any unreadable file is the same finding
        raise ValueError(f"{path} is not a readable .npy array: {err!r}") from None


def _count_images(folder: Path) -> int:
    """PNG/JPEG files directly in ``folder`` (0 when it is not a folder)."""
    if not folder.is_dir():
        return 0
    with os.scandir(folder) as entries:
        return sum(Path(e.name).suffix.lower() in IMAGE_SUFFIXES for e in entries)


def _hint(root: Path) -> str:
    """``"; did you mean <child>?"`` when a sub-folder of ``root`` looks like a dataset root."""
    markers = ("batches.meta", BATCH_FOLDER, "wnids.txt", TINY_FOLDER, "labels.npy", "train")
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return ""
    for child in children:
        if any((child / m).exists() for m in markers):
            return f"; did you mean {child}?"
    return ""
