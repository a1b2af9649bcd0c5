"""Read a table's row files into one Arrow table, refusing a bad file with one line.

Each file is opened once (twice with a filter): its footer gives the schema version and
columns to check, then its rows are read (string columns dictionary-encoded): only the columns
asked for and, with a filter, only the matching rows (the large ``predictions`` table is read
so, on demand). A file that is corrupt, truncated, of another schema version or short of a
column raises
:class:`~analysis.bad_files.BadResultFile` naming it and the job that wrote it. One file after
the other, single-threaded: on a sweep of thousands of small files this is faster than one
multi-threaded ``pyarrow.dataset`` scan, and it knows which file failed at no extra cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis.bad_files import bad_file
from grid.plan import Plan
from grid.store.rows import RowFile
from grid.store.schemas import SCHEMA_VERSION, full_schema

# What pyarrow raises on a corrupt, truncated or unreadable file.
READ_ERRORS = (pa.ArrowException, OSError)


def frame_schema(table: str, flagged: bool, columns: Sequence[str] | None = None) -> pa.Schema:
    """The loaded columns of ``table``: its own, provenance, ``stage``, and when ``flagged`` a
    boolean ``superseded``; string columns as dictionaries (pandas ``category``). ``columns``
    keeps only those (in this order; ``superseded`` stays when ``flagged``); a one-line
    KeyError names one the table lacks."""
    fields = [*full_schema(table), pa.field("stage", pa.string())]
    if columns is not None:
        names = [f.name for f in fields]
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise KeyError(f"table {table!r} has no column(s) {unknown}; columns: {names}")
        fields = [f for f in fields if f.name in set(columns)]
    if flagged:
        fields.append(pa.field("superseded", pa.bool_()))
    return pa.schema(
        [
            pa.field(f.name, pa.dictionary(pa.int32(), pa.string())) if _is_string(f) else f
            for f in fields
        ]
    )


def read_row_files(
    results_dir: Path,
    plan: Plan | None,
    table: str,
    files: list[tuple[RowFile, bool]],
    flagged: bool = False,
    columns: Sequence[str] | None = None,
    filters: pc.Expression | None = None,
) -> pa.Table:
    """The rows of ``files`` (each with its superseded flag) in :func:`frame_schema` order.

    ``columns``: only these (:func:`frame_schema`); ``filters``: only the rows where this
    boolean pyarrow expression on the table's own or provenance columns holds, e.g.
    ``pc.field("eval_set") == "clean"`` (``pq.read_table``'s ``filters``; the columns it
    reads need not be among ``columns``). ``results_dir`` (``results/<sweep>``) and ``plan``
    only name the job in an error.
    """
    schema = frame_schema(table, flagged, columns)
    if filters is not None:
        check_filter(table, filters)
    if not files:
        return schema.empty_table()
    stored = set(full_schema(table).names)
    own = pa.schema([f for f in schema if f.name in stored])
    parts = []
    for file, superseded in files:
        try:
            rows = _read(file, table, own, filters)
        except _Problem as problem:
            raise bad_file(results_dir, plan, file, str(problem), superseded) from problem.cause
        constants = {"stage": _repeat(file.stage, rows.num_rows)}
        if flagged:
            constants["superseded"] = pa.array(np.full(rows.num_rows, superseded))
        for name, column in constants.items():
            if name in schema.names:
                rows = rows.append_column(name, column)
        parts.append(rows.select(schema.names))
    return pa.concat_tables(parts)


def check_filter(table: str, filters: pc.Expression) -> None:
    """A one-line ValueError when ``filters`` is no boolean expression on ``table``'s own and
    provenance columns (raised before any file is read, so no file is blamed for it)."""
    try:
        full_schema(table).empty_table().filter(filters)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise ValueError(f"filters {filters} on table {table!r}: {_first_line(error)}") from None


class _Problem(Exception):
    """What is wrong with one file (one line), and the pyarrow error behind it if any."""

    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.cause = cause


def _read(file: RowFile, table: str, own: pa.Schema, filters: pc.Expression | None) -> pa.Table:
    """``file``'s rows as ``own`` (some of the table's and provenance columns), those where
    ``filters`` holds (all when None), without metadata."""
    strings = [f.name for f in own if pa.types.is_dictionary(f.type)]
    try:
        try:
            parquet = pq.ParquetFile(file.path, read_dictionary=strings)
        except KeyError:  # a string column is absent: the schema check below names it
            parquet = pq.ParquetFile(file.path)
        with parquet:
            _check_schema(parquet.schema_arrow, table, own.names)
            if filters is None:
                rows = parquet.read(columns=own.names, use_threads=False)
        if filters is not None:
            rows = pq.read_table(file.path, columns=own.names, filters=filters,
                                 read_dictionary=strings, use_threads=False)  # fmt: skip
    except FileNotFoundError as error:
        raise _Problem("vanished while loading (moved by a launch?); load again", error) from None
    except READ_ERRORS as error:
        raise _Problem(f"unreadable ({_first_line(error)})", error) from None
    rows = rows.select(own.names).replace_schema_metadata(None)
    if rows.schema.equals(own):
        return rows
    try:
        return rows.cast(own)
    except READ_ERRORS as error:
        problem = f"has columns of other types than table {table!r}'s ({_first_line(error)})"
        raise _Problem(problem, error) from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines() or [""]
    return f"{type(error).__name__}: {lines[0]}"


def _check_schema(physical: pa.Schema, table: str, columns: list[str]) -> None:
    """Refuse a file written under another schema version (its ``lcc.schema_version``
    metadata) or lacking one of ``columns`` of ``table``, rather than read it as nulls."""
    want = str(SCHEMA_VERSION)
    version = (physical.metadata or {}).get(b"lcc.schema_version", b"none").decode()
    if version != want:
        raise _Problem(
            f"written under result schema version {version}, but this suite reads version {want}"
        )
    present = set(physical.names)
    missing = [name for name in columns if name not in present]
    if missing:
        raise _Problem(
            f"lacks column(s) {', '.join(missing)} of table {table!r} (schema version {want})"
        )


def _repeat(value: str, n: int) -> pa.DictionaryArray:
    """``value`` ``n`` times, dictionary-encoded."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))


def _is_string(field: pa.Field) -> bool:
    return pa.types.is_string(field.type)
