"""Job states and whether a recorded attempt is still alive (no scheduler accounting needed).

The markers these are read from belong to :class:`grid.store.folder.JobFolder`.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DONE, FAILED, RUNNING, PENDING, NEW = "done", "failed", "running", "pending", "new"
CANCELLED = "cancelled"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with microseconds (markers compare by this string)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs: it exists and is not a zombie (one that has
    ended but was not reaped: an orphan stays one where the init process reaps nothing, as in
    some containers)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self/stat").exists():  # not Linux: what kill() said
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()  # "pid (name) state ..."
    except OSError:  # gone meanwhile
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] not in (["Z"], ["X"])


class SlurmQueue:
    """Ids (``123`` and ``123_4``) of jobs Slurm still holds, asked of ``squeue`` at most
    once and only when a marker names a Slurm job (squeue can hang for seconds when no
    controller answers). ``ids`` is None when there is no squeue to ask."""

    @functools.cached_property
    def ids(self) -> set[str] | None:
        out = squeue("--format=%i %F")
        return None if out is None else set(out.split())


def squeue(*args: str) -> str | None:
    """``squeue --noheader *args``'s output; None when there is no squeue or it fails (the
    scheduler did not answer)."""
    if not shutil.which("squeue"):
        return None
    try:
        return subprocess.run(
            ["squeue", "--noheader", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def attempt_alive(marker: dict[str, Any], queue: SlurmQueue | None) -> bool:
    slurm_id = marker.get("slurm_job_id")
    if slurm_id:
        queued = queue.ids if queue is not None else None
        return queued is None or slurm_id in queued or slurm_id.split("_")[0] in queued
    if marker.get("host") == socket.gethostname() and marker.get("pid"):
        return _pid_alive(int(marker["pid"]))
    return True  # another host, no scheduler to ask: trust the marker


def claim_alive(marker: dict[str, Any] | None, queue: SlurmQueue | None) -> bool:
    """Whether the launcher that a job's ``submitted`` marker names (or its Slurm job) still
    holds the job: False when there is no marker, when it names a process of this host that
    is gone, or a Slurm job that squeue no longer lists; a process of another host, with no
    scheduler to ask, is trusted to live."""
    return marker is not None and attempt_alive(marker, queue)


def process_alive_here(marker: dict[str, Any] | None) -> bool:
    """Whether the marker names a process (``host``, ``pid``) of this host that still runs
    (the job process of a failed attempt that may still retry, grid.runner.run_with_retries)."""
    if not marker or marker.get("host") != socket.gethostname() or not marker.get("pid"):
        return False
    return _pid_alive(int(marker["pid"]))


def rival_alive(claim: dict[str, Any], mine: dict[str, Any], queue: SlurmQueue | None) -> bool:
    """Whether the attempt that a job's claim names (``host``, ``pid``, ``slurm_job_id``) is
    another live attempt than ``mine`` (same fields): one of this host lives while its pid
    runs and is not this process's (:func:`process_alive_here`); a Slurm requeue of ``mine``'s
    own job and task on another node is no rival (the earlier run is over); any other lives by
    :func:`attempt_alive` (squeue holds its Slurm job; another host without one is trusted)."""
    if claim.get("host") == socket.gethostname():
        return claim.get("pid") != mine.get("pid") and process_alive_here(claim)
    slurm_id = claim.get("slurm_job_id")
    if slurm_id and slurm_id == mine.get("slurm_job_id"):
        return False
    return attempt_alive(claim, queue)


def queued_comments() -> dict[str, str] | None:
    """The comment of every job Slurm holds for this user, mapped to the job's array id
    (``%F``: an array's id, or a plain job's own), asked of ``squeue --me`` once; None when
    there is no squeue or it fails (the scheduler did not answer)."""
    out = squeue("--me", "--format=%F %k")
    if out is None:
        return None
    found: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            found[parts[1].strip()] = parts[0]
    return found
