"""Additive Gaussian noise: σ on the [0, 1] scale, drawn once per image, clipped to [0, 1]."""

from __future__ import annotations

import numpy as np

from lcc.codecs.base import EncodeResult, check_images
from lcc.specs.levels import noise_sigma


class GaussianNoiseCodec:
    """Adds N(0, σ²) noise per pixel and channel; no rate.

    The noise of image ``i`` of a split is drawn from ``default_rng((seed, i))``, so the
    augmented dataset is fixed (as in the thesis) and independent of how it is chunked.
    """

    name = "noise"

    def __init__(self, sigma: float, seed: int = 0) -> None:
        self.level = noise_sigma(sigma)
        self.seed = int(seed)

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Noisy copies of uint8 ``(N, H, W, 3)`` images, rounded back to uint8."""
        images = check_images(images)
        out = np.empty_like(images)
        for i, image in enumerate(images):
            rng = np.random.default_rng((self.seed, first_index + i))
            noisy = image / 255.0 + rng.normal(0.0, self.level, size=image.shape)
            out[i] = np.rint(np.clip(noisy, 0.0, 1.0) * 255.0)
        return EncodeResult(reconstructions=out)
