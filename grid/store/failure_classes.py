"""Why an attempt failed, as one class with a one-line explanation (docs/SLURM_STATES.md).

A failed job's class comes from what is known of its last attempt:

- ``exception``: the stage raised; the worker wrote ``failed.json`` with the error;
- from sacct, for an attempt whose Slurm job squeue no longer lists and that wrote no error:
  ``out_of_memory`` (state ``OUT_OF_MEMORY``, where Slurm runs with cgroups; or, without
  cgroups, ``FAILED`` ended by a SIGKILL (exit code ``0:9`` on the job or a step, ``9:0``
  from submitit's srun, or reason ``JobLaunchFailure``) with "Exceeded job memory limit" in
  the task's output), ``timeout``,
  ``preempted``, ``node_fail``, ``cancelled`` (scancel outside grid.cancel, which marks its
  own), ``boot_fail``, ``deadline``;
- ``vanished``: nothing tells why (sacct does not know the job, or it ended otherwise, e.g. a
  crash that left no error).

:func:`record_ended` writes a class other than ``exception`` into the job's folder once
(:meth:`grid.store.folder.JobFolder.record_scheduler_failure`), with sacct's usage and the
resources the attempt ran with, so the class is known after sacct forgets the job and the
next attempt's resources can follow it (grid/retry.py). Only a final word is recorded: slurmctld
sends a job's start and end to slurmdbd asynchronously, so for a moment after squeue drops a job
sacct may still call it ``RUNNING`` or not know it at all (:func:`settled`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grid.store.folder import STARTED, SUBMITTED, JobFolder
from grid.store.scheduler import DEAD, LIVE_SACCT, Scheduler
from grid.store.state import FAILED, NEW

EXCEPTION, OUT_OF_MEMORY, TIMEOUT = "exception", "out_of_memory", "timeout"
PREEMPTED, NODE_FAIL, CANCELLED = "preempted", "node_fail", "cancelled"
BOOT_FAIL, DEADLINE, VANISHED = "boot_fail", "deadline", "vanished"
CLASSES = (EXCEPTION, OUT_OF_MEMORY, TIMEOUT, PREEMPTED, NODE_FAIL, CANCELLED, BOOT_FAIL,
           DEADLINE, VANISHED)  # fmt: skip
# What slurmstepd writes into the task's output when it kills a job over its memory limit
# without cgroups (jobacct_gather's OverMemoryKill).
OOM_TEXT = "Exceeded job memory limit"
LOG_TAIL_BYTES = 65536  # of each output file searched for OOM_TEXT
# Seconds after an attempt's marker during which sacct's not knowing the job is read as
# accounting lag (its start not yet stored by slurmdbd), not as the job having vanished.
ACCOUNTING_LAG_S = 120.0
# sacct reasons that tell nothing of how a job ended (the last reason it waited for).
_NO_REASON = frozenset({"", "None", "Dependency", "Priority", "Resources", "BeginTime"})
# sacct states that name their class directly.
_BY_STATE = {
    "OUT_OF_MEMORY": OUT_OF_MEMORY,
    "TIMEOUT": TIMEOUT,
    "PREEMPTED": PREEMPTED,
    "NODE_FAIL": NODE_FAIL,
    "CANCELLED": CANCELLED,
    "BOOT_FAIL": BOOT_FAIL,
    "DEADLINE": DEADLINE,
}
_WHY = {
    OUT_OF_MEMORY: "Slurm killed it above its memory limit",
    TIMEOUT: "it ran into its time limit and was not requeued",
    PREEMPTED: "Slurm preempted it",
    NODE_FAIL: "its node failed under it",
    CANCELLED: "scancel'd outside grid.cancel",
    BOOT_FAIL: "its node failed to boot",
    DEADLINE: "its deadline passed before it ended",
}


def of_failure(record: dict[str, Any]) -> tuple[str, str]:
    """(class, one-line explanation) of a ``failed.json`` record: its ``failure_class`` and
    ``error`` when Slurm ended it, else ``exception`` and the error the stage raised."""
    cls = record.get("failure_class", EXCEPTION)
    return cls, record.get("error", "") or "died without an error"


def of_ended(ended: dict[str, Any] | None, logs: list[str]) -> tuple[str, str]:
    """(class, one-line explanation ``<class>: <why> (<Slurm's words>)``) of an attempt that
    squeue no longer lists, from its sacct record ``ended`` (:func:`grid.store.scheduler.
    parse_sacct`; None: sacct does not know it) and its output files ``logs`` (searched for
    :data:`OOM_TEXT` only when the record says signal 9)."""
    if ended is None:
        return VANISHED, f"{VANISHED}: Slurm no longer holds it and sacct does not know it"
    state, exit_code, reason = ended["state"], ended["exit_code"], ended.get("reason", "")
    words = f"Slurm: {state}, exit {exit_code}" + (
        f", reason {reason}" if reason not in _NO_REASON else ""
    )
    cls = _BY_STATE.get(state)
    if cls is None and state == "FAILED" and _killed(ended) and _says_oom(logs):
        cls = OUT_OF_MEMORY
    if cls is None:
        what = "it wrote no done marker" if state == "COMPLETED" else "it wrote no error"
        return VANISHED, f"{VANISHED}: {what} ({words})"
    detail = _memory(ended) if cls == OUT_OF_MEMORY else ""
    return cls, f"{cls}: {_WHY[cls]}{detail} ({words})"


def _killed(ended: dict[str, Any]) -> bool:
    """Whether sacct says a SIGKILL ended the job: exit code ``0:9`` on the job's row or a
    step's (the batch script, or submitit's srun step), ``9:0`` on the job's row (srun exits
    with the signal that killed its task), or reason ``JobLaunchFailure``."""
    codes = [ended["exit_code"], *ended.get("step_exit_codes", [])]
    return (
        any(code.endswith(":9") for code in codes)
        or ended["exit_code"] == "9:0"
        or ended.get("reason") == "JobLaunchFailure"
    )


def _memory(ended: dict[str, Any]) -> str:
    limit = ended.get("resources", {}).get("mem_gb")
    peak = ended.get("usage", {}).get("max_rss_mb")
    parts = ([f"{limit:g} GB asked"] if limit else []) + ([f"peak {peak:.0f} MB"] if peak else [])
    return f" ({', '.join(parts)})" if parts else ""


def _says_oom(logs: list[str]) -> bool:
    """Whether the tail of one of the output files ``logs`` holds :data:`OOM_TEXT`."""
    for log in logs:
        try:
            with open(log, "rb") as handle:
                handle.seek(0, 2)
                handle.seek(max(0, handle.tell() - LOG_TAIL_BYTES))
                if OOM_TEXT.encode() in handle.read():
                    return True
        except OSError:
            continue
    return False


def settled(record: dict[str, Any] | None, marker: dict[str, Any], now: datetime) -> bool:
    """Whether sacct's ``record`` of an attempt squeue no longer lists is its final word, to be
    recorded: not while sacct still calls the job live (``RUNNING``, ``REQUEUED`` …: its end
    not stored yet, or requeued), nor while it does not know a job whose ``marker`` (ISO
    ``time``) is younger than :data:`ACCOUNTING_LAG_S` at ``now``."""
    if record is not None:
        return record["state"] not in LIVE_SACCT
    try:
        written = datetime.fromisoformat(marker["time"])
    except (KeyError, TypeError, ValueError):
        return True
    return now - written >= timedelta(seconds=ACCOUNTING_LAG_S)


def output_files(marker: dict[str, Any]) -> list[str]:
    """The task's output files a marker names: its ``log`` (submitit's ``.err``) and the
    ``.out`` beside it, where Slurm's own messages may land."""
    log = marker.get("log")
    if not log:
        return []
    path = Path(log)
    return [str(path), str(path.with_suffix(".out"))]


def record_ended(
    folders: dict[str, JobFolder], states: dict[str, str], scheduler: Scheduler
) -> dict[str, str]:
    """Classify the jobs among ``folders`` (by signature) whose running or submitted marker
    names a Slurm job that squeue no longer lists (state failed or new in ``states``), with one
    ``sacct`` for them all, and record each class in its folder once
    (:meth:`JobFolder.record_scheduler_failure`; a never-started job that sacct does not
    know stays new: it was queued and is gone, nothing more). Returns the states, those of
    the recorded jobs now failed. Nothing is recorded when sacct does not answer, nor while
    its word is not final (:func:`settled`): a later status asks again."""
    judged: dict[str, tuple[str, dict[str, Any]]] = {}
    for sig, folder in folders.items():
        if states[sig] not in (FAILED, NEW):
            continue
        found = folder.latest()
        if found and found[0] in (STARTED, SUBMITTED) and found[1].get("slurm_job_id"):
            marker = found[1]
            if scheduler.verdict(str(marker["slurm_job_id"]), marker.get("time", "")) == DEAD:
                judged[sig] = found
    if not judged:
        return states
    ended = scheduler.ended(sorted({str(m["slurm_job_id"]) for _, m in judged.values()}))
    if ended is None:
        return states
    states = dict(states)
    now = datetime.now(UTC)
    for sig, (name, marker) in judged.items():
        slurm_id = str(marker["slurm_job_id"])
        record = ended.get(slurm_id)
        if not settled(record, marker, now):
            continue
        cls, line = of_ended(record, output_files(marker))
        if cls == VANISHED and name == SUBMITTED:
            continue
        record = record or {}
        fields = {"slurm_job_id": slurm_id, "log": marker.get("log"), "host": marker.get("host")}
        resources = record.get("resources") or marker.get("resources")  # sacct's, else the marker's
        if resources:
            fields["resources"] = resources
        if record.get("state"):
            fields["scheduler_state"] = record["state"]
        folder = folders[sig]
        if folder.record_scheduler_failure(cls, line, record.get("usage", {}), marker, **fields):
            states[sig] = FAILED
    return states
