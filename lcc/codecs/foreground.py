"""A foreground mask from Histograms of Oriented Gradients (HOG), for the thesis' future work
(§6.1): "Using computer vision algorithms such as Histogram of Oriented Gradients (HOG), we can
detect and compress background pixels, leaving the object in the foreground as is."

The rule, per image, on a grid of ``cell`` x ``cell`` pixel cells (HOG's own cells):

1. **Energy.** A cell's HOG energy is the sum of its orientation histogram: the mean gradient
   magnitude over its pixels (HOG's gradient: centred differences, at each pixel the colour
   channel of largest magnitude; 0 on the image's outermost rows and columns; pixel units,
   0..255 scale). The sum does not depend on the number of orientation bins, so it is read off
   :func:`skimage.feature.hog` with one bin. skimage returns only block-normalised
   descriptors (a one-cell block scales every cell to unit length, which erases the energy),
   so the unnormalised histogram is read from hog's ``visualize`` image, which draws each
   cell's bin value along a line inside that cell: the cell's largest pixel is its value.
2. **Seeds.** Cells whose energy is at least the image's ``quantile``-th quantile of its cell
   energies (``numpy.quantile``, linear interpolation) and above 0 (a flat image has none).
3. **Dilation** of the seeds by one cell (its 8 neighbours), to take in the object's smooth
   inside and its outline's other side.
4. **Component.** Of the dilated cells' 8-connected components, the one holding the cell
   nearest the image centre (CIFAR's objects are roughly centred; ties: the first in raster
   order) is the foreground; all the others are background.

Pixels outside the last whole cell (when a side is not a multiple of ``cell``) are background.
Defaults: :data:`CELL` = 4 pixels (an 8 x 8 grid on 32 x 32 CIFAR-10) and :data:`QUANTILE` =
0.85 (the top 15% of cells, about 10 of 64, seed the mask; on 1,000 CIFAR-10 test images the
mask then covers 58% of the pixels on average, 73% at 0.75, 47% at 0.9:
benchmarks/hog_jpeg_cifar10.py). The mask is not filled: an object larger than about
1 − ``quantile`` of the cells is covered where its gradients are strongest and their
neighbours, so its smooth inside may fall to the background. Steps 2–4 run on the whole batch
at once; HOG runs per image (about 1 ms at 32 x 32).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import ndimage
from skimage.feature import hog

from lcc.codecs.base import check_images

CELL = 4  # pixels per cell side
QUANTILE = 0.85  # energy quantile (per image) a seed cell reaches

# 8-connected in a cell grid, and nothing connected across the images of a batch.
_NEIGHBOURS = np.zeros((3, 3, 3), dtype=bool)
_NEIGHBOURS[1] = True


def check_cell(cell: int) -> int:
    """``cell`` checked: an integer cell side >= 2 pixels (a one-line ValueError otherwise)."""
    if isinstance(cell, bool) or not isinstance(cell, int | np.integer) or cell < 2:
        raise ValueError(f"invalid HOG cell size {cell!r}; valid: an integer >= 2 pixels")
    return int(cell)


def check_quantile(quantile: float) -> float:
    """``quantile`` checked: a number in [0, 1] (a one-line ValueError otherwise)."""
    if isinstance(quantile, bool) or not isinstance(quantile, Real) or not 0 <= quantile <= 1:
        raise ValueError(f"invalid energy quantile {quantile!r}; valid: 0 <= quantile <= 1")
    return float(quantile)


def cell_energy(images: np.ndarray, cell: int = CELL) -> np.ndarray:
    """HOG energy of every cell (step 1 of the module's rule): float64 ``(N, H // cell,
    W // cell)``, the mean gradient magnitude of each cell of uint8 ``(N, H, W, 3)`` images."""
    images = check_images(images)
    cell = check_cell(cell)
    rows, cols = images.shape[1] // cell, images.shape[2] // cell
    if rows == 0 or cols == 0:
        raise ValueError(f"images of {images.shape[1:3]} pixels hold no {cell}x{cell} cell")
    out = np.empty((len(images), rows, cols))
    for i, image in enumerate(images):
        _, drawn = hog(image, orientations=1, pixels_per_cell=(cell, cell),
                       cells_per_block=(1, 1), visualize=True, channel_axis=-1)  # fmt: skip
        cells = drawn[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell)
        out[i] = cells.max(axis=(1, 3))
    return out


def cell_mask(energy: np.ndarray, quantile: float = QUANTILE) -> np.ndarray:
    """The foreground cells (steps 2–4 of the module's rule) of cell energies ``(N, R, C)``:
    bool ``(N, R, C)``."""
    quantile = check_quantile(quantile)
    n, rows, cols = energy.shape
    level = np.quantile(energy.reshape(n, -1), quantile, axis=1)[:, None, None]
    seeds = (energy >= level) & (energy > 0)
    grown = ndimage.binary_dilation(seeds, structure=_NEIGHBOURS)
    components, _ = ndimage.label(grown, structure=_NEIGHBOURS)
    # Distance of each cell's centre to the image centre, +inf off the grown cells.
    r, c = np.meshgrid(np.arange(rows) + 0.5, np.arange(cols) + 0.5, indexing="ij")
    distance = np.hypot(r - rows / 2, c - cols / 2)
    distance = np.where(grown, distance[None], np.inf).reshape(n, -1)
    nearest = components.reshape(n, -1)[np.arange(n), distance.argmin(axis=1)]
    return (components == nearest[:, None, None]) & grown


def foreground_mask(
    images: np.ndarray, cell: int = CELL, quantile: float = QUANTILE
) -> tuple[np.ndarray, np.ndarray]:
    """The HOG foreground of uint8 ``(N, H, W, 3)`` images by the module's rule: ``(cells,
    pixels)``, bool ``(N, H // cell, W // cell)`` and bool ``(N, H, W)`` (True: foreground)."""
    cells = cell_mask(cell_energy(images, cell), quantile)
    pixels = np.zeros(images.shape[:3], dtype=bool)
    rows, cols = cells.shape[1:]
    pixels[:, : rows * cell, : cols * cell] = cells.repeat(cell, axis=1).repeat(cell, axis=2)
    return cells, pixels
