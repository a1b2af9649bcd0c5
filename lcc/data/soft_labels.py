"""Per-image class distributions ("soft labels") of a test split, in CIFAR-10H's layout
(thesis §6.3, future work: human soft labels).

Peterson et al. (ICCV 2019, "Human uncertainty makes classification more robust") publish
``cifar10h-probs.npy``: float64 ``(10000, 10)``, row ``i`` the fraction of annotators who
chose each class for CIFAR-10 test image ``i``, in the order of the python version's
``test_batch``. :func:`lcc.data.load` reads the test split in that order from the python
batches; an image-folder copy (``test/<class>/*.png``, lcc/data/cifar10.py) is sorted by class,
so its rows do not match the file's, and :func:`aligned_targets` refuses it.

The rules, one place each:

- the file is a ``.npy`` array, ``(N, C)`` with ``C`` the dataset's class count, finite and
  non-negative; every row sums to 1 within :data:`SUM_TOLERANCE`. A row off by more is refused
  (a file of annotator counts or logits is not a distribution, and guessing what was meant
  would train on something else); rows within it are divided by their sum, so float error in
  the file changes nothing (:func:`read_soft_labels`);
- row order: the file's ``argmax`` must agree with the split's hard labels on at least
  :data:`MIN_AGREEMENT` of the rows (CIFAR-10H agrees on about 95 %; a shuffled or class-sorted
  order on about 10 %), else a one-line error says the order does not match;
- a ``limit`` keeps the rows that :func:`lcc.data.load` keeps for that limit
  (:func:`lcc.data.dataset.limit_rows`: class-balanced, not the first N), so each kept image
  keeps its own row;
- :func:`fingerprint` is the content hash a job's config carries, so a changed file reruns it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from lcc.data.dataset import limit_rows
from lcc.data.registry import load

SUFFIX = ".npy"
SUM_TOLERANCE = 1e-6  # |row sum - 1| above this is refused
MIN_AGREEMENT = 0.9  # share of rows whose argmax is the hard label, at least


class SoftLabelError(ValueError):
    """A soft-label file that cannot be used: one line naming the file and what is wrong."""


def read_soft_labels(path: str | os.PathLike, num_classes: int | None = None) -> np.ndarray:
    """float64 ``(N, num_classes)``: the checked rows of the ``.npy`` file at ``path``, each
    divided by its sum (module docstring); ``num_classes`` None takes any number of columns.
    Raises :class:`SoftLabelError`."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise SoftLabelError(f"soft labels {path}: expected a {SUFFIX} file (CIFAR-10H layout)")
    if not path.is_file():
        raise SoftLabelError(f"soft labels {path}: no such file")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise SoftLabelError(f"soft labels {path}: not a numpy array file ({err})") from None
    width = array.shape[1] if array.ndim == 2 and num_classes is None else num_classes
    if array.ndim != 2 or array.shape[1] != width or not len(array) or width < 2:
        raise SoftLabelError(
            f"soft labels {path}: shape {array.shape}; expected (N, {width or 'C'}), one row "
            "of class probabilities per image"
        )
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
        raise SoftLabelError(f"soft labels {path}: dtype {array.dtype}; expected floats")
    probs = array.astype(np.float64)
    _check_values(probs, path)
    return probs / probs.sum(axis=1, keepdims=True)


def _check_values(probs: np.ndarray, path: Path) -> None:
    """One-line :class:`SoftLabelError` at the first non-finite, negative or non-normalised
    row of float64 ``probs``."""
    bad = ~np.isfinite(probs).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SoftLabelError(f"soft labels {path}: row {row} is not finite ({probs[row]})")
    bad = (probs < 0).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SoftLabelError(f"soft labels {path}: row {row} has a negative probability "
                             f"({probs[row].min()}); probabilities lie in [0, 1]")  # fmt: skip
    off = np.abs(probs.sum(axis=1) - 1.0)
    if (off > SUM_TOLERANCE).any():
        row = int(np.argmax(off))
        raise SoftLabelError(
            f"soft labels {path}: row {row} sums to {probs[row].sum():.9g}; every row must sum "
            f"to 1 within {SUM_TOLERANCE:g}"
        )


def fingerprint(probs: np.ndarray) -> str:
    """Hex SHA-1 (16 digits) of float64 ``probs`` (shape and bytes): a job's config carries it,
    so changing the file's content (not its path) changes the job's signature."""
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    digest = hashlib.sha1(repr(probs.shape).encode())
    digest.update(probs.data)
    return digest.hexdigest()[:16]


def aligned_targets(
    probs: np.ndarray, labels: np.ndarray, limit: int | None, path: str | os.PathLike
) -> np.ndarray:
    """float32 ``(n, C)``: the rows of ``probs`` for the images a ``limit`` keeps of a split
    whose hard labels, in file order, are int ``labels`` ``(N,)``, in the order kept.

    Refuses (:class:`SoftLabelError`) a file with another number of rows, or whose argmax
    agrees with ``labels`` on fewer than :data:`MIN_AGREEMENT` of the rows (its order is not
    the split's)."""
    labels = np.asarray(labels)
    if len(probs) != len(labels):
        raise SoftLabelError(f"soft labels {path}: {len(probs)} rows; the split has "
                             f"{len(labels)} images, one row each in its order")  # fmt: skip
    agreement = float(np.mean(probs.argmax(axis=1) == labels))
    if agreement < MIN_AGREEMENT:
        raise SoftLabelError(
            f"soft labels {path}: the file's order does not match the split's: its argmax is "
            f"the image's label for {agreement:.1%} of rows, need >= {MIN_AGREEMENT:.0%} "
            "(CIFAR-10H follows the python test_batch; an image-folder copy is class-sorted)"
        )
    rows = np.arange(len(labels)) if limit is None else limit_rows(labels, limit)
    return probs[rows].astype(np.float32)


def split_targets(
    path: str | os.PathLike,
    dataset: str,
    root: str | os.PathLike | None,
    limit: int | None,
    expected: str | None = None,
    split: str = "test",
) -> np.ndarray:
    """float32 ``(n, C)``: the soft labels at ``path`` of the images that
    ``lcc.data.load(dataset, split, root, limit)`` returns, in its order (module docstring).
    ``expected``: the :func:`fingerprint` the file had when the job was planned; a file changed
    since is refused."""
    full = load(dataset, split, root)
    probs = read_soft_labels(path, len(full.classes))
    if expected is not None and fingerprint(probs) != expected:
        raise SoftLabelError(f"soft labels {path}: content {fingerprint(probs)} differs from "
                             f"{expected}, planned; launch again to plan the new file")  # fmt: skip
    return aligned_targets(probs, full.labels, limit, path)
