"""Bjøntegaard deltas (lcc.specs.bd) on hand-computed curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lcc.specs.bd import bd_psnr, bd_rate, local_reference

RATES = [0.25, 0.5, 1.0, 2.0]
PSNR = [24.0, 27.0, 30.5, 34.0]


def test_identical_curves_differ_by_nothing() -> None:
    assert bd_psnr(RATES, PSNR, RATES, PSNR) == pytest.approx(0.0, abs=1e-9)
    assert bd_rate(RATES, PSNR, RATES, PSNR) == pytest.approx(0.0, abs=1e-9)


def test_a_curve_one_db_higher_has_bd_psnr_one_db() -> None:
    assert bd_psnr(RATES, PSNR, RATES, [p + 1 for p in PSNR]) == pytest.approx(1.0)


def test_a_curve_at_four_fifths_the_rate_has_bd_rate_minus_20_percent() -> None:
    assert bd_rate(RATES, PSNR, [0.8 * r for r in RATES], PSNR) == pytest.approx(-20.0)


def test_a_straight_line_in_log_rate_gives_both_deltas_by_hand() -> None:
    """PSNR = 10 log10 R + 30 against the same line 1 dB higher: BD-PSNR 1 dB everywhere; at
    equal PSNR the better curve needs log10 R 0.1 lower, so BD-rate = 10^-0.1 - 1 = -20.57 %."""
    rates = [0.1, 0.3, 1.0, 3.0, 10.0]
    ref = [10 * math.log10(r) + 30 for r in rates]
    test = [p + 1 for p in ref]
    assert bd_psnr(rates, ref, rates, test) == pytest.approx(1.0)
    assert bd_rate(rates, ref, rates, test) == pytest.approx((10**-0.1 - 1) * 100)


def test_only_the_overlap_counts_and_no_overlap_is_nan() -> None:
    # the test curve covers [0.5, 1] only, where it is 2 dB above: the reference's points
    # outside it shape the reference's fit but not the interval
    rates = np.array([0.5, 0.7, 1.0])
    line = lambda r: 10 * np.log10(r) + 30  # noqa: E731
    wide = np.array([0.1, 0.3, 1.0, 3.0])
    assert bd_psnr(wide, line(wide), rates, line(rates) + 2) == pytest.approx(2.0)
    assert math.isnan(bd_psnr([0.1, 0.2], [20, 22], [1.0, 2.0], [30, 32]))
    assert math.isnan(bd_rate([0.1, 0.2], [20, 22], [1.0, 2.0], [30, 32]))


def test_the_local_reference_spans_the_test_rates_with_one_point_beyond_each_end() -> None:
    rates = [0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0]
    psnr = list(range(8))
    r, p = local_reference(rates, psnr, [0.55, 0.7, 1.0])
    assert r.tolist() == [0.3, 0.5, 0.8, 1.2]  # 0.5-1.2, widened to four points below
    assert p.tolist() == [2, 3, 4, 5]
    r, _ = local_reference(rates, psnr, [0.25, 2.5])
    assert r.tolist() == [0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0]
    r, _ = local_reference(rates[::-1], psnr[::-1], [0.05])  # below every point: the lowest 4
    assert r.tolist() == [0.1, 0.2, 0.3, 0.5]


def test_bad_curves_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        bd_psnr([0.0, 1.0], [20, 30], [0.5, 1.0], [25, 30])
    with pytest.raises(ValueError, match="two points"):
        bd_psnr([1.0], [20], [0.5, 1.0], [25, 30])


def test_the_gate_table_gives_each_codec_its_deltas_per_reference_beside_the_margins() -> None:
    """JPEG on two image sets; BLS 1 dB above JPEG's line on ``test`` and on it on ``tiny-2x``."""
    import pandas as pd

    from analysis.tables import gate_bd, gate_table

    line = lambda r: 10 * np.log10(r) + 30  # noqa: E731
    jpeg_rates = np.array([0.15, 0.3, 0.6, 1.2, 2.4])
    rows = []
    for reference, source, lift in (("test", "cifar10", 1.0), ("tiny-2x", "tinyimagenet", 0.0)):
        rows += [
            {"dataset": source, "codec": "jpeg", "level": q, "role": "reference",
             "reference": reference, "bpp_coded": r, "bpp_no_header": r - 0.125,
             "psnr": line(r)}
            for q, r in zip((5, 10, 20, 40, 80), jpeg_rates, strict=True)
        ]  # fmt: skip
        rows += [
            {"dataset": "cifar10", "codec": "bls", "level": lam, "role": "candidate",
             "reference": reference, "bpp_coded": r, "bpp_no_header": r,
             "psnr": line(r) + lift}
            for lam, r in ((0.001, 0.4), (0.01, 0.8), (0.1, 1.6))
        ]  # fmt: skip
    gate = pd.DataFrame(rows).assign(n_images=1000)
    bd = gate_bd(gate).set_index("reference")
    assert bd.loc["test", "bd_psnr"] == pytest.approx(1.0)
    assert bd.loc["test", "bd_rate"] == pytest.approx((10**-0.1 - 1) * 100)
    assert bd.loc["tiny-2x", "bd_psnr"] == pytest.approx(0.0, abs=1e-9)
    assert bd.loc["tiny-2x", "bd_psnr_no_header"] < 0  # JPEG's curve moves left: BLS worse
    for column in ("bpp", "jpeg_psnr", "jpeg_ssim", "psnr_margin", "ssim", "ssim_margin",
                   "psnr_margin_no_header", "extrapolated", "passes"):  # fmt: skip
        gate[column] = np.nan
    fits = pd.DataFrame(columns=["dataset", "codec", "level", "steps", "seconds"])
    table = gate_table(gate, fits)
    assert len(table) == 6 and list(table["reference"]) == ["test"] * 3 + ["tiny-2x"] * 3
    assert (table["bd_psnr"][:3] == 1.0).all()
