"""The one dataset type of the suite: uint8 images, int64 labels, class names, a fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

SPLITS = ("train", "test")


class DatasetInfo(NamedTuple):
    """What a dataset is, known without loading it: class count, side in pixels, origin."""

    num_classes: int
    image_size: int
    is_synthetic: bool


@dataclass(frozen=True, eq=False)
class Dataset:
    """One split of an image-classification dataset.

    ``images`` is uint8 ``(N, H, W, 3)`` RGB (possibly a read-only memory map), ``labels`` is
    int64 ``(N,)`` with values in ``[0, len(classes))``.
    """

    name: str
    split: str
    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]

    def __post_init__(self) -> None:
        check_arrays(self.images, self.labels, f"{self.name}/{self.split}")
        if len(self.labels) and int(self.labels.max()) >= len(self.classes):
            raise ValueError(
                f"{self.name}/{self.split}: label {int(self.labels.max())} out of range for "
                f"{len(self.classes)} classes"
            )

    def __len__(self) -> int:
        return len(self.labels)

    @cached_property
    def fingerprint(self) -> str:
        """Hex SHA-1 (16 digits) of the shape, pixels and labels: equal content, equal hash."""
        return content_fingerprint(self.images, self.labels)


def check_arrays(images: np.ndarray, labels: np.ndarray, what: str) -> None:
    """Raise a one-line ValueError unless images are uint8 (N,H,W,3) and labels int64 (N,)."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"{what}: images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}"
        )
    if labels.dtype != np.int64 or labels.shape != (len(images),):
        raise ValueError(
            f"{what}: labels must be int64 ({len(images)},), got {labels.dtype} {labels.shape}"
        )


def content_fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    """Hex SHA-1 (16 digits) of ``images`` (shape and bytes) and ``labels`` (as int64)."""
    digest = hashlib.sha1(repr(images.shape).encode())
    chunk = 4096
    for start in range(0, len(images), chunk):
        digest.update(np.ascontiguousarray(images[start : start + chunk]).data)
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).data)
    return digest.hexdigest()[:16]


def balanced_order(labels: np.ndarray) -> np.ndarray:
    """Indices visiting the classes round-robin: first image of each class, then the second...

    Within a class the original order is kept; classes are visited in label order, so the
    first ``k * num_classes`` indices hold ``k`` images of every class (while classes last).
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(len(labels)) - starts
    return order[np.lexsort((sorted_labels, rank))]


def limit_rows(labels: np.ndarray, limit: int) -> np.ndarray:
    """The rows (int, ``(min(limit, N),)``) of a split with ``labels`` that a ``limit`` keeps,
    in the order kept: the first ``limit`` of :func:`balanced_order`."""
    if not isinstance(limit, int) or limit <= 0:
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    return balanced_order(labels)[:limit]


def take_limit(dataset: Dataset, limit: int | None) -> Dataset:
    """The first ``limit`` images of ``dataset`` in :func:`balanced_order` (all when None)."""
    if limit is None:
        return dataset
    keep = limit_rows(dataset.labels, limit)
    return Dataset(
        name=dataset.name,
        split=dataset.split,
        images=np.ascontiguousarray(dataset.images[keep]),
        labels=dataset.labels[keep],
        classes=dataset.classes,
    )
