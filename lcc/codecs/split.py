"""Encoding a whole split in chunks into a memory-mapped array, with per-image measurements."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lcc.codecs.base import Codec, EncodeResult
from lcc.metrics import mse, psnr, ssim

MEASURES = ("bits_estimated", "bits_actual", "bits_file", "bpp", "mse", "psnr", "ssim")


def measure(originals: np.ndarray, result: EncodeResult) -> dict[str, np.ndarray]:
    """Per-image rates (bits, bpp; NaN where the codec has none) and distortions (MSE and PSNR
    on 0..255, SSIM with data range 255) of one encoded chunk, each ``(N,)`` float64."""
    n = len(originals)
    missing = np.full(n, np.nan)
    bpp = result.bpp()
    return {
        "bits_estimated": missing if result.bits_estimated is None else result.bits_estimated,
        "bits_actual": missing if result.bits_actual is None else result.bits_actual,
        "bits_file": missing if result.bits_file is None else result.bits_file,
        "bpp": missing if bpp is None else bpp,
        "mse": mse(originals, result.reconstructions),
        "psnr": psnr(originals, result.reconstructions),
        "ssim": ssim(originals, result.reconstructions),
    }


def encode_split(
    codec: Codec, images: np.ndarray, out_file: str | Path, chunk: int = 4096
) -> dict[str, np.ndarray]:
    """Encode uint8 ``(N, H, W, 3)`` images ``chunk`` at a time, writing the reconstructions to
    ``out_file`` (a ``.npy`` opened with ``open_memmap``, so memory stays bounded) and
    returning the :data:`MEASURES` columns, each ``(N,)``."""
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1 image, got {chunk}")
    out = np.lib.format.open_memmap(out_file, mode="w+", dtype=np.uint8, shape=images.shape)
    parts = []
    for start in range(0, len(images), chunk):
        originals = np.ascontiguousarray(images[start : start + chunk])
        result = codec.encode(originals, first_index=start)
        out[start : start + len(originals)] = result.reconstructions
        parts.append(measure(originals, result))
    out.flush()
    del out
    if not parts:
        return {name: np.empty(0) for name in MEASURES}
    return {name: np.concatenate([p[name] for p in parts]) for name in MEASURES}
