"""Best epoch, best-of-seeds and mean ± std over seeds.

Tie-breaking (deterministic): the best epoch is the earliest epoch reaching the maximum
accuracy; the best seed is the smallest seed reaching the maximum clean accuracy. Accuracy is
the thesis' metric per dataset (:mod:`analysis.accuracy`): top-1 on CIFAR-10, top-5 on Tiny
ImageNet. Every picker refuses rows of two launches of one model
(:func:`analysis.one_launch.check_one_launch`).
"""

from __future__ import annotations

import pandas as pd

from analysis.accuracy import accuracy_column, with_accuracy
from analysis.completeness import (
    MODEL_KEYS,
    RUN_KEYS,
    UNAVAILABLE_COLUMNS,
    drop_matching,
    empty_unavailable,
    raise_or_report,
)
from analysis.one_launch import check_one_launch
from lcc.evaluate.holdout import JUDGE, SELECT

# Columns describing a run that travel along with it.
RUN_COLUMNS = [*RUN_KEYS, "codec", "level", "joined"]
# The tie-breaking rules of :func:`best_epoch` (with the train loop's held-out choice of
# ``best.pt``, lcc.evaluate.holdout) and :func:`choose_seeds`, as the report states them.
BEST_EPOCH_RULE = (
    "Best epoch: the earliest epoch reaching the maximum clean accuracy, on the selection half "
    "of the test images for `best.pt` and everything evaluated from it, on all test images for "
    "the thesis' in-sample figures (NaN epochs never win)."
)
BEST_SEED_RULE = "Best of seeds: the smallest seed reaching the maximum clean accuracy."


def best_epoch(train_curve: pd.DataFrame, part: str | None = None) -> pd.DataFrame:
    """Per model and eval set, the epoch with the maximum test accuracy (the thesis' metric).

    ``train_curve`` has the columns of the ``train_curve`` table. Accuracy is over all test
    images (``part`` None: the thesis' in-sample choice) or over ``part`` of them
    (``"select"``: the held-out choice the train loop makes for ``best.pt``;
    :mod:`lcc.evaluate.holdout`). Returns one row per ``(arch, dataset, train_set, seed,
    eval_set)``: that epoch's row plus ``accuracy``. An epoch with a NaN accuracy is never
    chosen over a measured one. Rows of two launches of one model raise
    :class:`~analysis.one_launch.MixedLaunchesError`.
    """
    check_one_launch(train_curve, "best epoch")
    curve = with_accuracy(train_curve, part)
    keys = [*MODEL_KEYS, "eval_set"]
    ordered = curve.sort_values(
        [*keys, "accuracy", "epoch"],
        ascending=[True] * len(keys) + [False, True],
        na_position="last",
        kind="stable",
    )
    return ordered.drop_duplicates(keys, keep="first").reset_index(drop=True)


def unsummarisable_runs(frame: pd.DataFrame, by_eval_set: str = "clean") -> pd.DataFrame:
    """Runs whose best seed cannot be chosen: a seed without a ``by_eval_set`` row, or NaN there.

    Returns columns :data:`analysis.completeness.UNAVAILABLE_COLUMNS`.
    """
    if frame.empty:
        return empty_unavailable()
    frame = frame if "accuracy" in frame else with_accuracy(frame)
    kind = ["control_for"] if "control_for" in frame else []
    models = frame[[*RUN_COLUMNS, *kind, "seed"]].astype(object).drop_duplicates(MODEL_KEYS)
    chosen_rows = frame[frame["eval_set"] == by_eval_set]
    scored = chosen_rows[[*MODEL_KEYS, "accuracy"]].astype(object)
    merged = models.merge(scored, on=MODEL_KEYS, how="left", indicator=True)
    lacking = merged[merged["_merge"] == "left_only"].assign(
        reason=f"a seed has no {by_eval_set} row"
    )
    nan = merged[(merged["_merge"] == "both") & merged["accuracy"].isna()]
    nan = nan.assign(reason=f"a seed has a NaN {by_eval_set} accuracy")
    bad = pd.concat([lacking, nan], ignore_index=True)
    return bad.drop_duplicates(RUN_KEYS).reindex(columns=UNAVAILABLE_COLUMNS).reset_index(drop=True)


def choose_seeds(
    frame: pd.DataFrame,
    by_eval_set: str = "clean",
    unavailable: pd.DataFrame | None = None,
    on_incomplete: str = "raise",
) -> pd.DataFrame:
    """Per run, the seed with the best ``by_eval_set`` accuracy (the thesis' best-of-seeds).

    ``frame`` is evaluation rows or :func:`best_epoch` rows; ``unavailable`` lists runs known
    to lack rows (:func:`analysis.completeness.unavailable_runs`). Returns one row per run:
    run columns, ``seed``, ``accuracy`` (of the chosen seed on ``by_eval_set``), ``n_seeds``.
    Rows of two launches of one model raise :class:`~analysis.one_launch.MixedLaunchesError`.
    """
    check_one_launch(frame, f"best-of-seeds by {by_eval_set} accuracy")
    frame = frame if "accuracy" in frame else with_accuracy(frame)
    refused = _refused_runs(frame, by_eval_set, unavailable)
    raise_or_report(refused, on_incomplete, f"best-of-seeds by {by_eval_set} accuracy")
    frame = drop_matching(frame, refused, RUN_KEYS)
    scored = frame[frame["eval_set"] == by_eval_set][[*RUN_COLUMNS, "seed", "accuracy"]]
    scored = scored.astype({k: object for k in RUN_COLUMNS})
    ordered = scored.sort_values(
        [*RUN_KEYS, "accuracy", "seed"], ascending=[True, True, True, False, True], kind="stable"
    )
    chosen = ordered.drop_duplicates(RUN_KEYS, keep="first")
    counts = scored.groupby(RUN_KEYS, dropna=False)["seed"].nunique().rename("n_seeds")
    return chosen.merge(counts.reset_index(), on=RUN_KEYS).reset_index(drop=True)


def best_of_seeds(
    frame: pd.DataFrame,
    by_eval_set: str = "clean",
    unavailable: pd.DataFrame | None = None,
    on_incomplete: str = "raise",
) -> pd.DataFrame:
    """All rows of each run's best seed (chosen by :func:`choose_seeds`), plus ``accuracy``.

    Runs that cannot be summarised raise :class:`~analysis.completeness.IncompleteCellsError`
    or, with ``on_incomplete="drop"``, are left out (list them with :func:`refused_runs`).
    """
    frame = frame if "accuracy" in frame else with_accuracy(frame)
    chosen = choose_seeds(frame, by_eval_set, unavailable, on_incomplete)
    keys = chosen[MODEL_KEYS].astype(object)
    merged = frame[MODEL_KEYS].astype(object).merge(keys.assign(_chosen=True), how="left")
    return frame[merged["_chosen"].notna().to_numpy()].reset_index(drop=True)


def refused_runs(
    frame: pd.DataFrame, by_eval_set: str = "clean", unavailable: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The runs :func:`best_of_seeds` refuses: known-unavailable plus unsummarisable ones."""
    frame = frame if "accuracy" in frame else with_accuracy(frame)
    return _refused_runs(frame, by_eval_set, unavailable)


def _refused_runs(
    frame: pd.DataFrame, by_eval_set: str, unavailable: pd.DataFrame | None
) -> pd.DataFrame:
    parts = [unsummarisable_runs(frame, by_eval_set)]
    if unavailable is not None and len(unavailable):
        parts.append(unavailable.reindex(columns=UNAVAILABLE_COLUMNS))
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_unavailable()
    return pd.concat(parts, ignore_index=True).drop_duplicates(RUN_KEYS).reset_index(drop=True)


def seed_summary(
    frame: pd.DataFrame,
    unavailable: pd.DataFrame | None = None,
    on_incomplete: str = "raise",
) -> pd.DataFrame:
    """Mean ± std (ddof 1) of accuracy over seeds, per run and evaluated cell (beyond the thesis).

    Cells are ``eval_set`` (plus ``corruption``, ``severity`` when present). A NaN accuracy
    makes the cell's mean NaN (never skipped); runs in ``unavailable`` are refused. Returns run
    columns, cell columns, ``mean``, ``std``, ``n_seeds``. Rows of two launches of one model
    raise :class:`~analysis.one_launch.MixedLaunchesError`.
    """
    check_one_launch(frame, "mean over seeds")
    frame = frame if "accuracy" in frame else with_accuracy(frame)
    refused = unavailable if unavailable is not None else empty_unavailable()
    raise_or_report(refused, on_incomplete, "mean over seeds")
    frame = drop_matching(frame, refused, RUN_KEYS)
    cells = [c for c in ("eval_set", "corruption", "severity") if c in frame]
    grouped = frame.groupby([*RUN_COLUMNS, *cells], dropna=False, observed=True)["accuracy"]
    summary = grouped.agg(
        mean=lambda s: s.mean(skipna=False), std=lambda s: s.std(skipna=False), n_seeds="size"
    )
    return summary.reset_index()


EPOCH_CHOICE_COLUMNS = [
    "in_sample_epoch",
    "in_sample_accuracy",
    "held_out_epoch",
    "held_out_accuracy",
    "evaluated_epoch",
    "epoch_shift",
    "optimism",
]


def epoch_choices(
    train_curve: pd.DataFrame, evaluation: pd.DataFrame | None = None, eval_set: str = "clean"
) -> pd.DataFrame:
    """Per model, the thesis' in-sample best epoch beside the held-out one (issue 20).

    ``in_sample_epoch`` / ``in_sample_accuracy``: :func:`best_epoch` on all test images of
    ``eval_set`` and that maximum (what the thesis reports). ``held_out_epoch``: the best epoch
    on the selection part (:func:`best_epoch` with ``part="select"``, what the train loop keeps
    as ``best.pt``); ``held_out_accuracy``: that epoch's accuracy on the judged part, which took
    no part in choosing it. ``evaluated_epoch``: the ``best_epoch`` of the model's
    ``evaluation`` rows (the checkpoint actually evaluated; NA without them), which should equal
    ``held_out_epoch``. ``epoch_shift``: held-out minus in-sample epoch; ``optimism``:
    in-sample minus held-out accuracy (how much choosing and judging on the same images flatters
    the figure). An epoch is NA where its accuracies are all NaN. Returns run columns,
    ``seed`` and :data:`EPOCH_CHOICE_COLUMNS`, one row per model, sorted by model. Rows of a
    sweep from before the held-out split (no ``select_*`` / ``judge_*`` columns) get NA
    held-out columns.
    """
    curve = train_curve[train_curve["eval_set"] == eval_set]
    parts = [accuracy_column(m, part) for part in (SELECT, JUDGE) for m in ("top1", "top5")]
    curve = curve.reindex(columns=list(dict.fromkeys([*curve.columns, *parts])))  # old sweeps
    run = [*RUN_COLUMNS, *(["control_for"] if "control_for" in curve else []), "seed"]
    if curve.empty:
        return pd.DataFrame(columns=[*run, *EPOCH_CHOICE_COLUMNS])
    typed = {key: object for key in RUN_KEYS}
    in_sample = _chosen_epoch(best_epoch(curve), "in_sample", None)
    held_out = _chosen_epoch(best_epoch(curve, SELECT), "held_out", JUDGE)
    table = in_sample.astype(typed).merge(
        held_out[[*MODEL_KEYS, "held_out_epoch", "held_out_accuracy"]].astype(typed),
        on=MODEL_KEYS,
        how="outer",
    )
    evaluated = pd.DataFrame(columns=[*MODEL_KEYS, "evaluated_epoch"])
    if evaluation is not None and len(evaluation) and "best_epoch" in evaluation:
        rows = evaluation[evaluation["eval_set"] == eval_set].drop_duplicates(MODEL_KEYS)
        evaluated = rows[[*MODEL_KEYS, "best_epoch"]].rename(
            columns={"best_epoch": "evaluated_epoch"}
        )
    table = table.merge(evaluated.astype(typed), on=MODEL_KEYS, how="left")
    table["evaluated_epoch"] = table["evaluated_epoch"].astype("Int64")
    table["epoch_shift"] = table["held_out_epoch"] - table["in_sample_epoch"]
    table["optimism"] = table["in_sample_accuracy"] - table["held_out_accuracy"]
    table = table.sort_values(MODEL_KEYS, kind="stable")
    return table[[*run, *EPOCH_CHOICE_COLUMNS]].reset_index(drop=True)


def _chosen_epoch(best: pd.DataFrame, name: str, judged_on: str | None) -> pd.DataFrame:
    """:func:`best_epoch` rows with ``<name>_epoch`` (NA where no accuracy was measured) and
    ``<name>_accuracy``: that epoch's accuracy on all test images or on part ``judged_on``."""
    measured = best["accuracy"].notna()
    accuracy = best["accuracy"] if judged_on is None else with_accuracy(best, judged_on)["accuracy"]
    return best.assign(
        **{
            f"{name}_epoch": best["epoch"].astype("Int64").where(measured),
            f"{name}_accuracy": accuracy.where(measured),
        }
    )


def selection_optimism(choices: pd.DataFrame) -> pd.DataFrame:
    """Per ``(arch, dataset)``, how much in-sample epoch selection flatters accuracy.

    ``choices`` is :func:`epoch_choices` rows. Columns: arch, dataset, n_models,
    epochs_moved (models whose held-out epoch differs from the in-sample one),
    mean_in_sample_accuracy, mean_held_out_accuracy, mean_optimism (their difference: the
    mean of ``optimism``). A NaN accuracy makes the means NaN (never skipped).
    """
    columns = ["arch", "dataset", "n_models", "epochs_moved"]
    means = ["mean_in_sample_accuracy", "mean_held_out_accuracy", "mean_optimism"]
    if choices.empty:
        return pd.DataFrame(columns=[*columns, *means])
    rows = choices.astype({"arch": object, "dataset": object})
    rows = rows.assign(_moved=(rows["epoch_shift"] != 0).fillna(False).astype(int))
    summary = rows.groupby(["arch", "dataset"], sort=True).agg(
        n_models=("seed", "size"),
        epochs_moved=("_moved", "sum"),
        mean_in_sample_accuracy=("in_sample_accuracy", lambda s: s.mean(skipna=False)),
        mean_held_out_accuracy=("held_out_accuracy", lambda s: s.mean(skipna=False)),
        mean_optimism=("optimism", lambda s: s.mean(skipna=False)),
    )
    return summary.reset_index()[[*columns, *means]]
