"""The accuracy figures plot the mean over seeds of the judged-half accuracy with the 95 %
intervals of analysis.stats.arm_interval, from per-image predictions; steps-matched controls
are never single-level points, and appear beside their joined set in Figure 4.3."""

from __future__ import annotations

import gc
import zlib

import numpy as np
import pandas as pd
import pytest

from analysis.derived import Derived
from analysis.evidence import ARM_COLUMNS, Evidence, evidence_of
from analysis.figures.accuracy import accuracy_data
from analysis.figures.robustness import (
    GROUPINGS,
    bda_sets,
    by_corruption,
    by_severity,
    chosen_cells,
    clean_vs_corrupt,
    control_sets,
    figure_arms,
)
from analysis.load import load
from analysis.report import write_report
from analysis.stats import arm_interval
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from lcc.evaluate.holdout import JUDGE, in_part

CORRUPTIONS = ("fog", "gaussian_noise")
SEVERITIES = (1, 2)
N = 12  # test images: 6 judged (odd indices)
SEEDS = (0, 1, 2)
# train_set, codec, level, joined, control_for
SETS = [
    ("original", "identity", None, False, None),
    ("bls:0.012", "bls", 0.012, False, None),
    ("bls:0.1", "bls", 0.1, False, None),
    ("jpeg:20", "jpeg", 20.0, False, None),
    ("bls:top2", "bls", None, True, None),
    # The control has the codec and level of the BDA winner: it must still never count as it.
    ("bls:top2:part1", "bls", 0.1, False, "bls:top2"),
]


def _hits(train_set: str, seed: int, eval_set: str, corruption=None, severity=None) -> np.ndarray:
    """Made-up, reproducible 0/1 outcomes of one model on the N images of one cell."""
    key = zlib.crc32(repr((train_set, seed, eval_set, corruption, severity)).encode())
    return np.random.default_rng(key).random(N) < 0.6


def _predictions(sets=SETS, seeds=SEEDS, arch="vgg11", dataset="cifar10") -> pd.DataFrame:
    rows = []
    for train_set, codec, level, joined, control_for in sets:
        model = dict(arch=arch, dataset=dataset, train_set=train_set, codec=codec, level=level,
                     joined=joined, control_for=control_for)  # fmt: skip
        cells = [("clean", None, None)]
        cells += [("cifar10c", c, s) for c in CORRUPTIONS for s in SEVERITIES]
        for seed in seeds:
            for eval_set, corruption, severity in cells:
                top1 = _hits(train_set, seed, eval_set, corruption, severity)
                rows.append(
                    pd.DataFrame({**model, "seed": seed, "eval_set": eval_set,
                                  "corruption": corruption, "severity": severity,
                                  "image_index": np.arange(N), "top1": top1, "top5": True})
                )  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def _runs(predictions: pd.DataFrame) -> pd.DataFrame:
    """One row per run, as Derived.best_eval names them."""
    columns = ["arch", "dataset", "train_set", "codec", "level", "joined", "control_for"]
    return predictions[columns].drop_duplicates("train_set").reset_index(drop=True)


def _judged(rows: pd.DataFrame) -> np.ndarray:
    """(seeds, judged images) of the mean hit per image over ``rows``' cells, by hand."""
    rows = rows[in_part(rows["image_index"].to_numpy(), JUDGE)]
    table = rows.groupby(["seed", "image_index"])["top1"].mean().unstack("image_index")
    return table.sort_index().to_numpy(dtype=float)


def _check(row, scores: np.ndarray) -> None:
    """``row``'s mean is the mean over seeds of the judged accuracy in ``scores``, and its
    interval arm_interval's."""
    per_seed = scores.mean(axis=1)  # each seed's judged-half accuracy
    assert row["mean"] == pytest.approx(per_seed.mean())
    mean, low, high = arm_interval(scores)
    assert (row["mean"], row["low"], row["high"]) == pytest.approx((mean, low, high))
    assert (row["n_seeds"], row["n_images"]) == scores.shape


# Rank-1 (and one rank-2) levels: BDA bls 0.1, jpeg 20; BDAD fog -> 0.012, gaussian_noise ->
# 0.1; BDADS (fog, 1) -> 0.1, every other cell -> 0.012.
RANKED = pd.DataFrame(
    [
        ("bda", "bls", None, None, 0.1, 1),
        ("bda", "bls", None, None, 0.012, 2),
        ("bda", "jpeg", None, None, 20.0, 1),
        ("bdad", "bls", "fog", None, 0.012, 1),
        ("bdad", "bls", "gaussian_noise", None, 0.1, 1),
        *[
            ("bdads", "bls", c, s, 0.1 if (c, s) == ("fog", 1) else 0.012, 1)
            for c in CORRUPTIONS
            for s in SEVERITIES
        ],
    ],
    columns=["method", "codec", "corruption", "severity", "level", "rank"],
).assign(arch="vgg11", dataset="cifar10")


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    return _predictions()


@pytest.fixture(scope="module")
def evidence(predictions) -> Evidence:
    arms = figure_arms(_runs(predictions), RANKED)
    return Evidence.from_frame(predictions, by=GROUPINGS, arms=arms)


def test_figure_3_4_plots_the_mean_over_seeds_of_judged_accuracy_with_arm_interval(predictions):
    evidence = Evidence.from_frame(predictions)
    table = accuracy_data(_runs(predictions), evidence, pd.DataFrame(
        columns=["dataset", "codec", "level", "bpp", "psnr", "ssim"]))  # fmt: skip
    assert list(table["train_set"]) == ["bls:0.012", "bls:0.1", "original", "jpeg:20"]
    assert set(table["part"]) == {"judge"}
    for row in table.to_dict("records"):
        rows = predictions[(predictions["train_set"] == row["train_set"])
                           & (predictions["eval_set"] == "clean")]  # fmt: skip
        _check(row, _judged(rows))


def test_figure_4_1_and_4_2_bda_sets_per_severity_and_corruption(predictions, evidence):
    sets = bda_sets(_runs(predictions), RANKED)
    assert list(dict.fromkeys(sets["set"])) == [
        "Original", "BLS λ=0.1 (BDA)", "JPEG q=20 (BDA)", "BLS joined bls:top2"]  # fmt: skip
    for column, values, table in (
        ("severity", SEVERITIES, by_severity(sets, evidence)),
        ("corruption", CORRUPTIONS, by_corruption(sets, evidence)),
    ):
        assert len(table) == 4 * len(values)
        for row in table.to_dict("records"):
            train_set = sets.loc[sets["set"] == row["set"], "train_set"].iloc[0]
            rows = predictions[(predictions["train_set"] == train_set)
                               & (predictions[column] == row[column])]  # fmt: skip
            _check(row, _judged(rows))
            assert row["n_cells"] == 2


def test_bdad_and_bdads_sets_take_each_cell_from_the_level_chosen_for_it(predictions, evidence):
    by_level = {0.012: "bls:0.012", 0.1: "bls:0.1"}
    bdad = {"fog": 0.012, "gaussian_noise": 0.1}
    cells = predictions[predictions["eval_set"] == "cifar10c"]

    def chosen(rule) -> pd.DataFrame:
        named = zip(cells["corruption"], cells["severity"], cells["train_set"], strict=True)
        return cells[[by_level[rule(c, s)] == t for c, s, t in named]]

    bdad_rows = chosen(lambda c, s: bdad[c])
    bdads_rows = chosen(lambda c, s: 0.1 if (c, s) == ("fog", 1) else 0.012)
    for method, rows, tables in (
        ("bdad", bdad_rows, ("severity", "corruption")),
        ("bdads", bdads_rows, ("severity",)),
    ):
        sets = chosen_cells(_runs(predictions), RANKED, method)
        for column in tables:
            table = (by_severity if column == "severity" else by_corruption)(sets, evidence)
            mine = table[table["set"] == f"BLS ({method.upper()})"]
            assert len(mine) == 2
            for row in mine.to_dict("records"):
                _check(row, _judged(rows[rows[column] == row[column]]))


def test_control_arms_are_never_single_level_points(predictions, evidence):
    runs = _runs(predictions)
    control = "bls:top2:part1"
    empty = pd.DataFrame(columns=["dataset", "codec", "level", "bpp", "psnr", "ssim"])
    assert control not in set(accuracy_data(runs, evidence, empty)["train_set"])
    for sets in (bda_sets(runs, RANKED), chosen_cells(runs, RANKED, "bdad"),
                 chosen_cells(runs, RANKED, "bdads")):  # fmt: skip
        assert control not in set(sets["train_set"])
        assert "control" not in set(sets["kind"])
        assert not any("×" in name for name in by_severity(sets, evidence)["set"])
    # Figure 4.3: the control beside the joined set it controls, in its own kind.
    sets = pd.concat([bda_sets(runs, RANKED), control_sets(runs)], ignore_index=True)
    table = clean_vs_corrupt(sets, evidence)
    controls = table[table["kind"] == "control"]
    assert set(controls["set"]) == {"BLS λ=0.1 ×2 epochs"}
    assert set(controls["control_for"]) == {"bls:top2"}
    assert set(controls["train_set"]) == {control}
    assert "bls:top2" in set(table.loc[table["kind"] == "joined", "train_set"])
    for row in table.to_dict("records"):
        rows = predictions[(predictions["train_set"] == row["train_set"])
                           & (predictions["eval_set"] == row["eval_set"])]  # fmt: skip
        _check(row, _judged(rows))


def test_grouping_keeps_the_existing_scores_and_drops_a_seed_missing_a_model(predictions):
    plain = Evidence.from_frame(predictions)
    grouped = Evidence.from_frame(predictions, by=("severity",))
    assert plain.grouped == {} and set(grouped.grouped) == {("severity",)}
    for eval_set in ("clean", "cifar10c"):
        a = plain.pair("vgg11", "cifar10", ["bls:0.1", "original"], eval_set)
        b = grouped.pair("vgg11", "cifar10", ["bls:0.1", "original"], eval_set)
        assert all(np.array_equal(x, y) for x, y in zip(a.scores, b.scores, strict=True))
    # One arm made of two models; seed 2 of one of them has no predictions.
    arms = pd.DataFrame(
        [dict(arch="vgg11", dataset="cifar10", arm="mix", train_set="bls:0.1", corruption="fog",
              severity=None),
         dict(arch="vgg11", dataset="cifar10", arm="mix", train_set="jpeg:20",
              corruption="gaussian_noise", severity=None)]
    )  # fmt: skip
    lacking = predictions[~((predictions["train_set"] == "jpeg:20") & (predictions["seed"] == 2))]
    evidence = Evidence.from_frame(lacking, by=("severity",), arms=arms)
    assert set(evidence.models["train_set"]) == {"bls:0.1", "jpeg:20"}  # only the arms' models
    paired = evidence.group_scores("vgg11", "cifar10", "mix", "severity", 2)
    assert list(paired.seeds) == [0, 1]
    assert evidence.group_cells("vgg11", "cifar10", "mix", ("severity",), (2,)) == 2
    with pytest.raises(ValueError, match="invalid grouping"):
        Evidence.from_frame(predictions, by=("seed",))
    assert list(ARM_COLUMNS) == list(arms.columns)


@pytest.fixture(scope="module")
def joined_sweep(tmp_path_factory):
    spec = SweepSpec(seeds=2, joined=("bls",), saved_images=0, test_images=16)
    return write_synthetic_sweep(tmp_path_factory.mktemp("results"), "joined", spec)


def test_synthetic_predictions_agree_with_the_evaluation_rows(joined_sweep):
    results = load(joined_sweep)
    predictions = results.read("predictions")
    assert len(predictions) == 16 * len(results.evaluation)  # one row per image per cell
    keys = ["train_set", "seed", "eval_set", "corruption", "severity"]
    for row in results.evaluation.head(12).itertuples(index=False):
        rows = predictions
        for key in keys:
            value = getattr(row, key)
            rows = rows[rows[key].isna()] if pd.isna(value) else rows[rows[key] == value]
        odd = in_part(rows["image_index"].to_numpy(), JUDGE)
        assert row.top1 == pytest.approx(rows["top1"].mean())
        assert row.judge_top1 == pytest.approx(rows.loc[odd, "top1"].mean())
        assert row.select_top1 == pytest.approx(rows.loc[~odd, "top1"].mean())


def test_report_figures_carry_intervals_and_show_controls_beside_the_joined_set(joined_sweep):
    results = load(joined_sweep)
    write_report(joined_sweep, results=results)
    figures = joined_sweep / "report" / "figures"
    for name in ("fig3_4", "fig3_5", "fig4_1", "fig4_2", "fig4_3", "fig4_4", "fig4_5", "fig4_6"):
        table = pd.read_csv(figures / f"{name}.csv")
        assert {"mean", "low", "high", "n_seeds", "n_images"} <= set(table.columns), name
        assert (table["n_seeds"] == 2).all() and (table["n_images"] == 8).all(), name
        assert (table["low"] <= table["mean"]).all() and (table["mean"] <= table["high"]).all()
        if name != "fig4_3":
            assert not table["set" if "set" in table else "train_set"].astype(str).str.contains(
                "part|×", regex=True).any(), name  # fmt: skip
    fig4_3 = pd.read_csv(figures / "fig4_3.csv")
    controls = fig4_3[fig4_3["kind"] == "control"]
    assert set(controls["set"]) == {"BLS λ=0.012 ×2 epochs", "BLS λ=0.1 ×2 epochs"}
    assert set(controls["control_for"]) == {"bls:top2"}
    # Figure 3.4's point is the mean over seeds of the evaluation rows' judged accuracy.
    fig3_4 = pd.read_csv(figures / "fig3_4.csv").set_index("train_set")
    clean = results.evaluation[results.evaluation["eval_set"] == "clean"]
    judged = clean.groupby("train_set", observed=True)["judge_top1"].mean()
    for train_set, mean in fig3_4["mean"].items():
        assert mean == pytest.approx(judged[train_set])


def test_evidence_of_reads_once_per_results_object(joined_sweep):
    results = load(joined_sweep)
    first = evidence_of(results)
    assert evidence_of(results) is first
    derived = Derived.of(results)
    arms = figure_arms(derived.best_eval, derived.ranked)
    grouped = evidence_of(results, by=GROUPINGS, arms=arms)
    assert grouped is not first and evidence_of(results, by=GROUPINGS, arms=arms) is grouped
    assert set(grouped.models["train_set"]) == set(arms["train_set"])  # only the arms' models
    again = load(joined_sweep)
    assert evidence_of(again) is not first  # another Results: read again
    from analysis import evidence as module

    held = len(module._CACHE)
    del results, first, grouped
    gc.collect()
    assert len(module._CACHE) < held  # entries of a collected Results are dropped
