"""The best-epochs table: the thesis' in-sample best epoch beside the held-out one (issue 20)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.seeds import EPOCH_CHOICE_COLUMNS, epoch_choices, selection_optimism


def _curve(
    train_set: str,
    seed: int,
    every: list[float],
    select: list[float],
    judge: list[float],
    dataset: str = "cifar10",
) -> list[dict]:
    """Clean ``train_curve`` rows of one model; the thesis' metric holds the given accuracies
    (top-1 on CIFAR-10, top-5 on Tiny ImageNet), the other metric a decoy that would choose
    otherwise (1 - accuracy)."""
    metric, other = ("top5", "top1") if dataset == "tinyimagenet" else ("top1", "top5")
    rows = []
    for epoch, (a, s, j) in enumerate(zip(every, select, judge, strict=True), start=1):
        row = dict(
            arch="vgg11",
            dataset=dataset,
            train_set=train_set,
            codec="identity" if train_set == "original" else "jpeg",
            level=None if train_set == "original" else 20.0,
            joined=False,
            control_for=None,
            seed=seed,
            epoch=epoch,
            eval_set="clean",
        )
        for part, value in (("", a), ("select_", s), ("judge_", j)):
            row[f"{part}{metric}"] = value
            row[f"{part}{other}"] = 1 - value
        rows.append(row)
    return rows


def _evaluation(train_set: str, seed: int, best: int, dataset: str = "cifar10") -> list[dict]:
    return [
        dict(arch="vgg11", dataset=dataset, train_set=train_set, seed=seed, eval_set="clean")
        | dict(best_epoch=best),
        dict(arch="vgg11", dataset=dataset, train_set=train_set, seed=seed, eval_set="cifar10c")
        | dict(best_epoch=best),
    ]


def _curves() -> pd.DataFrame:
    rows = []
    # all images peak at epoch 2 (0.70); the selection half peaks at epoch 3, where the judged
    # half holds 0.62: in-sample 0.70, held-out 0.62, optimism 0.08, the epoch moves by +1.
    rows += _curve("original", 0, [0.5, 0.7, 0.65], [0.5, 0.6, 0.68], [0.5, 0.8, 0.62])
    # both choose epoch 2 (the earliest maximum of the selection half: 0.6 at 2 and 3)
    rows += _curve("original", 1, [0.4, 0.6, 0.5], [0.4, 0.6, 0.6], [0.4, 0.6, 0.4])
    # a selection half never measured (NaN): no held-out epoch
    nan = [np.nan] * 2
    rows += _curve("jpeg:20", 0, [0.3, 0.5], nan, nan)
    # Tiny ImageNet: top-5 chooses
    rows += _curve("original", 0, [0.2, 0.3], [0.25, 0.2], [0.15, 0.4], "tinyimagenet")
    frame = pd.DataFrame(rows)
    other = frame.assign(eval_set="compressed", top1=0.99, select_top1=0.99, top5=0.99)
    return pd.concat([frame, other], ignore_index=True)  # only clean rows choose


def test_best_epochs_show_the_in_sample_and_held_out_epoch_and_the_judged_accuracy():
    evaluation = pd.DataFrame(
        _evaluation("original", 0, 3)
        + _evaluation("original", 1, 2)
        + _evaluation("original", 0, 1, "tinyimagenet")
    )
    table = epoch_choices(_curves(), evaluation)
    assert list(table.columns[-len(EPOCH_CHOICE_COLUMNS) :]) == EPOCH_CHOICE_COLUMNS
    assert len(table) == 4  # one row per model
    moved = table[(table["dataset"] == "cifar10") & (table["seed"] == 0)]
    moved = moved.set_index("train_set").loc["original"]
    assert moved["in_sample_epoch"] == 2 and math.isclose(moved["in_sample_accuracy"], 0.7)
    assert moved["held_out_epoch"] == 3 and math.isclose(moved["held_out_accuracy"], 0.62)
    assert moved["evaluated_epoch"] == 3  # the evaluate stage evaluated the held-out epoch
    assert moved["epoch_shift"] == 1 and math.isclose(moved["optimism"], 0.08)
    same = table[(table["seed"] == 1)].iloc[0]
    assert same["in_sample_epoch"] == same["held_out_epoch"] == 2 and same["epoch_shift"] == 0
    assert math.isclose(same["held_out_accuracy"], 0.6) and math.isclose(same["optimism"], 0.0)
    unmeasured = table[table["train_set"] == "jpeg:20"].iloc[0]
    assert unmeasured["in_sample_epoch"] == 2
    assert pd.isna(unmeasured["held_out_epoch"]) and pd.isna(unmeasured["held_out_accuracy"])
    assert pd.isna(unmeasured["evaluated_epoch"]) and pd.isna(unmeasured["optimism"])
    tiny = table[table["dataset"] == "tinyimagenet"].iloc[0]
    assert tiny["in_sample_epoch"] == 2 and tiny["held_out_epoch"] == 1
    assert math.isclose(tiny["held_out_accuracy"], 0.15) and tiny["evaluated_epoch"] == 1


def test_optimism_is_the_mean_in_sample_minus_held_out_accuracy_per_arch_and_dataset():
    table = epoch_choices(_curves())
    assert table["evaluated_epoch"].isna().all()  # no evaluation rows given
    summary = selection_optimism(table).set_index("dataset")
    cifar = summary.loc["cifar10"]
    assert cifar["n_models"] == 3 and cifar["epochs_moved"] == 1
    assert math.isnan(cifar["mean_optimism"])  # jpeg:20 was never measured: not skipped
    measured = selection_optimism(table[table["train_set"] == "original"]).set_index("dataset")
    assert math.isclose(measured.loc["cifar10", "mean_optimism"], (0.08 + 0.0) / 2)
    assert math.isclose(measured.loc["cifar10", "mean_in_sample_accuracy"], 0.65)
    assert math.isclose(measured.loc["cifar10", "mean_held_out_accuracy"], 0.61)
    assert math.isclose(measured.loc["tinyimagenet", "mean_optimism"], 0.3 - 0.15)


def test_a_sweep_without_the_held_out_columns_or_rows_gets_blank_held_out_choices():
    old = _curves().drop(columns=["select_top1", "select_top5", "judge_top1", "judge_top5"])
    table = epoch_choices(old)
    assert table["in_sample_epoch"].notna().all() and table["held_out_epoch"].isna().all()
    empty = epoch_choices(old.iloc[:0])
    assert empty.empty and set(EPOCH_CHOICE_COLUMNS) <= set(empty.columns)
    assert selection_optimism(empty).empty
