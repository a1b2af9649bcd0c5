"""The held-out split of the test images: a *selection* part and a disjoint *judged* part.

Choosing on the same images that then judge a claim biases the judgement (the winner's curse,
which grows with the number of candidates compared). So the best epoch of a training
(:func:`lcc.train.train`) and the level selections (BDA, BDAD, BDADS) are chosen on the
selection part, and the claims are decided on the judged part (docs/ARCHITECTURE.md,
"Held-out split and per-image predictions").

The rule: the test image at index ``i`` (its 0-based row in the test split) is in part
:data:`SELECT` when ``i`` is even and in :data:`JUDGE` when it is odd. Parity rather than a
random draw or a cut at N/2 because it is

- deterministic, with no seed to record;
- disjoint and covering by construction;
- independent of the number of images and of a ``limit``: an image's part depends on its
  index alone, so a run on the first 2,000 test images and one on all 10,000 put every shared
  image in the same part, and each part holds about half of any prefix (``ceil(N/2)``
  selection, ``floor(N/2)`` judged images);
- the same in every eval set: each CIFAR-10-C block (one corruption at one severity) holds
  the test images in test-set order (the release in CIFAR-10's, ours generated from the first
  N test images in order; :mod:`lcc.data.cifar10c`), and the compressed test sets keep the
  split's order, so an image has the same index, hence the same part, in every eval set.
"""

from __future__ import annotations

import numpy as np

SELECT, JUDGE = "select", "judge"
PARTS = (SELECT, JUDGE)


def check_part(part: str) -> str:
    """``part`` itself; a one-line ValueError when it is not one of :data:`PARTS`."""
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; valid parts: {', '.join(PARTS)}")
    return part


def in_part(image_index: np.ndarray, part: str) -> np.ndarray:
    """bool, shape of ``image_index``: whether each test image index (integer, >= 0) is in
    ``part``."""
    remainder = 0 if check_part(part) == SELECT else 1
    return np.asarray(image_index) % 2 == remainder


def part_mask(n: int, part: str) -> np.ndarray:
    """bool ``(n,)``: which of the images ``0..n-1`` of a test split are in ``part``."""
    return in_part(np.arange(n), part)


def part_of(image_index: np.ndarray) -> np.ndarray:
    """str (``<U6``), shape of ``image_index``: the part (:data:`SELECT` or :data:`JUDGE`)
    of each test image index."""
    return np.where(in_part(image_index, SELECT), SELECT, JUDGE)
