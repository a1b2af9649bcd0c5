"""Result rows: schema check, provenance, the job's own copy and the per-sweep view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from grid.store.files import atomic_write_parquet
from grid.store.folder import JobFolder
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


def view_path(results_root: Path, sweep: str, table: str, stage: str, signature: str) -> Path:
    """Where a job's rows appear in a sweep: hive-partitioned by stage."""
    return Path(results_root) / sweep / table / f"stage={stage}" / f"{signature}.parquet"


def publish(folder: JobFolder, sweep: str) -> None:
    """Copy a finished job's rows into ``sweep``'s view, with the ``sweep`` column set to it."""
    for rows_file in folder.row_files():
        table = pq.read_table(rows_file)
        column = pa.array([sweep] * table.num_rows, pa.string())
        table = table.set_column(table.schema.get_field_index("sweep"), "sweep", column)
        atomic_write_parquet(
            view_path(folder.root, sweep, rows_file.stem, folder.stage, folder.signature), table
        )


def is_published(folder: JobFolder, sweep: str) -> bool:
    """Whether every table the job wrote is in ``sweep``'s view."""
    return all(
        view_path(folder.root, sweep, f.stem, folder.stage, folder.signature).exists()
        for f in folder.row_files()
    )
