"""Per-dataset input normalisation: ``(pixel / 255 - mean) / std`` per RGB channel."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lcc.specs.normalization import STATISTICS, statistics
from lcc.specs.train_recipe import Recipe


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


NORMALIZATIONS: dict[str, Normalization] = {
    name: Normalization(name, mean, std) for name, (mean, std) in STATISTICS.items()
}


def of_recipe(recipe: Recipe) -> Normalization:
    """The input normalisation of a training recipe (its own mean and std, not the table's)."""
    return Normalization(recipe.normalize, recipe.mean, recipe.std)


def get_normalization(which: str | Normalization) -> Normalization:
    """``which`` itself if it is a Normalization, else the registered one of that name."""
    if isinstance(which, Normalization):
        return which
    statistics(which)  # a one-line KeyError for an unknown name
    return NORMALIZATIONS[which]
