"""Image arrays as device tensors, and one batch made ready for a classifier."""

from __future__ import annotations

import numpy as np
import torch

from lcc.evaluate.normalization import Normalization
from lcc.specs.precision import PRECISIONS

# Precision policies of a forward pass (see :func:`autocast`); part of every train and
# evaluate config, since bf16 changes the numbers.


def to_device_images(images: np.ndarray | torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` (array, memmap or tensor) -> uint8 ``(N, 3, H, W)`` on ``device``.

    The pixels travel as uint8 (a quarter of float32) and are permuted on the device.
    """
    if images.dtype not in (np.uint8, torch.uint8) or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"images must be uint8 (N, H, W, 3), got {images.dtype} {tuple(images.shape)}"
        )
    tensor = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.array(images))
    return tensor.to(device).permute(0, 3, 1, 2).contiguous()


def to_device_labels(labels: np.ndarray | torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """Integer labels ``(N,)`` -> int64 tensor on ``device``."""
    tensor = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(np.array(labels))
    return tensor.to(device=device, dtype=torch.int64)


def model_input(batch: torch.Tensor, normalization: Normalization) -> torch.Tensor:
    """uint8 ``(B, 3, H, W)`` -> normalised float32, channels-last on CUDA (for bf16 convs)."""
    x = normalization.apply(batch)
    if x.is_cuda:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def autocast(device: torch.device, precision: str):
    """The context a forward pass runs in under precision policy ``precision``.

    ``"bf16"``: bf16 autocast on CUDA, a disabled context on the CPU (exact float32);
    ``"fp32"``: float32 everywhere.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
    enabled = precision == "bf16" and device.type == "cuda"
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled)
