"""The codec quality gate: reading JPEG's curve at a codec's rate (inside, below and above
its range) and the verdict, on a hand-made JPEG curve."""

from __future__ import annotations

import pytest

from lcc.codecs.gate import curve_value, describe, gate_verdict

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


def test_outside_the_range_jpeg_is_extrapolated_from_the_two_nearest_points_and_flagged() -> None:
    assert curve_value(0.25, [0.5, 1.0, 2.0], [20.0, 24.0, 30.0]) == (18.0, True)
    assert curve_value(3.0, [0.5, 1.0, 2.0], [20.0, 24.0, 30.0]) == (36.0, True)


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
