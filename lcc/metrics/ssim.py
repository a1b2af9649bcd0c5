"""SSIM per image, batched, equal to scikit-image's ``structural_similarity``.

The author computed SSIM with scikit-image on RGB images: a 7x7 uniform window, Gaussian
weights off, sample covariance, K1 = 0.01, K2 = 0.03, ``data_range`` 255, the mean over the
valid (un-padded) window positions and over channels. This module runs the same computation
on a whole batch at once; tests check it against scikit-image to 1e-4.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from lcc.metrics.distortion import PEAK, _pair

WINDOW = 7
K1, K2 = 0.01, 0.03


def ssim(
    reference: np.ndarray, test: np.ndarray, data_range: float = PEAK, chunk: int = 128
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
    mean = _window_means
    n_px = WINDOW * WINDOW
    cov_norm = n_px / (n_px - 1)  # sample covariance, as scikit-image's default
    ux, uy = mean(x), mean(y)
    vx = cov_norm * (mean(x * x) - ux * ux)
    vy = cov_norm * (mean(y * y) - uy * uy)
    vxy = cov_norm * (mean(x * y) - ux * uy)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return s.mean(axis=(1, 2, 3))


def _window_means(a: np.ndarray) -> np.ndarray:
    """Means of ``a`` ``(N, H, W, C)`` over every 7x7 window lying inside the image,
    ``(N, H - 6, W - 6, C)``: the positions scikit-image keeps after filtering (it crops the
    border, where its filter reflects), computed with running sums."""
    sums = np.zeros((a.shape[0], a.shape[1] + 1, *a.shape[2:]))
    np.cumsum(a, axis=1, out=sums[:, 1:])
    rows = sums[:, WINDOW:] - sums[:, :-WINDOW]
    sums = np.zeros((*rows.shape[:2], rows.shape[2] + 1, rows.shape[3]))
    np.cumsum(rows, axis=2, out=sums[:, :, 1:])
    return (sums[:, :, WINDOW:] - sums[:, :, :-WINDOW]) / (WINDOW * WINDOW)


def ssim_torch(
    reference: torch.Tensor, test: torch.Tensor, data_range: float = 1.0
) -> torch.Tensor:
    """Differentiable per-image SSIM ``(N,)`` of float ``(N, C, H, W)`` torch tensors (H, W >=
    7), the same computation as :func:`ssim` (7x7 uniform window over valid positions, sample
    covariance, K1, K2, mean over positions and channels), for training codecs on SSIM."""
    if min(reference.shape[-2:]) < WINDOW:
        raise ValueError(f"SSIM needs images of at least {WINDOW}x{WINDOW}; got {reference.shape}")

    def mean(a: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(a, WINDOW, stride=1)

    n_px = WINDOW * WINDOW
    cov_norm = n_px / (n_px - 1)
    ux, uy = mean(reference), mean(test)
    vx = cov_norm * (mean(reference * reference) - ux * ux)
    vy = cov_norm * (mean(test * test) - uy * uy)
    vxy = cov_norm * (mean(reference * test) - ux * uy)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return s.flatten(1).mean(dim=1)
