"""The held-out split of the test images: a *selection* part and a disjoint *judged* part.

Choosing on the same images that then judge a claim biases the judgement (the winner's curse,
which grows with the number of candidates compared). So the best epoch of a training
(:func:`lcc.train.train`) and the level selections (BDA, BDAD, BDADS) are chosen on the
selection part, and the claims are decided on the judged part (docs/ARCHITECTURE.md,
"Held-out split and per-image predictions").

The rule: the test image at row ``i`` of the test split is in part :data:`SELECT` when the
lowest bit of ``splitmix64(i)`` (:func:`mix`, a fixed 64-bit integer hash) is 0, and in
:data:`JUDGE` when it is 1. A hash of the row rather than its parity, a random draw or a cut at
N/2 because it is

- deterministic, with no seed to record;
- disjoint and covering by construction, each part about half of the images (a coin flip per
  image: 5,000 ± 50 of 10,000);
- free of any order the split has: a ``limit`` keeps images in class-interleaved order
  (:func:`lcc.data.dataset.balanced_order`: class = row mod 10 on CIFAR-10), where parity would
  give every even class to the selection part and every odd class to the judged one; the hash
  splits every class about in half;
- independent of the number of images: an image's part depends on its row alone;
- the same in every eval set: each CIFAR-10-C block (one corruption at one severity) holds the
  test images in the test split's order (the release in CIFAR-10's, ours generated from the
  split in order; :mod:`lcc.data.cifar10c`), and the compressed test sets keep the split's
  order, so an image has the same row, hence the same part, in every eval set.
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


def mix(rows: np.ndarray) -> np.ndarray:
    """splitmix64 of each integer in ``rows`` (uint64, same shape): Steele, Lea and Flood's
    finaliser (OOPSLA 2014), whose every output bit depends on every input bit."""
    z = np.asarray(rows).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def in_part(image_index: np.ndarray, part: str) -> np.ndarray:
    """bool, shape of ``image_index``: whether each test image row (integer, >= 0) is in
    ``part``."""
    bit = 0 if check_part(part) == SELECT else 1
    return (mix(image_index) & np.uint64(1)) == np.uint64(bit)


def part_mask(n: int, part: str) -> np.ndarray:
    """bool ``(n,)``: which of the images ``0..n-1`` of a test split are in ``part``."""
    return in_part(np.arange(n), part)


def part_of(image_index: np.ndarray) -> np.ndarray:
    """str (``<U6``), shape of ``image_index``: the part (:data:`SELECT` or :data:`JUDGE`)
    of each test image index."""
    return np.where(in_part(image_index, SELECT), SELECT, JUDGE)
