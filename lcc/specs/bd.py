"""Bjøntegaard-delta summaries of two rate–distortion curves: BD-PSNR and BD-rate.

G. Bjøntegaard, "Calculation of average PSNR differences between RD-curves", ITU-T SG16
Q.6 (VCEG), document VCEG-M33, Austin, April 2001. Each curve is fitted by a cubic
polynomial (least squares; a lower degree for fewer than four points): PSNR as a function of
log rate for BD-PSNR, log rate as a function of PSNR for BD-rate. The difference of the two
fits is integrated over the interval both curves cover and divided by its length:

- BD-PSNR (dB): the test curve's mean PSNR minus the reference's at the same rates;
- BD-rate (%): the test curve's mean rate change at the same PSNR, ``(10^mean Δlog10 R - 1)·100``
  (negative: the test codec needs fewer bits).

No overlap gives NaN. The gate (lcc.codecs.gate) reads a codec's λ points against JPEG's curve
with :func:`local_reference`: JPEG's points over the codec's rates and one beyond each end (at
least four), so that one cubic need not span JPEG's whole q1–q95 range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _fit_integral(x: np.ndarray, y: np.ndarray, low: float, high: float) -> float:
    """Integral over [low, high] of the least-squares polynomial (degree <= 3) of y on x."""
    degree = min(3, len(x) - 1)
    poly = np.polyint(np.polyfit(x, y, degree))
    return float(np.polyval(poly, high) - np.polyval(poly, low))


def _curves(rates_ref, psnr_ref, rates_test, psnr_test):
    arrays = [np.asarray(a, dtype=float) for a in (rates_ref, psnr_ref, rates_test, psnr_test)]
    r1, p1, r2, p2 = arrays
    if len(r1) != len(p1) or len(r2) != len(p2):
        raise ValueError("each curve needs as many rates as PSNR values")
    if min(len(r1), len(r2)) < 2:
        raise ValueError(f"each curve needs two points or more, got {len(r1)} and {len(r2)}")
    if (r1 <= 0).any() or (r2 <= 0).any():
        raise ValueError("rates must be positive (their logarithm is fitted)")
    return np.log10(r1), p1, np.log10(r2), p2


def bd_psnr(
    rates_ref: Sequence[float],
    psnr_ref: Sequence[float],
    rates_test: Sequence[float],
    psnr_test: Sequence[float],
) -> float:
    """Mean PSNR of the test curve minus the reference's over their common log-rate interval
    (dB; NaN where the rate ranges do not overlap)."""
    l1, p1, l2, p2 = _curves(rates_ref, psnr_ref, rates_test, psnr_test)
    low, high = max(l1.min(), l2.min()), min(l1.max(), l2.max())
    if not high > low:
        return float("nan")
    return (_fit_integral(l2, p2, low, high) - _fit_integral(l1, p1, low, high)) / (high - low)


def bd_rate(
    rates_ref: Sequence[float],
    psnr_ref: Sequence[float],
    rates_test: Sequence[float],
    psnr_test: Sequence[float],
) -> float:
    """Mean rate change of the test curve against the reference at equal PSNR over their
    common PSNR interval, in percent (NaN where the PSNR ranges do not overlap)."""
    l1, p1, l2, p2 = _curves(rates_ref, psnr_ref, rates_test, psnr_test)
    low, high = max(p1.min(), p2.min()), min(p1.max(), p2.max())
    if not high > low:
        return float("nan")
    mean = (_fit_integral(p2, l2, low, high) - _fit_integral(p1, l1, low, high)) / (high - low)
    return float((10**mean - 1) * 100)


def local_reference(
    rates_ref: Sequence[float], psnr_ref: Sequence[float], rates_test: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """The reference points (sorted by rate) over the test curve's rate range and one beyond
    each end, widened to at least four points where the reference has them."""
    order = np.argsort(rates_ref)
    r = np.asarray(rates_ref, dtype=float)[order]
    p = np.asarray(psnr_ref, dtype=float)[order]
    lo = max(0, int(np.searchsorted(r, np.min(rates_test), side="right")) - 1)
    hi = min(len(r), int(np.searchsorted(r, np.max(rates_test), side="left")) + 1)
    while hi - lo < min(4, len(r)):
        if lo > 0:
            lo -= 1
        if hi - lo < min(4, len(r)) and hi < len(r):
            hi += 1
    return r[lo:hi], p[lo:hi]
