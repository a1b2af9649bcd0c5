"""Top-1, top-5 and cross-entropy of a classifier on a labelled uint8 image set, per image and
over all images and each part of the held-out split (:mod:`lcc.evaluate.holdout`).

:func:`predict` gives every image's predicted class, hits and loss (:class:`Predictions`);
:func:`evaluate` their means, :meth:`Predictions.scores`. Both have a ``*_tensors`` form for
images already on the device (the training loop's per-epoch evaluation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lcc.evaluate.device_images import autocast, model_input, to_device_images, to_device_labels
from lcc.evaluate.holdout import PARTS, part_mask
from lcc.evaluate.normalization import Normalization, get_normalization

# The keys of :meth:`Predictions.scores`: over all images, then per part of the held-out split.
SCORE_KEYS = (
    "loss",
    "top1",
    "top5",
    "n_images",
    *(f"{part}_{metric}" for part in PARTS for metric in ("top1", "top5")),
)


@dataclass(frozen=True)
class Predictions:
    """Per-image results of a classifier on N labelled images, CPU arrays of shape ``(N,)``;
    entry ``i`` is image ``i`` of the evaluated set (its index in the test split).

    ``predicted``: int64, the top-1 class (highest logit); ``top1``: bool, ``predicted`` is
    the label; ``top5``: bool, the label is among the five highest logits (among all of them
    with fewer than five classes); ``loss``: float32, cross-entropy in nats.
    """

    predicted: np.ndarray
    top1: np.ndarray
    top5: np.ndarray
    loss: np.ndarray

    @property
    def n_images(self) -> int:
        return len(self.top1)

    def scores(self) -> dict[str, float | int]:
        """Means over the images: ``{"loss": mean cross-entropy (nats), "top1": fraction,
        "top5": fraction, "n_images": N}`` and, per part ``p`` of the held-out split
        (:data:`~lcc.evaluate.holdout.PARTS`), ``p_top1`` and ``p_top5``, the fractions over
        that part's images (NaN for a part without images: N = 1 has no judged image)."""
        scores: dict[str, float | int] = {
            "loss": float(self.loss.astype(np.float64).mean()),
            "top1": float(self.top1.mean()),
            "top5": float(self.top5.mean()),
            "n_images": self.n_images,
        }
        for part in PARTS:
            mask = part_mask(self.n_images, part)
            for metric, hits in (("top1", self.top1), ("top5", self.top5)):
                scores[f"{part}_{metric}"] = float(hits[mask].mean()) if mask.any() else math.nan
        return scores


def predict(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    batch_size: int,
    device: str | torch.device,
    normalization: str | Normalization,
    precision: str,
) -> Predictions:
    """Every image's prediction, hits and loss (:class:`Predictions`) for uint8
    ``(N, H, W, 3)`` ``images`` and integer ``(N,)`` labels.

    ``precision`` is a policy of :data:`~lcc.evaluate.device_images.PRECISIONS`. The model is
    moved to ``device``; its train/eval mode is restored afterwards.
    """
    device = torch.device(device)
    layout = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    model.to(device, memory_format=layout)
    return predict_tensors(
        model,
        to_device_images(images, device),
        to_device_labels(labels, device),
        batch_size=batch_size,
        normalization=get_normalization(normalization),
        precision=precision,
    )


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
    """Mean loss and top-1/top-5 accuracy of ``model`` on uint8 ``(N, H, W, 3)`` images, over
    all of them and over each part of the held-out split: :meth:`Predictions.scores` of
    :func:`predict` (same arguments)."""
    return predict(
        model,
        images,
        labels,
        batch_size=batch_size,
        device=device,
        normalization=normalization,
        precision=precision,
    ).scores()


def predict_tensors(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    batch_size: int,
    normalization: Normalization,
    precision: str,
) -> Predictions:
    """:func:`predict` on device-resident uint8 ``(N, 3, H, W)`` images and int64 labels.

    The per-image results stay on the device until the last batch and then travel to the CPU
    at once (one synchronisation per call).
    """
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"need as many labels as images (> 0); got {len(images)}, {len(labels)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    was_training = model.training
    model.eval()
    n, device = len(images), images.device
    predicted = torch.empty(n, dtype=torch.int64, device=device)
    hits = torch.empty((n, 2), dtype=torch.bool, device=device)  # top-1, top-5
    loss = torch.empty(n, dtype=torch.float32, device=device)
    with torch.inference_mode(), autocast(device, precision):
        for start in range(0, n, batch_size):
            batch = slice(start, start + batch_size)
            logits = model(model_input(images[batch], normalization)).float()
            predicted[batch], hits[batch], loss[batch] = batch_predictions(logits, labels[batch])
    model.train(was_training)
    hits_cpu = hits.cpu().numpy()
    return Predictions(
        predicted=predicted.cpu().numpy(),
        top1=hits_cpu[:, 0].copy(),
        top5=hits_cpu[:, 1].copy(),
        loss=loss.cpu().numpy(),
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
    return predict_tensors(
        model,
        images,
        labels,
        batch_size=batch_size,
        normalization=normalization,
        precision=precision,
    ).scores()


def batch_predictions(
    logits: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch of float ``(B, C)`` logits and int64 ``(B,)`` labels: int64 ``(B,)`` top-1
    classes, bool ``(B, 2)`` [top-1 hit, top-5 hit] and float32 ``(B,)`` cross-entropy."""
    k = min(5, logits.shape[1])
    top = logits.topk(k, dim=1).indices
    in_top = top == labels[:, None]
    hits = torch.stack([in_top[:, 0], in_top.any(dim=1)], dim=1)
    return top[:, 0], hits, F.cross_entropy(logits, labels, reduction="none")
