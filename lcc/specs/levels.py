"""Level validation: each codec's valid level range, checked without weights or data."""

from __future__ import annotations

import math
from numbers import Real


def _number(name: str, level: object, valid: str) -> float:
    if isinstance(level, bool) or not isinstance(level, Real) or not math.isfinite(level):
        raise ValueError(f"invalid level {level!r} for codec {name!r}; valid: {valid}")
    return float(level)


def _integer(name: str, level: object, valid: str) -> int:
    value = _number(name, level, valid)
    if value != int(value):
        raise ValueError(f"invalid level {level!r} for codec {name!r}; valid: {valid}")
    return int(value)


def jpeg_quality(level: object, codec: str = "jpeg") -> int:
    """JPEG quality, an integer in 1..95 (``codec``: the codec named in the error, e.g.
    ``hog-jpeg``, whose level is its background's JPEG quality)."""
    valid = "an integer quality 1..95"
    quality = _integer(codec, level, valid)
    if not 1 <= quality <= 95:
        raise ValueError(f"invalid level {level!r} for codec {codec!r}; valid: {valid}")
    return quality


def lagrange_multiplier(name: str, level: object) -> float:
    """A learned codec's rate-distortion trade-off λ > 0."""
    valid = "a lambda > 0 (e.g. 0.001 .. 0.1)"
    lmbda = _number(name, level, valid)
    if lmbda <= 0:
        raise ValueError(f"invalid level {level!r} for codec {name!r}; valid: {valid}")
    return lmbda


def noise_sigma(level: object) -> float:
    """Gaussian noise standard deviation σ ≥ 0 on the [0, 1] pixel scale."""
    valid = "a sigma >= 0 on the [0, 1] pixel scale"
    sigma = _number("noise", level, valid)
    if sigma < 0:
        raise ValueError(f"invalid level {level!r} for codec 'noise'; valid: {valid}")
    return sigma


def blur_kernel(level: object) -> int:
    """Gaussian blur kernel size: an odd integer ≥ 3."""
    valid = "an odd kernel size >= 3 (3, 5, 7, 9, ...)"
    size = _integer("blur", level, valid)
    if size < 3 or size % 2 == 0:
        raise ValueError(f"invalid level {level!r} for codec 'blur'; valid: {valid}")
    return size


def no_level(level: object) -> None:
    """The identity codec takes no level."""
    if level is not None:
        raise ValueError(f"invalid level {level!r} for codec 'identity'; valid: None (no level)")
