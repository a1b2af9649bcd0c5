"""The ten CIFAR-10-C corruptions: exactness, severity ordering, seeding, helpers, errors."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from scipy import ndimage
from skimage.color import hsv2rgb, rgb2hsv
from skimage.filters import gaussian

from lcc.data import CORRUPTIONS, SEVERITIES, corrupt, load
from lcc.data.corruptions.fog import plasma_fractal
from lcc.data.corruptions.frost import frost_photos, resize_bilinear
from lcc.data.corruptions.params import CIFAR_PARAMS
from lcc.data.corruptions.snow import clipped_zoom, motion_blur

snow_module = importlib.import_module("lcc.data.corruptions.snow")  # the package exports snow()

RANDOM = ("gaussian_noise", "speckle_noise", "impulse_noise", "fog", "frost", "snow")


@pytest.fixture(scope="module")
def synthetic_images() -> np.ndarray:
    return load("synthetic", "test", limit=100).images


def _reference_one(image: np.ndarray, corruption: str, severity: int) -> np.ndarray:
    """Straightforward per-image version of the deterministic corruptions (CIFAR-10-C code)."""
    x = image / 255.0
    s = severity - 1
    if corruption == "contrast":
        c = [0.75, 0.5, 0.4, 0.3, 0.15][s]
        m = x.mean(axis=(0, 1), keepdims=True)
        out = (x - m) * c + m
    elif corruption == "gaussian_blur":
        out = gaussian(x, sigma=[0.4, 0.6, 0.7, 0.8, 1.0][s], channel_axis=-1)
    else:
        hsv = rgb2hsv(x)
        if corruption == "brightness":
            hsv[:, :, 2] = np.clip(hsv[:, :, 2] + [0.05, 0.1, 0.15, 0.2, 0.3][s], 0, 1)
        else:
            a, b = [(0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)][s]
            hsv[:, :, 1] = np.clip(hsv[:, :, 1] * a + b, 0, 1)
        out = hsv2rgb(hsv)
    return np.uint8(np.clip(out, 0, 1) * 255)


@pytest.mark.parametrize("corruption", ["contrast", "brightness", "saturate", "gaussian_blur"])
def test_deterministic_corruptions_match_per_image_reference(
    corruption: str, synthetic_images: np.ndarray, real_images: np.ndarray
) -> None:
    for images in (synthetic_images[:40], real_images[:60]):
        for severity in range(1, 6):
            got = corrupt(images, corruption, severity, seed=0)
            want = np.stack([_reference_one(im, corruption, severity) for im in images])
            np.testing.assert_array_equal(got, want)
            assert not np.array_equal(got, images)


def _mean_psnr(clean: np.ndarray, corrupted: np.ndarray) -> float:
    mse = ((corrupted.astype(np.float64) - clean) ** 2).mean(axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(255.0**2 / np.maximum(mse, 1e-12))))


def test_psnr_falls_as_severity_rises(real_images: np.ndarray) -> None:
    images = real_images[:120]
    psnr = {
        c: [_mean_psnr(images, corrupt(images, c, s, seed=1)) for s in range(1, 6)]
        for c in CORRUPTIONS
    }
    for c in CORRUPTIONS:
        if c not in ("saturate", "frost"):
            assert np.all(np.diff(psnr[c]) < 0), (c, psnr[c])
    # The reference parameters themselves are not monotone in pixel error: saturate's
    # severity 3 scales S by 1.5 (milder than x0.1 at severity 2); frost's severities 4-5 add
    # no more frost than 3 but weigh the image less, which pulls bright pixels back from 255.
    sat = psnr["saturate"]
    assert sat[1] < sat[0] and sat[2] > sat[3] > sat[4] and sat[4] < min(sat[:4])
    fr = psnr["frost"]
    assert fr[0] > fr[1] > fr[2] and fr[0] > max(fr[1:]) and fr[3] > fr[2]


@pytest.mark.parametrize("corruption", RANDOM)
def test_random_corruptions_are_seeded(corruption: str, synthetic_images: np.ndarray) -> None:
    images = synthetic_images[:30]
    a = corrupt(images, corruption, 3, seed=7)
    np.testing.assert_array_equal(a, corrupt(images, corruption, 3, seed=7))
    assert not np.array_equal(a, corrupt(images, corruption, 3, seed=8))
    assert not np.array_equal(a, corrupt(images, corruption, 4, seed=7))
    assert a.dtype == np.uint8 and a.shape == images.shape


def test_noise_corruptions_have_the_documented_strength() -> None:
    grey = np.full((50, 32, 32, 3), 128, np.uint8)
    noisy = corrupt(grey, "gaussian_noise", 5, seed=0).astype(np.float64)
    assert noisy.std() == pytest.approx(0.10 * 255, rel=0.03)
    assert noisy.mean() - 128 == pytest.approx(-0.5, abs=0.3)  # truncation, not rounding
    speckled = corrupt(grey, "speckle_noise", 5, seed=0).astype(np.float64)
    assert speckled.std() == pytest.approx(0.2 * 128, rel=0.03)
    salted = corrupt(grey, "impulse_noise", 4, seed=0)
    changed = salted != 128
    assert changed.mean() == pytest.approx(0.05, rel=0.1)
    assert set(np.unique(salted[changed])) == {0, 255}


def test_motion_blur_matches_a_shift_loop_and_streaks_along_the_angle() -> None:
    rng = np.random.default_rng(0)
    layers = rng.random((3, 20, 24))
    angles = np.array([-90.0, -135.0, -61.3])
    radius, sigma = 4, 3.0
    got = motion_blur(layers, radius, sigma, angles)
    weights = np.exp(-(np.arange(2 * radius + 1) ** 2) / (2 * sigma**2))
    weights /= weights.sum()
    for n, angle in enumerate(np.deg2rad(angles)):
        padded = np.pad(layers[n], 2 * radius + 1, mode="edge")
        want = np.zeros((20, 24))
        for i, w in enumerate(weights):
            dy = int(np.ceil(i * np.sin(angle) - 0.5)) + 2 * radius + 1
            dx = int(np.ceil(i * np.cos(angle) - 0.5)) + 2 * radius + 1
            want += w * padded[dy : dy + 20, dx : dx + 24]
        np.testing.assert_allclose(got[n], want, rtol=1e-12)
    dot = np.zeros((1, 32, 32))
    dot[0, 10, 16] = 1.0
    streak = motion_blur(dot, radius, sigma, np.array([-90.0]))[0]
    np.testing.assert_allclose(streak[10 : 10 + 2 * radius + 1, 16], weights)
    assert streak.sum() == pytest.approx(1.0)


def test_plasma_fractal_is_normalised_and_decay_smooths() -> None:
    rng = np.random.default_rng(0)
    rough = plasma_fractal(rng, 20, 32, 1.75)
    smooth = plasma_fractal(rng, 20, 32, 3.0)
    for maps in (rough, smooth):
        assert maps.shape == (20, 32, 32)
        np.testing.assert_allclose(maps.min(axis=(1, 2)), 0)
        np.testing.assert_allclose(maps.max(axis=(1, 2)), 1)
    roughness = [np.abs(np.diff(m, axis=2)).mean() for m in (rough, smooth)]
    assert roughness[0] > 1.2 * roughness[1]


def test_frost_photos_and_bilinear_resize() -> None:
    photos = frost_photos()
    assert [p.shape for p in photos] == [
        (120, 180, 3),
        (63, 112, 3),
        (63, 112, 3),
        (70, 105, 3),
        (99, 132, 3),
    ]
    image = np.random.default_rng(1).integers(0, 256, (50, 40, 3), dtype=np.uint8)
    tensor = torch.from_numpy(image).permute(2, 0, 1)[None].double()
    ref = torch.nn.functional.interpolate(
        tensor,
        scale_factor=0.2,
        mode="bilinear",
        align_corners=False,
        antialias=False,
        recompute_scale_factor=False,
    )
    want = ref[0].permute(1, 2, 0).round().numpy().astype(np.uint8)
    np.testing.assert_array_equal(resize_bilinear(image, 0.2), want)


def _reference_zoom(layer: np.ndarray, factor: float) -> np.ndarray:
    """CIFAR-10-C's clipped_zoom of one 2-D map: the centre crop of side ceil(side / factor),
    zoomed by ``factor`` (scipy.ndimage.zoom, linear), the excess trimmed equally."""
    height, width = layer.shape
    crop_h, crop_w = int(np.ceil(height / factor)), int(np.ceil(width / factor))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    zoomed = ndimage.zoom(layer[top : top + crop_h, left : left + crop_w], factor, order=1)
    trim_h, trim_w = (zoomed.shape[0] - height) // 2, (zoomed.shape[1] - width) // 2
    return zoomed[trim_h : trim_h + height, trim_w : trim_w + width]


@pytest.mark.parametrize("size", [(32, 32), (64, 64), (20, 24)])
def test_clipped_zoom_matches_a_reference_centre_crop_zoom(size) -> None:
    maps = np.random.default_rng(2).random((3, *size))
    np.testing.assert_array_equal(clipped_zoom(maps, 1), maps)
    for factor in sorted({p[2] for p in CIFAR_PARAMS["snow"]} | {3.0}):
        got = clipped_zoom(maps, factor)
        want = np.stack([_reference_zoom(m, factor) for m in maps])
        assert got.shape == maps.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        if factor > 1:
            assert not np.allclose(got, maps)  # a reference that does nothing cannot match


def test_snow_zooms_its_noise_layer_by_the_severity_factor(monkeypatch) -> None:
    calls = []

    def spy(layers: np.ndarray, factor: float) -> np.ndarray:
        calls.append((layers.shape, factor))
        return clipped_zoom(layers, factor)

    monkeypatch.setattr(snow_module, "clipped_zoom", spy)
    images = load("synthetic", "test", limit=4).images
    for severity in SEVERITIES:
        corrupt(images, "snow", severity, seed=0)
    # The zoom of severities 1 to 5: the third parameter of snow in docs/FACTS.md §4.
    assert calls == [((4, 32, 32), zoom) for zoom in (1, 1, 1.75, 2.25, 1.25)]


def test_bad_corruption_arguments(synthetic_images: np.ndarray) -> None:
    with pytest.raises(KeyError, match="valid: gaussian_noise, gaussian_blur"):
        corrupt(synthetic_images, "motion_blur", 1)
    for severity in (0, 6, True, 2.5):
        with pytest.raises(ValueError, match="severity must be an int in 1-5"):
            corrupt(synthetic_images, "fog", severity)
    with pytest.raises(ValueError, match="uint8"):
        corrupt(synthetic_images.astype(np.float32), "fog", 1)
    with pytest.raises(ValueError, match="frost needs images smaller"):
        corrupt(np.zeros((2, 64, 64, 3), np.uint8), "frost", 1)
