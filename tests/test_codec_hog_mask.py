"""The HOG foreground mask and the HOG-guided JPEG codec (thesis §6.1): what the mask covers,
what decodes exactly, what is JPEG's, and that the bits count every part."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from lcc import codecs
from lcc.codecs.foreground import CELL, cell_energy, cell_mask, foreground_mask
from lcc.codecs.hog_jpeg import HogJpegCodec


def textured_square(side: int, images: int = 2, seed: int = 0) -> np.ndarray:
    """uint8 ``(images, 32, 32, 3)``: a flat grey background and a centred ``side``-pixel
    square of bright random texture."""
    rng = np.random.default_rng(seed)
    out = np.full((images, 32, 32, 3), 90, dtype=np.uint8)
    start = (32 - side) // 2
    out[:, start : start + side, start : start + side] = rng.integers(
        128, 256, (images, side, side, 3)
    )
    return out


def test_the_mask_covers_a_textured_square_and_not_the_corners():
    cells, pixels = foreground_mask(textured_square(16))
    assert pixels[:, 8:24, 8:24].all()  # the square, whole
    for corner in (np.s_[:, :4, :4], np.s_[:, :4, -4:], np.s_[:, -4:, :4], np.s_[:, -4:, -4:]):
        assert not pixels[corner].any()
    assert cells.shape == (2, 32 // CELL, 32 // CELL)
    assert pixels.mean() < 0.6  # the square and one cell around it (36 of 64 cells)


def test_a_flat_image_has_no_energy_and_no_foreground():
    flat = np.full((1, 32, 32, 3), 200, dtype=np.uint8)
    assert not cell_energy(flat).any()
    assert not foreground_mask(flat)[1].any()


def test_only_the_component_nearest_the_centre_is_kept():
    energy = np.zeros((1, 12, 12))
    energy[0, 5:7, 5:7] = 10.0  # centre blob
    energy[0, 0, 11] = 10.0  # a far corner cell: its own component once grown
    kept = cell_mask(energy, quantile=0.9)[0]
    assert kept[4:8, 4:8].all() and kept.sum() == 16  # the centre blob grown by one cell
    assert not kept[0, 11]


def test_bad_mask_settings_are_one_line_errors():
    with pytest.raises(ValueError, match="invalid HOG cell size 1; valid: an integer >= 2"):
        cell_energy(textured_square(8), cell=1)
    with pytest.raises(ValueError, match=r"invalid energy quantile 1\.5; valid: 0 <= quantile"):
        cell_mask(np.zeros((1, 8, 8)), quantile=1.5)


@pytest.mark.parametrize("quality", [10, 40])
def test_foreground_decodes_exactly_and_background_is_jpeg_s(quality):
    images = textured_square(12, images=3)
    result = codecs.get("hog-jpeg", quality).encode(images)
    jpeg = codecs.get("jpeg", quality).encode(images)
    _, pixels = foreground_mask(images)
    assert pixels.any() and (~pixels).any()
    np.testing.assert_array_equal(result.reconstructions[pixels], images[pixels])
    np.testing.assert_array_equal(result.reconstructions[~pixels], jpeg.reconstructions[~pixels])
    assert not np.array_equal(jpeg.reconstructions[pixels], images[pixels])  # JPEG is lossy there


def test_bits_are_at_least_jpeg_s_and_grow_with_the_foreground():
    codec, jpeg = HogJpegCodec(40), codecs.get("jpeg", 40)
    per_side = {}
    for side in (8, 16, 24):
        images = textured_square(side, images=2, seed=side)
        ours, plain = codec.encode(images), jpeg.encode(images)
        mask_bits = (32 // CELL) ** 2
        assert (ours.bits_actual >= plain.bits_actual + mask_bits).all()
        assert (ours.bits_file - ours.bits_actual == plain.bits_file - plain.bits_actual).all()
        per_side[side] = (ours.bits_actual - plain.bits_actual).mean()
    assert per_side[8] < per_side[16] < per_side[24]
    assert ours.bpp() is not None and np.allclose(ours.bpp(), ours.bits_actual / 1024)


def test_the_bits_are_jpeg_s_plus_the_deflated_foreground_residual_plus_a_bit_per_cell():
    images = textured_square(12, images=2, seed=5)
    ours, plain = HogJpegCodec(40).encode(images), codecs.get("jpeg", 40).encode(images)
    _, pixels = foreground_mask(images)
    for i in range(len(images)):
        residual = (images[i].astype(int) - plain.reconstructions[i]) % 256
        coder = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = residual.astype(np.uint8)[pixels[i]].tobytes()
        deflated = 8 * len(coder.compress(data) + coder.flush())
        assert ours.bits_actual[i] == plain.bits_actual[i] + deflated + 64


def test_a_flat_image_costs_jpeg_plus_the_mask():
    flat = np.full((2, 32, 32, 3), 200, dtype=np.uint8)
    ours, plain = HogJpegCodec(10).encode(flat), codecs.get("jpeg", 10).encode(flat)
    np.testing.assert_array_equal(ours.bits_actual, plain.bits_actual + 64)
    np.testing.assert_array_equal(ours.reconstructions, plain.reconstructions)


def test_the_level_is_a_jpeg_quality_named_for_this_codec():
    assert codecs.get("hog-jpeg", 40).level == 40.0
    with pytest.raises(
        ValueError, match=r"invalid level 96 for codec 'hog-jpeg'; valid: .*1\.\.95"
    ):
        codecs.validate("hog-jpeg", 96)
