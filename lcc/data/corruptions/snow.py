"""Snow: a thresholded, zoomed, motion-blurred noise layer over a brightened image (seeded).

The motion blur reproduces ImageMagick's MotionBlurImage without ImageMagick: a one-sided
Gaussian kernel of width ``2 * radius + 1`` whose taps read edge-replicated pixels along the
blur angle.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import zoom as nd_zoom


def snow(images: np.ndarray, params: tuple, rng: np.random.Generator) -> np.ndarray:
    """Snowy images on the 0..255 scale, clipped; ``images`` uint8 (N, H, W, 3).

    ``params`` = (loc, scale, zoom, threshold, radius, sigma, blend); the blur angle is uniform
    in [-135, -45] degrees per image.
    """
    loc, scale, zoom, threshold, radius, sigma, blend = params
    n, height, width, _ = images.shape
    x = images.astype(np.float32) / 255
    layer = clipped_zoom(rng.normal(loc, scale, size=(n, height, width)), zoom)
    layer[layer < threshold] = 0
    layer8 = (np.clip(layer, 0, 1) * 255).astype(np.uint8)
    angles = rng.uniform(-135, -45, size=n)
    blurred = motion_blur(layer8.astype(np.float64), radius, sigma, angles)
    flakes = (np.floor(blurred + 0.5).clip(0, 255) / 255)[..., None]
    grey = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    x = blend * x + (1 - blend) * np.maximum(x, grey[..., None] * 1.5 + 0.5)
    return np.clip(x + flakes + flakes[:, ::-1, ::-1], 0, 1) * 255


def clipped_zoom(layers: np.ndarray, factor: float) -> np.ndarray:
    """Zoom ``(N, H, W)`` maps about their centre by ``factor`` >= 1 (linear), keeping H x W."""
    _, height, width = layers.shape
    crop_h, crop_w = int(np.ceil(height / factor)), int(np.ceil(width / factor))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = layers[:, top : top + crop_h, left : left + crop_w]
    zoomed = nd_zoom(crop, (1, factor, factor), order=1)
    trim_h, trim_w = (zoomed.shape[1] - height) // 2, (zoomed.shape[2] - width) // 2
    return zoomed[:, trim_h : trim_h + height, trim_w : trim_w + width]


def motion_blur(
    layers: np.ndarray, radius: int, sigma: float, angles_deg: np.ndarray
) -> np.ndarray:
    """ImageMagick-style motion blur of ``(N, H, W)`` maps, one angle (degrees) per map.

    ``out[r, c] = sum_i k_i * in[clamp(r + dy_i), clamp(c + dx_i)]`` with
    ``k_i ~ exp(-i^2 / (2 sigma^2))`` (normalised), ``dx_i = ceil(i cos a - 1/2)``,
    ``dy_i = ceil(i sin a - 1/2)``, ``i = 0 .. 2 * radius``; taps that leave the image
    entirely end the sum, as in the reference.
    """
    n, height, width = layers.shape
    taps = np.arange(2 * radius + 1)
    kernel = np.exp(-(taps**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    angles = np.deg2rad(angles_deg)
    dx = np.ceil(taps[None, :] * np.cos(angles)[:, None] - 0.5).astype(int)
    dy = np.ceil(taps[None, :] * np.sin(angles)[:, None] - 0.5).astype(int)
    inside = np.cumprod((np.abs(dx) < width) & (np.abs(dy) < height), axis=1).astype(bool)
    rows, cols, batch = np.arange(height), np.arange(width), np.arange(n)[:, None, None]
    out = np.zeros_like(layers)
    for i, weight in enumerate(kernel):
        r = np.clip(rows[None, :] + dy[:, i, None], 0, height - 1)[:, :, None]
        c = np.clip(cols[None, :] + dx[:, i, None], 0, width - 1)[:, None, :]
        out += (weight * inside[:, i])[:, None, None] * layers[batch, r, c]
    return out
