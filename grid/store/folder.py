"""A job's folder, ``<results>/_jobs/<stage>/<signature>/``: its paths, its markers, its rows.

:class:`JobFolder` is the one owner of that layout: the runner, the launcher, every executor,
status and analysis go through it, and nothing else spells out a marker's file name. The files
a stage writes have one property each (``folder.model``, ``folder.meta``, ``folder.images`` …:
:class:`Artifact`; the names lcc reads too come from :mod:`lcc.artifacts`).

Markers (JSON, each with an ISO ``time``; the newest of failed/running/submitted/cancelled
decides the state, ``done.json`` beats them all):

- ``job.json``: the job's spec (``Job.to_dict()``), written before its first attempt;
- ``submitted.json``: queued by a launcher (executor, scheduler id or host + pid);
- ``running.json``: an attempt started (host, pid, Slurm id, log path);
- ``failed.json``: the last attempt raised (one-line error, log path, traceback), or Slurm
  ended it (``failure_class``: out_of_memory, timeout …, with sacct's ``usage`` and the
  ``resources`` it ran with: :meth:`JobFolder.record_scheduler_failure`); every failed
  attempt is also appended to ``attempts.jsonl``, so retries keep each error and log;
- ``cancelled.json``: ``grid.cancel`` took it off the queue;
- ``done.json``: written last: the job is complete (rows per table, the code it ran: see
  grid/code.py; for a stage that runs on partial inputs, the inputs that were not done);
  :meth:`JobFolder.reopen` moves it to ``history.jsonl`` when the job must run again.

One attempt at a time: an attempt holds the job's ``claim.json`` (host, pid, Slurm id, time,
a token) from before it writes anything until it ends (:meth:`JobFolder.claim`,
:meth:`JobFolder.release`). A second attempt that finds a live claim appends a line to
``skipped.jsonl`` and leaves (:class:`ClaimedElsewhere`); a stale claim (its process or Slurm
job gone: grid.store.scheduler.rival_alive) is taken over.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from grid.store.files import atomic_write_json, raise_short
from grid.store.lock import launch_lock
from grid.store.scheduler import ALIVE, Scheduler, attempt_verdict, rival_alive
from grid.store.state import CANCELLED, DONE, FAILED, NEW, PENDING, RUNNING, UNKNOWN, now_iso
from lcc import artifacts

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
_CLAIM = "claim"  # claim.json: the attempt that runs the job now (JobFolder.claim)
_SKIPPED = "skipped.jsonl"  # attempts that found the job claimed and left
_CLAIM_TRIES = 10  # stale claims taken over before giving up on one attempt's claim


class ClaimedElsewhere(RuntimeError):
    """Another live attempt holds this job's claim: this attempt wrote nothing but a line of
    ``skipped.jsonl`` and left; not a failure of the job (executors: not this attempt's job).
    ``holder`` is that attempt's claim record."""

    def __init__(self, folder: JobFolder, holder: dict[str, Any]) -> None:
        who = holder.get("slurm_job_id") or f"{holder.get('host')}:{holder.get('pid')}"
        super().__init__(f"{folder.stage} {folder.signature} is run by {who}; this attempt left")
        self.holder = holder


class Artifact:
    """A file of every job folder, named once: ``JobFolder.model`` is the path
    ``<folder>/model.pt`` of a folder (read on the class, the :class:`Artifact` itself)."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    def __get__(self, folder: JobFolder | None, owner: type | None = None) -> Any:
        return self if folder is None else folder.path / self.name


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

    @cached_property  # built once: status reads some 5 markers of each of thousands of jobs
    def path(self) -> Path:
        return Path(self.root) / "_jobs" / self.stage / self.signature

    def __truediv__(self, name: str) -> Path:
        """A file of the job by name; an artifact has a property of its own (:attr:`model`)."""
        return self.path / name

    # -- artifacts: written by the stage; lcc.artifacts names the ones lcc reads too ---------

    images = Artifact(artifacts.IMAGES, "An encode job's images, uint8 ``(N, H, W, 3)`` ``.npy``.")
    labels = Artifact(artifacts.LABELS, "An encode job's labels, ``(N,)`` ``.npy``.")
    meta = Artifact(artifacts.META, "What an encode, fit-codec or train job made (JSON).")
    model = Artifact(artifacts.MODEL, "A fit-codec job's final codec weights (``state_dict``).")
    checkpoint = Artifact(artifacts.CHECKPOINT, "A fit-codec or train job's resume state.")
    best = Artifact(artifacts.BEST, "A train job's weights at its best epoch (``state_dict``).")
    last = Artifact(artifacts.LAST, "A train job's weights at its last epoch (``state_dict``).")
    encoder = Artifact(
        artifacts.ENCODER,
        "A contrastive job's pretrained encoder (a classifier's ``state_dict`` without its head).",
    )
    cifar10c = Artifact(
        "CIFAR-10-C", "A prepare-cifar10c job's folder in the release layout (lcc.data.cifar10c)."
    )
    heat_map = Artifact("heat_map.npy", "A fourier job's error rates, float64 ``(H, W)`` ``.npy``.")
    saliency = Artifact(
        "saliency.npy", "A saliency job's maps, float32 ``(2, N, H, W)`` (clean, compressed)."
    )

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

    # -- one attempt at a time ------------------------------------------------------------

    def claim(self, attempt: dict[str, Any], scheduler: Scheduler | None = None) -> dict[str, Any]:
        """Claim the job for ``attempt`` (``host``, ``pid``, ``slurm_job_id``) before it writes
        anything; the claim record to hand to :meth:`release`.

        The claim file is created whole and exclusively (a linked temporary file: the link
        fails if the name exists). A claim there already of another live attempt
        (grid.store.scheduler.rival_alive; ``scheduler``: squeue, asked only if a claim names a
        Slurm job of another host) makes this attempt append a line to ``skipped.jsonl`` and raise
        :class:`ClaimedElsewhere`. A stale one (a dead pid here, a Slurm job squeue no longer
        lists, this attempt's own Slurm task before a requeue) is removed under the results
        folder's launch lock, after checking that it is still the one judged, and the claim
        is tried again.
        """
        scheduler = Scheduler(self.root) if scheduler is None else scheduler
        record = {**attempt, "time": now_iso(), "token": uuid.uuid4().hex}
        self.path.mkdir(parents=True, exist_ok=True)
        held: dict[str, Any] = {}
        for _ in range(_CLAIM_TRIES):
            if self._create_claim(record):
                return record
            held = self.read(_CLAIM) or {}
            if not held:
                continue  # released meanwhile (or never readable): try again
            if rival_alive(held, record, scheduler):
                break
            with launch_lock(self.root):
                now = self.read(_CLAIM) or {}
                if now.get("token") == held.get("token"):
                    self._marker_path(_CLAIM).unlink(missing_ok=True)
        with suppress(OSError):  # a full disk loses the note, not the skip
            self._append(_SKIPPED, {**record, "held_by": held})
        raise ClaimedElsewhere(self, held)

    def _create_claim(self, record: dict[str, Any]) -> bool:
        """Create ``claim.json`` holding ``record`` unless it exists; whether it was."""
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".claim.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, sort_keys=True, default=str)
            os.link(tmp, self._marker_path(_CLAIM))
        except FileExistsError:
            return False
        except OSError as err:
            raise_short(err, self._marker_path(_CLAIM))
            raise
        finally:
            os.unlink(tmp)
        return True

    def release(self, record: dict[str, Any]) -> None:
        """Remove the claim that :meth:`claim` returned, if it is still that one."""
        if (self.read(_CLAIM) or {}).get("token") == record["token"]:
            self._marker_path(_CLAIM).unlink(missing_ok=True)

    def claim_holder(self) -> dict[str, Any] | None:
        """The claim record of the attempt that runs the job now (or left it stale), if any."""
        return self.read(_CLAIM)

    def skipped(self) -> list[dict[str, Any]]:
        """Every attempt that found the job claimed by another and left, oldest first."""
        return self._lines(_SKIPPED)

    def _append(self, name: str, record: dict[str, Any]) -> None:
        with open(self.path / name, "a") as log:
            log.write(json.dumps(record, sort_keys=True, default=str) + "\n")

    def _lines(self, name: str) -> list[dict[str, Any]]:
        try:
            lines = (self.path / name).read_text().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def failures(self) -> list[dict[str, Any]]:
        """Every failed attempt, oldest first (error, log, host, time …)."""
        return self._lines(_ATTEMPTS)

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

    def latest(self) -> tuple[str, dict[str, Any]] | None:
        """The newest of the failed, running, submitted and cancelled markers: (name,
        marker); None when there is none (``done.json`` is not among them)."""
        markers = {n: m for n in _STATE_MARKERS if (m := self.read(n))}
        if not markers:
            return None
        name = max(markers, key=lambda n: markers[n].get("time", ""))
        return name, markers[name]

    def state(self, scheduler: Scheduler | None = None) -> str:
        """done, failed, running, pending, cancelled, new or unknown (see the module
        docstring); ``scheduler`` judges markers that name a Slurm job (None: trusted).

        A running or submitted marker whose attempt is gone (its process died, Slurm no
        longer holds it) reads as failed or new: the next launch runs the job again. One
        whose Slurm job the scheduler cannot tell about (squeue did not answer) is unknown.
        """
        if self.is_done():
            return DONE
        found = self.latest()
        if found is None:
            return NEW
        name, marker = found
        if name == FAILURE:
            return FAILED
        if name == CANCEL:
            return CANCELLED
        verdict = attempt_verdict(marker, scheduler)
        if verdict == UNKNOWN:
            return UNKNOWN
        if name == STARTED:
            return RUNNING if verdict == ALIVE else FAILED
        return PENDING if verdict == ALIVE else NEW

    def last_failure(self) -> dict[str, Any] | None:
        """``failed.json``: the last failed attempt (``error``; ``failure_class`` when Slurm
        ended it, else the stage raised), or None."""
        return self.read(FAILURE)

    def record_scheduler_failure(
        self, cls: str, line: str, usage: dict[str, float], judged: dict[str, Any], **fields: Any
    ) -> bool:
        """Record once that Slurm ended the attempt the running or submitted marker ``judged``
        names, as failure class ``cls`` (grid/store/failure_classes.py) with its one-line
        explanation ``line``, sacct's ``usage`` (``wall_s``, ``cpu_s``, ``max_rss_mb``,
        ``gpu_s``; floats, missing ones absent) and ``fields`` (``slurm_job_id``,
        ``resources`` …): ``failed.json`` and a line of ``attempts.jsonl``, as
        :meth:`mark_failed`. Nothing is written unless ``judged`` is still the newest marker
        (a launcher may have queued the job again meanwhile); returns whether it was written.
        """
        found = self.latest()
        if found is None or found[0] not in (STARTED, SUBMITTED) or found[1] != judged:
            return False
        self.mark_failed(line, failure_class=cls, usage=usage, **fields)
        return True

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
