"""Identity, Gaussian noise and Gaussian blur codecs against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from lcc import codecs
from lcc.codecs.blur import opencv_sigma


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, size=(6, 16, 16, 3), dtype=np.uint8)


def test_identity_is_a_faithful_copy_without_rates(images):
    result = codecs.get("identity", None).encode(images)
    assert np.array_equal(result.reconstructions, images)
    assert not np.shares_memory(result.reconstructions, images)
    assert result.bits_estimated is None and result.bits_actual is None
    assert result.bits_file is None and result.bpp() is None


def test_noise_statistics_and_rounding():
    gray = np.full((20, 16, 16, 3), 128, dtype=np.uint8)
    result = codecs.get("noise", 0.05).encode(gray)
    diff = (result.reconstructions.astype(float) - 128) / 255
    assert abs(diff.std() - 0.05) < 0.003
    assert abs(diff.mean()) < 0.003
    assert result.bits_actual is None and result.bpp() is None
    assert np.array_equal(codecs.get("noise", 0).encode(gray).reconstructions, gray)


def test_noise_clips_to_the_pixel_range():
    black = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    out = codecs.get("noise", 1.0).encode(black).reconstructions
    assert out.min() == 0 and out.max() == 255 and (out == 0).mean() > 0.4


def test_noise_is_fixed_per_image_and_independent_of_chunking(images):
    codec = codecs.get("noise", 0.1)
    whole = codec.encode(images).reconstructions
    parts = [codec.encode(images[:2]).reconstructions, codec.encode(images[2:], 2).reconstructions]
    assert np.array_equal(whole, np.concatenate(parts))
    assert np.array_equal(whole, codec.encode(images).reconstructions)
    assert not np.array_equal(whole[0] - images[0], whole[1] - images[1])


def test_opencv_sigma_rule():
    assert [round(opencv_sigma(k), 6) for k in (3, 5, 7, 9)] == [0.8, 1.1, 1.4, 1.7]


@pytest.mark.parametrize("size", [3, 5, 9])
def test_blur_equals_direct_2d_convolution(images, size):
    sigma = opencv_sigma(size)
    r = np.arange(size) - size // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    g /= g.sum()
    half = size // 2
    padded = np.pad(images.astype(float), ((0, 0), (half, half), (half, half), (0, 0)), "reflect")
    expected = np.zeros(images.shape)
    for dy in range(size):
        for dx in range(size):
            expected += g[dy, dx] * padded[:, dy : dy + 16, dx : dx + 16]
    out = codecs.get("blur", size).encode(images).reconstructions
    assert np.abs(out.astype(float) - expected).max() <= 0.5 + 1e-9
    assert codecs.get("blur", size).encode(images).bpp() is None
