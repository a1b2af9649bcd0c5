"""The ten CIFAR-10-C corruptions the thesis uses, vectorised over images.

``corrupt(images, corruption, severity, seed)`` applies one corruption at one severity (1-5)
with the CIFAR (32x32) parameters of :data:`CIFAR_PARAMS`. Deterministic corruptions
(contrast, brightness, saturate, gaussian_blur) reproduce the reference algorithm bit for bit
(float64 on [0, 1], scikit-image, clip, truncation to uint8); random ones draw from a
generator seeded by ``(seed, corruption, severity, chunk of CHUNK images)``, so equal inputs
and seed give equal outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lcc.data.corruptions.fog import fog
from lcc.data.corruptions.frost import frost
from lcc.data.corruptions.noise import gaussian_noise, impulse_noise, speckle_noise
from lcc.data.corruptions.params import CIFAR_PARAMS
from lcc.data.corruptions.photometric import brightness, contrast, gaussian_blur, saturate
from lcc.data.corruptions.snow import snow

CORRUPTIONS = (
    "gaussian_noise",
    "gaussian_blur",
    "speckle_noise",
    "contrast",
    "impulse_noise",
    "saturate",
    "brightness",
    "fog",
    "frost",
    "snow",
)
SEVERITIES = (1, 2, 3, 4, 5)
DETERMINISTIC = ("gaussian_blur", "contrast", "saturate", "brightness")
CHUNK = 250  # images corrupted at once (cache-sized float64 arrays)

# name -> (function, takes uint8 pixels rather than float64 [0, 1], takes a generator)
_FUNCTIONS = {
    "gaussian_noise": (gaussian_noise, False, True),
    "gaussian_blur": (gaussian_blur, False, False),
    "speckle_noise": (speckle_noise, False, True),
    "contrast": (contrast, False, False),
    "impulse_noise": (impulse_noise, False, True),
    "saturate": (saturate, False, False),
    "brightness": (brightness, False, False),
    "fog": (fog, False, True),
    "frost": (frost, True, True),
    "snow": (snow, True, True),
}


def check_severity(severity: int) -> None:
    """One-line ValueError unless ``severity`` is an int in 1-5."""
    if isinstance(severity, bool) or severity not in SEVERITIES:
        raise ValueError(f"severity must be an int in 1-5, got {severity!r}")


def check_corruption(corruption: str, severity: int) -> None:
    """One-line KeyError/ValueError for an unknown corruption or a severity outside 1-5."""
    if corruption not in CORRUPTIONS:
        raise KeyError(f"unknown corruption {corruption!r}; valid: {', '.join(CORRUPTIONS)}")
    check_severity(severity)


def generation_settings(corruptions: Sequence[str], severities: Sequence[int]) -> dict[str, Any]:
    """Every constant that shapes the corrupted images besides the seed, as JSON-able data:
    ``{"chunk": CHUNK, "params": {corruption: {str(severity): param}}}`` (tuples as lists).

    A plan resolves it into the prepare-cifar10c job's config, so a changed parameter table
    or chunk size changes that job's signature; :func:`corrupt` takes the values back.
    """
    for corruption in corruptions:
        for severity in severities:
            check_corruption(corruption, severity)
    params = {
        c: {str(s): _as_json(CIFAR_PARAMS[c][s - 1]) for s in severities} for c in corruptions
    }
    return {"chunk": CHUNK, "params": params}


def _as_json(param: Any) -> Any:
    return list(param) if isinstance(param, tuple) else param


def corrupt(
    images: np.ndarray,
    corruption: str,
    severity: int,
    seed: int = 0,
    param: Any = None,
    chunk: int = CHUNK,
) -> np.ndarray:
    """``images`` uint8 ``(N, H, W, 3)`` corrupted, uint8 of the same shape (truncated).

    ``param`` (None: :data:`CIFAR_PARAMS`'s for the severity) and ``chunk`` (images per
    generator draw) are the values :func:`generation_settings` lists.
    """
    check_corruption(corruption, severity)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be uint8 (N, H, W, 3), got {images.dtype} {images.shape}")
    fn, takes_pixels, random = _FUNCTIONS[corruption]
    param = CIFAR_PARAMS[corruption][severity - 1] if param is None else param
    out = np.empty(images.shape, dtype=np.uint8)
    for start in range(0, len(images), chunk):
        part = np.asarray(images[start : start + chunk])
        x = part if takes_pixels else part / 255.0
        extra = (_generator(seed, corruption, severity, start // chunk),) if random else ()
        out[start : start + chunk] = fn(x, param, *extra).astype(np.uint8)
    return out


def _generator(seed: int, corruption: str, severity: int, block: int) -> np.random.Generator:
    return np.random.default_rng((seed, CORRUPTIONS.index(corruption), severity, block))
