"""C6: BLS preserves more of the original's high frequencies than the original and the rivals,
on hand-made training images whose spectra the test controls."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.claims import spectra
from analysis.claims.base import FAILS, HOLDS, UNDECIDED, UNTESTABLE, Inputs, claim_row
from analysis.claims.spectra import (
    BANDS,
    CLAIM,
    HIGH_BANDS,
    band_shares,
    high_frequency_energy,
)
from analysis.figures.spectra import mean_log_spectrum
from analysis.images import IMAGE_SET_COLUMNS
from analysis.load import Results, empty_missing

N, SIZE = 64, 32
RANKED = pd.DataFrame(
    {"arch": "vgg11", "dataset": "cifar10", "method": "bda",
     "codec": ["bls", "jpeg", "noise", "blur"], "rank": 1, "level": [0.012, 80.0, 0.1, 3.0]}
)  # fmt: skip


def _parts(seed=0):
    """Per image: a smooth low-frequency picture and a high-frequency pattern (a checkerboard,
    radius > 3N/8, and a wave of radius 10 in (N/4, 3N/8]) of varying strength."""
    rng = np.random.default_rng(seed)
    y, x = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    phase = rng.uniform(0, 2 * np.pi, (N, 3, 1, 1))
    smooth = np.cos(2 * np.pi * x / SIZE + phase[:, 0]) + np.cos(
        2 * np.pi * 2 * y / SIZE + phase[:, 1]
    )
    strength = rng.uniform(0.5, 1.5, (N, 1, 1))
    high = strength * ((-1.0) ** (x + y) + np.cos(2 * np.pi * 10 * x / SIZE + phase[:, 2]))
    return smooth, high


def _images(high_gain: float, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    smooth, high = _parts()
    pixels = 128 + 40 * smooth + 10 * high_gain * high
    if noise:
        pixels = pixels + np.random.default_rng(seed + 7).normal(0, noise, pixels.shape)
    grey = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def _sets(tmp_path, images: dict) -> pd.DataFrame:
    """Image sets laid out as encode jobs (``<folder>/images.npy``)."""
    rows = []
    for (codec, level), array in images.items():
        folder = tmp_path / f"{codec}-{level}"
        folder.mkdir()
        np.save(folder / "images.npy", array)
        rows.append(("cifar10", "train", codec, level, "sig", str(folder / "images.npy")))
    return pd.DataFrame(rows, columns=IMAGE_SET_COLUMNS).astype({"level": "float64"})


def _check(monkeypatch, sets, ranked=RANKED):
    monkeypatch.setattr(spectra, "image_sets", lambda plan, root: sets)
    results = Results(
        results_dir=Path("results/hand"),
        sweep="hand",
        tables={},
        plan=None,
        missing=empty_missing(),
    )
    return CLAIM.check(Inputs(results, SimpleNamespace(ranked=ranked)))


def _all(bls_gain: float, **extra) -> dict:
    return {
        ("identity", None): _images(1.0),
        ("bls", 0.012): _images(bls_gain),
        ("jpeg", 80.0): _images(0.6),
        ("noise", 0.1): _images(1.0, noise=2.0),
        ("blur", 3.0): _images(0.2),
        **extra,
    }


def test_band_shares_put_a_pure_frequency_in_its_band_and_skip_dc():
    x = np.arange(SIZE)[None, :, None, None]
    for k, band in ((2, 0), (6, 1), (10, 2), (16, 3)):
        wave = 128 + 100 * np.cos(2 * np.pi * k * x / SIZE) * np.ones((1, SIZE, SIZE, 3))
        shares = band_shares(np.rint(wave).astype(np.uint8))
        assert shares[0, band] == pytest.approx(1.0, abs=1e-3), (k, shares)
    flat = np.full((2, SIZE, SIZE, 3), 90, np.uint8)
    assert (band_shares(flat) == 0).all()
    assert HIGH_BANDS == (2, 3) and len(BANDS) == 4


def test_high_frequency_energy_is_higher_for_a_noisier_set():
    assert high_frequency_energy(mean_log_spectrum(_images(2.0))) > high_frequency_energy(
        mean_log_spectrum(_images(0.2))
    )


def test_holds_when_bls_keeps_more_high_frequencies_than_every_set(monkeypatch, tmp_path):
    outcome = _check(monkeypatch, _sets(tmp_path, _all(2.0)))
    assert outcome.verdict == HOLDS and outcome.unit == "ratio"
    # BLS against the original, JPEG, noise and blur in each of the two high bands.
    assert len(outcome.comparisons) == 8
    assert all(c.n_images == N and c.n_seeds == 0 for c in outcome.comparisons)
    assert "cifar10 BLS λ=0.012 − Gaussian blur 3x3, band > 3N/8" in outcome.measured
    assert (
        "preserved fraction per band" in outcome.measured
        and "original's mean share of AC power" in outcome.measured
    )
    assert "Fig 4.7's measure" in outcome.detail and "BLS λ=0.012 (BDA rank 1)" in outcome.detail
    row = claim_row(CLAIM, outcome)
    assert row["unit"] == "ratio" and row["lower"] > 0


def test_does_not_hold_when_bls_keeps_fewer_high_frequencies_than_the_original(
    monkeypatch, tmp_path
):
    outcome = _check(monkeypatch, _sets(tmp_path, _all(0.8)))  # above JPEG and blur only
    assert outcome.verdict == FAILS
    failing = {c.name.split(" − ")[1].split(",")[0] for c in outcome.comparisons
               if c.verdict == FAILS}  # fmt: skip
    assert failing == {"Original", "Gaussian noise σ=0.1"}
    assert claim_row(CLAIM, outcome)["upper"] < 0


def test_undecided_when_bls_keeps_as_much_as_the_original(monkeypatch, tmp_path):
    # BLS's images are the original's in another order: the same mean shares, no pairing.
    # Noise is not in the sweep (listed as not compared).
    images = _all(1.0)
    images[("bls", 0.012)] = images[("identity", None)][np.random.default_rng(3).permutation(N)]
    del images[("noise", 0.1)]
    outcome = _check(monkeypatch, _sets(tmp_path, images), RANKED[RANKED["codec"] != "noise"])
    assert outcome.verdict == UNDECIDED
    against_original = [c for c in outcome.comparisons if "− Original" in c.name]
    assert all(c.estimate == pytest.approx(0.0, abs=1e-12) for c in against_original)
    assert all(c.verdict == HOLDS for c in outcome.comparisons if "JPEG" in c.name)
    assert "not compared: cifar10 Gaussian noise: no training images" in outcome.detail


def test_without_a_ranking_a_codec_with_one_encoded_level_is_used(monkeypatch, tmp_path):
    outcome = _check(monkeypatch, _sets(tmp_path, _all(2.0)), ranked=RANKED.iloc[0:0])
    assert outcome.verdict == HOLDS
    assert "BLS λ=0.012 (the only level encoded (no BDA ranking))" in outcome.detail


def test_not_testable_without_original_or_bls_images_or_a_ranking_to_choose(monkeypatch, tmp_path):
    no_original = _all(2.0)
    del no_original[("identity", None)]
    outcome = _check(monkeypatch, _sets(tmp_path / "a", no_original))
    assert outcome.verdict == UNTESTABLE and "no original training images" in outcome.detail
    two_bls = {**_all(2.0), ("bls", 0.1): _images(2.0)}
    outcome = _check(monkeypatch, _sets(tmp_path / "b", two_bls), ranked=RANKED.iloc[0:0])
    assert outcome.verdict == UNTESTABLE
    assert "BLS: no BDA ranking to choose among its 2 levels" in outcome.detail
    assert _check(monkeypatch, _sets(tmp_path / "c", {})).verdict == UNTESTABLE


@pytest.fixture(autouse=True)
def _folders(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
