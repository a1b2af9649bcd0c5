"""Distances between two Gabor response histograms over the same bins (thesis §6.2, future
work; the histograms are :mod:`lcc.evaluate.gabor`'s, each a distribution summing to 1).

Both are per filter (one value per histogram row) and lie in [0, 1], 0 for identical
histograms:

- total variation, ``0.5 * sum_b |p_b - q_b|``: the share of responses that would have to
  move to another bin to turn one histogram into the other;
- Jensen–Shannon distance, the square root of the Jensen–Shannon divergence in bits
  (``scipy.spatial.distance.jensenshannon`` with ``base=2``), a metric that also weighs how
  far apart, in probability ratio, the two are where both are small.

numpy and scipy only, so analysis reads it without torch.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import jensenshannon

DISTANCES = ("total_variation", "jensen_shannon")


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation distance between ``p`` and ``q`` (``(..., bins)``, each summing to 1
    over the last axis): ``(...)`` values in [0, 1]."""
    p, q = _pair(p, q)
    return 0.5 * np.abs(p - q).sum(axis=-1)


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distance (base 2) between ``p`` and ``q`` over the last axis:
    ``(...)`` values in [0, 1]."""
    p, q = _pair(p, q)
    return np.nan_to_num(jensenshannon(p, q, base=2, axis=-1), nan=0.0)


def distance(name: str, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The distance ``name`` (one of :data:`DISTANCES`) between ``p`` and ``q``."""
    if name not in DISTANCES:
        raise KeyError(f"unknown gabor distance {name!r}; valid: {', '.join(DISTANCES)}")
    return (total_variation if name == "total_variation" else jensen_shannon)(p, q)


def _pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"histograms of shapes {p.shape} and {q.shape}; valid: the same bins")
    return p, q
