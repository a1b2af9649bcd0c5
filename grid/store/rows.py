"""Result rows: schema check, provenance, the job's own copy and the per-sweep view."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

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


# Rows of jobs that the sweep's last launched plan no longer holds (a relaunch with other
# settings) are moved here, under the same layout: nothing is lost, and a reader of the view
# (``results/<sweep>/<table>``) sees exactly the launched plan. A leading underscore hides the
# folder from pyarrow's and pandas' dataset readers.
SUPERSEDED = "_superseded"


def view_path(results_root: Path, sweep: str, table: str, stage: str, signature: str) -> Path:
    """Where a job's rows appear in a sweep: hive-partitioned by stage."""
    return Path(results_root) / sweep / table / f"stage={stage}" / f"{signature}.parquet"


def superseded_path(results_root: Path, sweep: str, table: str, stage: str, signature: str) -> Path:
    """Where the rows of a job no longer in ``sweep``'s launched plan are kept."""
    return (
        Path(results_root) / sweep / SUPERSEDED / table / f"stage={stage}" / f"{signature}.parquet"
    )


def publish(folder: JobFolder, sweep: str) -> None:
    """Copy a finished job's rows into ``sweep``'s view, with the ``sweep`` column set to it
    (a superseded copy of them, if any, is dropped: the job is in the view again)."""
    for rows_file in folder.row_files():
        table = pq.read_table(rows_file)
        column = pa.array([sweep] * table.num_rows, pa.string())
        table = table.set_column(table.schema.get_field_index("sweep"), "sweep", column)
        key = (sweep, rows_file.stem, folder.stage, folder.signature)
        atomic_write_parquet(view_path(folder.root, *key), table)
        superseded_path(folder.root, *key).unlink(missing_ok=True)


def supersede(results_root: Path, sweep: str, planned: set[str], dry_run: bool = False) -> set[str]:
    """Move the view files of jobs not in ``planned`` (signatures of the sweep's launched
    plan) to :data:`SUPERSEDED`; returns the signatures moved (with ``dry_run``: that would
    be moved, moving nothing). Their job folders keep their own copy
    (``JobFolder.rows_path``), so nothing is lost.

    Race-free with jobs that publish while a launcher writes a new plan: the launcher writes
    ``plan.json`` first and then calls this; a job publishes first and then checks the plan
    (:func:`grid.runner.run_job`), so whichever comes second moves the file.
    """
    moved = set()
    for path, table, stage, signature in sweep_row_files(results_root, sweep):
        if signature in planned:
            continue
        if dry_run:
            moved.add(signature)
            continue
        target = superseded_path(results_root, sweep, table, stage, signature)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.replace(target)
        except FileNotFoundError:  # moved by the job itself meanwhile
            continue
        moved.add(signature)
    return moved


def superseded_note(results_root: Path, sweep: str) -> str:
    """Where superseded rows are and how to read them (the launcher and status say it)."""
    folder = Path(results_root) / sweep / SUPERSEDED
    return (
        f"their rows are in {folder} "
        "(analysis.load(..., include_superseded=True) reads them with the current ones)"
    )


def superseded_signatures(results_root: Path, sweep: str) -> set[str]:
    """Signatures of the jobs whose rows :func:`supersede` moved out of ``sweep``'s view."""
    return {f.signature for f in sweep_row_files(results_root, sweep, superseded=True)}


def is_published(folder: JobFolder, sweep: str) -> bool:
    """Whether every table the job wrote is in ``sweep``'s view."""
    return all(
        view_path(folder.root, sweep, f.stem, folder.stage, folder.signature).exists()
        for f in folder.row_files()
    )


class RowFile(NamedTuple):
    """One job's rows of one table in a sweep's view or among its superseded rows."""

    path: Path
    table: str
    stage: str
    signature: str


def sweep_row_files(
    results_root: Path, sweep: str, table: str | None = None, superseded: bool = False
) -> list[RowFile]:
    """The row files of ``table`` (every table when None) in ``sweep``'s view
    (:func:`view_path`) or, with ``superseded``, under :data:`SUPERSEDED`
    (:func:`superseded_path`), sorted by path.

    Table, stage and signature come from the path: one directory walk, no file opened.
    """
    base = Path(results_root) / sweep
    folder = base / SUPERSEDED if superseded else base
    return [
        RowFile(path, path.parent.parent.name, path.parent.name.removeprefix("stage="), path.stem)
        for path in sorted(folder.glob(f"{table or '*'}/stage=*/*.parquet"))
    ]
