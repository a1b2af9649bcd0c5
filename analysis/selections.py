"""BDA, BDAD and BDADS: ranking each augmentation's levels by accuracy on corrupted test data.

Input: evaluation rows of the best seed of each run (:func:`analysis.seeds.best_of_seeds`),
``eval_set == "cifar10c"``, single-level training sets (:func:`analysis.arms.single_level`) of
augmentation codecs (every codec but ``identity``). Accuracy is measured on the *selection*
part of the test images (:mod:`lcc.evaluate.holdout`): the seed, the levels and the select
stage's joined sets are chosen there, and the claims are judged on the other part, so the
winner's curse of picking the best of many levels does not reach the verdicts. The thesis
chose on all test images; ``part=None`` gives that in-sample ranking, shown beside. Per
``(arch, dataset)``:

- **BDA** ranks each codec's levels by mean accuracy over all corruptions and severities;
- **BDAD** ranks them per corruption, by mean accuracy over severities;
- **BDADS** ranks them per corruption and severity, by the accuracy of that cell.

``score`` is that mean (fraction in [0, 1]); ``n_cells`` the number of cells averaged; rank 1
is the best. Ties: scores are compared after rounding to 12 decimals (so equal sums added in a
different order tie), and tied levels are ordered by the smaller numeric level first.

A group is refused (raised, or dropped with ``on_incomplete="drop"``) when one of its levels
lacks a cell another level has, when a cell is NaN, or when a run of its codec is unavailable.
Rows of two launches of one model are always refused
(:class:`~analysis.one_launch.MixedLaunchesError`).
"""

from __future__ import annotations

import pandas as pd

from analysis.accuracy import with_accuracy
from analysis.arms import single_level
from analysis.completeness import (
    RUN_KEYS,
    UNAVAILABLE_COLUMNS,
    drop_matching,
    raise_or_report,
    unavailable_runs,
)
from analysis.one_launch import check_one_launch
from analysis.seeds import best_of_seeds, refused_runs
from grid.stage_table import SELECT_METHODS
from grid.store.schemas import SELECTION
from lcc.evaluate.holdout import SELECT

METHODS = SELECT_METHODS  # declared in grid.stage_table
GROUP_KEYS: dict[str, list[str]] = {
    "bda": ["codec"],
    "bdad": ["codec", "corruption"],
    "bdads": ["codec", "corruption", "severity"],
}
CELL_KEYS = ["corruption", "severity"]
SCOPE = ["arch", "dataset"]
SELECTION_COLUMNS = [field.name for field in SELECTION]
REFUSED_COLUMNS = [*SCOPE, "method", "codec", "corruption", "severity", "reason"]
# Scores are compared after rounding to this many decimals, so equal sums added in a different
# order tie; tied levels rank the smaller numeric level first (:func:`rank_levels`).
SCORE_DECIMALS = 12
TIE_RULE = (
    f"BDA / BDAD / BDADS: scores compared after rounding to {SCORE_DECIMALS} decimals; tied "
    "levels are ranked smaller numeric level first."
)


def check_methods(methods: list[str] | tuple[str, ...]) -> None:
    """A one-line error naming an unknown method and the valid ones."""
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown selection method {method!r}; valid: {', '.join(METHODS)}")


def corruption_rows(best: pd.DataFrame) -> pd.DataFrame:
    """The rows the selections rank: corrupted test cells of single-level augmentation sets."""
    keep = (best["eval_set"] == "cifar10c").to_numpy() & single_level(best)
    keep &= (best["codec"] != "identity").to_numpy()
    rows = best[keep]
    columns = [*SCOPE, "train_set", "codec", "level", *CELL_KEYS, "accuracy"]
    return rows[columns].astype({c: object for c in (*SCOPE, "train_set", "codec", "corruption")})


def refused_groups(
    rows: pd.DataFrame, method: str, unavailable: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ranking groups of ``method`` that cannot be ranked, with the reason.

    ``rows`` are :func:`corruption_rows`. A codec's expected grid is every level it has times
    every (corruption, severity) cell it has; a group is refused when one of its expected
    (level, cell) pairs is absent or NaN, and all of a codec's groups are refused when a run
    of it is in ``unavailable``. Columns :data:`REFUSED_COLUMNS`.
    """
    check_methods([method])
    group = [*SCOPE, *GROUP_KEYS[method]]
    gaps = grid_gaps(rows)
    refused = []
    for key, part in gaps.groupby(group, dropna=False, sort=True):
        first = part.iloc[0]
        absent, nan = int(part["absent"].sum()), int((~part["absent"]).sum())
        reason = (
            f"{absent} missing and {nan} NaN of {int(first['expected'])} cells (first: level "
            f"{first['level']:g}, {first['corruption']} s{first['severity']})"
        )
        refused.append({**dict(zip(group, key, strict=True)), "reason": reason})
    refused_frame = pd.DataFrame(refused, columns=[*group, "reason"])
    if unavailable is not None and len(unavailable):
        runs = unavailable[single_level(unavailable)]
        runs = runs[runs["codec"] != "identity"]
        runs = runs.drop_duplicates([*SCOPE, "codec"])[[*SCOPE, "codec", "reason"]]
        refused_frame = pd.concat([runs, refused_frame], ignore_index=True)
    refused_frame = refused_frame.assign(method=method)
    return refused_frame.reindex(columns=REFUSED_COLUMNS).reset_index(drop=True)


def grid_gaps(rows: pd.DataFrame) -> pd.DataFrame:
    """The (level, cell) pairs of each codec's expected grid that are absent or NaN.

    Columns: arch, dataset, codec, level, corruption, severity, absent (bool; False = NaN),
    expected (cells expected in the method-independent codec grid, per level).
    """
    codec_keys = [*SCOPE, "codec"]
    levels = rows[[*codec_keys, "level"]].drop_duplicates()
    cells = rows[[*codec_keys, *CELL_KEYS]].drop_duplicates()
    n_cells = cells.groupby(codec_keys).size().rename("expected").reset_index()
    expected = levels.merge(cells, on=codec_keys).merge(n_cells, on=codec_keys)
    present = rows[[*codec_keys, "level", *CELL_KEYS, "accuracy"]]
    merged = expected.merge(
        present, on=[*codec_keys, "level", *CELL_KEYS], how="left", indicator=True
    )
    merged["absent"] = merged["_merge"] == "left_only"
    gaps = merged[merged["absent"] | merged["accuracy"].isna()]
    return gaps.drop(columns=["_merge", "accuracy"]).reset_index(drop=True)


def rank_levels(
    best: pd.DataFrame,
    method: str,
    unavailable: pd.DataFrame | None = None,
    on_incomplete: str = "raise",
) -> pd.DataFrame:
    """Rank the levels of every group of ``method`` (``"bda"``, ``"bdad"`` or ``"bdads"``).

    ``best`` is best-of-seeds evaluation rows (with ``accuracy``). Returns ``arch``,
    ``dataset`` and the ``selection`` table's columns, one row per (group, level).
    """
    check_one_launch(best, f"{method.upper()} ranking")
    rows = corruption_rows(best)
    group = [*SCOPE, *GROUP_KEYS[method]]
    refused = refused_groups(rows, method, unavailable)
    raise_or_report(refused, on_incomplete, method.upper())
    rows = drop_matching(rows, refused[refused["corruption"].isna()], [*SCOPE, "codec"])
    if method != "bda":
        rows = drop_matching(rows, refused.dropna(subset=GROUP_KEYS[method]), group)
    scores = rows.groupby([*group, "level"], dropna=False)["accuracy"].agg(
        score="mean", n_cells="size"
    )
    scores = scores.reset_index()
    scores["_key"] = scores["score"].round(SCORE_DECIMALS)
    scores = scores.sort_values(
        [*group, "_key", "level"], ascending=[True] * len(group) + [False, True], kind="stable"
    )
    scores["rank"] = scores.groupby(group, dropna=False).cumcount() + 1
    scores["method"] = method
    for column in CELL_KEYS:
        if column not in scores:
            scores[column] = None
    return _typed(scores[[*SCOPE, *SELECTION_COLUMNS]])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Selection rows with the dtypes of the ``selection`` schema (severity nullable)."""
    return frame.astype(
        {
            "method": object,
            "codec": object,
            "corruption": object,
            "severity": "Int32",
            "rank": "int32",
            "level": "float64",
            "score": "float64",
            "n_cells": "int32",
        }
    ).reset_index(drop=True)


def bda(best: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """BDA ranking (see :func:`rank_levels`)."""
    return rank_levels(best, "bda", **kwargs)


def bdad(best: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """BDAD ranking per corruption (see :func:`rank_levels`)."""
    return rank_levels(best, "bdad", **kwargs)


def bdads(best: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """BDADS ranking per corruption and severity (see :func:`rank_levels`)."""
    return rank_levels(best, "bdads", **kwargs)


def select_levels(
    evaluation: pd.DataFrame,
    methods: list[str] | tuple[str, ...] = METHODS,
    missing: pd.DataFrame | None = None,
    on_incomplete: str = "raise",
    part: str | None = SELECT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best-of-seeds then every method, from raw evaluation rows.

    ``missing`` is :attr:`analysis.load.Results.missing`. Accuracy is that of the test-image
    ``part`` (the selection part by default; None: all test images, the thesis' in-sample
    choice). Returns ``(rows, refused)``: the rankings of all methods (``arch``, ``dataset`` +
    selection columns) and the refused groups (:data:`REFUSED_COLUMNS`; empty in raise mode,
    which raises instead).
    """
    check_methods(methods)
    check_one_launch(evaluation, "level selection")
    evaluation = with_accuracy(evaluation, part)
    unavailable = unavailable_runs(missing, "evaluation")
    refused_seeds = refused_runs(evaluation, "clean", unavailable)
    raise_or_report(refused_seeds, on_incomplete, "best-of-seeds by clean accuracy")
    best = best_of_seeds(evaluation, "clean", refused_seeds, on_incomplete="drop")
    ranked, refused = [], []
    for method in methods:
        ranked.append(rank_levels(best, method, refused_seeds, on_incomplete))
        refused.append(refused_groups(corruption_rows(best), method, refused_seeds))
    return pd.concat(ranked, ignore_index=True), pd.concat(refused, ignore_index=True)


def selection_rows(
    evaluation: pd.DataFrame, methods: list[str], top_k: int, joined: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The ``select`` stage's rows: every method's full ranking for one ``(arch, dataset)``,
    on the selection part of the test images (:func:`select_levels`).

    Raises on incomplete cells, on evaluations of several ``(arch, dataset)`` pairs (the
    ``selection`` table has no column for them) and when a codec in ``joined`` has fewer
    than ``top_k`` ranked levels (its joined training set could not be built).
    """
    if evaluation.empty:
        raise ValueError("select: no evaluation rows in its inputs")
    corrupted = evaluation[evaluation["eval_set"] == "cifar10c"]
    scopes = corrupted[SCOPE].astype(object).drop_duplicates()
    if len(scopes) != 1:
        found = ", ".join(f"{a}/{d}" for a, d in scopes.itertuples(index=False)) or "none"
        raise ValueError(f"select needs cifar10c rows of exactly one arch/dataset; found: {found}")
    rows, _ = select_levels(evaluation, methods, on_incomplete="raise")
    bda_rows = rows[rows["method"] == "bda"]
    if "bda" in methods and top_k > 0:
        counts = bda_rows.groupby("codec", observed=True).size()
        short = counts[(counts < top_k) & counts.index.isin(list(joined))]
        if len(short):
            raise ValueError(
                f"top_k={top_k} but codec {short.index[0]!r} has {short.iloc[0]} ranked levels"
            )
    return rows[SELECTION_COLUMNS].reset_index(drop=True)


def top_levels(selection: pd.DataFrame, codec: str, top_k: int) -> list[float]:
    """The ``top_k`` best BDA levels of ``codec`` (best first), as joined training reads them."""
    chosen = selection[(selection["method"] == "bda") & (selection["codec"] == codec)]
    if chosen.empty:
        codecs = ", ".join(sorted(selection.loc[selection["method"] == "bda", "codec"].unique()))
        raise KeyError(f"no BDA ranking for codec {codec!r}; ranked codecs: {codecs or 'none'}")
    chosen = chosen[chosen["rank"] <= top_k].sort_values("rank")
    return [float(level) for level in chosen["level"]]


__all__ = [
    "METHODS",
    "REFUSED_COLUMNS",
    "RUN_KEYS",
    "UNAVAILABLE_COLUMNS",
    "bda",
    "bdad",
    "bdads",
    "rank_levels",
    "refused_groups",
    "select_levels",
    "selection_rows",
    "top_levels",
]
