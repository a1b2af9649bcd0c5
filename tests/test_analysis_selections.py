"""Best epoch, best-of-seeds, mean over seeds and BDA/BDAD/BDADS on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.completeness import IncompleteCellsError
from analysis.seeds import best_epoch, best_of_seeds, choose_seeds, seed_summary
from analysis.selections import (
    bda,
    bdad,
    bdads,
    select_levels,
    selection_rows,
    top_levels,
)
from grid.store.schemas import TABLES
from tests.test_analysis_handmade import evaluation_frame, grid, model_rows, robustness_evaluation


def with_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Hand-made rows with the held-out columns (``select_top1``, ``judge_top5``, ...;
    lcc.evaluate.holdout): each part as accurate as all test images, until a test sets one."""
    out = frame.copy()
    for part in ("select", "judge"):
        for metric in ("top1", "top5"):
            out[f"{part}_{metric}"] = out[metric]
    return out


def held_out_differs() -> pd.DataFrame:
    """:func:`robustness_evaluation` with parts, where only the selection half differs: there
    BLS λ=0.05 (seed 0) scores 0.9 on fog (0.4 on all images). In-sample BDA BLS: 0.012
    (0.6), 0.1 (0.5), 0.05 (0.4); held-out: 0.05 (0.65), 0.012, 0.1. BDAD fog: in-sample
    0.012, held-out 0.05; gaussian_noise: 0.1 both ways. JPEG is the same both ways."""
    frame = with_parts(robustness_evaluation())
    hit = (frame["train_set"] == "bls:0.05").to_numpy() & (frame["seed"] == 0).to_numpy()
    hit &= (frame["corruption"] == "fog").fillna(False).to_numpy()
    frame.loc[hit, "select_top1"] = 0.9
    return frame


def _ranking(rows: pd.DataFrame, codec: str, **where) -> list[float]:
    part = rows[rows["codec"] == codec]
    for column, value in where.items():
        part = part[part[column] == value]
    return [float(x) for x in part.sort_values("rank")["level"]]


def reorderings(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """``frame``'s rows reversed and in three random orders: the reversed order puts every
    tie against its tie-break (larger seed, larger level first), so a result that follows
    the input order instead of the rule fails."""
    shuffled = [frame.sample(frac=1, random_state=seed) for seed in range(3)]
    return [f.reset_index(drop=True) for f in [frame.iloc[::-1], *shuffled]]


@pytest.mark.parametrize("order", range(4))
def test_best_of_seeds_picks_the_best_clean_seed_and_breaks_ties_by_smaller_seed(order):
    frame = reorderings(robustness_evaluation())[order]
    chosen = choose_seeds(frame).set_index("train_set")
    assert chosen.loc["bls:0.012", "seed"] == 0
    assert chosen.loc["bls:0.1", "seed"] == 0  # seed 1 wins on corruptions, loses on clean
    assert chosen.loc["bls:0.05", "seed"] == 0  # tie at 0.88: the smaller seed
    assert chosen.loc["bls:0.05", "n_seeds"] == 2
    best = best_of_seeds(frame)
    assert set(best.loc[best["train_set"] == "bls:0.1", "seed"]) == {0}
    assert set(best.loc[best["train_set"] == "bls:0.05", "seed"]) == {0}
    assert len(best) == 7 * 5  # seven runs, five rows each


def test_bda_ranks_levels_by_mean_over_all_cells():
    rows = bda(best_of_seeds(robustness_evaluation()))
    assert _ranking(rows, "bls") == [0.012, 0.1, 0.05]
    assert _ranking(rows, "jpeg") == [20.0, 80.0]
    top = rows[(rows["codec"] == "bls") & (rows["rank"] == 1)].iloc[0]
    assert math.isclose(top["score"], 0.6) and top["n_cells"] == 4
    assert "identity" not in set(rows["codec"])  # the original is the baseline, not ranked
    assert rows["corruption"].isna().all() and rows["severity"].isna().all()


@pytest.mark.parametrize("order", range(4))
def test_bdad_and_bdads_rank_per_corruption_and_severity(order):
    best = best_of_seeds(reorderings(robustness_evaluation())[order])
    per_corruption = bdad(best)
    assert _ranking(per_corruption, "bls", corruption="gaussian_noise") == [0.1, 0.012, 0.05]
    assert _ranking(per_corruption, "bls", corruption="fog") == [0.012, 0.05, 0.1]
    fog = per_corruption[(per_corruption["corruption"] == "fog") & (per_corruption["rank"] == 1)]
    assert math.isclose(fog.iloc[0]["score"], 0.6) and fog.iloc[0]["n_cells"] == 2
    per_cell = bdads(best)
    assert _ranking(per_cell, "bls", corruption="fog", severity=2) == [0.012, 0.05, 0.1]
    # 0.012 and 0.1 tie at 0.6 on gaussian_noise s2: the smaller level first
    assert _ranking(per_cell, "bls", corruption="gaussian_noise", severity=2) == [0.012, 0.1, 0.05]
    assert len(per_cell[per_cell["codec"] == "bls"]) == 3 * 4


@pytest.mark.parametrize("order", range(4))
def test_tied_scores_rank_the_smaller_level_first(order):
    # means of 0.6, 0.94, 0.02 summed in different orders differ in the last bit (0.52 and
    # 0.5199999999999999); all three levels must tie.
    rows = []
    cells = {("fog", 1): 0.6, ("fog", 2): 0.94, ("snow", 1): 0.02}
    reversed_cells = {("fog", 1): 0.02, ("fog", 2): 0.94, ("snow", 1): 0.6}
    rows += model_rows("jpeg:60", "jpeg", 60.0, 0, 0.9, cells)
    rows += model_rows("jpeg:10", "jpeg", 10.0, 0, 0.9, reversed_cells)
    rows += model_rows("jpeg:40", "jpeg", 40.0, 0, 0.9, cells)
    ranked = bda(best_of_seeds(reorderings(evaluation_frame(rows))[order]))
    assert _ranking(ranked, "jpeg") == [10.0, 40.0, 60.0]


@pytest.mark.parametrize("order", range(4))
def test_bdad_tied_scores_rank_the_smaller_level_first(order):
    # fog: means of 0.6, 0.94, 0.02 summed in different orders differ in the last bit, all
    # three levels must tie; snow: 40 and 60 tie at 0.5 above 10.
    rising = {("fog", 1): 0.6, ("fog", 2): 0.94, ("fog", 3): 0.02}
    falling = {("fog", 1): 0.02, ("fog", 2): 0.94, ("fog", 3): 0.6}
    high = {("snow", 1): 0.5, ("snow", 2): 0.5, ("snow", 3): 0.5}
    low = {("snow", 1): 0.2, ("snow", 2): 0.3, ("snow", 3): 0.4}
    rows = []
    rows += model_rows("jpeg:60", "jpeg", 60.0, 0, 0.9, rising | high)
    rows += model_rows("jpeg:10", "jpeg", 10.0, 0, 0.9, falling | low)
    rows += model_rows("jpeg:40", "jpeg", 40.0, 0, 0.9, rising | high)
    ranked = bdad(best_of_seeds(reorderings(evaluation_frame(rows))[order]))
    assert _ranking(ranked, "jpeg", corruption="fog") == [10.0, 40.0, 60.0]
    assert _ranking(ranked, "jpeg", corruption="snow") == [40.0, 60.0, 10.0]
    assert set(ranked["n_cells"]) == {3}


def test_a_missing_cell_is_refused_not_averaged():
    frame = robustness_evaluation()
    gap = (frame["train_set"] == "bls:0.05") & (frame["corruption"] == "fog")
    gap &= frame["severity"] == 2
    frame = with_parts(frame[~gap.fillna(False).to_numpy()])
    with pytest.raises(IncompleteCellsError, match="bls"):
        bda(best_of_seeds(frame))
    rows, refused = select_levels(frame, ["bda", "bdad"], on_incomplete="drop")
    assert "bls" not in set(rows.loc[rows["method"] == "bda", "codec"])
    assert _ranking(rows[rows["method"] == "bda"], "jpeg") == [20.0, 80.0]
    bdad_bls = rows[(rows["method"] == "bdad") & (rows["codec"] == "bls")]
    assert set(bdad_bls["corruption"]) == {"gaussian_noise"}  # fog is the incomplete group
    assert set(refused["method"]) == {"bda", "bdad"}
    assert refused["reason"].str.contains("1 missing and 0 NaN").any()


def test_nan_accuracy_is_refused():
    frame = robustness_evaluation()
    hit = (frame["train_set"] == "jpeg:80") & (frame["corruption"] == "fog")
    frame.loc[hit.fillna(False).to_numpy(), "top1"] = np.nan
    frame = with_parts(frame)
    with pytest.raises(IncompleteCellsError, match="NaN"):
        bda(best_of_seeds(frame))
    rows, refused = select_levels(frame, ["bda"], on_incomplete="drop")
    assert set(rows["codec"]) == {"bls"}
    assert refused.iloc[0]["codec"] == "jpeg"

    clean_nan = robustness_evaluation()
    hit = (clean_nan["train_set"] == "bls:0.1") & (clean_nan["eval_set"] == "clean")
    clean_nan.loc[hit.to_numpy() & (clean_nan["seed"] == 1).to_numpy(), "top1"] = np.nan
    with pytest.raises(IncompleteCellsError, match="NaN clean accuracy"):
        choose_seeds(clean_nan)


def test_missing_planned_job_refuses_its_codec():
    missing = pd.DataFrame(
        [
            dict(
                stage="train",
                signature="abc123",
                label="bls 0.005",
                dataset="cifar10",
                split=None,
                arch="vgg11",
                train_set="bls:0.005",
                codec="bls",
                level=0.005,
                joined=False,
                control_for=None,
                seed=0,
                reason="not run",
            )
        ]
    )
    with pytest.raises(IncompleteCellsError, match="abc123"):
        select_levels(with_parts(robustness_evaluation()), ["bda"], missing=missing)
    rows, refused = select_levels(
        with_parts(robustness_evaluation()), ["bda"], missing=missing, on_incomplete="drop"
    )
    assert set(rows["codec"]) == {"jpeg"}
    assert refused["codec"].tolist() == ["bls"]


def test_selection_rows_have_the_schema_columns_and_feed_joined_training():
    evaluation = with_parts(robustness_evaluation())
    rows = selection_rows(evaluation, ["bda", "bdad", "bdads"], top_k=2)
    assert set(rows.columns) == set(TABLES["selection"].names)
    assert top_levels(rows, "bls", 2) == [0.012, 0.1]
    with pytest.raises(ValueError, match="top_k=3"):
        selection_rows(evaluation, ["bda"], top_k=3, joined=("bls", "jpeg"))
    assert len(selection_rows(evaluation, ["bda"], top_k=3))  # no joined codec
    with pytest.raises(ValueError, match="unknown selection method 'best'"):
        selection_rows(evaluation, ["best"], top_k=1)
    with pytest.raises(KeyError, match="ranked codecs: bls, jpeg"):
        top_levels(rows, "noise", 1)


def test_selection_rows_refuse_two_architectures():
    frame = pd.concat(
        [
            robustness_evaluation(),
            evaluation_frame(model_rows("bls:0.1", "bls", 0.1, 0, 0.9, grid([0.5] * 4), "res18")),
        ]
    )
    with pytest.raises(ValueError, match="exactly one arch/dataset"):
        selection_rows(frame, ["bda"], top_k=1)


def _curve(dataset: str, seed: int, accuracies: list[float]) -> list[dict]:
    return [
        dict(
            arch="vgg11",
            dataset=dataset,
            train_set="original",
            codec="identity",
            level=None,
            joined=False,
            seed=seed,
            epoch=epoch,
            eval_set="clean",
            top1=acc,
            top5=1 - acc,
        )
        for epoch, acc in enumerate(accuracies, start=1)
    ]


def test_best_epoch_takes_the_earliest_maximum_and_the_dataset_metric():
    curve = pd.DataFrame(
        _curve("cifar10", 0, [0.5, 0.7, np.nan, 0.7, 0.6])
        + _curve("tinyimagenet", 0, [0.6, 0.2, 0.3])
    )
    best = best_epoch(curve).set_index("dataset")
    assert best.loc["cifar10", "epoch"] == 2 and best.loc["cifar10", "accuracy"] == 0.7
    assert best.loc["tinyimagenet", "epoch"] == 2  # top-5 = 1 - top-1 is largest at epoch 2
    assert math.isclose(best.loc["tinyimagenet", "accuracy"], 0.8)


def test_levels_are_chosen_on_the_selection_half_unless_asked_for_the_in_sample_choice():
    held_out, _ = select_levels(held_out_differs())
    in_sample, _ = select_levels(held_out_differs(), part=None)
    bda_held, bda_in = (
        held_out[held_out["method"] == "bda"],
        in_sample[in_sample["method"] == "bda"],
    )
    assert _ranking(bda_held, "bls") == [0.05, 0.012, 0.1]
    assert _ranking(bda_in, "bls") == [0.012, 0.1, 0.05]
    assert _ranking(bda_held, "jpeg") == _ranking(bda_in, "jpeg") == [20.0, 80.0]
    top = bda_held[(bda_held["codec"] == "bls") & (bda_held["rank"] == 1)].iloc[0]
    assert math.isclose(top["score"], 0.65)  # the selection half's mean, not all images'
    bdad_held = held_out[held_out["method"] == "bdad"]
    assert _ranking(bdad_held, "bls", corruption="fog")[0] == 0.05
    assert _ranking(bdad_held, "bls", corruption="gaussian_noise")[0] == 0.1


def test_seed_summary_is_mean_and_sample_std_and_keeps_nan():
    frame = robustness_evaluation()
    summary = seed_summary(frame)
    clean = summary[(summary["eval_set"] == "clean") & (summary["train_set"] == "bls:0.012")]
    assert math.isclose(clean.iloc[0]["mean"], 0.75)
    assert math.isclose(clean.iloc[0]["std"], np.std([0.8, 0.7], ddof=1))
    assert clean.iloc[0]["n_seeds"] == 2
    frame.loc[0, "top1"] = np.nan
    assert np.isnan(seed_summary(frame).query("eval_set == 'clean'").iloc[0]["mean"])
