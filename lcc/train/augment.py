"""Batched, device-side augmentation of uint8 ``(B, 3, H, W)`` image batches.

Every function draws its randomness from the given ``torch.Generator`` (on the batch's
device), so a seeded generator gives the same batch bit for bit. Output is uint8 like the
input: crops and flips only move pixels, and nearest-neighbour rotation only copies them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lcc.specs.train_recipe import Recipe


def random_flips(batch: torch.Tensor, generator: torch.Generator, p: float) -> torch.Tensor:
    """Which images to mirror left-right, each with probability ``p``: shape ``(B,)`` bool."""
    return torch.rand(len(batch), generator=generator, device=batch.device) < p


def crop_flip(
    batch: torch.Tensor, generator: torch.Generator, padding: int, flip_probability: float
) -> torch.Tensor:
    """Random ``H x W`` crop of the image zero-padded by ``padding`` pixels, then a horizontal
    flip with probability ``flip_probability``."""
    b, c, h, w = batch.shape
    device = batch.device
    padded = F.pad(batch, (padding, padding, padding, padding))
    top = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=device)
    left = torch.randint(0, 2 * padding + 1, (b,), generator=generator, device=device)
    flip = random_flips(batch, generator, flip_probability)
    rows = top[:, None] + torch.arange(h, device=device)
    cols = left[:, None] + torch.arange(w, device=device)
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    index = (rows[:, :, None] * (w + 2 * padding) + cols[:, None, :]).view(b, 1, h * w)
    return padded.view(b, c, -1).gather(2, index.expand(b, c, h * w)).view(b, c, h, w)


def rotate_flip(
    batch: torch.Tensor, generator: torch.Generator, degrees: float, flip_probability: float
) -> torch.Tensor:
    """Rotation by an angle uniform in ±``degrees`` about the centre, then a horizontal flip
    with probability ``flip_probability``."""
    b = len(batch)
    angles = (torch.rand(b, generator=generator, device=batch.device) * 2 - 1) * math.radians(
        degrees
    )
    flip = random_flips(batch, generator, flip_probability)
    cos, sin = torch.cos(angles), torch.sin(angles)
    zero = torch.zeros_like(angles)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    rotated = F.grid_sample(
        batch.float(), grid, mode="nearest", padding_mode="zeros", align_corners=False
    ).to(torch.uint8)
    return torch.where(flip[:, None, None, None], rotated.flip(3), rotated)


def augment(batch: torch.Tensor, generator: torch.Generator, recipe: Recipe) -> torch.Tensor:
    """Apply ``recipe.augment`` to a uint8 batch."""
    if recipe.augment == "crop-flip":
        return crop_flip(batch, generator, recipe.crop_padding, recipe.flip_probability)
    if recipe.augment == "rotate-flip":
        return rotate_flip(batch, generator, recipe.rotation_degrees, recipe.flip_probability)
    return batch
