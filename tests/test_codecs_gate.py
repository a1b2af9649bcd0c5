"""The codec quality gate: reading JPEG's curve at a codec's rate (inside, below and above
its range) and the verdict, on a hand-made JPEG curve."""

from __future__ import annotations

import numpy as np
import pytest

from lcc.codecs.gate import (
    GATE_JPEG_QUALITIES,
    curve_value,
    describe,
    downsample_2x,
    gate_verdict,
)

# A hand-made JPEG curve: (coded bpp, PSNR dB, SSIM).
JPEG = [
    {"bpp_coded": 0.5, "psnr": 20.0, "ssim": 0.60},
    {"bpp_coded": 1.0, "psnr": 24.0, "ssim": 0.80},
    {"bpp_coded": 2.0, "psnr": 30.0, "ssim": 0.90},
]


def point(bpp: float, psnr: float, ssim: float) -> dict:
    return {"bpp_coded": bpp, "psnr": psnr, "ssim": ssim}


def test_inside_the_range_jpeg_is_interpolated_between_neighbours() -> None:
    assert curve_value(0.75, [0.5, 1.0, 2.0], [20.0, 24.0, 30.0]) == (22.0, False)
    assert curve_value(1.5, [2.0, 0.5, 1.0], [30.0, 20.0, 24.0]) == (27.0, False)  # unsorted


def test_below_the_range_jpeg_is_extrapolated_from_the_two_lowest_points_and_flagged() -> None:
    assert curve_value(0.25, [0.5, 1.0, 2.0], [20.0, 24.0, 30.0]) == (18.0, True)


def test_above_the_range_jpeg_holds_its_top_value_and_is_flagged() -> None:
    # a line through the top two points would give 36 at 3 bpp, and SSIM above 1 further on
    assert curve_value(3.0, [0.5, 1.0, 2.0], [20.0, 24.0, 30.0]) == (30.0, True)
    assert curve_value(12.0, [1.0, 4.0, 5.0], [0.90, 0.98, 0.99]) == (0.99, True)


def test_a_curve_needs_two_distinct_rates() -> None:
    with pytest.raises(ValueError, match="two points of distinct rates"):
        curve_value(1.0, [1.0, 1.0], [20.0, 21.0])


def test_a_codec_above_jpeg_in_psnr_and_ssim_passes() -> None:
    verdict = gate_verdict(point(0.75, 23.0, 0.75), JPEG)
    assert verdict["jpeg_psnr"] == pytest.approx(22.0)
    assert verdict["psnr_margin"] == pytest.approx(1.0)
    assert verdict["ssim_margin"] == pytest.approx(0.05)
    assert verdict["passes"] and not verdict["extrapolated"]


def test_a_codec_below_jpeg_in_either_metric_fails() -> None:
    assert not gate_verdict(point(0.75, 21.0, 0.75), JPEG)["passes"]  # PSNR below
    assert not gate_verdict(point(0.75, 23.0, 0.65), JPEG)["passes"]  # SSIM below


def test_a_codec_below_jpegs_lowest_rate_is_judged_by_extrapolation() -> None:
    verdict = gate_verdict(point(0.25, 19.0, 0.55), JPEG)
    assert verdict["extrapolated"] and verdict["passes"]
    assert verdict["jpeg_psnr"] == pytest.approx(18.0)


def test_the_gate_line_says_how_far_above_or_below_jpeg() -> None:
    line = describe("bls", 0.001, gate_verdict(point(0.25, 16.8, 0.40), JPEG))
    assert line.startswith("bls λ=0.001: FAILS the JPEG gate: 1.20 dB below JPEG")
    assert "extrapolated" in line
    line = describe("hog-jpeg", 10.0, gate_verdict(point(0.75, 23.0, 0.70), JPEG))
    assert line.startswith("hog-jpeg q=10: ")  # the level as the codec writes it


def test_the_reference_curve_is_jpeg_at_every_fifth_quality_from_1_to_95() -> None:
    assert GATE_JPEG_QUALITIES == (1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75,
                                   80, 85, 90, 95)  # fmt: skip


def test_margins_at_the_header_free_rate_read_jpegs_curve_shifted_left() -> None:
    bare = [{**p, "bpp_no_header": p["bpp_coded"] - 0.25} for p in JPEG]
    verdict = gate_verdict({**point(0.75, 23.0, 0.75), "bpp_no_header": 0.75}, bare)
    assert verdict["psnr_margin"] == pytest.approx(1.0)  # headline: JPEG 22 dB at 0.75 bpp
    # header-free, JPEG's points sit at 0.25, 0.75, 1.75 bpp: JPEG is 24 dB at 0.75 bpp
    assert verdict["psnr_margin_no_header"] == pytest.approx(-1.0)
    assert verdict["ssim_margin_no_header"] == pytest.approx(-0.05)
    assert np.isnan(gate_verdict(point(0.75, 23.0, 0.75), JPEG)["psnr_margin_no_header"])


def test_the_tiny_reference_downsamples_by_exact_2x2_box_means() -> None:
    images = np.array([[[0, 1], [2, 3]], [[255, 255], [254, 255]]], dtype=np.uint8)
    images = np.repeat(images[..., None], 3, axis=-1)  # (2, 2, 2, 3)
    small = downsample_2x(images)
    assert small.shape == (2, 1, 1, 3) and small.dtype == np.uint8
    assert small[:, 0, 0, 0].tolist() == [2, 255]  # 6/4 = 1.5 rounds up; 1019/4 = 254.75
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    want = np.floor(big.reshape(3, 32, 2, 32, 2, 3).mean(axis=(2, 4)) + 0.5)
    assert (downsample_2x(big) == want).all()
    with pytest.raises(ValueError, match="even sides"):
        downsample_2x(big[:, :63])
