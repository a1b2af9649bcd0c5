"""Gradient saliency maps of a classifier and how much of them falls on the object (thesis
§6.2, future work; settings :class:`lcc.specs.saliency.SaliencySettings`).

**Map.** For an image ``x`` (pixels on [0, 1], ``(3, H, W)``) of true class ``y`` and a
classifier ``f`` (the model after its input normalisation, as
:func:`lcc.evaluate.fourier.fourier_heat_map` applies it: ``normalization.apply(255 x)``),
the gradient map is ``g(x) = d f_y(x) / d x``, in logit units per unit of pixel value on the
[0, 1] scale. ``gradient``: ``S = max_c |g(x)_c|``; ``smoothgrad`` (Smilkov et al. 2017):
``S = max_c |mean_s g(x + sigma * e_s)_c|`` over ``samples`` draws ``e_s ~ N(0, 1)`` per
pixel and channel, not clipped (the paper's form). ``S`` is float32 ``(N, H, W)``, >= 0. The
model runs in eval mode (BatchNorm uses its running statistics, so images do not interact
within a batch) and its mode is restored.

**Determinism.** Sample ``s``'s noise for all N images is drawn from a generator seeded by
``(seed, s)``, so the maps do not depend on ``batch_size``.

**Concentration** (:func:`foreground_concentration`). The object region is the HOG foreground
of :func:`lcc.codecs.foreground.foreground_mask` computed on the *clean* image, so a clean
and a compressed view of one image are judged against the same region. Per image: the mass
fraction ``sum(S * M) / sum(S)``, the mask's area fraction ``mean(M)`` (the mass fraction a
map spread evenly would have: the chance level) and their ratio (> 1: saliency concentrates on
the object). A map of zero mass or an empty mask gives NaN there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lcc.codecs.foreground import foreground_mask
from lcc.evaluate.device_images import to_device_images, to_device_labels
from lcc.evaluate.normalization import Normalization, get_normalization
from lcc.specs.saliency import SaliencySettings


@dataclass(frozen=True)
class SaliencyMaps:
    """Saliency of N images: ``maps`` float32 ``(N, H, W)`` (module docstring; logit per unit
    pixel on [0, 1]); ``predicted`` int64 ``(N,)``, the model's top-1 class on the unperturbed
    images; ``seconds``: wall time of the passes."""

    maps: np.ndarray
    predicted: np.ndarray
    seconds: float


@dataclass(frozen=True)
class Concentration:
    """Per image, float64 ``(N,)``: ``mass`` (share of the saliency inside the foreground
    mask), ``area`` (share of the pixels inside it, the chance level) and ``ratio`` = mass /
    area; ``mask``: bool ``(N, H, W)``."""

    mass: np.ndarray
    area: np.ndarray
    ratio: np.ndarray
    mask: np.ndarray


def noise(seed: int, sample: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Standard normal float32 noise of ``shape`` for SmoothGrad sample ``sample``, from a
    generator seeded by ``(seed, sample)`` (CPU, so equal on every device)."""
    state = np.random.SeedSequence([seed, sample]).generate_state(1, np.uint64)[0]
    return torch.randn(shape, generator=torch.Generator().manual_seed(int(state) >> 1))


def saliency_maps(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    labels: np.ndarray | torch.Tensor,
    settings: SaliencySettings,
    *,
    normalization: str | Normalization,
    device: str | torch.device = "cpu",
) -> SaliencyMaps:
    """The saliency maps of ``model`` on uint8 ``(N, H, W, 3)`` ``images`` for their true
    ``labels`` ``(N,)``, by ``settings.method`` (module docstring); ``settings.batch_size``
    images per pass, in fp32. ``settings.images`` is not applied here (the caller slices)."""
    device = torch.device(device)
    model.to(device)
    normalization = get_normalization(normalization)
    pixels = to_device_images(images, device).float() / 255.0  # (N, 3, H, W) on [0, 1]
    y_all = to_device_labels(labels, device)
    n = len(y_all)
    samples = settings.samples  # 1 for method gradient (SaliencySettings checks)
    was_training = model.training
    model.eval()
    started = time.perf_counter()
    with torch.no_grad():  # not inference_mode: its tensors may not enter autograd later
        predicted = torch.cat([
            model(normalization.apply(pixels[i : i + settings.batch_size] * 255.0)).argmax(1)
            for i in range(0, n, settings.batch_size)
        ])  # fmt: skip
    total = torch.zeros_like(pixels)
    smooth = settings.method == "smoothgrad"
    for s in range(samples):
        shift = settings.sigma * noise(settings.seed, s, tuple(pixels.shape)).to(device) if smooth \
            else torch.zeros_like(pixels)  # fmt: skip
        for start in range(0, n, settings.batch_size):
            window = slice(start, start + settings.batch_size)
            x = (pixels[window] + shift[window]).requires_grad_()
            logits = model(normalization.apply(x * 255.0))
            picked = logits.gather(1, y_all[window, None]).sum()  # images are independent
            (grad,) = torch.autograd.grad(picked, x)
            total[window] += grad
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    model.train(was_training)
    maps = (total / samples).abs().amax(dim=1)
    return SaliencyMaps(
        maps.cpu().numpy().astype(np.float32), predicted.cpu().numpy().astype(np.int64), seconds
    )


def foreground_concentration(maps: np.ndarray, clean_images: np.ndarray) -> Concentration:
    """How much of each saliency map ``(N, H, W)`` lies on the HOG foreground of the clean
    uint8 ``(N, H, W, 3)`` images (module docstring; the mask's default cell and quantile)."""
    if maps.shape != clean_images.shape[:3]:
        raise ValueError(
            f"maps {maps.shape} do not match images {clean_images.shape}; valid: maps (N, H, W)"
            " of images (N, H, W, 3)"
        )
    _, mask = foreground_mask(np.asarray(clean_images))
    maps = maps.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mass = (maps * mask).sum(axis=(1, 2)) / maps.sum(axis=(1, 2))
        area = mask.mean(axis=(1, 2))
        ratio = np.where(area > 0, mass / area, np.nan)
    return Concentration(mass, area, ratio, mask)
