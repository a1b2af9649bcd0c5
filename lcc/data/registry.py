"""The dataset registry and :func:`load`, the one entry point for every dataset."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lcc.data.cifar10 import load_cifar10
from lcc.data.dataset import SPLITS, Dataset, DatasetInfo, take_limit
from lcc.data.synthetic import SYNTHETIC_SPECS, load_synthetic
from lcc.data.tinyimagenet import load_tinyimagenet

RootLoader = Callable[[str, Path, "str | os.PathLike | None"], Dataset]


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: its :class:`DatasetInfo`, how to read a split of it, and the
    number of images in each split of its standard release.

    ``read`` is ``(split, root, cache_dir) -> Dataset`` for datasets on disk and None for the
    generated (synthetic) ones. ``sizes`` maps a split to its image count (Tiny ImageNet's
    ``test`` is the official validation set); a copy on disk may hold fewer.
    """

    info: DatasetInfo
    read: RootLoader | None
    sizes: dict[str, int]


DATASETS: dict[str, DatasetEntry] = {
    "cifar10": DatasetEntry(
        DatasetInfo(10, 32, False), load_cifar10, {"train": 50_000, "test": 10_000}
    ),
    "tinyimagenet": DatasetEntry(
        DatasetInfo(200, 64, False), load_tinyimagenet, {"train": 100_000, "test": 10_000}
    ),
    **{
        name: DatasetEntry(DatasetInfo(classes, size, True), None, dict(counts))
        for name, (size, classes, counts) in SYNTHETIC_SPECS.items()
    },
}


def dataset_info(name: str) -> DatasetInfo:
    """Class count, image side and synthetic flag of dataset ``name``, without loading it."""
    return _entry(name).info


def split_size(name: str, split: str, limit: int | None = None) -> int:
    """Images that ``load(name, split, limit=limit)`` returns from the standard release of
    dataset ``name``: ``limit`` when set and smaller, else the split's full size. Nothing is
    read; a partial copy on disk holds fewer."""
    sizes = _entry(name).sizes
    if split not in sizes:
        raise ValueError(f"unknown split {split!r} of {name}; valid splits: {', '.join(sizes)}")
    return sizes[split] if limit is None else min(limit, sizes[split])


def load(
    name: str,
    split: str,
    root: str | os.PathLike | None = None,
    limit: int | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Dataset:
    """Split ``split`` ("train"/"test") of dataset ``name``.

    ``root`` is required for datasets on disk (cifar10, tinyimagenet) and must be None for the
    synthetic ones. ``limit`` keeps the first ``limit`` images in class-balanced interleaved
    order (see :func:`lcc.data.dataset.balanced_order`); None keeps every image in file order.
    Decoded arrays are cached under ``cache_dir`` (default ``$LCC_CACHE`` or ``~/.cache/lcc``).
    """
    entry = _entry(name)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} of {name}; valid splits: {', '.join(SPLITS)}")
    if entry.read is None:
        if root is not None:
            raise ValueError(
                f"dataset {name!r} is generated, not read: root must be None, got {root}"
            )
        dataset = load_synthetic(name, split)
    else:
        if root is None:
            raise ValueError(f"dataset {name!r} needs a root folder (e.g. data.{name}=/path/to/it)")
        if not Path(root).is_dir():
            raise FileNotFoundError(f"root of dataset {name!r} is not a folder: {root}")
        dataset = entry.read(split, Path(root).resolve(), cache_dir)
    return take_limit(dataset, limit)


def _entry(name: str) -> DatasetEntry:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    return DATASETS[name]
