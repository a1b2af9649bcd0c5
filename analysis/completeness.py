"""Refusing to summarise incomplete cells.

A *run* is one training cell ``(arch, dataset, train_set)``; its seeds are its repetitions. A
run is *unavailable* when a planned job that would give it rows has none (see
:func:`analysis.load.missing_jobs`) or when its rows cannot be summarised (a NaN accuracy, a
seed without the row a rule needs). Every selection and average either raises
:class:`IncompleteCellsError` over unavailable runs (``on_incomplete="raise"``, the default) or
drops the affected groups and lets the caller list them (``on_incomplete="drop"``); none is
ever computed silently on whatever rows happen to be there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.plan import describe_job, rows_table
from grid.plan import Plan
from grid.store.folder import JobFolder

RUN_KEYS = ["arch", "dataset", "train_set"]
# A trained model: one run and one seed.
MODEL_KEYS = [*RUN_KEYS, "seed"]
UNAVAILABLE_COLUMNS = [*RUN_KEYS, "codec", "joined", "control_for", "reason"]
ON_INCOMPLETE = ("raise", "drop")
# What this module refuses, as the report states it (analysis/catalogue.py TIES).
REFUSAL_RULE = (
    "Runs with a missing planned job, a NaN accuracy or a seed without a clean row, and "
    "selection groups with a missing or NaN cell, are refused (listed below), never averaged."
)

# The stage writing the report: it runs last, so it is never a missing cell of its own report.
REPORT_STAGE = "report"

# Which planned stages feed a table's rows for one run.
STAGES_FEEDING = {"train_curve": ("train",), "evaluation": ("train", "evaluate")}


class IncompleteCellsError(ValueError):
    """A selection or average was asked for over cells that are missing or NaN."""


def check_on_incomplete(on_incomplete: str) -> None:
    """A one-line error unless ``on_incomplete`` is ``"raise"`` or ``"drop"``."""
    if on_incomplete not in ON_INCOMPLETE:
        raise ValueError(f"on_incomplete={on_incomplete!r}; valid choices: raise, drop")


def empty_unavailable() -> pd.DataFrame:
    """An unavailable-runs table without rows."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in UNAVAILABLE_COLUMNS})


def unavailable_runs(missing: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """The runs lacking rows of ``table`` because a planned job feeding it has none.

    ``missing`` is :attr:`analysis.load.Results.missing`; ``table`` is ``"train_curve"`` or
    ``"evaluation"``. Returns columns :data:`UNAVAILABLE_COLUMNS`.
    """
    if table not in STAGES_FEEDING:
        raise KeyError(f"table {table!r} has no runs; valid tables: {', '.join(STAGES_FEEDING)}")
    if missing is None or missing.empty:
        return empty_unavailable()
    rows = missing[missing["stage"].isin(STAGES_FEEDING[table])].copy()
    rows["reason"] = rows["stage"] + " job " + rows["signature"] + " " + rows["reason"]
    rows["joined"] = rows["joined"].fillna(False).astype(bool)
    return rows[UNAVAILABLE_COLUMNS].reset_index(drop=True)


def raise_or_report(refused: pd.DataFrame, on_incomplete: str, what: str) -> None:
    """Raise :class:`IncompleteCellsError` naming the first refused group, in raise mode."""
    check_on_incomplete(on_incomplete)
    if on_incomplete == "raise" and len(refused):
        first = refused.iloc[0]
        keys = ", ".join(f"{k}={first[k]}" for k in refused.columns if k != "reason")
        raise IncompleteCellsError(
            f"{what}: {len(refused)} incomplete group(s), first {keys}: {first['reason']}"
        )


def drop_matching(frame: pd.DataFrame, refused: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` without the rows whose ``keys`` equal those of a row of ``refused``."""
    if refused.empty or frame.empty:
        return frame
    marker = refused[keys].drop_duplicates().astype(object).assign(_refused=True)
    merged = frame[keys].astype(object).merge(marker, on=keys, how="left")
    return frame[merged["_refused"].isna().to_numpy()]


def missing_cells(missing: pd.DataFrame, plan: Plan | None, results_root: Path) -> pd.DataFrame:
    """Every planned job the sweep still lacks, with the error its last attempt recorded.

    ``missing`` is :attr:`analysis.load.Results.missing` (planned jobs without rows); to it are
    added the planned jobs of stages that write no rows (``prepare-cifar10c``) that are not
    done, so a failed stage is listed even when its dependents are too. Columns
    :data:`analysis.plan.CELL_COLUMNS`, ``reason``, ``error`` (the first line of the job's
    ``failed.json``; blank when it never failed, e.g. it was not submitted).
    """
    rowless = []
    for job in plan.jobs if plan else []:
        if rows_table(job.stage) or job.stage == REPORT_STAGE:
            continue
        if not JobFolder.of(results_root, job).is_done():
            rowless.append({**describe_job(plan, job), "reason": "not run"})
    parts = [frame for frame in (missing, pd.DataFrame(rowless)) if len(frame)]
    cells = pd.concat(parts, ignore_index=True) if parts else missing.copy()
    cells["error"] = [
        _first_line(JobFolder(results_root, stage, signature).error())
        for stage, signature in zip(cells["stage"], cells["signature"], strict=True)
    ]
    return cells


def _first_line(error: str) -> str:
    lines = error.splitlines()
    return lines[0] if lines else ""
