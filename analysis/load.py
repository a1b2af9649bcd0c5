"""Load a sweep's result tables into tidy pandas DataFrames and list its missing cells.

``load("results/<sweep>")`` reads every table of :mod:`grid.store.schemas` from
``results/<sweep>/<table>/stage=<stage>/<signature>.parquet``. Each DataFrame has exactly the
table's columns, then the provenance columns, then ``stage`` (from the hive partition).
String columns are pandas ``category`` (a few distinct values repeated over millions of rows);
accuracies are fractions in [0, 1]. A table nobody wrote yet is an empty DataFrame with those
columns. A partial sweep loads fine: :attr:`Results.missing` lists the planned jobs that have
no rows (from ``plan.json``), and the selections refuse cells that they would need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from analysis.plan import CELL_COLUMNS, STAGE_TABLES, Plan, read_plan
from grid.store.folder import JobFolder
from grid.store.schemas import SCHEMA_VERSION, TABLES, full_schema

MISSING_COLUMNS = (*CELL_COLUMNS, "reason")


@dataclass
class Results:
    """One sweep's rows, plan and missing cells.

    ``tables`` maps every table name to its DataFrame; ``missing`` has one row per planned job
    without rows (columns :data:`MISSING_COLUMNS`; ``reason`` is ``"not run"`` or ``"done, rows
    absent from the sweep view"``).
    """

    results_dir: Path
    sweep: str
    tables: dict[str, pd.DataFrame]
    plan: Plan | None
    missing: pd.DataFrame

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


def load(results_dir: str | Path) -> Results:
    """Every table of the sweep in ``results_dir`` (``results/<sweep>``) plus plan and gaps."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise FileNotFoundError(f"results folder {results_dir} does not exist")
    tables = {name: load_table(results_dir, name) for name in TABLES}
    plan = read_plan(results_dir)
    missing = missing_jobs(plan, tables, results_dir.parent) if plan else empty_missing()
    sweep = plan.sweep if plan else results_dir.name
    return Results(results_dir=results_dir, sweep=sweep, tables=tables, plan=plan, missing=missing)


def load_table(results_dir: Path, table: str) -> pd.DataFrame:
    """One table of a sweep as a DataFrame (string columns categorical); empty when absent."""
    schema = full_schema(table).append(pa.field("stage", pa.string()))
    folder = Path(results_dir) / table
    files = sorted(folder.glob("stage=*/*.parquet")) if folder.is_dir() else []
    if not files:
        arrow = schema.empty_table()
    else:
        partitioning = ds.partitioning(pa.schema([("stage", pa.string())]), flavor="hive")
        strings = [f.name for f in schema if pa.types.is_string(f.type)]
        parquet = ds.ParquetFileFormat(read_options={"dictionary_columns": strings})
        dataset = ds.dataset(
            [str(f) for f in files],
            schema=schema,
            format=parquet,
            partitioning=partitioning,
            partition_base_dir=str(folder),
        )
        _check_schema(dataset, table)
        arrow = dataset.to_table()
    return _to_pandas(arrow)


def _check_schema(dataset: ds.Dataset, table: str) -> None:
    """One-line ValueError naming the first file written under another schema version (its
    ``lcc.schema_version`` metadata) or lacking a column of ``table``, instead of nulls."""
    expected = full_schema(table)
    want = str(SCHEMA_VERSION)
    for fragment in dataset.get_fragments():
        physical = fragment.physical_schema
        version = (physical.metadata or {}).get(b"lcc.schema_version", b"none").decode()
        if version != want:
            raise ValueError(
                f"{fragment.path}: written under result schema version {version}, but this "
                f"suite reads version {want}; rerun its job to rewrite it"
            )
        missing = [name for name in expected.names if name not in physical.names]
        if missing:
            raise ValueError(
                f"{fragment.path}: lacks column(s) {', '.join(missing)} of table {table!r} "
                f"(schema version {want})"
            )


def _to_pandas(arrow: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with every string column categorical (dictionary-encoded once)."""
    columns = [
        pc.dictionary_encode(column) if pa.types.is_string(column.type) else column
        for column in arrow.columns
    ]
    return pa.table(columns, names=arrow.column_names).to_pandas()


def empty_missing() -> pd.DataFrame:
    """A missing-cells table without rows."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in MISSING_COLUMNS})


def missing_jobs(plan: Plan, tables: dict[str, pd.DataFrame], results_root: Path) -> pd.DataFrame:
    """Planned jobs whose table holds none of their rows (a job done with zero rows is not missing).

    Returns one row per such job with the cell it fills (:data:`MISSING_COLUMNS`).
    """
    present = {name: set(frame["signature"].astype(str).unique()) for name, frame in tables.items()}
    rows = []
    for job in plan.jobs.values():
        table = STAGE_TABLES.get(job["stage"])
        if table is None or job["signature"] in present[table]:
            continue
        reason = _absence_reason(JobFolder.of(results_root, job), table)
        if reason:
            rows.append({**plan.describe_job(job), "reason": reason})
    return pd.DataFrame(rows, columns=list(MISSING_COLUMNS)) if rows else empty_missing()


def _absence_reason(folder: JobFolder, table: str) -> str | None:
    """Why a job has no rows, or None when it finished and legitimately returned none."""
    if not folder.is_done():
        return "not run"
    rows = folder.rows_path(table)
    if rows.exists() and pq.read_metadata(rows).num_rows == 0:
        return None
    return "done, rows absent from the sweep view"
