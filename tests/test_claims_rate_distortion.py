"""C1: learned codecs above JPEG in PSNR and SSIM at equal coded rate, on hand-made rows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.claims.base import FAILS, HOLDS, UNDECIDED, UNTESTABLE, Inputs, claim_row
from analysis.claims.rate_distortion import CLAIM, GATE_REASON
from analysis.load import Results, empty_missing

N = 200
PIXELS = 1024
# JPEG q=10 at 0.5 bpp and q=60 at 1.5 bpp; PSNR and SSIM rise linearly with the rate.
JPEG = (("jpeg", 10.0, 0.5), ("jpeg", 60.0, 1.5))


def _jpeg_psnr(bpp: float) -> float:
    return 25.0 + 4.0 * bpp


def _jpeg_ssim(bpp: float) -> float:
    return 0.7 + 0.1 * bpp


def _centred(rng, scale: float) -> np.ndarray:
    """Per-image noise of mean exactly 0 (so the planted margin is the estimate)."""
    noise = rng.normal(0.0, scale, N)
    return noise - noise.mean()


def _rows(codec, level, bpp, psnr_margin=0.0, ssim_margin=0.0, seed=0, split="test"):
    """One set's per-image rows: JPEG's curve at ``bpp`` plus the margins and zero-mean
    per-image noise; each image's own difficulty (shared by every set) is added too."""
    rng = np.random.default_rng(seed)
    difficulty = np.random.default_rng(99).normal(0.0, 3.0, N)
    return pd.DataFrame(
        {
            "dataset": "cifar10",
            "split": split,
            "codec": codec,
            "level": level,
            "image_index": np.arange(N),
            "pixels": PIXELS,
            "bits_actual": bpp * PIXELS,
            "bpp": bpp,
            "psnr": _jpeg_psnr(bpp) + psnr_margin + difficulty + _centred(rng, 0.3),
            "ssim": _jpeg_ssim(bpp) + ssim_margin + difficulty / 100 + _centred(rng, 0.005),
        }
    )


def _rd(*learned) -> pd.DataFrame:
    """JPEG's two qualities plus the learned sets ``(codec, level, bpp, psnr, ssim margins)``."""
    parts = [_rows(c, lv, bpp, seed=i + 1) for i, (c, lv, bpp) in enumerate(JPEG)]
    parts += [_rows(c, lv, bpp, p, s, seed=10 + i) for i, (c, lv, bpp, p, s) in enumerate(learned)]
    return pd.concat(parts, ignore_index=True)


def _gate(rows) -> pd.DataFrame:
    """Gate candidate rows ``(codec, level, psnr_margin, ssim_margin, extrapolated)``."""
    return pd.DataFrame(
        [
            {"dataset": "cifar10", "codec": c, "level": lv, "role": "candidate", "n_images": 500,
             "psnr_margin": p, "ssim_margin": s, "extrapolated": x}
            for c, lv, p, s, x in rows
        ]
    )  # fmt: skip


def _inputs(**tables) -> Inputs:
    results = Results(
        results_dir=Path("results/hand"),
        sweep="hand",
        tables=tables,
        plan=None,
        missing=empty_missing(),
    )
    return Inputs(results, SimpleNamespace(ranked=pd.DataFrame()))


def test_holds_when_both_codecs_beat_jpeg_at_their_coded_rate_per_image():
    rd = _rd(
        ("bls", 0.01, 1.0, 0.5, 0.01),
        ("bmhj", 0.01, 1.2, 0.8, 0.02),
        ("bls", 0.001, 0.2, -3.0, -0.1),  # below JPEG's rates: listed, not compared
    )
    # Pairs by image index: a shuffled set and a JPEG quality lacking ten images.
    rd = rd.sample(frac=1.0, random_state=0)
    rd = rd[~((rd["level"] == 60.0) & (rd["image_index"] < 10))]
    outcome = CLAIM.check(_inputs(rate_distortion=rd, codec_gate=_gate([])))
    assert outcome.verdict == HOLDS
    assert len(outcome.comparisons) == 4 and outcome.units == ("dB", "SSIM", "dB", "SSIM")
    names = [c.name for c in outcome.comparisons]
    assert "cifar10 BLS λ=0.01 (1.00 bpp) PSNR − JPEG q=10–60 at that rate" in names
    assert all(c.n_images == N - 10 and c.n_seeds == 0 for c in outcome.comparisons)
    assert outcome.comparisons[0].estimate == pytest.approx(0.5, abs=0.05)
    assert "+0.010 SSIM" in outcome.measured and "+0.50 dB" in outcome.measured
    assert "outside JPEG's range" in outcome.detail and "BLS λ=0.001 at 0.20 bpp" in outcome.detail
    assert "no seeds" in outcome.detail
    row = claim_row(CLAIM, outcome)
    assert row["unit"] == "dB" and row["estimate"] == pytest.approx(0.5, abs=0.05)
    assert row["seeds"] == 0 and row["images"] == N - 10


def test_does_not_hold_when_one_codec_loses_in_ssim_and_the_row_shows_ssim():
    rd = _rd(("bls", 0.01, 1.0, 0.5, 0.01), ("bmhj", 0.01, 1.0, 0.6, -0.02))
    outcome = CLAIM.check(_inputs(rate_distortion=rd))
    assert outcome.verdict == FAILS
    failing = [c for c in outcome.comparisons if c.verdict == FAILS]
    assert [c.name.split(" (")[0] for c in failing] == ["cifar10 BMHJ λ=0.01"]
    row = claim_row(CLAIM, outcome)
    assert row["unit"] == "SSIM" and row["estimate"] == pytest.approx(-0.02, abs=1e-9)
    assert row["upper"] < 0


def test_does_not_hold_when_a_codec_loses_in_psnr():
    rd = _rd(("bls", 0.01, 1.0, -0.5, 0.01))
    outcome = CLAIM.check(_inputs(rate_distortion=rd))
    row = claim_row(CLAIM, outcome)
    assert outcome.verdict == FAILS and row["unit"] == "dB" and row["estimate"] < 0


def test_undecided_when_a_margin_is_within_the_images_noise():
    rd = _rd(("bls", 0.01, 1.0, 0.0, 0.01))
    outcome = CLAIM.check(_inputs(rate_distortion=rd))
    assert outcome.verdict == UNDECIDED
    psnr = outcome.comparisons[0]
    assert psnr.lower < 0 < psnr.upper
    assert "straddle the margin" in outcome.detail
    assert claim_row(CLAIM, outcome)["unit"] == "dB"


def test_undecided_from_the_gate_means_when_the_test_split_was_not_encoded():
    gate = _gate([("bls", 0.01, 1.2, 0.01, False), ("bmhj", 0.1, 0.4, 0.002, True)])
    train_only = _rd(("bls", 0.01, 1.0, 0.5, 0.01)).assign(split="train")
    outcome = CLAIM.check(_inputs(rate_distortion=train_only, codec_gate=gate))
    assert outcome.verdict == UNDECIDED and outcome.comparisons == ()
    assert outcome.detail.startswith(GATE_REASON)
    assert "cifar10 BLS λ=0.01 (gate, 500 images): PSNR +1.20 dB, SSIM +0.0100" in outcome.measured
    assert "JPEG extrapolated beyond its rates at cifar10 BMHJ λ=0.1" in outcome.detail
    row = claim_row(CLAIM, outcome)
    assert np.isnan(row["estimate"]) and row["images"] is None


def test_a_codec_known_from_the_gate_alone_keeps_a_holding_codec_undecided():
    rd = _rd(("bls", 0.01, 1.0, 0.5, 0.01))
    gate = _gate([("bmhj", 0.01, 1.0, 0.01, False)])
    outcome = CLAIM.check(_inputs(rate_distortion=rd, codec_gate=gate))
    assert outcome.verdict == UNDECIDED
    assert all(c.verdict == HOLDS for c in outcome.comparisons)
    assert GATE_REASON in outcome.detail and "cifar10 BMHJ λ=0.01: undecided" in outcome.detail


def test_not_testable_without_test_rows_or_gate_candidates():
    assert CLAIM.check(_inputs()).verdict == UNTESTABLE
    train_only = _rd(("bls", 0.01, 1.0, 0.5, 0.01)).assign(split="train")
    references = _gate([("bls", 0.01, 1.0, 0.01, False)]).assign(role="reference")
    outcome = CLAIM.check(_inputs(rate_distortion=train_only, codec_gate=references))
    assert outcome.verdict == UNTESTABLE and outcome.detail.startswith("nothing to compare")
    outside = _rd(("bls", 0.001, 0.2, 0.5, 0.01))
    outcome = CLAIM.check(_inputs(rate_distortion=outside))
    assert outcome.verdict == UNTESTABLE and "BLS λ=0.001 at 0.20 bpp" in outcome.detail
