"""Fourier-basis sensitivity of a classifier (thesis §6.2, the Fourier heat map of its ref. [46]).

For every frequency ``(i, j)`` of an ``H x W`` grid, each test image ``x`` (pixels on [0, 1]) is
perturbed to ``clip(x + r * eps * U_ij, 0, 1)`` channel by channel, where ``U_ij`` is the real
Fourier basis image of unit l2 norm (:func:`basis_image`), ``eps`` the l2 norm of the
perturbation of one channel and ``r`` a random sign drawn per image and channel, and the
classifier's error rate on the perturbed images is recorded. The result is an ``(H, W)`` map,
centred like the heat maps of ref. [46] (Fig 1/2): the DC component at ``(H // 2, W // 2)``,
low frequencies in the middle, the highest at the border.

Default norm: ``eps = 4.0`` on the [0, 1] scale, the value ref. [46] uses for its CIFAR-10
heat maps (its §2, "Fourier heat map"), quoted from memory of the paper (no copy of it ships
with this repository); ImageNet used a larger norm there.

Cost: ``U_ij = U_{-i,-j}`` (indices mod H, W), so only the frequency rows ``i = 0 .. H // 2``
are measured and the rest mirrored; one forward pass covers a whole frequency row (``W``
perturbations) of a chunk of images. Signs come from a generator seeded by ``(seed, i)`` for
the whole row, so the map does not depend on the chunk size.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lcc.evaluate.device_images import autocast, to_device_images, to_device_labels
from lcc.evaluate.normalization import Normalization, get_normalization
from lcc.specs.fourier import DEFAULT_NORM, check_settings


@dataclass(frozen=True)
class HeatMap:
    """Error rates of one classifier under Fourier-basis perturbations.

    ``error``: float64 ``(H, W)``, fraction of misclassified perturbed images per frequency,
    centred (``error[H // 2 + fy, W // 2 + fx]`` is frequency ``(fy, fx)``); ``clean_error``:
    the error on the unperturbed images; ``images_per_s``: perturbed images classified per second.
    """

    error: np.ndarray
    clean_error: float
    n_images: int
    norm: float
    seconds: float
    images_per_s: float


def frequencies(size: int) -> np.ndarray:
    """The signed frequency of each centred index ``0 .. size - 1``: ``index - size // 2``."""
    return np.arange(size) - size // 2


def basis_row(height: int, width: int, i: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """The basis images ``U_{i, j}`` of frequency row ``i`` for every ``j = 0 .. W - 1``.

    ``U_ij`` is the real part of the inverse DFT of a one-hot at ``(i, j)`` plus its
    conjugate-symmetric partner at ``(-i, -j)``, scaled to unit l2 norm:
    ``cos(2 pi (i u / H + j v / W)) / ||.||``. Indices are taken mod ``(H, W)`` (unshifted).
    Returns float32 ``(W, H, W)``.
    """
    u = torch.arange(height, dtype=torch.float64).view(1, height, 1)
    v = torch.arange(width, dtype=torch.float64).view(1, 1, width)
    j = torch.arange(width, dtype=torch.float64).view(width, 1, 1)
    wave = torch.cos(2 * math.pi * (i * u / height + j * v / width))
    norms = wave.flatten(1).norm(dim=1).view(width, 1, 1)
    return (wave / norms).to(device=device, dtype=torch.float32)


def basis_image(height: int, width: int, i: int, j: int) -> torch.Tensor:
    """One basis image ``U_{i, j}``, float32 ``(H, W)`` of unit l2 norm (see :func:`basis_row`)."""
    return basis_row(height, width, i % height)[j % width]


def signs(seed: int, row: int, n_images: int, width: int) -> torch.Tensor:
    """Random signs ``+-1``, float32 ``(N, W, 3)``: per image, frequency of the row and channel."""
    state = np.random.SeedSequence([seed, row]).generate_state(1, np.uint64)[0]
    generator = torch.Generator().manual_seed(int(state) >> 1)
    bits = torch.randint(0, 2, (n_images, width, 3), generator=generator)
    return bits.float() * 2 - 1


def fourier_heat_map(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    *,
    norm: float = DEFAULT_NORM,
    normalization: str | Normalization,
    batch_size: int,
    seed: int,
    precision: str,
    device: str | torch.device = "cpu",
) -> HeatMap:
    """The Fourier heat map of ``model`` on uint8 ``(N, H, W, 3)`` images and their labels.

    ``batch_size`` images per forward pass, each perturbed along the ``W`` frequencies of one
    row, so a pass classifies ``batch_size * W`` images, under precision policy ``precision``
    (:func:`lcc.evaluate.device_images.autocast`). The model's mode is restored.
    """
    check_settings(norm, len(labels), batch_size)
    device = torch.device(device)
    layout = torch.channels_last if device.type == "cuda" else torch.contiguous_format
    model.to(device, memory_format=layout)
    normalization = get_normalization(normalization)
    x_all = to_device_images(images, device)
    y_all = to_device_labels(labels, device)
    n, _, height, width = x_all.shape
    was_training = model.training
    model.eval()
    raw = torch.zeros(height, width, dtype=torch.float64)  # misclassified counts, unshifted
    clean_wrong = 0
    started = time.perf_counter()
    with torch.inference_mode(), autocast(device, precision):
        for start in range(0, n, batch_size):
            x = x_all[start : start + batch_size]
            logits = model(_prepared(x.float() / 255.0, normalization)).float()
            clean_wrong += int((logits.argmax(1) != y_all[start : start + batch_size]).sum())
        for i in range(height // 2 + 1):
            row = basis_row(height, width, i, device)  # (W, H, W)
            row_signs = signs(seed, i, n, width).to(device)
            for start in range(0, n, batch_size):
                x = x_all[start : start + batch_size].float() / 255.0  # (B, 3, H, W)
                y = y_all[start : start + batch_size]
                r = row_signs[start : start + batch_size]  # (B, W, 3)
                delta = norm * r[..., None, None] * row[None, :, None]  # (B, W, 3, H, W)
                perturbed = (x[:, None] + delta).clamp_(0.0, 1.0).flatten(0, 1)
                logits = model(_prepared(perturbed, normalization)).float()
                wrong = logits.argmax(1).view(len(y), width) != y[:, None]
                raw[i] += wrong.sum(0).double().cpu()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    model.train(was_training)
    mirrored = (-torch.arange(width)) % width
    for i in range(height // 2 + 1, height):  # U_{i,j} = U_{-i,-j}: mirror the measured rows
        raw[i] = raw[(-i) % height, mirrored]
    error = np.fft.fftshift(raw.numpy() / n)
    classified = n * (1 + (height // 2 + 1) * width)
    return HeatMap(error, clean_wrong / n, n, float(norm), seconds, classified / seconds)


def _prepared(pixels: torch.Tensor, normalization: Normalization) -> torch.Tensor:
    """Float ``(B, 3, H, W)`` pixels on [0, 1] -> the model's normalised input."""
    x = normalization.apply(pixels * 255.0)
    if x.is_cuda:
        x = x.contiguous(memory_format=torch.channels_last)
    return x
