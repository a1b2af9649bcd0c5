"""The embedded default dataset: SYNTHETIC shapes on 1/f textures, generated on the fly.

Every image is a textured, shaded foreground shape over a pink-noise (1/f amplitude spectrum)
coloured background, sometimes with a smaller distractor shape behind it, and a lighting
gradient. The class is the shape (10 shapes, random pose, scale and aspect) plus, for
more than 10 classes, the grating orientation and hue of its texture. Hues are only a weak cue
for 10 classes. A small CNN learns it well above chance in a few CPU minutes, not perfectly.

Default sizes (images per split, class-balanced, classes interleaved):
``synthetic`` 32x32, 10 classes, 5000 train / 1000 test;
``synthetic-tiny`` 64x64, 200 classes, 2000 train / 1000 test (10 / 5 per class).
Generation is deterministic (fixed seed per split) and takes well under two seconds.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from lcc.data.dataset import SPLITS, Dataset

SHAPES = (
    "disk",
    "square",
    "triangle",
    "ring",
    "cross",
    "bar",
    "star",
    "half-disk",
    "dumbbell",
    "frame",
)

SYNTHETIC_SPECS = {
    # name: (image size in pixels, number of classes, {split: number of images})
    "synthetic": (32, 10, {"train": 5000, "test": 1000}),
    "synthetic-tiny": (64, 200, {"train": 2000, "test": 1000}),
}

_SEED = 20210598  # fixed: the dataset is the same everywhere
_CHUNK = 250  # images rendered at once


def synthetic_classes(num_classes: int) -> tuple[str, ...]:
    """Class names: the shape, plus a texture group for more than 10 classes."""
    if num_classes <= len(SHAPES):
        return SHAPES[:num_classes]
    return tuple(f"{SHAPES[c % 10]}-g{c // 10:02d}" for c in range(num_classes))


def load_synthetic(name: str, split: str) -> Dataset:
    """The ``split`` of synthetic dataset ``name`` (see :data:`SYNTHETIC_SPECS`)."""
    size, num_classes, counts = SYNTHETIC_SPECS[name]
    seed = (_SEED, SPLITS.index(split), size, num_classes)
    images, labels = generate_synthetic(counts[split], size, num_classes, seed)
    return Dataset(name, split, images, labels, synthetic_classes(num_classes))


def generate_synthetic(
    n: int, size: int, num_classes: int, seed: int | tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images uint8 ``(n, size, size, 3)`` and labels int64 ``(n,)`` (``i % num_classes``).

    Made in chunks of :data:`_CHUNK` images (cache-sized arrays), each from a generator seeded
    by ``seed`` and the chunk's start.
    """
    labels = np.arange(n, dtype=np.int64) % num_classes
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        rng = np.random.default_rng((*np.atleast_1d(seed), start))
        chunk = slice(start, min(start + _CHUNK, n))
        images[chunk] = _render(rng, labels[chunk], size, num_classes)
    return images, labels


def _render(
    rng: np.random.Generator, labels: np.ndarray, size: int, num_classes: int
) -> np.ndarray:
    """uint8 ``(len(labels), size, size, 3)`` images of the given classes."""
    n = len(labels)
    canvas = _background(rng, n, size)
    texture = np.roll(canvas.mean(axis=-1), (size // 2, size // 3), axis=(1, 2))
    distractor = rng.integers(0, len(SHAPES), n)
    present = rng.random(n) < 0.6
    d_alpha = _shape_alpha(rng, distractor, size, radius=(0.12, 0.2), centre=(0.15, 0.85))
    d_colour = _hue_to_rgb(rng.random(n), rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.8, n))
    d_alpha *= present[:, None, None]
    canvas = _composite(canvas, d_colour[:, None, None, :] + 0.3 * texture[..., None], d_alpha)
    canvas = _draw_object(rng, canvas, texture, labels, num_classes, size)
    ramp = np.linspace(-0.5, 0.5, size, dtype=np.float32)
    angle = rng.uniform(0, 2 * np.pi, n)[:, None, None].astype(np.float32)
    light = np.cos(angle) * ramp[None, None, :] + np.sin(angle) * ramp[None, :, None]
    light *= rng.uniform(0, 0.5, n).astype(np.float32)[:, None, None]
    canvas *= 1 + light[..., None]
    return np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)


def _background(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """Coloured pink noise (amplitude ~ 1/f) in [0, 1] roughly, float32 ``(n, size, size, 3)``."""
    half = size // 2 + 1
    spectrum = rng.standard_normal((n, 3, size, 2 * half), dtype=np.float32).view(np.complex64)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    spectrum /= np.maximum(np.hypot(fy, fx), 1.0 / size).astype(np.float32)
    field = scipy.fft.irfft2(spectrum, s=(size, size))
    field /= field.std(axis=(2, 3), keepdims=True) + 1e-6
    luma, chroma_a, chroma_b = field[:, 0], field[:, 1], field[:, 2]
    opponent = np.stack(
        [chroma_a, -0.5 * chroma_a + 0.87 * chroma_b, -0.5 * chroma_a - 0.87 * chroma_b], -1
    )
    base = _hue_to_rgb(rng.random(n), rng.uniform(0.05, 0.5, n), rng.uniform(0.25, 0.75, n))
    contrast = rng.uniform(0.05, 0.15, n).astype(np.float32)[:, None, None, None]
    return base[:, None, None, :] + contrast * (luma[..., None] + 0.35 * opponent)


def _draw_object(
    rng: np.random.Generator,
    canvas: np.ndarray,
    texture: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    size: int,
) -> np.ndarray:
    """Composite the class object: shape ``label % 10``, textured, hued and shaded."""
    n = len(labels)
    group = labels // len(SHAPES)
    many = num_classes > len(SHAPES)
    hue_centre = (labels * 0.618034) % 1.0
    hue = hue_centre + rng.normal(0, 0.04 if many else 0.12, n)
    orient_centre = (group % 5) * np.pi / 5
    orient = orient_centre + rng.normal(0, 0.12, n) if many else rng.uniform(0, np.pi, n)
    colour = _hue_to_rgb(hue % 1.0, rng.uniform(0.35, 0.9, n), rng.uniform(0.3, 0.85, n))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    phase = rng.uniform(0, 2 * np.pi, n).astype(np.float32)[:, None, None]
    freq = (2 * np.pi * rng.uniform(3, 5, n)).astype(np.float32)[:, None, None]
    cos, sin = np.cos(orient).astype(np.float32), np.sin(orient).astype(np.float32)
    grating = np.sin(freq * (cos[:, None, None] * xx + sin[:, None, None] * yy) + phase)
    shade = 0.12 * grating + 0.25 * texture
    alpha = _shape_alpha(rng, labels % len(SHAPES), size, radius=(0.22, 0.36), centre=(0.3, 0.7))
    fill = colour[:, None, None, :] * (1 + shade[..., None]) + 0.05 * shade[..., None]
    return _composite(canvas, fill.astype(np.float32), alpha)


def _shape_alpha(
    rng: np.random.Generator,
    shapes: np.ndarray,
    size: int,
    radius: tuple[float, float],
    centre: tuple[float, float],
) -> np.ndarray:
    """Anti-aliased coverage in [0, 1], float32 ``(n, size, size)``, of one posed shape each."""
    n = len(shapes)
    r_px = (rng.uniform(*radius, n) * size).astype(np.float32)
    cy, cx = (rng.uniform(*centre, (2, n)) * size).astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi, n).astype(np.float32)
    aspect = rng.uniform(0.85, 1.15, n).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    dy = (yy[None] - cy[:, None, None]) / r_px[:, None, None]
    dx = (xx[None] - cx[:, None, None]) / r_px[:, None, None]
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    u = (cos * dx + sin * dy) * aspect[:, None, None]
    v = (cos * dy - sin * dx) / aspect[:, None, None]
    sdf = np.empty_like(u)
    for index, fn in enumerate(_SDFS):
        chosen = shapes == index
        sdf[chosen] = fn(u[chosen], v[chosen])
    return np.clip(0.5 - sdf * r_px[:, None, None], 0, 1).astype(np.float32)


def _composite(canvas: np.ndarray, fill: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``canvas`` blended towards ``fill`` by coverage ``alpha`` (in place; returned)."""
    fill = fill - canvas
    fill *= alpha[..., None]
    canvas += fill
    return canvas


def _hue_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """A smooth hue wheel: float32 ``(n, 3)`` colours for hue, saturation, value in [0, 1]."""
    wheel = 0.5 + 0.5 * np.cos(2 * np.pi * (hue[:, None] - np.array([0.0, 1 / 3, 2 / 3])))
    grey = np.full_like(wheel, 0.5)
    return (
        (value[:, None] * 2 * (grey + saturation[:, None] * (wheel - grey)))
        .clip(0, 1)
        .astype(np.float32)
    )


def _disk(u, v):
    return np.hypot(u, v) - 0.9


def _square(u, v):
    return np.maximum(abs(u), abs(v)) - 0.75


def _triangle(u, v):
    return np.maximum(0.866 * abs(u) - 0.5 * v, v) - 0.45


def _ring(u, v):
    return abs(np.hypot(u, v) - 0.65) - 0.25


def _cross(u, v):
    return np.minimum(
        np.maximum(abs(u) - 0.28, abs(v) - 0.9), np.maximum(abs(u) - 0.9, abs(v) - 0.28)
    )


def _bar(u, v):
    return np.maximum(abs(u) - 0.95, abs(v) - 0.32)


def _star(u, v):
    return np.hypot(u, v) - (0.6 + 0.3 * np.cos(5 * np.arctan2(v, u)))


def _half_disk(u, v):
    w = v + 0.35
    return np.maximum(np.hypot(u, w) - 0.95, -w)


def _dumbbell(u, v):
    return np.minimum(np.hypot(u - 0.5, v), np.hypot(u + 0.5, v)) - 0.42


def _frame(u, v):
    box = np.maximum(abs(u), abs(v))
    return np.maximum(box - 0.85, 0.5 - box)


_SDFS = (_disk, _square, _triangle, _ring, _cross, _bar, _star, _half_disk, _dumbbell, _frame)
