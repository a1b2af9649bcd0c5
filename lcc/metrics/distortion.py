"""Mean squared error and PSNR per image, on the 0..255 scale."""

from __future__ import annotations

import numpy as np

PEAK = 255.0


def _pair(reference: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reference, test = np.asarray(reference), np.asarray(test)
    if reference.shape != test.shape or reference.ndim != 4:
        raise ValueError(
            f"expected two (N, H, W, C) arrays of one shape; got {reference.shape}, {test.shape}"
        )
    return reference, test


def mse(reference: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Per-image MSE ``(N,)`` over all pixels and channels of ``(N, H, W, C)`` images, 0..255."""
    reference, test = _pair(reference, test)
    diff = reference.astype(np.float64) - test.astype(np.float64)
    return np.mean(diff * diff, axis=(1, 2, 3))


def psnr(reference: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Per-image PSNR ``(N,)`` in dB with peak 255; ``inf`` for identical images."""
    errors = mse(reference, test)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(PEAK**2 / errors)
