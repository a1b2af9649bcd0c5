"""Gaussian blur with OpenCV's σ rule for a given odd kernel size."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve1d

from lcc.codecs.base import EncodeResult, check_images
from lcc.specs.levels import blur_kernel

CHUNK = 32  # images blurred at once


def opencv_sigma(kernel_size: int) -> float:
    """σ that OpenCV derives from a kernel size k: 0.3 * ((k - 1) / 2 - 1) + 0.8."""
    return 0.3 * ((kernel_size - 1) / 2 - 1) + 0.8


def gaussian_kernel(kernel_size: int) -> np.ndarray:
    """The normalised 1-D Gaussian kernel ``(k,)`` with :func:`opencv_sigma`."""
    offsets = np.arange(kernel_size) - (kernel_size - 1) / 2
    weights = np.exp(-(offsets**2) / (2 * opencv_sigma(kernel_size) ** 2))
    return weights / weights.sum()


class GaussianBlurCodec:
    """Separable k x k Gaussian blur per channel, borders reflected as OpenCV does
    (``BORDER_REFLECT_101``), rounded to uint8; no rate."""

    name = "blur"

    def __init__(self, kernel_size: int) -> None:
        self.kernel_size = blur_kernel(kernel_size)
        self.level = float(self.kernel_size)

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Blurred copies of uint8 ``(N, H, W, 3)`` images, :data:`CHUNK` images at a time
        (a cache-sized float64 block: one pass over the whole batch is several times slower)."""
        images = check_images(images)
        kernel = gaussian_kernel(self.kernel_size)
        out = np.empty_like(images)
        for start in range(0, len(images), CHUNK):
            block = images[start : start + CHUNK].astype(np.float64)
            block = convolve1d(block, kernel, axis=1, mode="mirror")
            block = convolve1d(block, kernel, axis=2, mode="mirror")
            out[start : start + CHUNK] = np.rint(np.clip(block, 0, 255))
        return EncodeResult(reconstructions=out)
