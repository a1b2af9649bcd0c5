"""CIFAR-10-C in the release layout: read it (RobustBench-compatible), or generate it.

Layout (Hendrycks & Dietterich 2019): ``<root>/<corruption>.npy`` uint8 ``(5 * N, H, W, 3)``
whose rows ``[(s - 1) * N, s * N)`` are severity ``s`` in test-set order, and
``<root>/labels.npy`` uint8 ``(5 * N,)``, the test labels repeated five times. A generated
folder also holds ``meta.json``; when it lists fewer severities than 1-5, the blocks follow
that list instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lcc.atomic import atomic_path
from lcc.data.corruptions import (
    CORRUPTIONS,
    SEVERITIES,
    check_corruption,
    check_severity,
    corrupt,
    generation_settings,
)

# The nineteen files of the release (the thesis uses the ten of CORRUPTIONS).
RELEASE_CORRUPTIONS = (
    *CORRUPTIONS,
    "shot_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "spatter",
)
META_FILE = "meta.json"


def load_cifar10c(
    root: str | os.PathLike, corruption: str, severity: int
) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 ``(N, H, W, 3)`` (a read-only memory map) and labels int64 ``(N,)``.

    Raises one clear error for a missing folder or file, an unknown corruption, a severity
    outside 1-5 or absent from the folder, or files of the wrong dtype/shape/length.
    """
    root = Path(root)
    if corruption not in RELEASE_CORRUPTIONS:
        valid = ", ".join(RELEASE_CORRUPTIONS)
        raise KeyError(f"unknown CIFAR-10-C corruption {corruption!r}; valid: {valid}")
    check_severity(severity)
    if not root.is_dir():
        raise FileNotFoundError(f"CIFAR-10-C folder not found: {root}")
    severities = release_severities(root)
    if severity not in severities:
        raise ValueError(f"{root} holds severities {list(severities)}, not {severity}")
    labels = _load_npy(root / "labels.npy")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{root / 'labels.npy'}: expected integer (5*N,), got {labels.dtype} {labels.shape}"
        )
    images = _load_npy(root / f"{corruption}.npy")
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"{root / (corruption + '.npy')}: expected uint8 (5*N, H, W, 3), got {images.dtype} "
            f"{images.shape}"
        )
    if len(images) != len(labels) or len(labels) % len(severities):
        raise ValueError(
            f"{root / (corruption + '.npy')} has {len(images)} images but labels.npy has "
            f"{len(labels)} labels; expected equal counts, a multiple of {len(severities)}"
        )
    n = len(labels) // len(severities)
    block = slice(severities.index(severity) * n, (severities.index(severity) + 1) * n)
    return images[block], np.asarray(labels[block], dtype=np.int64)


def write_cifar10c(
    root: str | os.PathLike,
    corruption: str,
    stacked: np.ndarray,
    labels: np.ndarray,
    severities: Sequence[int] = SEVERITIES,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write one corruption file (+ ``labels.npy``, ``meta.json``) in the release layout.

    ``stacked`` is uint8 ``(len(severities) * N, H, W, 3)``, severity blocks in the order of
    ``severities``; ``labels`` the N clean labels (class ids < 256). Files appear atomically.
    Returns the path of ``<corruption>.npy``.
    """
    root = Path(root)
    labels = np.asarray(labels)
    if stacked.dtype != np.uint8 or stacked.shape[0] != len(severities) * len(labels):
        raise ValueError(
            f"{corruption}: expected uint8 ({len(severities)} * {len(labels)}, H, W, 3), got "
            f"{stacked.dtype} {stacked.shape}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() > 255):
        raise ValueError("CIFAR-10-C labels are stored as uint8: class ids must be in 0-255")
    root.mkdir(parents=True, exist_ok=True)
    _save_atomic(root / "labels.npy", np.tile(labels.astype(np.uint8), len(severities)))
    info = {**(meta or {}), "severities": list(severities), "n": len(labels)}
    (root / META_FILE).write_text(json.dumps(info, indent=1))
    return _save_atomic(root / f"{corruption}.npy", stacked)


def generate_cifar10c(
    images: np.ndarray,
    labels: np.ndarray,
    out_root: str | os.PathLike,
    corruptions: Sequence[str] = CORRUPTIONS,
    severities: Sequence[int] = SEVERITIES,
    seed: int = 0,
    meta: Mapping[str, Any] | None = None,
    generation: Mapping[str, Any] | None = None,
) -> Path:
    """Corrupt a test split (uint8 ``(N, H, W, 3)``, labels ``(N,)``) into the release layout.

    One file per corruption, severity blocks in the order of ``severities`` (1-5 for the
    release layout); ``meta`` (e.g. the source dataset and fingerprint) goes into meta.json.
    ``generation`` is :func:`~lcc.data.corruptions.generation_settings`' dict for these
    corruptions and severities (None: computed here). Returns ``out_root``.
    """
    if generation is None:
        generation = generation_settings(corruptions, severities)
    for corruption in corruptions:
        for severity in severities:
            check_corruption(corruption, severity)
    info = {**(meta or {}), "seed": seed, "corruptions": list(corruptions)}
    params, chunk = generation["params"], generation["chunk"]
    for corruption in corruptions:
        stacked = np.concatenate([
            corrupt(images, corruption, s, seed, params[corruption][str(s)], chunk)
            for s in severities
        ])  # fmt: skip
        write_cifar10c(out_root, corruption, stacked, labels, severities, info)
    return Path(out_root)


def release_severities(root: Path) -> tuple[int, ...]:
    """The severities a release folder holds, in block order: its ``meta.json``'s, else 1-5."""
    meta = root / META_FILE
    if not meta.is_file():
        return SEVERITIES
    return tuple(json.loads(meta.read_text()).get("severities", SEVERITIES))


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR-10-C file missing: {path}")
    try:
        return np.load(path, mmap_mode="r")
    except ValueError as err:
        raise ValueError(f"{path}: not a readable .npy array ({err})") from None


def _save_atomic(path: Path, array: np.ndarray) -> Path:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array)
    return path
