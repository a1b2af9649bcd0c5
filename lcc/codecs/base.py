"""The codec interface: what encoding a batch of images returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class EncodeResult:
    """Reconstructions and per-image rates of one encoded batch.

    ``reconstructions`` is uint8 ``(N, H, W, 3)``. Each rate is a float64 array ``(N,)`` in
    bits, or ``None`` when the codec has no such rate:

    - ``bits_estimated``: learned codecs' entropy-model estimate, ``-sum(log2 likelihoods)``;
    - ``bits_actual``: learned codecs' coded string length; JPEG's content bits (start of
      scan marker to end of file);
    - ``bits_file``: JPEG's whole file.
    """

    reconstructions: np.ndarray
    bits_estimated: np.ndarray | None = None
    bits_actual: np.ndarray | None = None
    bits_file: np.ndarray | None = None

    @property
    def bits_thesis(self) -> np.ndarray | None:
        """The thesis' rate in bits per image: the estimate for learned codecs, else content."""
        return self.bits_estimated if self.bits_estimated is not None else self.bits_actual

    def bpp(self) -> np.ndarray | None:
        """The thesis' rate in bits per pixel (per image, ``(N,)``), or ``None``."""
        bits = self.bits_thesis
        if bits is None:
            return None
        height, width = self.reconstructions.shape[1:3]
        return bits / (height * width)


class Codec(Protocol):
    """A data-quality transform at one level: compresses (or degrades) uint8 RGB images."""

    name: str
    level: float | None

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Encode uint8 ``(N, H, W, 3)`` images; ``first_index`` is images[0]'s row in its split
        (random codecs key their draws on it, so chunked encoding equals one-shot encoding)."""
        ...


def check_images(images: np.ndarray) -> np.ndarray:
    """``images`` as a uint8 ``(N, H, W, 3)`` array; a one-line ValueError otherwise."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"images must be uint8 (N, H, W, 3); got {images.dtype} {tuple(images.shape)}"
        )
    return images
