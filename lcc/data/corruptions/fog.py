"""Fog: a diamond-square plasma fractal added to the image (seeded)."""

from __future__ import annotations

import numpy as np


def fog(x: np.ndarray, strength_decay: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """``x + c * plasma``, rescaled by ``max / (max + c)``; float64 ``x`` (N, H, W, 3) on [0, 1].

    ``max`` is each image's maximum before adding. Returns the 0..255 scale, clipped.
    """
    strength, decay = strength_decay
    n, height, width, _ = x.shape
    mapsize = 1 << (max(height, width) - 1).bit_length()  # next power of two (32 for CIFAR)
    plasma = plasma_fractal(rng, n, mapsize, decay)[:, :height, :width, None]
    peak = x.max(axis=(1, 2, 3), keepdims=True)
    fogged = (x + strength * plasma) * peak / (peak + strength)
    return np.clip(fogged, 0, 1) * 255


def plasma_fractal(rng: np.random.Generator, n: int, mapsize: int, decay: float) -> np.ndarray:
    """``n`` periodic diamond-square height maps ``(n, mapsize, mapsize)``, each scaled to [0, 1].

    Each pass sets the new points to the mean of their four neighbours plus uniform noise
    ``wibble * U(-wibble, wibble)``; ``wibble`` starts at 100 and is divided by ``decay`` per
    pass (larger decay: smoother fog). ``mapsize`` must be a power of two.
    """
    maps = np.zeros((n, mapsize, mapsize))
    step, wibble = mapsize, 100.0

    def jittered_mean(total: np.ndarray) -> np.ndarray:
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        corners = maps[:, ::step, ::step]
        square = corners + np.roll(corners, -1, axis=1)
        square += np.roll(square, -1, axis=2)
        maps[:, half::step, half::step] = jittered_mean(square)
        centres = maps[:, half::step, half::step]
        across = centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=2)
        maps[:, ::step, half::step] = jittered_mean(across)
        down = centres + np.roll(centres, 1, axis=2) + corners + np.roll(corners, -1, axis=1)
        maps[:, half::step, ::step] = jittered_mean(down)
        step = half
        wibble /= decay
    maps -= maps.min(axis=(1, 2), keepdims=True)
    return maps / maps.max(axis=(1, 2), keepdims=True)
