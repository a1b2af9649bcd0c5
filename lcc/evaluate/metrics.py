"""Top-1, top-5 and cross-entropy of a classifier on a labelled uint8 image set."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lcc.evaluate.device_images import autocast, model_input, to_device_images, to_device_labels
from lcc.evaluate.normalization import Normalization, get_normalization


def evaluate(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    batch_size: int,
    device: str | torch.device,
    normalization: str | Normalization,
    precision: str,
) -> dict[str, float | int]:
    """Mean loss and top-1/top-5 accuracy of ``model`` on uint8 ``(N, H, W, 3)`` images.

    Returns ``{"loss": mean cross-entropy (nats), "top1": fraction, "top5": fraction,
    "n_images": N}``; with fewer than five classes top-5 counts all of them. ``precision``
    is a policy of :data:`~lcc.evaluate.device_images.PRECISIONS`. The model is
    moved to ``device``; its train/eval mode is restored afterwards.
    """
    device = torch.device(device)
    layout = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    model.to(device, memory_format=layout)
    return evaluate_tensors(
        model,
        to_device_images(images, device),
        to_device_labels(labels, device),
        batch_size=batch_size,
        normalization=get_normalization(normalization),
        precision=precision,
    )


def evaluate_tensors(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    batch_size: int,
    normalization: Normalization,
    precision: str,
) -> dict[str, float | int]:
    """:func:`evaluate` on device-resident uint8 ``(N, 3, H, W)`` images and int64 labels."""
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"need as many labels as images (> 0); got {len(images)}, {len(labels)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    was_training = model.training
    model.eval()
    totals = torch.zeros(3, dtype=torch.float64, device=images.device)
    with torch.inference_mode(), autocast(images.device, precision):
        for start in range(0, len(images), batch_size):
            y = labels[start : start + batch_size]
            logits = model(model_input(images[start : start + batch_size], normalization)).float()
            totals += batch_totals(logits, y)
    model.train(was_training)
    loss, top1, top5 = (totals / len(images)).tolist()
    return {"loss": loss, "top1": top1, "top5": top5, "n_images": len(images)}


def batch_totals(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """float64 ``[summed cross-entropy, top-1 hits, top-5 hits]`` of one batch."""
    k = min(5, logits.shape[1])
    hits = logits.topk(k, dim=1).indices == labels[:, None]
    return torch.stack(
        [
            F.cross_entropy(logits, labels, reduction="sum").double(),
            hits[:, 0].sum().double(),
            hits.any(dim=1).sum().double(),
        ]
    )
