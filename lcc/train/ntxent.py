"""NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020),
for the contrastive pretraining of thesis §6.3 (:mod:`lcc.train.contrastive`).

For a batch of B pairs, ``z`` stacks the 2B projections (view a of image i at row i, its
view b at row B + i), each scaled to unit length. With s_ij = z_i . z_j / tau, the loss of
row i is -log(exp(s_ip) / sum_{j != i} exp(s_ij)), p its positive (the other view of the same
image); the loss is the mean over the 2B rows, i.e. a cross-entropy over the row's 2B - 1
other embeddings whose target is the positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F


@dataclass(frozen=True)
class PairScores:
    """A batch's NT-Xent ``loss`` (a scalar tensor with its graph), the fraction of rows whose
    most similar other embedding is their positive (``positive_top1``, in [0, 1]) and the mean
    cosine similarity of the positive pairs (``alignment``, in [-1, 1])."""

    loss: torch.Tensor
    positive_top1: float
    alignment: float


def positives(batch_pairs: int, device: torch.device) -> torch.Tensor:
    """Row i's positive among the 2B rows: i + B for the first view, i - B for the second."""
    rows = torch.arange(batch_pairs, device=device)
    return torch.cat([rows + batch_pairs, rows])


def nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float) -> PairScores:
    """NT-Xent of the projections ``a`` and ``b`` (float ``(B, D)``, row i of each from the
    same image, B >= 2) at temperature ``temperature`` > 0."""
    if a.shape != b.shape or a.ndim != 2 or len(a) < 2:
        raise ValueError(f"need two (B, D) projections with B >= 2; got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")  # fmt: skip
    z = F.normalize(torch.cat([a, b]).float(), dim=1)
    similarity = z @ z.T / temperature
    self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
    similarity = similarity.masked_fill(self_mask, float("-inf"))
    target = positives(len(a), z.device)
    loss = F.cross_entropy(similarity, target)
    with torch.no_grad():
        top1 = (similarity.argmax(1) == target).float().mean().item()
        alignment = (z[: len(a)] * z[len(a) :]).sum(1).mean().item()
    return PairScores(loss, top1, alignment)
