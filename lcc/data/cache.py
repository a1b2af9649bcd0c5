"""Decoded-array cache: arrays decoded once per source, stored as memory-mappable ``.npy``.

The folder is ``cache_dir`` if given, else ``$LCC_CACHE``, else ``~/.cache/lcc``. An entry is
keyed by what it was decoded from (absolute paths, sizes and modification times of every
source file), so touching or replacing a source file makes a fresh entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lcc.atomic import atomic_path

Decoded = tuple[np.ndarray, np.ndarray, tuple[str, ...]]  # images, labels, class names


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$LCC_CACHE``, else ``~/.cache/lcc``."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("LCC_CACHE"):
        return Path(os.environ["LCC_CACHE"])
    return Path.home() / ".cache" / "lcc"


def source_key(tag: str, files: Sequence[Path]) -> str:
    """Hex SHA-1 of ``tag`` and each file's absolute path, size and mtime (nanoseconds)."""
    digest = hashlib.sha1(tag.encode())
    for path in files:
        st = os.stat(path)
        digest.update(f"\0{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:20]


def load_cached(
    tag: str,
    files: Sequence[Path],
    decode: Callable[[], Decoded],
    cache_dir: str | os.PathLike | None = None,
) -> Decoded:
    """``decode()``'s arrays, from the cache when an entry for these ``files`` exists.

    Images come back as a read-only memory map; labels int64; the entry is written atomically
    (a temporary folder renamed into place), so concurrent loaders never see half an entry.
    """
    entry = cache_root(cache_dir) / f"{tag}-{source_key(tag, files)}"
    if not (entry / "classes.json").exists():
        _write_entry(entry, *decode())
    images = np.load(entry / "images.npy", mmap_mode="r")
    labels = np.load(entry / "labels.npy")
    classes = tuple(json.loads((entry / "classes.json").read_text()))
    return images, labels, classes


def _write_entry(
    entry: Path, images: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]
) -> None:
    try:
        with atomic_path(entry, folder=True) as tmp:
            np.save(tmp / "images.npy", np.ascontiguousarray(images, dtype=np.uint8))
            np.save(tmp / "labels.npy", np.asarray(labels, dtype=np.int64))
            (tmp / "classes.json").write_text(json.dumps(list(classes)))
    except OSError:
        if not (entry / "classes.json").exists():
            raise
        # another process wrote the same entry first: its arrays are the same
