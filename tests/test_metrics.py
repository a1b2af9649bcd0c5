"""Per-image MSE, PSNR and SSIM against NumPy and scikit-image."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from lcc.metrics import mse, psnr, ssim


@pytest.fixture(scope="module")
def pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(5, 20, 24, 3), dtype=np.uint8)
    b = np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    return a, b


def test_mse_and_psnr_match_direct_computation(pair):
    a, b = pair
    direct = [((x.astype(float) - y) ** 2).mean() for x, y in zip(a, b, strict=True)]
    assert np.allclose(mse(a, b), direct, rtol=1e-12)
    sk = [peak_signal_noise_ratio(x, y, data_range=255) for x, y in zip(a, b, strict=True)]
    assert np.allclose(psnr(a, b), sk, rtol=1e-12)
    assert np.allclose(psnr(a, b), 10 * np.log10(255**2 / np.array(direct)))


def test_ssim_matches_scikit_image(pair, real_images):
    a, b = pair
    jpeg_like = np.clip(real_images[:6].astype(int) // 16 * 16 + 8, 0, 255).astype(np.uint8)
    for x_batch, y_batch in ((a, b), (real_images[:6], jpeg_like)):
        expected = [
            structural_similarity(x, y, channel_axis=-1, data_range=255)
            for x, y in zip(x_batch, y_batch, strict=True)
        ]
        assert np.abs(ssim(x_batch, y_batch, chunk=4) - expected).max() < 1e-4


def test_identical_images():
    a = np.random.default_rng(0).integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8)
    assert np.all(mse(a, a) == 0) and np.all(np.isinf(psnr(a, a)))
    assert np.allclose(ssim(a, a), 1.0)


def test_bad_shapes_are_rejected():
    a = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="one shape"):
        mse(a, a[:1])
    with pytest.raises(ValueError, match="at least 7x7"):
        ssim(a[:, :5, :5], a[:, :5, :5])
