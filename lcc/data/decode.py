"""Decoding image files (PNG/JPEG) into one uint8 array, a few threads at a time."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def natural_key(path: Path) -> tuple:
    """Sort key ordering ``img2`` before ``img10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def list_images(folder: Path) -> list[Path]:
    """The PNG/JPEG files directly in ``folder``, in natural name order."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files, key=natural_key)


def decode_images(files: Sequence[Path], size: int) -> np.ndarray:
    """uint8 ``(len(files), size, size, 3)`` RGB pixels of ``files`` (grey/RGBA made RGB).

    Raises a one-line ValueError naming the first file whose size is not ``size`` x ``size``.
    """
    images = np.empty((len(files), size, size, 3), dtype=np.uint8)

    def decode_into(index: int) -> None:
        with Image.open(files[index]) as img:
            rgb = img.convert("RGB")
        if rgb.size != (size, size):
            raise ValueError(f"{files[index]}: image is {rgb.size}, expected ({size}, {size})")
        images[index] = np.asarray(rgb)

    workers = min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(decode_into, range(len(files)), chunksize=256))
    return images
