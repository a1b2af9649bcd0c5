"""The claims table: each claim's rule gives holds / does not hold / not testable on hand rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.claims import (
    CLAIM_COLUMNS,
    FAILS,
    HOLDS,
    UNTESTABLE,
    bda_parts,
    claim_joined,
    claim_jpeg_rates,
    claim_rate_distortion,
    claim_robustness,
    claim_spectra,
    claim_training_accuracy,
    claims_markdown,
    claims_table,
    high_frequency_energy,
)
from analysis.derived import Derived
from analysis.images import IMAGE_SET_COLUMNS, image_sets
from analysis.load import Results, empty_missing, load
from analysis.plan import Plan
from analysis.synthetic_results import write_synthetic_sweep
from analysis.thesis_numbers import TABLE_3_1

# --- C1: codec gate margins ------------------------------------------------------------------


def _gate(margins, extrapolated=None, role="candidate") -> pd.DataFrame:
    """Gate rows of BLS λ = 0.001, 0.01, ... with the given (psnr, ssim) margins."""
    levels = [0.001 * 10**i for i in range(len(margins))]
    return pd.DataFrame(
        {
            "dataset": "cifar10",
            "codec": "bls",
            "level": levels,
            "role": role,
            "psnr_margin": [p for p, _ in margins],
            "ssim_margin": [s for _, s in margins],
            "extrapolated": extrapolated or [False] * len(margins),
        }
    )


def test_c1_holds_when_every_lambda_beats_jpeg_and_flags_extrapolated_ones():
    row = claim_rate_distortion(_gate([(1.2, 0.01), (0.4, 0.002)], extrapolated=[False, True]))
    assert row["verdict"] == HOLDS
    assert "BLS λ=0.001: +1.20 dB" in row["measured"]
    assert "BLS λ=0.01: +0.40 dB (extrapolated)" in row["measured"]
    assert "extrapolated beyond its rates at BLS λ=0.01" in row["detail"]


@pytest.mark.parametrize("bad", [(-0.5, 0.01), (0.5, -0.001), (0.5, np.nan)])
def test_c1_does_not_hold_when_one_margin_is_not_positive(bad):
    row = claim_rate_distortion(_gate([(1.0, 0.01), bad]))
    assert row["verdict"] == FAILS
    assert "1 of 2 λ: BLS λ=0.01" in row["detail"]


def test_c1_not_testable_without_candidate_rows():
    assert claim_rate_distortion(None)["verdict"] == UNTESTABLE
    assert claim_rate_distortion(_gate([(1.0, 0.1)], role="reference"))["verdict"] == UNTESTABLE


# --- C2: JPEG bit rates against Table 3.1 -----------------------------------------------------

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
    row = claim_jpeg_rates(_rd(1.2))
    assert row["verdict"] == HOLDS
    assert "tolerance ±25 %" in row["detail"] and "q75" in row["detail"]
    assert "q=1: 0.43 (+20 %)" in row["measured"]


def test_c2_does_not_hold_when_one_quality_is_off_by_more_than_the_tolerance():
    row = claim_jpeg_rates(_rd({10.0: 0.7}))
    assert row["verdict"] == FAILS
    assert row["detail"].startswith("outside tolerance: q=10")


def test_c2_uses_the_test_split_then_the_gate_references_when_no_train_rows():
    assert "test split" in claim_jpeg_rates(_rd(1.0, split="test"))["detail"]
    gate = _rd(1.0).rename(columns={"split": "role"}).assign(role="reference")
    empty = _rd(1.0).iloc[0:0]
    row = claim_jpeg_rates(empty, gate)
    assert row["verdict"] == HOLDS and "codec_gate reference rows" in row["detail"]


def test_c2_not_testable_without_jpeg_rates_of_a_thesis_dataset():
    assert claim_jpeg_rates(_rd(1.0).iloc[0:0])["verdict"] == UNTESTABLE
    assert claim_jpeg_rates(_rd(1.0, dataset="synthetic"))["verdict"] == UNTESTABLE


# --- C3: clean accuracy at equal training-set bit rate ----------------------------------------


def _trainings(sets, dataset="cifar10", arch="vgg11"):
    """(best_epochs rows, rate_distortion rows) for sets (codec, level, bpp, top1, top5)."""
    best = pd.DataFrame(
        [
            {"arch": arch, "dataset": dataset, "codec": c, "level": lv, "joined": False,
             "eval_set": "clean", "top1": t1, "top5": t5}
            for c, lv, _, t1, t5 in sets
        ]
    )  # fmt: skip
    rd = pd.DataFrame(
        [
            {"dataset": dataset, "split": "train", "codec": c, "level": lv, "bpp": bpp,
             "psnr": 30.0, "ssim": 0.9}
            for c, lv, bpp, _, _ in sets
        ]
    )  # fmt: skip
    return best, rd


JPEG_SETS = [("jpeg", 10.0, 0.5, 0.60, 0.9), ("jpeg", 60.0, 1.5, 0.80, 0.9)]


def test_c3_holds_when_bls_beats_interpolated_jpeg_at_most_in_range_lambdas():
    # JPEG at 1.0 bpp interpolates to 0.70 and at 0.7 bpp to 0.64; λ=0.1 is outside the range.
    best, rd = _trainings(
        [*JPEG_SETS, ("bls", 0.012, 1.0, 0.75, 0.9), ("bls", 0.005, 0.7, 0.64, 0.9),
         ("bls", 0.1, 3.0, 0.10, 0.9)]
    )  # fmt: skip
    row = claim_training_accuracy(best, rd)
    assert row["verdict"] == HOLDS
    assert row["measured"] == "vgg11/cifar10 BLS: 2/2 λ ≥ JPEG, mean +2.5 pp"


def test_c3_does_not_hold_without_a_strict_majority():
    best, rd = _trainings(
        [*JPEG_SETS, ("bls", 0.012, 1.0, 0.75, 0.9), ("bls", 0.005, 0.7, 0.60, 0.9)]
    )
    row = claim_training_accuracy(best, rd)
    assert row["verdict"] == FAILS
    assert "1/2 λ ≥ JPEG" in row["measured"] and "vgg11/cifar10 BLS" in row["detail"]


def test_c3_uses_top5_on_tiny_imagenet():
    # top-1 would say BMHJ loses; the thesis' Tiny ImageNet metric (top-5) says it wins.
    sets = [("jpeg", 10.0, 0.5, 0.30, 0.50), ("jpeg", 60.0, 1.5, 0.50, 0.70),
            ("bmhj", 0.012, 1.0, 0.10, 0.65)]  # fmt: skip
    row = claim_training_accuracy(*_trainings(sets, dataset="tinyimagenet"))
    assert row["verdict"] == HOLDS and "BMHJ: 1/1" in row["measured"]


def test_c3_not_testable_without_both_codecs_or_an_in_range_lambda():
    best, rd = _trainings([("bls", 0.012, 1.0, 0.75, 0.9)])
    assert claim_training_accuracy(best, rd)["verdict"] == UNTESTABLE
    best, rd = _trainings([*JPEG_SETS, ("bls", 0.1, 3.0, 0.9, 0.9)])
    row = claim_training_accuracy(best, rd)
    assert row["verdict"] == UNTESTABLE and "no λ inside JPEG's bpp range" in row["detail"]


# --- C4 / C5: mean CIFAR-10-C accuracy --------------------------------------------------------

CELLS = [("gaussian_noise", 1), ("gaussian_noise", 2), ("fog", 1), ("fog", 2)]


def _corrupted(train_set, codec, level, accuracies, joined=False, arch="vgg11"):
    """Best-of-seeds cifar10c rows of one model; ``accuracies`` per cell of CELLS (None: absent)."""
    return [
        {"arch": arch, "dataset": "cifar10", "train_set": train_set, "codec": codec,
         "level": level, "joined": joined, "eval_set": "cifar10c", "corruption": corruption,
         "severity": severity, "top1": acc, "top5": 1.0}
        for (corruption, severity), acc in zip(CELLS, accuracies, strict=True)
        if acc is not None
    ]  # fmt: skip


def _evaluations(*models) -> pd.DataFrame:
    return pd.DataFrame([row for model in models for row in model])


ORIGINAL = _corrupted("original", "identity", np.nan, [0.5] * 4)
BLS = [
    _corrupted("bls:0.012", "bls", 0.012, [0.7] * 4),
    _corrupted("bls:0.1", "bls", 0.1, [0.6] * 4),
]


def test_c4_holds_when_best_bls_beats_original_and_each_rival_best_level():
    rivals = [
        _corrupted("jpeg:80", "jpeg", 80.0, [0.65] * 4),
        _corrupted("jpeg:1", "jpeg", 1.0, [0.3] * 4),
        _corrupted("noise:0.01", "noise", 0.01, [0.6] * 4),
        _corrupted("blur:3", "blur", 3.0, [0.55] * 4),
    ]
    row = claim_robustness(_evaluations(ORIGINAL, *BLS, *rivals))
    assert row["verdict"] == HOLDS
    assert row["measured"] == (
        "vgg11/cifar10: BLS λ=0.012 70.0 %, Original 50.0 %, JPEG q=80 65.0 %, "
        "Gaussian noise σ=0.01 60.0 %, Gaussian blur 3x3 55.0 %"
    )


def test_c4_does_not_hold_when_a_rival_is_better():
    blur = _corrupted("blur:3", "blur", 3.0, [0.8] * 4)
    row = claim_robustness(_evaluations(ORIGINAL, *BLS, blur))
    assert row["verdict"] == FAILS and "BLS not above Gaussian blur 3x3" in row["detail"]


def test_c4_compares_only_the_cells_every_set_has():
    # JPEG lacks the fog cells, where BLS is weak: over the common cells BLS wins, 0.9 > 0.8,
    # though over all its own cells BLS averages 0.55.
    bls = _corrupted("bls:0.012", "bls", 0.012, [0.9, 0.9, 0.2, 0.2])
    jpeg = _corrupted("jpeg:80", "jpeg", 80.0, [0.8, 0.8, None, None])
    assert claim_robustness(_evaluations(ORIGINAL, bls, jpeg))["verdict"] == HOLDS


def test_c4_not_testable_without_an_original_or_bls_model():
    row = claim_robustness(_evaluations(*BLS))
    assert row["verdict"] == UNTESTABLE and "no original model" in row["detail"]
    assert claim_robustness(_evaluations(ORIGINAL))["verdict"] == UNTESTABLE
    assert claim_robustness(pd.DataFrame())["verdict"] == UNTESTABLE


def _parts(levels=(0.012, 0.1), arch="vgg11", source="selection table") -> pd.DataFrame:
    return pd.DataFrame(
        {"arch": arch, "dataset": "cifar10", "codec": "bls", "level": list(levels),
         "rank": range(1, len(levels) + 1), "source": source}
    )  # fmt: skip


def _joined(accuracy: float):
    return _corrupted("bls:top2", "bls", np.nan, [accuracy] * 4, joined=True)


def test_c5_holds_when_the_joined_set_beats_each_part():
    row = claim_joined(_evaluations(*BLS, _joined(0.75)), _parts())
    assert row["verdict"] == HOLDS
    assert (
        row["measured"] == "vgg11/cifar10 bls:top2 75.0 % vs BLS λ=0.012 70.0 %, BLS λ=0.1 60.0 %"
    )


def test_c5_does_not_hold_when_a_part_is_as_good():
    row = claim_joined(_evaluations(*BLS, _joined(0.7)), _parts())
    assert row["verdict"] == FAILS and "not above BLS λ=0.012" in row["detail"]


def test_c5_parts_are_the_top_k_of_the_ranking_not_every_bls_level():
    # λ=0.005 is ranked third: it is not a part of the top-2 joined set, so beating it is moot.
    extra = _corrupted("bls:0.005", "bls", 0.005, [0.9] * 4)
    row = claim_joined(_evaluations(*BLS, extra, _joined(0.75)), _parts((0.012, 0.1, 0.005)))
    assert row["verdict"] == HOLDS


def test_c5_not_testable_without_joined_set_ranking_or_part_model():
    assert claim_joined(_evaluations(*BLS), _parts())["verdict"] == UNTESTABLE
    row = claim_joined(_evaluations(*BLS, _joined(0.75)), _parts((0.012,)))
    assert row["verdict"] == UNTESTABLE and "BDA ranks 1 BLS level(s)" in row["detail"]
    row = claim_joined(_evaluations(BLS[0], _joined(0.75)), _parts())
    assert row["verdict"] == UNTESTABLE and "no CIFAR-10-C rows of part λ=0.1" in row["detail"]


def test_c5_parts_come_from_the_selection_table_via_the_plan_else_from_the_ranking(tmp_path):
    jobs = [
        {"stage": "train", "signature": "t1", "config": {
            "arch": "vgg11", "dataset": {"name": "cifar10"}, "seed": 0,
            "train_set": {"label": "bls:0.1", "codec": "bls", "level": 0.1, "joined": False}}},
        {"stage": "evaluate", "signature": "e1", "inputs": {"model": ["t1"]}},
        {"stage": "select", "signature": "s1", "inputs": {"evaluations": ["e1"]}},
    ]  # fmt: skip
    selection = pd.DataFrame(
        {"method": "bda", "codec": "bls", "rank": [1, 2], "level": [0.1, 0.05],
         "signature": "s1"}
    )  # fmt: skip
    results = Results(
        results_dir=tmp_path,
        sweep="s",
        tables={"selection": selection},
        plan=Plan("s", {}, {job["signature"]: job for job in jobs}),
        missing=empty_missing(),
    )
    ranked = pd.concat(
        [
            _parts((0.012, 0.1), source="x").drop(columns="source"),
            _parts((0.003,), arch="resnet18", source="x").drop(columns="source"),
        ]
    ).assign(method="bda")
    parts = bda_parts(results, ranked)
    vgg = parts[parts["arch"] == "vgg11"]
    assert vgg["level"].tolist() == [0.1, 0.05] and set(vgg["source"]) == {"selection table"}
    resnet = parts[parts["arch"] == "resnet18"]
    assert resnet["level"].tolist() == [0.003]
    assert set(resnet["source"]) == {"BDA of this sweep's evaluations"}


# --- C6: high-frequency energy of the training images -----------------------------------------


def test_high_frequency_energy_counts_only_radii_beyond_a_quarter_of_the_size():
    spectrum = np.zeros((32, 32))
    spectrum[16 + 8, 16] = 1.0  # radius 8 = N/4: not high frequency
    assert high_frequency_energy(spectrum) == 0.0
    spectrum[16 + 9, 16] = 1.0  # radius 9 > N/4
    assert high_frequency_energy(spectrum) > 0.0


def _smooth(n=4, size=32, seed=0) -> np.ndarray:
    """Images with almost no high frequencies: a per-image horizontal ramp."""
    ramp = np.linspace(0, 200, size)[None, None, :, None] * np.ones((n, size, 1, 3))
    offsets = np.random.default_rng(seed).integers(0, 50, (n, 1, 1, 1))
    return (ramp + offsets).astype(np.uint8)


def _noisy(n=4, size=32, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _sets(tmp_path, images: dict[tuple[str, float | None], np.ndarray]) -> pd.DataFrame:
    rows = []
    for (codec, level), array in images.items():
        path = tmp_path / f"{codec}-{level}.npy"
        np.save(path, array)
        rows.append(("cifar10", "train", codec, level, "sig", str(path)))
    return pd.DataFrame(rows, columns=IMAGE_SET_COLUMNS).astype({"level": "float64"})


RANKED = pd.DataFrame(
    {"arch": "vgg11", "dataset": "cifar10", "method": "bda", "codec": ["bls", "jpeg"],
     "rank": 1, "level": [0.012, 80.0]}
)  # fmt: skip


def test_c6_holds_when_the_bda_bls_set_keeps_more_high_frequencies(tmp_path):
    sets = _sets(
        tmp_path,
        {("identity", None): _smooth(), ("bls", 0.012): _noisy(), ("jpeg", 80.0): _smooth(),
         ("jpeg", 20.0): _noisy()},
    )  # fmt: skip
    row = claim_spectra(RANKED, sets)
    assert row["verdict"] == HOLDS
    assert "BLS λ=0.012" in row["measured"] and "JPEG q=80 " in row["measured"]
    assert "original" in row["measured"] and "BDA rank 1" in row["detail"]


def test_c6_does_not_hold_when_jpeg_keeps_more_high_frequencies(tmp_path):
    sets = _sets(tmp_path, {("bls", 0.012): _smooth(), ("jpeg", 80.0): _noisy()})
    assert claim_spectra(RANKED, sets)["verdict"] == FAILS


def test_c6_without_a_ranking_averages_every_level(tmp_path):
    sets = _sets(
        tmp_path,
        {("bls", 0.012): _noisy(), ("bls", 0.1): _noisy(seed=1), ("jpeg", 80.0): _smooth()},
    )
    row = claim_spectra(RANKED.iloc[0:0], sets)
    assert row["verdict"] == HOLDS and "BLS λ=0.012, λ=0.1" in row["measured"]
    assert "every level (no BDA ranking)" in row["detail"]


def test_c6_not_testable_when_images_are_not_on_disk(tmp_path):
    sets = _sets(tmp_path, {("bls", 0.012): _noisy()})
    row = claim_spectra(RANKED, sets)
    assert row["verdict"] == UNTESTABLE and "no JPEG images on disk" in row["detail"]
    assert claim_spectra(RANKED, _sets(tmp_path, {}))["verdict"] == UNTESTABLE


# --- the table ---------------------------------------------------------------------------------


def test_claims_table_of_a_synthetic_sweep_reads_images_and_never_raises(tmp_path):
    results = load(write_synthetic_sweep(tmp_path, "s"))
    derived = Derived.of(results)
    top = derived.ranked[(derived.ranked["method"] == "bda") & (derived.ranked["rank"] == 1)]
    sets = image_sets(results.plan, results.results_root)
    for codec, level in zip(top["codec"], top["level"], strict=True):
        path = sets[(sets["codec"] == codec) & (sets["level"] == level)]["images_path"].iloc[0]
        np.save(path, _noisy(8) if codec == "bls" else _smooth(8))
    table = claims_table(results, derived)
    assert list(table.columns) == CLAIM_COLUMNS
    assert table["claim"].tolist() == ["C1", "C2", "C3", "C4", "C5", "C6"]
    verdicts = dict(zip(table["claim"], table["verdict"], strict=True))
    assert verdicts["C1"] == HOLDS  # the synthetic gate puts each λ 0.5 dB above JPEG
    assert verdicts["C5"] == UNTESTABLE  # nor a joined training set
    assert verdicts["C6"] == HOLDS
    markdown = claims_markdown(table)
    assert markdown.startswith("| claim | statement | measured |")
    assert len(markdown.strip().splitlines()) == 2 + 6


def test_claims_table_of_an_empty_sweep_is_all_not_testable(tmp_path):
    (tmp_path / "empty").mkdir()
    table = claims_table(load(tmp_path / "empty"))
    assert (table["verdict"] == UNTESTABLE).all() and table["detail"].str.len().gt(0).all()
