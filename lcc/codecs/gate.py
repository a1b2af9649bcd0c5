"""The codec quality gate: does a learned codec beat JPEG's rate–distortion curve at its rate?

The thesis' premise (Fig 3.2) is that its learned codec gives higher PSNR and SSIM than JPEG
at the same bit rate. The gate codes held-out images with the fitted codec and with JPEG at
the thesis' qualities, then reads JPEG's mean PSNR and SSIM at the codec's own rate off the
JPEG curve (linear interpolation in bpp between the neighbouring qualities; outside JPEG's
range, linear extrapolation from the two nearest qualities, flagged).

Rates: the learned codec's *coded* bpp (rANS string length, what a file would take) and JPEG's
content bpp (start of scan to end of file, docs/FACTS.md §2). JPEG's content bits include its scan
header and end marker (128 bits a file, 0.125 bpp at 32x32: 35 % of q1's rate); that is the
thesis' convention and stays the headline ``bpp_coded``, and ``bpp_no_header`` gives the rate
without them (the learned codecs' strings have no header: the same as ``bpp_coded``), with the
margins read at that rate beside the headline ones. Distortions are per-image means.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lcc.codecs.base import Codec
from lcc.codecs.split import measure
from lcc.specs.gate import GATE_JPEG_QUALITIES, REFERENCES, describe  # noqa: F401 (re-exported)

GATE_METRICS = ("psnr", "ssim")


def rd_point(codec: Codec, images: np.ndarray, chunk: int = 1000) -> dict[str, float]:
    """Mean rates and distortions of ``codec`` on uint8 ``(N, H, W, 3)`` ``images``.

    Keys: ``bpp`` (the thesis' rate: estimated for learned codecs, content for JPEG),
    ``bpp_coded`` (coded/content bits; NaN for codecs without bits), ``bpp_std`` (of
    ``bpp_coded``), ``bpp_no_header`` (``bpp_coded`` less a codec's per-file scan header,
    its ``header_bits`` attribute: JPEG's; 0 for the others), ``psnr``, ``ssim``, ``n_images``.
    """
    parts = [
        measure(images[i : i + chunk], codec.encode(images[i : i + chunk], first_index=i))
        for i in range(0, len(images), chunk)
    ]
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    pixels = images.shape[1] * images.shape[2]
    coded = columns["bits_actual"] / pixels
    return {
        "bpp": float(np.mean(columns["bpp"])),
        "bpp_coded": float(np.mean(coded)),
        "bpp_std": float(np.std(coded)),
        "bpp_no_header": float(np.mean(coded)) - getattr(codec, "header_bits", 0) / pixels,
        "psnr": float(np.mean(columns["psnr"])),
        "ssim": float(np.mean(columns["ssim"])),
        "n_images": len(images),
    }


def curve_value(rate: float, rates: Sequence[float], values: Sequence[float]) -> tuple[float, bool]:
    """``(value of the curve at rate, extrapolated)`` for a curve given by points.

    Points are sorted by rate; inside their range the value is interpolated linearly between
    the neighbours. Outside it the flag is True: below the lowest rate the value is
    extrapolated linearly from the two nearest points; above the highest it is the value at
    the highest rate (a rising curve such as JPEG's is at least that there, so a codec's
    margin against it is an upper bound; a line through JPEG's top two points would pass
    SSIM 1 within a few bpp). Needs at least two points with distinct rates.
    """
    order = np.argsort(rates)
    r = np.asarray(rates, dtype=float)[order]
    v = np.asarray(values, dtype=float)[order]
    if len(r) < 2 or r[0] == r[-1]:
        raise ValueError(f"a reference curve needs two points of distinct rates; got rates {r}")
    if r[0] <= rate <= r[-1]:
        return float(np.interp(rate, r, v)), False
    if rate > r[-1]:
        return float(v[-1]), True
    i, j = 0, 1
    slope = (v[j] - v[i]) / (r[j] - r[i])
    return float(v[i] + slope * (rate - r[i])), True


def gate_verdict(point: dict[str, float], reference: Sequence[dict[str, float]]) -> dict:
    """Compare one codec ``point`` (:func:`rd_point`) with JPEG ``reference`` points.

    Returns, for each metric m of :data:`GATE_METRICS`: ``jpeg_<m>`` (JPEG's value at the
    codec's coded rate) and ``<m>_margin`` (codec minus JPEG: dB for PSNR, SSIM units), plus
    ``extrapolated`` (the rate lies outside JPEG's range) and ``passes`` (both margins > 0).
    Where the points carry ``bpp_no_header`` (:func:`rd_point`), also ``<m>_margin_no_header``:
    the margin with both rates taken without scan headers (NaN otherwise).
    """
    rates = [p["bpp_coded"] for p in reference]
    bare = [p.get("bpp_no_header", np.nan) for p in reference]
    has_bare = not np.isnan([point.get("bpp_no_header", np.nan), *bare]).any()
    out: dict = {}
    passes = True
    for metric in GATE_METRICS:
        values = [p[metric] for p in reference]
        value, extrapolated = curve_value(point["bpp_coded"], rates, values)
        out[f"jpeg_{metric}"] = value
        out[f"{metric}_margin"] = point[metric] - value
        out[f"{metric}_margin_no_header"] = (
            point[metric] - curve_value(point["bpp_no_header"], bare, values)[0]
            if has_bare
            else np.nan
        )
        passes = passes and point[metric] > value
    out["extrapolated"] = extrapolated
    out["passes"] = passes
    return out


def downsample_2x(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, H, W, C)`` images at half size by an area filter: each output pixel is the
    mean of a 2x2 block, rounded half up (exact integer arithmetic, no library resampling).
    ``H`` and ``W`` must be even."""
    images = np.asarray(images)
    n, h, w, c = images.shape
    if h % 2 or w % 2:
        raise ValueError(f"downsample_2x needs even sides, got {h}x{w}")
    blocks = images.reshape(n, h // 2, 2, w // 2, 2, c).astype(np.uint16).sum(axis=(2, 4))
    return ((blocks + 2) // 4).astype(np.uint8)
