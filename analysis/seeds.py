"""Best epoch, best-of-seeds and mean ± std over seeds.

Tie-breaking (deterministic): the best epoch is the earliest epoch reaching the maximum
accuracy; the best seed is the smallest seed reaching the maximum clean accuracy. Accuracy is
the thesis' metric per dataset (:mod:`analysis.accuracy`): top-1 on CIFAR-10, top-5 on Tiny
ImageNet. Every picker refuses rows of two launches of one model
(:func:`analysis.one_launch.check_one_launch`).
"""

from __future__ import annotations

import pandas as pd

from analysis.accuracy import with_accuracy
from analysis.completeness import (
    MODEL_KEYS,
    RUN_KEYS,
    UNAVAILABLE_COLUMNS,
    drop_matching,
    empty_unavailable,
    raise_or_report,
)
from analysis.one_launch import check_one_launch

# Columns describing a run that travel along with it.
RUN_COLUMNS = [*RUN_KEYS, "codec", "level", "joined"]


def best_epoch(train_curve: pd.DataFrame) -> pd.DataFrame:
    """Per model and eval set, the epoch with the maximum test accuracy (the thesis' metric).

    ``train_curve`` has the columns of the ``train_curve`` table. Returns one row per
    ``(arch, dataset, train_set, seed, eval_set)``: that epoch's row plus ``accuracy``. An
    epoch with a NaN accuracy is never chosen over a measured one. Rows of two launches of one
    model raise :class:`~analysis.one_launch.MixedLaunchesError`.
    """
    check_one_launch(train_curve, "best epoch")
    curve = with_accuracy(train_curve)
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
    models = frame[[*RUN_COLUMNS, "seed"]].astype(object).drop_duplicates(MODEL_KEYS)
    chosen_rows = frame[frame["eval_set"] == by_eval_set]
    scored = chosen_rows[[*MODEL_KEYS, "accuracy"]].astype(object)
    merged = models.merge(scored, on=MODEL_KEYS, how="left", indicator=True)
    lacking = merged[merged["_merge"] == "left_only"].assign(
        reason=f"a seed has no {by_eval_set} row"
    )
    nan = merged[(merged["_merge"] == "both") & merged["accuracy"].isna()]
    nan = nan.assign(reason=f"a seed has a NaN {by_eval_set} accuracy")
    bad = pd.concat([lacking, nan], ignore_index=True)
    return bad.drop_duplicates(RUN_KEYS)[UNAVAILABLE_COLUMNS].reset_index(drop=True)


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
        parts.append(unavailable[UNAVAILABLE_COLUMNS])
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
