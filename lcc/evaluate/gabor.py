"""Histograms of Gabor filter response magnitudes of an image set (thesis §6.2, future work).

Each image (uint8 RGB) is made grayscale on [0, 1] (``skimage.color.rgb2gray``: 0.2125 R +
0.7154 G + 0.0721 B) and filtered with every complex kernel of the bank,
``skimage.filters.gabor_kernel(frequency, theta, bandwidth)`` for each frequency and
orientation of :class:`lcc.specs.gabor.GaborSettings` (units there). Borders are extended by
mirroring (``np.pad`` mode ``symmetric``, scipy's ``reflect``, which ``skimage.filters.gabor``
uses), so the responses are those of ``skimage.filters.gabor`` on each image; the
convolutions run by FFT over a batch of images at once (``scipy.signal.fftconvolve``), one
call per filter and batch. The magnitude ``|real + i imag|`` of every pixel's response is
divided by the kernel's l1 norm and counted in fixed bins over [0, ``max_response``] (the
last bin also counts larger ones), the same edges for every set, so two sets' histograms are
comparable bin by bin (:mod:`lcc.evaluate.gabor_distance`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve
from skimage.color import rgb2gray
from skimage.filters import gabor_kernel

from lcc.specs.gabor import GaborSettings

BATCH = 256  # images per FFT convolution: about 256 x 66 x 66 complex128, 18 MB at 32x32


@dataclass(frozen=True)
class Filter:
    """One kernel of the bank: ``orientation`` in degrees, ``frequency`` in cycles per
    pixel, ``kernel`` complex128 ``(k, k)`` (k odd) from ``skimage.filters.gabor_kernel``."""

    orientation: float
    frequency: float
    kernel: np.ndarray

    @property
    def l1(self) -> float:
        """The kernel's l1 norm: the largest response magnitude an image on [0, 1] can give."""
        return float(np.abs(self.kernel).sum())


@dataclass(frozen=True)
class GaborHistograms:
    """The response histograms of one image set.

    ``filters``: the bank, in row order of ``fraction``; ``edges``: float64 ``(bins + 1,)``
    on the normalised magnitude scale; ``fraction``: float64 ``(F, bins)``, each row the
    share of that filter's responses (pixels x images) in each bin, summing to 1;
    ``overflow``: float64 ``(F,)``, the share above ``edges[-1]`` (counted in the last bin);
    ``images_per_s``: images filtered by the whole bank per second.
    """

    filters: tuple[Filter, ...]
    edges: np.ndarray
    fraction: np.ndarray
    overflow: np.ndarray
    n_images: int
    seconds: float
    images_per_s: float


def gabor_bank(settings: GaborSettings) -> tuple[Filter, ...]:
    """The bank's kernels, frequencies outer, orientations inner (theta = angle in radians)."""
    return tuple(
        Filter(angle, frequency, gabor_kernel(frequency, np.deg2rad(angle), settings.bandwidth))
        for frequency in settings.frequencies
        for angle in settings.angles
    )


def bin_edges(settings: GaborSettings) -> np.ndarray:
    """The ``bins + 1`` equal-width edges over [0, ``max_response``] every set shares."""
    return np.linspace(0.0, settings.max_response, settings.bins + 1)


def grayscale(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W, 3)`` -> float64 ``(N, H, W)`` luminance on [0, 1]."""
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"invalid images {images.dtype} {images.shape}; valid: uint8 (N, H, W, 3)")
    return rgb2gray(np.asarray(images))


def magnitudes(gray: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``|gray * kernel|`` of a float ``(N, H, W)`` batch, borders mirrored: float64
    ``(N, H, W)``, each image as ``skimage.filters.gabor(image, ..., mode="reflect")``."""
    half_y, half_x = kernel.shape[0] // 2, kernel.shape[1] // 2
    padded = np.pad(gray, ((0, 0), (half_y, half_y), (half_x, half_x)), mode="symmetric")
    return np.abs(fftconvolve(padded, kernel[None], mode="valid", axes=(1, 2)))


def response_histograms(images: np.ndarray, settings: GaborSettings) -> GaborHistograms:
    """The histograms of uint8 ``(N, H, W, 3)`` ``images`` (all N of them; a caller keeps the
    first ``settings.images``) under the bank of ``settings``, :data:`BATCH` images at a time."""
    bank, edges = gabor_bank(settings), bin_edges(settings)
    counts = np.zeros((len(bank), settings.bins), dtype=np.int64)
    above = np.zeros(len(bank), dtype=np.int64)
    started = time.perf_counter()
    for start in range(0, len(images), BATCH):
        gray = grayscale(images[start : start + BATCH])
        for f, item in enumerate(bank):
            scaled = magnitudes(gray, item.kernel).ravel() / item.l1
            index = np.minimum((scaled * (settings.bins / settings.max_response)).astype(np.int64),
                               settings.bins - 1)  # fmt: skip
            counts[f] += np.bincount(index, minlength=settings.bins)
            above[f] += np.count_nonzero(scaled > settings.max_response)
    seconds = time.perf_counter() - started
    total = np.maximum(counts.sum(axis=1, keepdims=True), 1)
    return GaborHistograms(
        filters=bank,
        edges=edges,
        fraction=counts / total,
        overflow=above / total[:, 0],
        n_images=len(images),
        seconds=seconds,
        images_per_s=len(images) / max(seconds, 1e-9),
    )
