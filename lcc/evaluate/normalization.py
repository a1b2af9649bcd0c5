"""Per-dataset input normalisation: ``(pixel / 255 - mean) / std`` per RGB channel."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Normalization:
    """Channel means and standard deviations on the [0, 1] scale, in RGB order."""

    name: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def apply(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 (or 0..255 float) ``(B, 3, H, W)`` -> normalised float32 ``(B, 3, H, W)``."""
        std = torch.tensor(self.std, device=images.device).view(1, 3, 1, 1)
        mean = torch.tensor(self.mean, device=images.device).view(1, 3, 1, 1)
        return torch.addcmul(-mean / std, images.float(), 1.0 / (255.0 * std))


_ALL = (
    # Statistics of the 50,000 CIFAR-10 training images (population std).
    Normalization("cifar10", (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    # Statistics of the 100,000 Tiny ImageNet training images.
    Normalization("tinyimagenet", (0.4802, 0.4481, 0.3975), (0.2770, 0.2691, 0.2821)),
    # The generated test datasets have no published statistics: mid-grey, quarter range.
    Normalization("synthetic", (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    Normalization("synthetic-tiny", (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    Normalization("none", (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
)

NORMALIZATIONS: dict[str, Normalization] = {n.name: n for n in _ALL}


def get_normalization(which: str | Normalization) -> Normalization:
    """``which`` itself if it is a Normalization, else the registered one of that name."""
    if isinstance(which, Normalization):
        return which
    if which not in NORMALIZATIONS:
        raise KeyError(f"unknown normalization {which!r}; valid: {', '.join(NORMALIZATIONS)}")
    return NORMALIZATIONS[which]
