"""HOG-guided foreground-preserving JPEG (thesis §6.1, future work): the background is JPEG
at the level's quality, the HOG foreground (:mod:`lcc.codecs.foreground`) is kept exactly.

Decoding: the JPEG of the whole image at quality q, then the foreground pixels replaced by
the originals; so background pixels are JPEG's, foreground pixels are the original's.

Bits of one image (bits per pixel of the whole image = these bits / (H x W)), three parts:

- **JPEG**: the whole image coded by :class:`lcc.codecs.jpeg.JpegCodec` at quality q, with
  its convention: content bits (start of scan to end of file) in ``bits_actual``, the whole
  file in ``bits_file``.
- **Foreground, lossless**: the foreground pixels' residual against the JPEG reconstruction
  (original − JPEG, modulo 256, one byte per channel, raster order, channels interleaved),
  coded with raw DEFLATE (zlib level 9, no zlib wrapper, as JPEG's content bits leave out its
  headers): 8 x its length in bits; 0 when the mask is empty. The decoder has the JPEG and
  the mask, so it adds the residual back exactly.
- **Mask**: 1 bit per HOG cell, ``(H // cell) x (W // cell)`` bits (64 bits, 0.0625 bpp, on
  32 x 32 CIFAR-10 with 4-pixel cells); the cell size and the quantile are fixed parameters
  of the codec, not sent.

So the rate is never below plain JPEG's at the same quality and grows with the foreground.
"""

from __future__ import annotations

import zlib

import numpy as np

from lcc.codecs.base import EncodeResult, check_images
from lcc.codecs.foreground import CELL, QUANTILE, foreground_mask
from lcc.codecs.jpeg import JpegCodec
from lcc.specs.levels import jpeg_quality


def deflate_bits(data: bytes) -> int:
    """Bits of ``data`` coded with raw DEFLATE at zlib level 9 (no wrapper); 0 for no data."""
    if not data:
        return 0
    coder = zlib.compressobj(9, zlib.DEFLATED, -15)
    return 8 * len(coder.compress(data) + coder.flush())


def foreground_bits(images: np.ndarray, jpeg: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Bits of the lossless foreground part (module docstring) of each image: float64 ``(N,)``
    from originals and JPEG reconstructions, uint8 ``(N, H, W, 3)``, and the foreground,
    bool ``(N, H, W)``."""
    residual = images - jpeg  # uint8 arithmetic wraps: original − JPEG modulo 256
    return np.array([deflate_bits(r[m].tobytes()) for r, m in zip(residual, pixels, strict=True)],
                    dtype=np.float64)  # fmt: skip


class HogJpegCodec:
    """JPEG at ``quality`` 1..95 outside the HOG foreground, the original inside it; the
    JPEG part spreads over ``workers`` processes (:class:`JpegCodec`). The mask uses the
    defaults of :mod:`lcc.codecs.foreground` (:data:`CELL`, :data:`QUANTILE`)."""

    name = "hog-jpeg"

    def __init__(self, quality: int, workers: int | None = None) -> None:
        self.quality = jpeg_quality(quality, codec=self.name)
        self.level = float(self.quality)
        self.jpeg = JpegCodec(self.quality, workers)

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Foreground-preserving JPEG of uint8 ``(N, H, W, 3)`` images, with per-image bits
        (content and file, each with the foreground and mask bits added)."""
        images = check_images(images)
        background = self.jpeg.encode(images)
        if len(images) == 0:
            return background
        cells, pixels = foreground_mask(images, CELL, QUANTILE)
        jpeg = background.reconstructions
        extra = foreground_bits(images, jpeg, pixels) + cells[0].size
        return EncodeResult(
            reconstructions=np.where(pixels[..., None], images, jpeg),
            bits_actual=background.bits_actual + extra,
            bits_file=background.bits_file + extra,
        )
