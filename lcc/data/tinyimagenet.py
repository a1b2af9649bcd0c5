"""Tiny ImageNet (64x64, 200 classes) from the official ``tiny-imagenet-200/`` layout.

Classes are the wnids of ``wnids.txt`` in sorted order (torchvision ImageFolder's order).
``train`` reads ``train/<wnid>/images/*.JPEG``; ``test`` is the official validation set,
``val/images/*`` labelled by ``val/val_annotations.txt`` (the unlabeled test split is unused).
Listed validation files that are absent are skipped (partial copies); none present is an error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from lcc.data.cache import load_cached
from lcc.data.dataset import Dataset
from lcc.data.decode import decode_images, list_images

FOLDER = "tiny-imagenet-200"
IMAGE_SIZE = 64

log = logging.getLogger(__name__)


def load_tinyimagenet(
    split: str, root: Path, cache_dir: str | os.PathLike | None = None
) -> Dataset:
    """The ``split`` ("train"/"test" = official val) of Tiny ImageNet under ``root``."""
    base = _find_root(Path(root))
    classes = tuple(sorted((base / "wnids.txt").read_text().split()))
    files, labels = _train_files(base, classes) if split == "train" else _val_files(base, classes)
    if not files:
        raise FileNotFoundError(f"no Tiny ImageNet {split} images found under {base}")
    images, labels, classes = load_cached(
        f"tinyimagenet-{split}",
        [base / "wnids.txt", *files],
        lambda: (decode_images(files, IMAGE_SIZE), labels, classes),
        cache_dir,
    )
    return Dataset("tinyimagenet", split, images, labels, classes)


def _find_root(root: Path) -> Path:
    for candidate in (root, root / FOLDER):
        if (candidate / "wnids.txt").is_file():
            return candidate
    raise FileNotFoundError(
        f"no Tiny ImageNet under {root}: expected {FOLDER}/wnids.txt with train/ and val/"
    )


def _train_files(base: Path, classes: tuple[str, ...]) -> tuple[list[Path], np.ndarray]:
    files, labels = [], []
    for label, wnid in enumerate(classes):
        folder = base / "train" / wnid / "images"
        if not folder.is_dir():
            raise FileNotFoundError(f"Tiny ImageNet class folder missing: {folder}")
        found = list_images(folder)
        files += found
        labels += [label] * len(found)
    return files, np.asarray(labels, dtype=np.int64)


def _val_files(base: Path, classes: tuple[str, ...]) -> tuple[list[Path], np.ndarray]:
    annotations = base / "val" / "val_annotations.txt"
    if not annotations.is_file():
        raise FileNotFoundError(f"Tiny ImageNet validation labels missing: {annotations}")
    index = {wnid: i for i, wnid in enumerate(classes)}
    files, labels, missing = [], [], 0
    for line in annotations.read_text().splitlines():
        if not line.strip():
            continue
        name, wnid = line.split("\t")[:2]
        if wnid not in index:
            raise ValueError(f"{annotations}: class {wnid!r} of {name} is not in wnids.txt")
        path = base / "val" / "images" / name
        if path.is_file():
            files.append(path)
            labels.append(index[wnid])
        else:
            missing += 1
    if missing:
        log.warning(
            "%s: %d listed validation images are absent; using %d", base, missing, len(files)
        )
    return files, np.asarray(labels, dtype=np.int64)
