"""SSIM per image, batched, equal to scikit-image's ``structural_similarity``.

The author computed SSIM with scikit-image on RGB images: a 7x7 uniform window, Gaussian
weights off, sample covariance, K1 = 0.01, K2 = 0.03, ``data_range`` 255, the mean over the
valid (un-padded) window positions and over channels. This module runs the same computation
on a whole batch at once; tests check it against scikit-image to 1e-4.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter

from lcc.metrics.distortion import PEAK, _pair

WINDOW = 7
K1, K2 = 0.01, 0.03


def ssim(
    reference: np.ndarray, test: np.ndarray, data_range: float = PEAK, chunk: int = 1024
) -> np.ndarray:
    """Per-image SSIM ``(N,)`` of ``(N, H, W, C)`` images (H, W >= 7), ``chunk`` at a time."""
    reference, test = _pair(reference, test)
    if min(reference.shape[1:3]) < WINDOW:
        raise ValueError(f"SSIM needs images of at least {WINDOW}x{WINDOW}; got {reference.shape}")
    return np.concatenate(
        [
            _ssim_batch(reference[i : i + chunk], test[i : i + chunk], data_range)
            for i in range(0, len(reference), chunk)
        ]
        or [np.empty(0)]
    )


def _ssim_batch(reference: np.ndarray, test: np.ndarray, data_range: float) -> np.ndarray:
    x = reference.astype(np.float64)
    y = test.astype(np.float64)
    size = (1, WINDOW, WINDOW, 1)  # filter each image and channel over height and width only

    def mean(a: np.ndarray) -> np.ndarray:
        return uniform_filter(a, size=size, mode="reflect")

    n_px = WINDOW * WINDOW
    cov_norm = n_px / (n_px - 1)  # sample covariance, as scikit-image's default
    ux, uy = mean(x), mean(y)
    vx = cov_norm * (mean(x * x) - ux * ux)
    vy = cov_norm * (mean(y * y) - uy * uy)
    vxy = cov_norm * (mean(x * y) - ux * uy)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = (WINDOW - 1) // 2
    return s[:, pad:-pad, pad:-pad, :].mean(axis=(1, 2, 3))
