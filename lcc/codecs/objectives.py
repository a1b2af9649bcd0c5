"""What a learned codec's fit minimises: its objective (a field of its registry entry).

- ``mse`` (``bls``, ``bmhj``, ``mbt-mean``): ``bpp + λ·255²·MSE``, CompressAI's
  ``RateDistortionLoss``, the thesis' loss (docs/FACTS.md §2).
- ``ssim`` (``bls-ssim``, thesis §6.1 "structure-aware"): ``bpp + λ·SSIM_LAMBDA_SCALE·(1 −
  SSIM)``. Single-scale SSIM, not MS-SSIM: MS-SSIM's five scales need images of at least
  161x161 pixels (an 11x11 window at 1/16 scale); a 32x32 image has three scales with a 7x7
  window, the coarsest 8x8 with 2x2 window positions, and MS-SSIM's scale weights are
  calibrated for five. Single-scale SSIM with the window of :mod:`lcc.metrics.ssim` is the
  metric the thesis reports (Fig 3.2), so the codec is fitted to what is measured.
  ``SSIM_LAMBDA_SCALE`` maps the BLS λ grid onto the SSIM loss: 1250 is the ratio of
  CompressAI's published λ ladders for its MS-SSIM and MSE models at equal quality index
  (both ``RateDistortionLoss``: 2.40 / 0.0018 … 220 / 0.18, 1333 … 1222), so the same λ
  aims at a comparable rate (docs/CODEC_FIT.md, "Other objectives", has what it gives here).
- ``task`` (``bls-task``, thesis §6.1 "task-aware"): ``bpp + λ·255²·MSE + β·CE``, CE the
  cross-entropy (nats, mean over the batch) of a frozen classifier, trained on the original
  data, on the clipped reconstructions; β is the fit setting ``fit.task_beta``
  (default :data:`DEFAULT_TASK_BETA` = 1: one nat of cross-entropy weighs as much as one bit
  per pixel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from compressai.losses import RateDistortionLoss
from torch import nn

from lcc.evaluate.normalization import Normalization
from lcc.metrics.ssim import ssim_torch
from lcc.specs.objectives import (  # noqa: F401 (re-exported)
    DEFAULT_TASK_BETA,
    OBJECTIVES,
    check_task_beta,
    objective_settings,
)

SSIM_LAMBDA_SCALE = 1250.0


@dataclass(frozen=True)
class FrozenClassifier:
    """A trained classifier whose cross-entropy on the reconstructions the ``task`` objective
    adds; ``normalization`` is the one it was trained with."""

    model: nn.Module
    normalization: Normalization


def resolve_objective(objective: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """``given`` settings of ``objective`` with defaults filled in (:func:`objective_settings`);
    a one-line ValueError for a setting the objective does not take."""
    given = dict(given or {})
    valid = objective_settings(objective)
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ValueError(
            f"objective {objective!r} takes no settings {unknown}; valid: {sorted(valid) or 'none'}"
        )
    return objective_settings(objective, given.get("task_beta"))


class Criterion:
    """The loss of one objective at ``lmbda`` with ``settings`` (:func:`resolve_objective`;
    ``classifier`` for ``task``): ``criterion(out, x, labels)`` returns ``loss``,
    ``mse_loss`` (on [0, 1]) and ``bpp_loss`` (estimate, bits per pixel) as tensors, for
    ``out`` a CompressAI forward result and ``x`` the ``(N, 3, H, W)`` targets on [0, 1]."""

    def __init__(
        self,
        objective: str,
        lmbda: float,
        settings: dict[str, Any] | None = None,
        classifier: FrozenClassifier | None = None,
    ) -> None:
        settings = resolve_objective(objective, settings)
        if objective == "task" and classifier is None:
            raise ValueError(
                "the task objective needs a frozen classifier (a train job on the original "
                "data, input role 'classifier'); none was given"
            )
        self.objective = objective
        self.lmbda = lmbda
        self.beta = settings.get("task_beta")
        self.classifier = classifier
        if classifier is not None:  # frozen: eval mode (batch-norm statistics), no gradients
            classifier.model.eval().requires_grad_(False)
        self.rate_mse = RateDistortionLoss(lmbda=lmbda)

    def __call__(self, out: dict, x: torch.Tensor, labels: torch.Tensor | None) -> dict:
        losses = self.rate_mse(out, x)
        if self.objective == "ssim":
            distortion = 1 - ssim_torch(x, out["x_hat"]).mean()
            losses["loss"] = losses["bpp_loss"] + self.lmbda * SSIM_LAMBDA_SCALE * distortion
        elif self.objective == "task":
            if labels is None:
                raise ValueError("the task objective needs the images' labels; none were given")
            pixels = out["x_hat"].clamp(0, 1) * 255
            logits = self.classifier.model(self.classifier.normalization.apply(pixels))
            losses["loss"] = losses["loss"] + self.beta * F.cross_entropy(logits, labels)
        return losses
