"""The identity codec: a faithful copy with no rate (how original data enters the pipeline)."""

from __future__ import annotations

import numpy as np

from lcc.codecs.base import EncodeResult, check_images


class IdentityCodec:
    """Returns a copy of the images; every rate is ``None``."""

    name = "identity"
    level = None

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Copy uint8 ``(N, H, W, 3)`` images unchanged."""
        return EncodeResult(reconstructions=np.array(check_images(images), copy=True))
