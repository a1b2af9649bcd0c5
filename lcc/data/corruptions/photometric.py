"""The deterministic corruptions: contrast, brightness, saturate, gaussian_blur.

Each takes float64 images ``(N, H, W, 3)`` on [0, 1] and returns the corrupted images on the
0..255 scale, clipped (the caller truncates to uint8), exactly as the reference per image:
the operations are elementwise or per-image, so batching changes no bit.
"""

from __future__ import annotations

import numpy as np
from skimage.color import hsv2rgb, rgb2hsv
from skimage.filters import gaussian


def contrast(x: np.ndarray, factor: float) -> np.ndarray:
    """``(x - m) * factor + m`` with ``m`` the per-image, per-channel mean."""
    means = np.mean(x, axis=(1, 2), keepdims=True)
    return np.clip((x - means) * factor + means, 0, 1) * 255


def brightness(x: np.ndarray, shift: float) -> np.ndarray:
    """In HSV: ``V = clip(V + shift)``."""
    hsv = rgb2hsv(x)
    hsv[..., 2] = np.clip(hsv[..., 2] + shift, 0, 1)
    return np.clip(hsv2rgb(hsv), 0, 1) * 255


def saturate(x: np.ndarray, scale_offset: tuple[float, float]) -> np.ndarray:
    """In HSV: ``S = clip(S * scale + offset)``."""
    scale, offset = scale_offset
    hsv = rgb2hsv(x)
    hsv[..., 1] = np.clip(hsv[..., 1] * scale + offset, 0, 1)
    return np.clip(hsv2rgb(hsv), 0, 1) * 255


def gaussian_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """scikit-image Gaussian filter of each image and channel (edge mode nearest, truncate 4)."""
    blurred = gaussian(x, sigma=(0, sigma, sigma), mode="nearest", truncate=4.0, channel_axis=-1)
    return np.clip(blurred, 0, 1) * 255
