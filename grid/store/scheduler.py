"""What Slurm says about the jobs that job markers name: whether each still runs (``squeue``)
and how each that ended did (``sacct``), asked in batches and cached (docs/SLURM_STATES.md).

One :class:`Scheduler` serves one command (a status, a launch, a cancel, a claim):

- it asks ``squeue --me --array`` at most once, and only when a marker names a Slurm job
  (squeue can hang for seconds when no controller answers); every array task is listed by
  its own id (``123_5``), with its state;
- it asks ``sacct`` at most once, for the ids that markers name and squeue no longer lists
  (:meth:`Scheduler.ended`);
- answers are kept in ``<results>/_scheduler/cache.json`` (this module is its one owner), which
  concurrent commands share: a squeue answer younger than the poll interval is used as is
  (``poll_s``: the constructor's argument, else ``$LCC_SCHEDULER_POLL_S``, else 60 s); an
  ended job's sacct record is final and kept;
- a marker written after the answer was taken is not judged by it: the scheduler asks again
  (still once per command), and a marker newer than even that answer is alive (a job submitted
  a moment ago); an answer that failed is never cached.

An id matches only itself: a marker naming ``123_5`` is alive while squeue lists ``123_5``
(another task of array ``123`` says nothing about it), and one naming ``123`` (a plain job)
while squeue lists ``123``. When squeue does not answer (missing, failing, timing out), a
Slurm job's attempt is neither alive nor dead but ``unknown`` (:data:`grid.store.state.UNKNOWN`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from grid.store.files import atomic_write_json
from grid.store.state import UNKNOWN, now_iso, process_alive_here

POLL_ENV = "LCC_SCHEDULER_POLL_S"  # seconds a squeue answer is reused by later commands
DEFAULT_POLL_S = 60.0
CACHE = Path("_scheduler") / "cache.json"  # under the results root
COMMAND_TIMEOUT_S = 30  # squeue or sacct taking longer did not answer
ALIVE, DEAD = "alive", "dead"  # what an attempt's verdict may be, besides UNKNOWN
# squeue states of a job that is over (squeue may list one while slurmctld keeps it, MinJobAge).
ENDED_STATES = frozenset(
    {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
     "BOOT_FAIL", "DEADLINE", "PREEMPTED", "REVOKED", "SPECIAL_EXIT"}
)  # fmt: skip
SACCT_FIELDS = (
    "JobID", "State", "ExitCode", "Reason", "Elapsed", "TotalCPU", "MaxRSS", "AllocTRES",
    "NodeList", "Timelimit",
)  # fmt: skip
LIVE_SACCT = frozenset({"PENDING", "RUNNING", "REQUEUED", "RESIZING", "SUSPENDED"})  # not final
SQUEUE_ARGS = ("--me", "--array", "--noheader", "--format=%i %T")


def run_command(*args: str) -> tuple[str | None, str]:
    """``args``' standard output and ``""``; or None and the first line of why it gave none
    (not on PATH, a non-zero exit with its stderr, a timeout after :data:`COMMAND_TIMEOUT_S`)."""
    if not shutil.which(args[0]):
        return None, f"no {args[0]} on PATH"
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"{args[0]} gave no answer within {COMMAND_TIMEOUT_S} s"
    except OSError as err:
        return None, f"{args[0]}: {err}"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return None, lines[0] if lines else f"{args[0]} exited with {done.returncode}"
    return done.stdout, ""


def squeue(*args: str) -> str | None:
    """``squeue --noheader *args``'s output; None when there is no squeue or it fails."""
    return run_command("squeue", "--noheader", *args)[0]


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


def poll_interval(value: float | str | None = None, default: float = DEFAULT_POLL_S) -> float:
    """The poll interval in seconds: ``value``, else ``$LCC_SCHEDULER_POLL_S``, else
    ``default`` (the cluster profile's ``poll_interval_s``; 60); ValueError (one line) when
    it is not a number ≥ 0."""
    raw = value if value is not None else os.environ.get(POLL_ENV, default)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(f"{POLL_ENV}={raw!r} is not valid: give seconds, a number >= 0")
    return seconds


@dataclass(frozen=True)
class Queue:
    """One ``squeue`` answer: ``states`` maps each id Slurm holds (``123``, ``123_5``) to its
    state, taken at ``taken`` (ISO, just before squeue ran); None with ``error`` (its first
    line) when squeue did not answer."""

    taken: str
    states: dict[str, str] | None
    error: str = ""

    @classmethod
    def ask(cls) -> Queue:
        taken = now_iso()
        out, error = run_command("squeue", *SQUEUE_ARGS)
        if out is None:
            return cls(taken, None, error)
        states = {}
        for line in out.splitlines():
            parts = line.split()
            if parts:
                states[parts[0]] = parts[1] if len(parts) > 1 else "PENDING"
        return cls(taken, states)

    def holds(self, slurm_id: str) -> bool:
        """Whether Slurm still holds job ``slurm_id`` unfinished (exactly that id)."""
        state = (self.states or {}).get(slurm_id)
        return state is not None and state.split()[0] not in ENDED_STATES


@dataclass
class Scheduler:
    """Slurm's answers for one command (see the module docstring). ``root``: the results
    root whose cache it shares (None: no cache file); ``poll_s``: :func:`poll_interval` of
    it and ``default_poll_s`` (the cluster profile's ``poll_interval_s``)."""

    root: Path | str | None = None
    poll_s: float | None = None
    default_poll_s: float = DEFAULT_POLL_S
    _queue: Queue | None = field(default=None, repr=False)
    _asked: bool = field(default=False, repr=False)  # squeue asked by this command
    _sacct_asked: bool = field(default=False, repr=False)
    _ended: dict[str, dict[str, Any]] | None = field(default=None, repr=False)  # final ones
    sacct_error: str = field(default="", repr=False)  # why sacct gave no answer (first line)

    def __post_init__(self) -> None:
        self.poll_s = poll_interval(self.poll_s, self.default_poll_s)

    @classmethod
    def answered(cls, states: dict[str, str], taken: str | None = None) -> Scheduler:
        """A scheduler that already holds squeue's answer ``states`` (id -> state) and asks
        nothing more (an answer from elsewhere, or a test's)."""
        return cls(_queue=Queue(taken or now_iso(), dict(states)), _asked=True, _sacct_asked=True)

    # -- squeue ---------------------------------------------------------------------------

    def queue(self, since: str = "") -> Queue:
        """The squeue answer to judge a marker written at ``since`` by: the cached one when it
        is younger than ``poll_s`` and newer than ``since``, else a fresh one (asked at most
        once per scheduler)."""
        if self._queue is None:
            self._queue = self._cached_queue()
        if (self._queue is None or self._queue.taken < since) and not self._asked:
            self._asked = True
            self._queue = Queue.ask()
            if self._queue.states is not None:
                self._save()
        return self._queue

    def verdict(self, slurm_id: str, since: str = "") -> str:
        """:data:`ALIVE`, :data:`DEAD` or :data:`grid.store.state.UNKNOWN` for job
        ``slurm_id`` of a marker written at ``since`` (ISO)."""
        queue = self.queue(since)
        if queue.states is None:
            return UNKNOWN
        if queue.taken < since:
            return ALIVE  # newer than any answer: just submitted (or started) meanwhile
        return ALIVE if queue.holds(slurm_id) else DEAD

    def unknown_line(self) -> str:
        """``unknown (squeue failed: <first line of its error>)``."""
        error = self._queue.error if self._queue is not None else "not asked"
        return f"{UNKNOWN} (squeue failed: {error})"

    # -- sacct ----------------------------------------------------------------------------

    def ended(self, slurm_ids: list[str]) -> dict[str, dict[str, Any]] | None:
        """What sacct knows of the jobs ``slurm_ids`` (ids squeue no longer lists): id ->
        record (:func:`parse_sacct`); ids it does not know are absent. One ``sacct`` per
        scheduler, for the ids not cached; None when sacct does not answer, or when ids not
        cached are asked after that one sacct (then nothing is known of them)."""
        if self._ended is None:
            self._ended = self._read().get("ended", {})
        wanted = sorted(set(slurm_ids) - set(self._ended))
        if wanted:
            if self._sacct_asked:
                return None
            self._sacct_asked = True
            fields = f"--format={','.join(SACCT_FIELDS)}"
            out, self.sacct_error = run_command("sacct", "-P", "-n", "-j", ",".join(wanted), fields)
            if out is None:
                return None
            found = parse_sacct(out)
            self._ended.update({i: r for i, r in found.items() if r["state"] not in LIVE_SACCT})
            self._save()
            known = {**self._ended, **found}
        else:
            known = self._ended
        return {i: known[i] for i in slurm_ids if i in known}

    # -- the cache file -------------------------------------------------------------------

    def _path(self) -> Path | None:
        return None if self.root is None else Path(self.root) / CACHE

    def _read(self) -> dict[str, Any]:
        path = self._path()
        if path is None:
            return {}
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}

    def _cached_queue(self) -> Queue | None:
        """The cache file's squeue answer, if it is younger than ``poll_s``."""
        found = self._read().get("queue")
        if not found or self.poll_s == 0:
            return None
        oldest = (datetime.now(UTC) - timedelta(seconds=self.poll_s)).isoformat()
        if found.get("taken", "") < oldest or not isinstance(found.get("states"), dict):
            return None
        return Queue(found["taken"], found["states"])

    def _save(self) -> None:
        """Write the answers this scheduler holds into the cache file (atomically); a
        failed write costs only the cache."""
        path = self._path()
        if path is None:
            return
        record = self._read()
        queue = self._queue
        newer = queue is not None and queue.taken >= record.get("queue", {}).get("taken", "")
        if queue is not None and queue.states is not None and newer:
            record["queue"] = {"taken": queue.taken, "states": queue.states}
        if self._ended is not None:
            record["ended"] = {**record.get("ended", {}), **self._ended}
        with suppress(OSError):
            atomic_write_json(path, record)


def parse_sacct(text: str) -> dict[str, dict[str, Any]]:
    """Records of ``sacct -P -n --format=<SACCT_FIELDS>`` output, one per job (``123``,
    ``123_5``): its own row's ``state`` (first word: ``CANCELLED by 0`` -> ``CANCELLED``),
    ``exit_code`` (``0:9``: exit status, signal), ``reason``, ``node_list``, the steps'
    ``step_exit_codes`` (``.batch``, ``.extern``, ``.0`` …: submitit's srun step); ``usage``
    (``wall_s``, ``cpu_s``, ``max_rss_mb``: the largest of its steps' rows, ``gpu_s``: wall
    time × GPUs allocated; a value sacct left empty is absent) and ``resources`` (``cpus``,
    ``mem_gb``, ``gpus`` from AllocTRES, ``time_min`` from Timelimit, as far as known)."""
    jobs: dict[str, dict[str, Any]] = {}
    steps: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        values = line.split("|")
        if len(values) < len(SACCT_FIELDS):
            continue
        row = dict(zip(SACCT_FIELDS, values, strict=False))
        job_id, _, step = row["JobID"].partition(".")
        if step:
            steps.setdefault(job_id, []).append(row)
        else:
            jobs[job_id] = row
    return {job_id: _record(row, steps.get(job_id, [])) for job_id, row in jobs.items()}


def _record(row: dict[str, str], steps: list[dict[str, str]]) -> dict[str, Any]:
    tres = _tres(row["AllocTRES"])
    usage: dict[str, float] = {}
    wall = duration_s(row["Elapsed"])
    if wall is not None:
        usage["wall_s"] = wall
    cpu = duration_s(row["TotalCPU"])
    if cpu is not None:
        usage["cpu_s"] = cpu
    rss = [mb for s in [row, *steps] if (mb := size_mb(s["MaxRSS"])) is not None]
    if rss:
        usage["max_rss_mb"] = max(rss)
    if wall is not None and "gpus" in tres:
        usage["gpu_s"] = wall * tres["gpus"]
    time_min = duration_s(row["Timelimit"])
    if time_min is not None:
        tres["time_min"] = time_min / 60
    return {
        "state": row["State"].split()[0] if row["State"] else "",
        "exit_code": row["ExitCode"],
        "step_exit_codes": [s["ExitCode"] for s in steps],
        "reason": row["Reason"],
        "node_list": row["NodeList"],
        "usage": usage,
        "resources": tres,
    }


def _tres(text: str) -> dict[str, float]:
    """``cpus``, ``mem_gb``, ``gpus`` of an AllocTRES value (``cpu=1,mem=100M,gres/gpu=2``)."""
    out: dict[str, float] = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        if key == "cpu" and value.isdigit():
            out["cpus"] = float(value)
        elif key == "mem" and (mb := size_mb(value)) is not None:
            out["mem_gb"] = mb / 1024
        elif key == "gres/gpu" and value.isdigit():
            out["gpus"] = float(value)
    return out


_UNITS_MB = {"K": 1 / 1024, "M": 1.0, "G": 1024.0, "T": 1024.0**2}


def size_mb(text: str) -> float | None:
    """Megabytes (MiB) of a Slurm size (``834172K``, ``1.5G``, ``100M``; bare numbers are
    bytes); None when empty or unreadable."""
    text = text.strip()
    if not text:
        return None
    unit = text[-1].upper()
    try:
        if unit in _UNITS_MB:
            return float(text[:-1]) * _UNITS_MB[unit]
        return float(text) / 1024**2
    except ValueError:
        return None


def duration_s(text: str) -> float | None:
    """Seconds of a Slurm duration (``[D-][HH:]MM:SS[.mmm]``, e.g. ``1-02:00:00``,
    ``00:20.003``); None when empty, ``UNLIMITED`` or unreadable."""
    text = text.strip()
    days, _, clock = text.rpartition("-")
    try:
        parts = [float(p) for p in clock.split(":")]
        day_s = float(days) * 86400 if days else 0.0
    except ValueError:
        return None
    if not 1 < len(parts) <= 3:
        return None
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return day_s + seconds


def attempt_verdict(marker: dict[str, Any], scheduler: Scheduler | None) -> str:
    """:data:`ALIVE`, :data:`DEAD` or :data:`grid.store.state.UNKNOWN` for the attempt a
    marker or claim names (``slurm_job_id``, else ``host`` + ``pid``, and its ``time``): a
    Slurm job by ``scheduler`` (None: not asked, trusted alive); a process of this host by its
    pid; a process of another host, with no scheduler to ask, is trusted alive."""
    slurm_id = marker.get("slurm_job_id")
    if slurm_id:
        if scheduler is None:
            return ALIVE
        return scheduler.verdict(str(slurm_id), str(marker.get("time", "")))
    if marker.get("host") == socket.gethostname() and marker.get("pid"):
        return ALIVE if process_alive_here(marker) else DEAD
    return ALIVE


def claim_alive(marker: dict[str, Any] | None, scheduler: Scheduler | None) -> bool:
    """Whether the launcher that a job's ``submitted`` marker names (or its Slurm job) may
    still hold the job: False when there is no marker, when it names a process of this host
    that is gone, or a Slurm job that squeue no longer lists; a process of another host, with
    no scheduler to ask, and a Slurm job whose scheduler does not answer, count as alive."""
    return marker is not None and attempt_verdict(marker, scheduler) != DEAD


def rival_alive(claim: dict[str, Any], mine: dict[str, Any], scheduler: Scheduler | None) -> bool:
    """Whether the attempt that a job's claim names (``host``, ``pid``, ``slurm_job_id``) is
    another live attempt than ``mine`` (same fields): one of this host lives while its pid
    runs and is not this process's (:func:`grid.store.state.process_alive_here`); a Slurm
    requeue of ``mine``'s own job and task on another node is no rival (the earlier run is
    over); any other lives unless :func:`attempt_verdict` finds it dead (a scheduler that does
    not answer leaves it alive)."""
    if claim.get("host") == socket.gethostname():
        return claim.get("pid") != mine.get("pid") and process_alive_here(claim)
    slurm_id = claim.get("slurm_job_id")
    if slurm_id and slurm_id == mine.get("slurm_job_id"):
        return False
    return attempt_verdict(claim, scheduler) != DEAD
