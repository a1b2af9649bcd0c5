"""Listing and decoding image files (PNG/JPEG) into one uint8 array."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
PIL_FORMATS = ("JPEG", "PNG")  # skip probing every other format


def natural_key(path: Path) -> tuple:
    """Sort key ordering ``img2`` before ``img10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def list_images(folder: Path) -> list[Path]:
    """The PNG/JPEG files directly in ``folder``, in natural name order."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files, key=natural_key)


def decode_images(files: Sequence[Path], size: int) -> np.ndarray:
    """uint8 ``(len(files), size, size, 3)`` RGB pixels of ``files`` (grey/RGBA made RGB).

    Raises a one-line ValueError naming the first file that is not ``size`` x ``size``.
    """
    images = np.empty((len(files), size, size, 3), dtype=np.uint8)
    for index, path in enumerate(files):
        with Image.open(path, formats=PIL_FORMATS) as img:
            if img.size != (size, size):
                raise ValueError(f"{path}: image is {img.size}, expected ({size}, {size})")
            images[index] = np.asarray(img if img.mode == "RGB" else img.convert("RGB"))
    return images
