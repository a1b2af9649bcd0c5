"""The noise corruptions: gaussian_noise, speckle_noise, impulse_noise (seeded).

Each takes float64 images ``(N, H, W, 3)`` on [0, 1] and a generator, and returns the
corrupted images on the 0..255 scale, clipped. Noise is drawn per pixel and channel.
"""

from __future__ import annotations

import numpy as np
from skimage.util import random_noise


def gaussian_noise(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``x + N(0, sigma)``."""
    return np.clip(x + rng.normal(scale=sigma, size=x.shape), 0, 1) * 255


def speckle_noise(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``x + x * N(0, sigma)``."""
    return np.clip(x + x * rng.normal(scale=sigma, size=x.shape), 0, 1) * 255


def impulse_noise(x: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Salt and pepper on a fraction ``amount`` of the values (scikit-image ``s&p``)."""
    return np.clip(random_noise(x, mode="s&p", amount=amount, rng=rng), 0, 1) * 255
