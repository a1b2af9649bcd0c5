"""A job's folder, ``<results>/_jobs/<stage>/<signature>/``: its paths, its markers, its rows.

:class:`JobFolder` is the one owner of that layout: the runner, the launcher, every executor,
status and analysis go through it, and nothing else spells out a marker's file name.

Markers (JSON, each with an ISO ``time``; the newest of failed/running/submitted/cancelled
decides the state, ``done.json`` beats them all):

- ``job.json``: the job's spec (``Job.to_dict()``), written before its first attempt;
- ``submitted.json``: queued by a launcher (executor, scheduler id or host + pid);
- ``running.json``: an attempt started (host, pid, Slurm id, log path);
- ``failed.json``: the last attempt raised (one-line error, log path, traceback); every
  failed attempt is also appended to ``attempts.jsonl``, so retries keep each error and log;
- ``cancelled.json``: ``grid.cancel`` took it off the queue;
- ``done.json``: written last: the job is complete (rows per table, the code it ran: see
  grid/code.py; for a stage that runs on partial inputs, the inputs that were not done);
  :meth:`JobFolder.reopen` moves it to ``history.jsonl`` when the job must run again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from grid.store.files import atomic_write_json
from grid.store.state import (
    CANCELLED,
    DONE,
    FAILED,
    NEW,
    PENDING,
    RUNNING,
    SlurmQueue,
    attempt_alive,
    now_iso,
)

SPEC = "job"
SUBMITTED, STARTED, FAILURE, CANCEL, COMPLETE = (
    "submitted",
    "running",
    "failed",
    "cancelled",
    "done",
)
# Markers whose newest entry says where the job stands (done.json is checked first).
_STATE_MARKERS = (FAILURE, STARTED, SUBMITTED, CANCEL)
_ATTEMPTS = "attempts.jsonl"
_HISTORY = "history.jsonl"  # done records of earlier runs of a reopened job


@dataclass(frozen=True)
class JobFolder:
    """The folder of job ``signature`` of ``stage`` under results root ``root``."""

    root: Path
    stage: str
    signature: str

    @classmethod
    def of(cls, root: Path | str, job: Any) -> JobFolder:
        """The folder of ``job`` (a :class:`grid.job.Job` or a ``job.json``-like mapping)."""
        if isinstance(job, dict):
            return cls(Path(root), job["stage"], job["signature"])
        return cls(Path(root), job.stage, job.signature)

    @classmethod
    def at(cls, path: Path | str) -> JobFolder:
        """The job folder at ``path`` (``<root>/_jobs/<stage>/<signature>``)."""
        path = Path(path)
        return cls(path.parents[2], path.parent.name, path.name)

    @classmethod
    def of_stage(cls, root: Path | str, stage: str) -> list[JobFolder]:
        """Every job folder of ``stage`` under results root ``root``, whatever sweep or plan
        made it (none when the stage never ran there); one directory listing, no file read."""
        try:
            entries = list(os.scandir(Path(root) / "_jobs" / stage))
        except FileNotFoundError:
            return []
        return [cls(Path(root), stage, e.name) for e in entries if e.is_dir()]

    @property
    def path(self) -> Path:
        return Path(self.root) / "_jobs" / self.stage / self.signature

    def __truediv__(self, name: str) -> Path:
        """An artifact of the job: ``folder / "model.pt"``."""
        return self.path / name

    def exists(self) -> bool:
        return self.path.is_dir()

    # -- markers ------------------------------------------------------------------------

    def _marker_path(self, name: str) -> Path:
        return self.path / f"{name}.json"

    def read(self, name: str) -> dict[str, Any] | None:
        """Marker ``name`` (done, failed, running, submitted, cancelled, job), or None."""
        try:
            return json.loads(self._marker_path(name).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def _write(self, name: str, fields: dict[str, Any]) -> None:
        atomic_write_json(self._marker_path(name), {**fields, "time": now_iso()})

    def write_spec(self, spec: dict[str, Any]) -> None:
        """``job.json``: the job's spec, ``Job.to_dict()``."""
        atomic_write_json(self._marker_path(SPEC), spec)

    def read_spec(self) -> dict[str, Any] | None:
        return self.read(SPEC)

    def done_record(self) -> dict[str, Any] | None:
        """``done.json``: rows per table, ``code``, ``missing_inputs`` …; None if not done."""
        return self.read(COMPLETE)

    def is_done(self) -> bool:
        return self._marker_path(COMPLETE).exists()

    def is_cancelled(self) -> bool:
        """Whether the job's state is cancelled; one ``stat`` for a job never cancelled (the
        local executor asks this of every unfinished job every 2 s)."""
        return self._marker_path(CANCEL).exists() and self.state() == CANCELLED

    def mark_submitted(self, **fields: Any) -> None:
        self._write(SUBMITTED, fields)

    def mark_running(self, **fields: Any) -> None:
        self._write(STARTED, fields)

    def mark_cancelled(self, **fields: Any) -> None:
        self._write(CANCEL, fields)

    def mark_failed(self, error: str, **fields: Any) -> None:
        """Record a failed attempt: ``failed.json`` (the last) and a line of the attempt log."""
        record = {**fields, "error": error, "time": now_iso()}
        atomic_write_json(self._marker_path(FAILURE), record)
        self.path.mkdir(parents=True, exist_ok=True)
        summary = {k: v for k, v in record.items() if k != "traceback"}
        with open(self.path / _ATTEMPTS, "a") as log:
            log.write(json.dumps(summary, sort_keys=True, default=str) + "\n")

    def mark_done(self, tables: dict[str, int], **fields: Any) -> None:
        """Written last: the job is complete (``tables``: rows per table, plus ``fields``);
        clears the failure of an earlier attempt."""
        self._write(COMPLETE, {**fields, "tables": tables})
        self._marker_path(FAILURE).unlink(missing_ok=True)

    def reopen(self, reason: str) -> None:
        """Make a done job runnable again (e.g. it ran on inputs that have finished since):
        its done record moves to ``history.jsonl`` with ``reason``; rows and artifacts stay
        until the next run replaces them."""
        done = self.read(COMPLETE)
        if done is None:
            return
        with open(self.path / _HISTORY, "a") as log:
            record = {"done": done, "reopened": now_iso(), "reason": reason}
            log.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        self._marker_path(COMPLETE).unlink(missing_ok=True)

    def failures(self) -> list[dict[str, Any]]:
        """Every failed attempt, oldest first (error, log, host, time …)."""
        try:
            lines = (self.path / _ATTEMPTS).read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def error(self) -> str:
        """The one-line error of the last failed attempt, else ``""``."""
        return (self.read(FAILURE) or {}).get("error", "")

    def log_path(self) -> str | None:
        """The log of the newest attempt (failed or running), if one was recorded."""
        for name in (FAILURE, STARTED):
            marker = self.read(name)
            if marker and marker.get("log"):
                return marker["log"]
        return None

    def scheduler_id(self) -> str | None:
        """The Slurm id (``123`` or ``123_4``) the job was last submitted or run under."""
        for name in (STARTED, SUBMITTED):
            marker = self.read(name)
            if marker and marker.get("slurm_job_id"):
                return str(marker["slurm_job_id"])
        return None

    def state(self, queue: SlurmQueue | None = None) -> str:
        """done, failed, running, pending, cancelled or new (see the module docstring).

        A running or submitted marker whose attempt is gone (its process died, Slurm no
        longer holds it) reads as failed or new: the next launch runs the job again.
        """
        if self.is_done():
            return DONE
        markers = {n: m for n in _STATE_MARKERS if (m := self.read(n))}
        if not markers:
            return NEW
        latest = max(markers, key=lambda n: markers[n].get("time", ""))
        if latest == FAILURE:
            return FAILED
        if latest == CANCEL:
            return CANCELLED
        if latest == STARTED:
            return RUNNING if attempt_alive(markers[STARTED], queue) else FAILED
        return PENDING if attempt_alive(markers[SUBMITTED], queue) else NEW

    # -- rows ---------------------------------------------------------------------------

    def rows_path(self, table: str) -> Path:
        """The job's own copy of its rows of ``table`` (written by the runner)."""
        return self.path / "rows" / f"{table}.parquet"

    def row_files(self) -> list[Path]:
        return sorted((self.path / "rows").glob("*.parquet"))

    def read_rows(self, table: str) -> pd.DataFrame:
        """The job's rows of ``table`` (with provenance); empty when it wrote none."""
        path = self.rows_path(table)
        return pd.read_parquet(path) if path.is_file() else pd.DataFrame()
