"""Gabor response histograms (thesis §6.2, future work; lcc.evaluate.gabor): the responses are
scikit-image's, stripes answer their own orientation, blur moves mass toward small responses,
on real images stronger JPEG and blur lie farther from the original, the distances, the
settings' errors, and the gabor stage's rows and rerun."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from PIL import Image
from scipy.ndimage import gaussian_filter
from skimage.filters import gabor

from grid.context import JobContext
from grid.job import Job
from grid.stages.gabor import gabor_stage
from grid.store import schemas
from lcc.data import load
from lcc.evaluate.gabor import gabor_bank, grayscale, magnitudes, response_histograms
from lcc.evaluate.gabor_distance import distance, jensen_shannon, total_variation
from lcc.specs.gabor import GaborSettings
from tests.stage_folders import write_encoded, write_job


@pytest.fixture(scope="module")
def synthetic_images() -> np.ndarray:
    """The first 64 images of the embedded synthetic training split, uint8 (64, 32, 32, 3)."""
    return load("synthetic", "train", limit=64).images[:64]


def blurred(images: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Each image's channels smoothed by a Gaussian of ``sigma`` pixels, back to uint8."""
    return gaussian_filter(images.astype(np.float64), (0, sigma, sigma, 0)).round().astype(np.uint8)


def stripes(vertical: bool, frequency: float = 0.2, n: int = 4) -> np.ndarray:
    """``n`` uint8 images of sinusoidal stripes, ``frequency`` cycles per pixel: vertical ones
    vary along x (columns), horizontal ones along y (rows)."""
    axis = np.arange(32)
    wave = 0.5 + 0.4 * np.sin(2 * np.pi * frequency * axis)
    plane = np.tile(wave, (32, 1)) if vertical else np.tile(wave[:, None], (1, 32))
    return np.broadcast_to((plane * 255).round().astype(np.uint8)[None, ..., None],
                           (n, 32, 32, 3)).copy()  # fmt: skip


def test_each_response_is_scikit_image_s_gabor_filter_of_that_image(synthetic_images):
    gray = grayscale(synthetic_images[:3])
    for item in gabor_bank(GaborSettings()):
        batch = magnitudes(gray, item.kernel)
        for i in range(3):
            real, imag = gabor(gray[i], item.frequency, theta=np.deg2rad(item.orientation),
                               bandwidth=1.0, mode="reflect")  # fmt: skip
            np.testing.assert_allclose(batch[i], np.hypot(real, imag), atol=1e-12)


@pytest.mark.parametrize(("vertical", "best"), [(True, 0.0), (False, 90.0)])
def test_stripes_respond_most_at_the_orientation_across_them(vertical, best):
    settings = GaborSettings(orientations=4, frequencies=(0.2,))
    gray = grayscale(stripes(vertical))
    mean = {item.orientation: magnitudes(gray, item.kernel).mean() / item.l1
            for item in gabor_bank(settings)}  # fmt: skip
    assert max(mean, key=mean.get) == best
    others = [value for angle, value in mean.items() if angle != best]
    assert mean[best] > 5 * max(others)


def test_blurring_a_set_moves_every_filter_s_mass_toward_small_responses(synthetic_images):
    settings = GaborSettings(bins=20, max_response=0.2)
    sharp = response_histograms(synthetic_images, settings)
    soft = response_histograms(blurred(synthetic_images), settings)
    # The blurred set's cumulative share reaches each bin edge no later than the original's
    # (first-order dominance toward 0), and its mean response is smaller, for every filter.
    cdf_sharp, cdf_soft = sharp.fraction.cumsum(axis=1), soft.fraction.cumsum(axis=1)
    assert (cdf_soft >= cdf_sharp - 1e-12).all()
    centres = (sharp.edges[:-1] + sharp.edges[1:]) / 2
    assert (soft.fraction @ centres < sharp.fraction @ centres).all()
    assert (total_variation(sharp.fraction, soft.fraction) > 0.05).all()


def jpeg(images: np.ndarray, quality: int) -> np.ndarray:
    """Each image through a JPEG file at ``quality`` (Pillow) and back."""
    out = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=quality)
        out.append(np.asarray(Image.open(buffer).convert("RGB")))
    return np.stack(out)


def test_on_real_images_stronger_jpeg_and_blur_lie_farther_from_the_original(real_images):
    settings = GaborSettings()
    original = response_histograms(real_images, settings).fraction
    far = {name: total_variation(original, response_histograms(images, settings).fraction).mean()
           for name, images in (("q10", jpeg(real_images, 10)), ("q40", jpeg(real_images, 40)),
                                ("blur", blurred(real_images, 0.8)))}  # fmt: skip
    assert far["blur"] > far["q10"] > far["q40"] > 0


def test_each_filter_s_histogram_sums_to_one_with_larger_responses_in_the_last_bin():
    images = stripes(True, frequency=0.2)
    low = response_histograms(images, GaborSettings(frequencies=(0.2,), max_response=1e-4))
    assert np.allclose(low.fraction.sum(axis=1), 1.0)
    assert low.overflow[0] > 0.9 and low.fraction[0, -1] >= low.overflow[0]
    wide = response_histograms(images, GaborSettings(frequencies=(0.2,), max_response=1.0))
    assert (wide.overflow == 0).all() and np.allclose(wide.fraction.sum(axis=1), 1.0)
    assert wide.n_images == 4 and wide.edges[0] == 0.0 and wide.edges[-1] == 1.0


def test_identical_sets_are_at_distance_zero_and_disjoint_ones_at_one(synthetic_images):
    settings = GaborSettings()
    first = response_histograms(synthetic_images, settings).fraction
    again = response_histograms(synthetic_images.copy(), settings).fraction
    for name in ("total_variation", "jensen_shannon"):
        assert (distance(name, first, again) == 0).all()
    p, q = np.array([[0.5, 0.5, 0.0, 0.0]]), np.array([[0.0, 0.0, 0.25, 0.75]])
    assert total_variation(p, q) == pytest.approx([1.0])
    assert jensen_shannon(p, q) == pytest.approx([1.0])
    with pytest.raises(KeyError, match="unknown gabor distance 'l2'; valid: total_variation, "):
        distance("l2", p, q)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("images", 0, "invalid gabor images 0; valid: an integer >= 1"),
        ("orientations", 1.5, "invalid gabor orientations 1.5; valid: an integer >= 1"),
        ("bins", 1, "invalid gabor bins 1; valid: an integer >= 2"),
        ("frequencies", [0.1, 0.6], r"invalid gabor frequencies \[0.1, 0.6\]; valid: a non-"),
        ("frequencies", [], r"invalid gabor frequencies \[\]; valid: a non-empty list"),
        ("bandwidth", 0, "invalid gabor bandwidth 0; valid: a number > 0"),
        ("max_response", 2.0, r"invalid gabor max_response 2.0; valid: a number in \(0, 1\]"),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_it(field, value, message):
    with pytest.raises(ValueError, match=message) as err:
        GaborSettings(**{field: value})
    assert "\n" not in str(err.value)


# --- the stage -----------------------------------------------------------------------------


def test_the_stage_writes_a_row_per_filter_and_bin_and_a_rerun_gives_the_same(
    tmp_path, synthetic_images
):
    encode = write_encoded(tmp_path, synthetic_images, np.arange(64) % 10, codec="jpeg", level=10)
    settings = GaborSettings(images=40, bins=16)
    job = Job("gabor", settings.to_config(), {"images": (encode.signature,)})
    ctx = JobContext(job=job, results_root=tmp_path, sweep="test")
    rows = gabor_stage(ctx)["gabor_response"]
    schema = schemas.TABLES["gabor_response"]
    assert list(rows.columns) == schema.names
    pa.Table.from_pandas(rows, schema=schema, preserve_index=False)
    assert len(rows) == 4 * 3 * 16
    assert (rows["codec"] == "jpeg").all() and (rows["level"] == 10.0).all()
    assert (rows["dataset"] == "synthetic").all() and (rows["n_images"] == 40).all()
    sums = rows.groupby(["frequency", "orientation"])["fraction"].sum()
    assert np.allclose(sums, 1.0) and len(sums) == 12
    widths = rows["bin_high"] - rows["bin_low"]
    assert np.allclose(rows["density"] * widths, rows["fraction"])
    expected = response_histograms(synthetic_images[:40], settings).fraction.ravel()
    np.testing.assert_array_equal(rows["fraction"].to_numpy(), expected)
    pd.testing.assert_frame_equal(rows, gabor_stage(ctx)["gabor_response"])


def test_the_stage_says_which_input_lacks_its_images(tmp_path):
    encode = Job("encode", {"codec": "identity", "level": None, "split": "train"})
    write_job(tmp_path, encode)  # its folder and job.json, but no images.npy yet
    job = Job("gabor", GaborSettings().to_config(), {"images": (encode.signature,)})
    message = r"input 'images': .*images\.npy.* \(did its encode job finish\?\)"
    with pytest.raises(FileNotFoundError, match=message):
        gabor_stage(JobContext(job=job, results_root=tmp_path, sweep="test"))
