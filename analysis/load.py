"""Load a sweep's result tables into tidy pandas DataFrames and list its missing cells.

``load("results/<sweep>")`` reads every table of :mod:`grid.store.schemas` but those read on
demand (:data:`ON_DEMAND`: ``predictions``, one row per test image and evaluation cell, some
0.5 M rows per evaluate job) from
``results/<sweep>/<table>/stage=<stage>/<signature>.parquet``: the rows of exactly the jobs of
the plan the sweep was last launched with (``plan.json``) that are done; a relaunch's
superseded rows only on request (:mod:`analysis.view` says which files count). Each DataFrame
has exactly the table's columns, then the provenance columns, then ``stage`` (from the hive
partition folder). String columns are pandas ``category`` (a few distinct values repeated over
millions of rows); accuracies are fractions in [0, 1]. A table nobody wrote yet is an empty
DataFrame with those columns. A partial sweep loads fine: :attr:`Results.missing` lists the
planned jobs that have no rows (from ``plan.json``), and the selections refuse cells that they
would need. A file that cannot be read raises :class:`~analysis.bad_files.BadResultFile`.

An on-demand table is read with :func:`load_table` (or :meth:`Results.read`), naming the
columns needed and, optionally, a row filter, e.g.
``load_table(results_dir, "predictions", plan, columns=["train_set", "seed", "eval_set",
"image_index", "top1"], filters=pc.field("eval_set") == "clean")``: only those columns and
rows are decoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.plan import CELL_COLUMNS, describe_job, read_plan, rows_table
from analysis.row_files import read_row_files
from analysis.view import table_files
from grid.plan import Plan
from grid.store.folder import JobFolder
from grid.store.schemas import TABLES

MISSING_COLUMNS = (*CELL_COLUMNS, "reason")
# Tables too large to load whole with the others: read them with load_table's columns and
# filters. No stage has one of them as its first table, so missing_jobs never needs them.
ON_DEMAND = ("predictions",)
LOADED_TABLES = tuple(name for name in TABLES if name not in ON_DEMAND)


@dataclass
class Results:
    """One sweep's rows, plan and missing cells.

    ``tables`` maps every table name but :data:`ON_DEMAND`'s to its DataFrame (those:
    :meth:`read`); ``missing`` has one row per planned job
    without rows (columns :data:`MISSING_COLUMNS`; ``reason`` is ``"not run"`` or ``"done, rows
    absent from the sweep view"``). ``include_superseded``: the tables also hold superseded
    rows, flagged by their ``superseded`` column (see :func:`load`).
    """

    results_dir: Path
    sweep: str
    tables: dict[str, pd.DataFrame]
    plan: Plan | None
    missing: pd.DataFrame
    include_superseded: bool = False

    @property
    def results_root(self) -> Path:
        """The folder holding ``_jobs/`` (the parent of ``results/<sweep>``)."""
        return self.results_dir.parent

    @property
    def settings(self) -> dict:
        """The sweep's resolved settings from ``plan.json`` (empty without a plan)."""
        return self.plan.settings if self.plan else {}

    @property
    def rate_distortion(self) -> pd.DataFrame:
        return self.tables["rate_distortion"]

    @property
    def codec_fit(self) -> pd.DataFrame:
        return self.tables["codec_fit"]

    @property
    def codec_gate(self) -> pd.DataFrame:
        return self.tables["codec_gate"]

    @property
    def train_curve(self) -> pd.DataFrame:
        return self.tables["train_curve"]

    @property
    def evaluation(self) -> pd.DataFrame:
        return self.tables["evaluation"]

    @property
    def selection(self) -> pd.DataFrame:
        return self.tables["selection"]

    @property
    def fourier_sensitivity(self) -> pd.DataFrame:
        return self.tables["fourier_sensitivity"]

    @property
    def gabor_response(self) -> pd.DataFrame:
        return self.tables["gabor_response"]

    @property
    def saliency(self) -> pd.DataFrame:
        return self.tables["saliency"]

    @property
    def contrastive_curve(self) -> pd.DataFrame:
        return self.tables["contrastive_curve"]

    def read(
        self,
        table: str,
        columns: Sequence[str] | None = None,
        filters: pc.Expression | None = None,
    ) -> pd.DataFrame:
        """:func:`load_table` of this sweep (same plan, same ``include_superseded``): e.g.
        ``results.read("predictions", columns=[...], filters=...)``."""
        return load_table(
            self.results_dir, table, self.plan, self.include_superseded, columns, filters
        )


def load(results_dir: str | Path, include_superseded: bool = False) -> Results:
    """The tables of the sweep in ``results_dir`` (``results/<sweep>``; all but
    :data:`ON_DEMAND`) plus plan and gaps.

    Rows: those of the jobs of ``plan.json`` (the plan the sweep was last launched with) whose
    done marker exists; a stale or half-written file in the view is left out. Without a
    ``plan.json`` (a folder copied without it), every view file of a done job counts; where
    the results root has no ``_jobs/`` folder, done markers are not asked for.

    ``include_superseded=True`` also returns the rows of done jobs outside that plan: those
    an earlier launch left in the view and those moved to ``results/<sweep>/_superseded/``;
    every table then gets a last, boolean column ``superseded`` (False for the current rows).
    ``missing`` is computed from the current rows only. Rows of two launches may then share a
    cell: filter on ``superseded`` before picking epochs, seeds or levels, which refuse such
    rows (:class:`analysis.one_launch.MixedLaunchesError`).

    Raises :class:`~analysis.bad_files.BadResultFile` (one line: file, job, how to rerun it)
    for a file that is corrupt, truncated, of another schema version or short of a column.
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder {results_dir} does not exist")
    plan = read_plan(results_dir)
    tables = {
        name: load_table(results_dir, name, plan, include_superseded) for name in LOADED_TABLES
    }
    current = tables
    if include_superseded:
        current = {n: f.loc[~f["superseded"].to_numpy(), ["signature"]] for n, f in tables.items()}
    missing = missing_jobs(plan, current, results_dir.parent) if plan else empty_missing()
    sweep = plan.sweep if plan else results_dir.name
    return Results(
        results_dir=results_dir,
        sweep=sweep,
        tables=tables,
        plan=plan,
        missing=missing,
        include_superseded=include_superseded,
    )


def load_table(
    results_dir: Path,
    table: str,
    plan: Plan | None = None,
    include_superseded: bool = False,
    columns: Sequence[str] | None = None,
    filters: pc.Expression | None = None,
) -> pd.DataFrame:
    """One table of a sweep as a DataFrame (string columns categorical); empty when absent.

    Its files are those :func:`analysis.view.table_files` counts for ``plan``; columns as in
    :func:`load` (``superseded`` last with ``include_superseded``). ``columns``: only these,
    in this order (a one-line KeyError names one the table lacks); ``filters``: only the rows
    where this pyarrow expression holds, e.g. ``pc.field("eval_set") == "clean"``
    (:func:`analysis.row_files.read_row_files`). Both are applied per file while reading, so
    a table such as ``predictions`` (:data:`ON_DEMAND`) costs memory only for what is kept.
    """
    files = table_files(results_dir, table, plan, include_superseded)
    chosen = [(f, False) for f in files.current] + [(f, True) for f in files.superseded]
    rows = read_row_files(
        results_dir, plan, table, chosen, include_superseded, columns=columns, filters=filters
    )
    return rows.to_pandas()


def empty_missing() -> pd.DataFrame:
    """A missing-cells table without rows."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in MISSING_COLUMNS})


def missing_jobs(plan: Plan, tables: dict[str, pd.DataFrame], results_root: Path) -> pd.DataFrame:
    """Planned jobs whose table holds none of their rows (a job done with zero rows is not missing).

    Returns one row per such job with the cell it fills (:data:`MISSING_COLUMNS`).
    """
    present = {name: set(map(str, frame["signature"].unique())) for name, frame in tables.items()}
    rows = []
    for job in plan.jobs:
        table = rows_table(job.stage)
        if table is None or job.signature in present[table]:
            continue
        reason = _absence_reason(JobFolder.of(results_root, job), table)
        if reason:
            rows.append({**describe_job(plan, job), "reason": reason})
    return pd.DataFrame(rows, columns=list(MISSING_COLUMNS)) if rows else empty_missing()


def _absence_reason(folder: JobFolder, table: str) -> str | None:
    """Why a job has no rows, or None when it finished and legitimately returned none."""
    if not folder.is_done():
        return "not run"
    rows = folder.rows_path(table)
    if rows.exists() and pq.read_metadata(rows).num_rows == 0:
        return None
    return "done, rows absent from the sweep view"
