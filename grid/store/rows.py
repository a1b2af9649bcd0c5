"""Result rows: schema check, provenance, the job's own copy and the per-sweep view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from grid.store.files import atomic_write_parquet
from grid.store.schemas import TABLES, full_schema


def to_table(table: str, rows: pd.DataFrame, provenance: dict[str, Any]) -> pa.Table:
    """``rows`` (exactly the table's columns) plus provenance, cast to the table's schema."""
    expected = set(TABLES[table].names) if table in TABLES else None
    if expected is None:
        raise KeyError(f"unknown table {table!r}; valid tables: {', '.join(sorted(TABLES))}")
    got = set(rows.columns)
    if got != expected:
        missing, extra = sorted(expected - got), sorted(got - expected)
        raise ValueError(f"rows for table {table!r}: missing columns {missing}, unexpected {extra}")
    frame = rows.reset_index(drop=True).copy()
    for key, value in provenance.items():
        frame[key] = value
    schema = full_schema(table)
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def rows_path(job_folder: Path, table: str) -> Path:
    """The job's own copy of its rows of ``table`` (written by the runner)."""
    return Path(job_folder) / "rows" / f"{table}.parquet"


def read_rows(job_folder: Path, table: str) -> pd.DataFrame:
    """The job's rows of ``table`` (with provenance); empty when it wrote none."""
    path = rows_path(job_folder, table)
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def view_path(results_root: Path, sweep: str, table: str, stage: str, signature: str) -> Path:
    """Where a job's rows appear in a sweep: hive-partitioned by stage."""
    return Path(results_root) / sweep / table / f"stage={stage}" / f"{signature}.parquet"


def publish(job_folder: Path, results_root: Path, sweep: str, stage: str, signature: str) -> None:
    """Copy a finished job's rows into ``sweep``'s view, with the ``sweep`` column set to it."""
    for rows_file in sorted((job_folder / "rows").glob("*.parquet")):
        table = pq.read_table(rows_file)
        column = pa.array([sweep] * table.num_rows, pa.string())
        table = table.set_column(table.schema.get_field_index("sweep"), "sweep", column)
        atomic_write_parquet(
            view_path(results_root, sweep, rows_file.stem, stage, signature), table
        )


def is_published(job_folder: Path, results_root: Path, sweep: str, stage: str, sig: str) -> bool:
    """Whether every table the job wrote is in ``sweep``'s view."""
    return all(
        view_path(results_root, sweep, f.stem, stage, sig).exists()
        for f in (job_folder / "rows").glob("*.parquet")
    )
