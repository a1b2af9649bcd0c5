"""HOG-guided JPEG (``hog-jpeg``, thesis §6.1) beside plain JPEG on real CIFAR-10 test images.

For each quality it encodes the first ``--images`` test images (class-balanced order, as the
suite's ``data.test_limit``) with both codecs and prints one row per codec: the mean (± std
over images) foreground fraction of the HOG mask (0 for JPEG), the content bpp (the thesis'
rate: JPEG's start of scan to end of file; for hog-jpeg plus the lossless foreground and the
mask, lcc/codecs/hog_jpeg.py), its foreground and mask shares, and PSNR/SSIM against the
originals; and, for the mask's one free choice, the mean foreground fraction at a few energy
quantiles. Not a timing: it may run beside other work.

The shared CIFAR-10 copy is stored as JPEG q75 (4:2:0): the "originals" already carry JPEG
artifacts, which favours JPEG when it re-encodes them; absolute rates are lower than on the
lossless release.

    .venv/bin/python benchmarks/hog_jpeg_cifar10.py [--data DIR_OR_TAR] [--images 1000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from rd_cifar10_bls import SHARED, cifar10_root  # same folder: run as a script

from lcc.codecs import get
from lcc.codecs.foreground import CELL, QUANTILE, cell_energy, cell_mask, foreground_mask
from lcc.codecs.hog_jpeg import foreground_bits
from lcc.data import load
from lcc.metrics import psnr, ssim

QUALITIES = (10, 40)  # JPEG's levels in the future_cpu and future_work sweeps
SENSITIVITY = (0.5, 0.75, 0.85, 0.9)  # energy quantiles whose mean mask fraction is printed


def mean_std(values: np.ndarray, digits: int) -> str:
    """``mean ± std`` of ``values`` at ``digits`` decimals."""
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def row(name, quality, result, images, fraction, foreground, mask) -> list[str]:
    """One table row: codec, level, foreground fraction, bpp, its foreground and mask parts
    (bpp), PSNR and SSIM, each mean ± std over images except the fixed mask part."""
    return [
        name, f"q={quality}", mean_std(fraction, 3), mean_std(result.bpp(), 3),
        mean_std(foreground, 3), f"{mask:.4f}",
        mean_std(psnr(images, result.reconstructions), 2),
        mean_std(ssim(images, result.reconstructions), 4),
    ]  # fmt: skip


def rows(images: np.ndarray, quality: int) -> list[list[str]]:
    """The table's JPEG and hog-jpeg rows at ``quality`` for uint8 ``(N, H, W, 3)`` images."""
    pixels = images.shape[1] * images.shape[2]
    cells, mask = foreground_mask(images)
    jpeg = get("jpeg", quality).encode(images)
    ours = get("hog-jpeg", quality).encode(images)
    none = np.zeros(len(images))
    foreground = foreground_bits(images, jpeg.reconstructions, mask) / pixels
    return [
        row("jpeg", quality, jpeg, images, none, none, 0.0),
        row("hog-jpeg", quality, ours, images, mask.mean(axis=(1, 2)), foreground,
            cells[0].size / pixels),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED, help="CIFAR-10 folder or .tar.gz")
    parser.add_argument("--images", type=int, default=1000, help="first N test images")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = cifar10_root(args.data, Path(scratch))
        images = np.ascontiguousarray(load("cifar10", "test", root=root, limit=args.images).images)
    print(f"{len(images)} CIFAR-10 test images (shared JPEG-q75 copy); HOG cell {CELL} px, "
          f"energy quantile {QUANTILE}")  # fmt: skip
    energy = cell_energy(images)
    fractions = ", ".join(f"{q}: {cell_mask(energy, q).mean():.3f}" for q in SENSITIVITY)
    print(f"mean foreground fraction by energy quantile: {fractions}")
    header = ["codec", "level", "foreground", "bpp", "fg bpp", "mask bpp", "PSNR dB", "SSIM"]
    table = [header, *(row for q in QUALITIES for row in rows(images, q))]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
