"""Rate falls and distortion rises monotonically as each codec's level degrades (real images)."""

from __future__ import annotations

import itertools

import pytest

from lcc import codecs
from lcc.metrics import mse, ssim

# Levels from best to worst quality.
DEGRADING = {
    "jpeg": [95, 80, 60, 40, 20, 10, 5, 1],
    "noise": [0.01, 0.05, 0.1, 0.3, 0.8, 1.0],
    "blur": [3, 5, 7, 9],
}


def _strictly_decreasing(values: list[float]) -> bool:
    return all(a > b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("name", sorted(DEGRADING))
def test_distortion_rises_and_rate_falls_as_the_level_degrades(name, real_images):
    images = real_images[:60]
    results = [codecs.get(name, level).encode(images) for level in DEGRADING[name]]
    errors = [mse(images, r.reconstructions).mean() for r in results]
    similarity = [ssim(images, r.reconstructions).mean() for r in results]
    assert _strictly_decreasing([-e for e in errors]), errors
    assert _strictly_decreasing(similarity), similarity
    if name == "jpeg":
        rates = [r.bpp().mean() for r in results]
        assert _strictly_decreasing(rates), rates
        assert 0.2 < rates[-1] < 1.0 and rates[0] > 3  # q1 near the thesis' 0.36 bpp
