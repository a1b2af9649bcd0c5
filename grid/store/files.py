"""Atomic writes of job-folder files (bytes, JSON, Parquet), built on the suite's one atomic
writer, :func:`lcc.atomic.atomic_path`: a temporary file in the same folder, then a rename
(with ``durable``, the file and then its folder are fsynced, so the record survives a crash of
the host).

A write that fails for lack of space (``ENOSPC``, or ``EDQUOT``: a quota) raises an OSError of
one line naming the file and the space left there (:func:`no_space_error`)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from grid.store.schemas import write_options
from lcc.atomic import atomic_path


def atomic_write_bytes(path: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one; with
    ``durable``, the data is on disk (file and folder fsynced) when this returns
    (:func:`lcc.atomic.atomic_path`); a lack of space is one line (:func:`no_space_error`)."""
    try:
        with atomic_path(path, durable=durable) as tmp:
            tmp.write_bytes(data)
    except BaseException as err:
        raise_short(err, path)
        raise


def atomic_write_json(path: Path, value: Any, durable: bool = False) -> None:
    data = (json.dumps(value, indent=1, sort_keys=True, default=str) + "\n").encode()
    atomic_write_bytes(path, data, durable=durable)


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically (the temporary file is hidden from dataset readers),
    encoded and compressed as its result table asks (:func:`grid.store.schemas.write_options`,
    from the ``lcc.table`` metadata that rows written by :func:`grid.store.rows.to_table` and
    copied by :func:`grid.store.rows.publish` carry)."""
    try:
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, **write_options(table.schema))
    except BaseException as err:
        raise_short(err, path)
        raise


SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)  # no space left on the device, quota exceeded


def no_space_error(err: OSError, path: Path | str | None = None) -> OSError:
    """``err`` as one line naming ``path`` (else the file ``err`` names) and the space left on
    its file system, ``[Errno 28] No space left on device: <path> (1.2 MiB free)``, when it is
    a lack of space (:data:`SPACE_ERRNOS`) about a known file; else ``err`` itself."""
    path = path if path is not None else err.filename
    if err.errno not in SPACE_ERRNOS or path is None:
        return err
    return OSError(err.errno, f"{os.strerror(err.errno)}: {path} ({free_space(Path(path))} free)")


def raise_short(err: BaseException, path: Path) -> None:
    """Raise :func:`no_space_error` of ``err`` (chained to it) if ``err`` is a lack of space
    while writing ``path``; else return (the caller re-raises ``err``)."""
    if isinstance(err, OSError) and (short := no_space_error(err, path)) is not err:
        raise short from err


def is_no_space(error: str) -> bool:
    """Whether a one-line error (``OSError: [Errno 28] ...``) is a lack of space."""
    return any(f"[Errno {number}]" in error for number in SPACE_ERRNOS)


def free_bytes(path: Path) -> int | None:
    """Bytes left to write on the file system of ``path`` (or its nearest existing parent);
    None when it cannot be read."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def human_bytes(count: float) -> str:
    """``count`` bytes as ``"1.2 MiB"`` (three significant digits, binary units; whole bytes
    below 1 KiB)."""
    if count < 1024:
        return f"{int(count)} B"
    count /= 1024
    for unit in ("KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.3g} {unit}"
        count /= 1024
    return f"{count:.3g} TiB"


def free_space(path: Path) -> str:
    """The space left to write on the file system of ``path`` (or its nearest existing
    parent), as ``"1.2 MiB"``; ``"unknown"`` when it cannot be read."""
    left = free_bytes(path)
    return "unknown" if left is None else human_bytes(left)
