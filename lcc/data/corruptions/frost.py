"""Frost: a random crop of a frost photograph blended over the image (seeded).

The five photographs (frost1.png ... frost5.jpg) are read from the data folder of the
``imagecorruptions`` wheel, located with importlib without importing that package's code.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")
FROST_SCALE = 0.2


def frost(images: np.ndarray, weights: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """``a * x + b * crop`` on the 0..255 scale, clipped; ``images`` uint8 (N, H, W, 3).

    Per image: a photograph drawn uniformly from the five, a crop at a uniform offset
    ``[0, photo_side - side)`` of the photograph scaled by 0.2 (bilinear, no antialiasing).
    """
    a, b = weights
    n, height, width, _ = images.shape
    photos = frost_photos()
    smallest = min(p.shape[0] for p in photos), min(p.shape[1] for p in photos)
    if height >= smallest[0] or width >= smallest[1]:
        raise ValueError(
            f"frost needs images smaller than {smallest[0]}x{smallest[1]} (the smallest scaled "
            f"frost photo), got {height}x{width}"
        )
    which = rng.integers(len(photos), size=n)
    crops = np.empty((n, height, width, 3), dtype=np.uint8)
    for i, photo_index in enumerate(which):
        photo = photos[photo_index]
        top = rng.integers(0, photo.shape[0] - height)
        left = rng.integers(0, photo.shape[1] - width)
        crops[i] = photo[top : top + height, left : left + width]
    return np.clip(a * images.astype(np.float64) + b * crops, 0, 255)


@cache
def frost_photos() -> tuple[np.ndarray, ...]:
    """The five frost photographs, RGB uint8, scaled by 0.2 (bilinear, pixel centres)."""
    folder = frost_folder()
    return tuple(
        resize_bilinear(np.asarray(Image.open(folder / name).convert("RGB")), FROST_SCALE)
        for name in FROST_FILES
    )


def frost_folder() -> Path:
    """``imagecorruptions/frost/`` of the installed wheel (FileNotFoundError if absent)."""
    spec = importlib.util.find_spec("imagecorruptions")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "frost photographs not found: install the 'imagecorruptions' wheel (its data only "
            "is used: pip install --no-deps imagecorruptions)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "frost"


def resize_bilinear(image: np.ndarray, factor: float) -> np.ndarray:
    """uint8 ``(H, W, C)`` scaled by ``factor``, size ``round(side * factor)``.

    Bilinear with half-pixel centres and edge clamping, no antialiasing (OpenCV's INTER_LINEAR
    convention for ``fx = fy = factor``); rounded to uint8.
    """
    out = image.astype(np.float64)
    for axis in (0, 1):
        size = image.shape[axis]
        source = np.maximum((np.arange(round(size * factor)) + 0.5) / factor - 0.5, 0)
        low = np.minimum(np.floor(source).astype(int), size - 1)
        high = np.minimum(low + 1, size - 1)
        frac = (source - low).reshape([-1 if a == axis else 1 for a in range(3)])
        out = np.take(out, low, axis) * (1 - frac) + np.take(out, high, axis) * frac
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
