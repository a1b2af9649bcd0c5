"""Per-level loss weights of a joined multi-level training set (thesis §6.3).

§6.3 suggests weighting "the contribution of a given image for training such that highly
compressed images affect model training less". A joined set holds the ``top_k`` levels of one
codec in BDA rank order (rank 1 first); a rule gives each level a weight, every image of the
level carries it, and the training loss is the weighted mean of the per-image cross-entropies.
Weights are dimensionless and scaled to mean 1 over the levels, so the loss keeps the scale of
the unweighted one (and the learning rate its meaning); the ``train_loss`` of such a run's
training curve is the weighted loss.

Rules (:data:`WEIGHTING_RULES`):

- ``none``: every level 1 (the unweighted join);
- ``rank``: proportional to ``1 / rank`` (the level BDA ranked best counts most);
- ``psnr``: proportional to the level's mean PSNR (dB, peak 255) over its training images, so
  the more distorted level counts less (the rule §6.3 describes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from lcc.specs.weights import WEIGHTING_RULES, check_rule  # noqa: F401 (re-exported)


def level_weights(rule: str, psnr_db: Sequence[float]) -> np.ndarray:
    """float64 ``(K,)`` weights (mean 1) of ``K`` levels given in BDA rank order.

    ``psnr_db`` is each level's mean PSNR in dB (read by rule ``psnr`` only; must be finite
    and > 0 there).
    """
    check_rule(rule)
    k = len(psnr_db)
    if k < 1:
        raise ValueError("level_weights needs at least one level")
    if rule == "none":
        raw = np.ones(k)
    elif rule == "rank":
        raw = 1.0 / np.arange(1, k + 1)
    else:
        raw = np.asarray(psnr_db, dtype=np.float64)
        if not all(math.isfinite(p) and p > 0 for p in raw):
            raise ValueError(f"weighting rule 'psnr' needs finite PSNRs > 0 dB; got {list(raw)}")
    return raw / raw.mean()


def sample_weights(weights: Sequence[float], sizes: Sequence[int]) -> np.ndarray:
    """float32 ``(sum(sizes),)``: level ``k``'s weight repeated for its ``sizes[k]`` images,
    in the order the levels are concatenated."""
    if len(weights) != len(sizes):
        raise ValueError(f"{len(weights)} weights for {len(sizes)} levels")
    return np.repeat(np.asarray(weights, dtype=np.float32), sizes)


def device_weights(
    weights: np.ndarray | None, n_images: int, device: str | torch.device
) -> torch.Tensor | None:
    """Per-image weights as a float32 device tensor, or None for an unweighted run.

    Equal weights give None: their weighted mean is the plain mean, and the unweighted path
    keeps such a run bit for bit equal to one without weights. Weights must be finite, >= 0,
    one per image, and not all zero.
    """
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=np.float32)
    if weights.shape != (n_images,):
        raise ValueError(f"need one weight per training image ({n_images}); got {weights.shape}")
    if not np.isfinite(weights).all() or (weights < 0).any() or not weights.sum() > 0:
        raise ValueError("sample weights must be finite, >= 0 and not all zero")
    if (weights == weights[0]).all():
        return None
    return torch.from_numpy(weights).to(device)


def weighted_cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor | None
) -> torch.Tensor:
    """Cross-entropy (nats) of a batch: the plain mean without ``weights``, else
    ``sum(w_n * loss_n) / sum(w_n)`` (0 for a batch whose weights are all 0)."""
    if weights is None:
        return F.cross_entropy(logits, labels)
    losses = F.cross_entropy(logits, labels, reduction="none")
    return (losses * weights).sum() / weights.sum().clamp_min(torch.finfo(weights.dtype).tiny)
