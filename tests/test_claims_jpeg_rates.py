"""Claim C2: our mean JPEG bit rates agree with Table 3.1 within the tolerance, or not."""

from __future__ import annotations

import pandas as pd

from analysis.claims.jpeg_rates import check_jpeg_rates
from analysis.stats import FAILS, HOLDS, UNTESTABLE
from analysis.thesis_numbers import TABLE_3_1

THESIS_JPEG = {lv: b for (d, c, lv), b in TABLE_3_1.items() if d == "cifar10" and c == "jpeg"}


def _rd(scale: dict[float, float] | float, split="train", dataset="cifar10") -> pd.DataFrame:
    """Two JPEG images per thesis quality, mean bpp = thesis bpp × scale."""
    rows = []
    for quality, bpp in THESIS_JPEG.items():
        factor = scale.get(quality, 1.0) if isinstance(scale, dict) else scale
        for offset in (-0.01, 0.01):
            rows.append(
                {"dataset": dataset, "split": split, "codec": "jpeg", "level": quality,
                 "bpp": bpp * factor + offset}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_c2_holds_within_tolerance_and_names_the_q75_copy():
    outcome = check_jpeg_rates(_rd(1.2))
    assert outcome.verdict == HOLDS
    assert "tolerance ±25 %" in outcome.detail and "q75" in outcome.detail
    assert "q=1: 0.43 (+20 %)" in outcome.measured


def test_c2_does_not_hold_when_one_quality_is_off_by_more_than_the_tolerance():
    outcome = check_jpeg_rates(_rd({10.0: 0.7}))
    assert outcome.verdict == FAILS
    assert outcome.detail.startswith("outside tolerance: q=10")


def test_c2_uses_the_test_split_then_the_gate_references_when_no_train_rows():
    assert "test split" in check_jpeg_rates(_rd(1.0, split="test")).detail
    gate = _rd(1.0).rename(columns={"split": "role"}).assign(role="reference")
    outcome = check_jpeg_rates(_rd(1.0).iloc[0:0], gate)
    assert outcome.verdict == HOLDS and "codec_gate reference rows" in outcome.detail


def test_c2_not_testable_without_jpeg_rates_of_a_thesis_dataset():
    assert check_jpeg_rates(_rd(1.0).iloc[0:0]).verdict == UNTESTABLE
    assert check_jpeg_rates(_rd(1.0, dataset="synthetic")).verdict == UNTESTABLE


def test_c2_ignores_gate_reference_rows_measured_on_another_image_set():
    """The tiny-2x reference is Tiny ImageNet downsampled to 32x32: its JPEG rates are neither
    CIFAR-10's nor Table 3.1's 64x64 Tiny ImageNet's, so C2 must not judge them (v2's report
    once failed C2 on them)."""
    own = _rd(1.0).rename(columns={"split": "role"}).assign(role="reference", reference="test")
    tiny = _rd(0.5, dataset="tinyimagenet").rename(columns={"split": "role"})
    tiny = tiny.assign(role="reference", reference="tiny-2x")
    outcome = check_jpeg_rates(_rd(1.0).iloc[0:0], pd.concat([own, tiny], ignore_index=True))
    assert outcome.verdict == HOLDS
    assert "tinyimagenet" not in outcome.measured
