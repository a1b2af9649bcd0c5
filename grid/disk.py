"""The disk a launch will fill, estimated at plan time and set beside the space left.

Each stage declares its estimate with ``declare(..., disk=fn)`` (grid/stages/registry.py):
``fn(config) -> int``, the bytes one job writes into its folder (artifacts and rows; each
function says what it counts).
:func:`estimate` sums them over the jobs a launch runs (its todo: new, failed, cancelled, and
reports due again; done jobs have written theirs), adding :data:`JOB_RECORDS` per job for
its records; a job whose stage has no estimate counts 0 and the line says how many there are.
:func:`check_space` prints the line, with the free space of the results folder and the
user's quota where one answers (:mod:`grid.store.quota`), and when the estimate exceeds what
is left, warns (``disk_check=warn``, the default) or stops the launch before anything is
written (``disk_check=strict``: :class:`SettingsError`, exit 2). A dry run only warns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grid.cli import SettingsError
from grid.job import Job
from grid.plan import Plan
from grid.stages.registry import declaration
from grid.store.files import free_bytes, human_bytes
from grid.store.quota import quota_left

DISK_CHECKS = ("warn", "strict")  # setting disk_check: warn and go on, or stop (exit 2)
# Bytes of one job's own records: job.json, the submitted/running markers and done.json
# (5 to 10 KB each job in a demo_cifar run; done.json holds the stage's code hashes).
JOB_RECORDS = 10_000
# Bytes of one small Parquet file of result rows (15 to 17 KB for 10 to 1000 rows, measured
# on demo_cifar); stages add their bytes per row for large tables.
ROWS_FILE = 16_000


@dataclass(frozen=True)
class Estimate:
    """Bytes a launch writes per stage (stages in the order met) and, per stage, the jobs
    that had no estimate (counted as 0 bytes)."""

    by_stage: dict[str, int]
    unestimated: Counter

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


def estimate(jobs: Iterable[Job]) -> Estimate:
    """The bytes ``jobs`` write: each stage's ``disk(config)`` plus :data:`JOB_RECORDS`."""
    by_stage: dict[str, int] = {}
    unestimated: Counter = Counter()
    for job in jobs:
        declared = declaration(job.stage)
        disk = declared.disk if declared is not None else None
        if disk is None:
            unestimated[job.stage] += 1
            by_stage.setdefault(job.stage, 0)
            continue
        by_stage[job.stage] = by_stage.get(job.stage, 0) + disk(job.config) + JOB_RECORDS
    return Estimate(by_stage, unestimated)


def describe(written: Estimate) -> str:
    """``this launch writes ~1.3 GiB (encode 1.1 GiB, train 120 MiB, ...)``, the largest
    stages first, and how many jobs had no estimate."""
    parts = sorted(written.by_stage.items(), key=lambda item: -item[1])
    detail = ", ".join(f"{stage} {human_bytes(size)}" for stage, size in parts if size)
    line = f"this launch writes ~{human_bytes(written.total)}" + (f" ({detail})" if detail else "")
    if written.unestimated:
        count = sum(written.unestimated.values())
        stages = ", ".join(f"{s} {n}" for s, n in sorted(written.unestimated.items()))
        line += f"; {count} jobs have no estimate ({stages})"
    return line


def check_space(the_plan: Plan, todo: set[str], root: Path, dry_run: bool) -> Estimate:
    """Print the estimate of the jobs of ``the_plan`` in ``todo`` (signatures) beside the space
    left under ``root`` (free space and, where it answers, the quota); warn when it does not
    fit, or raise :class:`SettingsError` with setting ``disk_check=strict`` (not on a dry
    run). Returns the estimate."""
    disk_check = the_plan.run_settings["disk_check"]
    written = estimate(job for job in the_plan.jobs if job.signature in todo)
    free, quota = free_bytes(root), quota_left(root)
    room = (
        f"free space of {root} unknown" if free is None else f"{human_bytes(free)} free in {root}"
    )
    if quota is not None:
        room += f", {human_bytes(quota)} left in your quota"
    print(f"disk: {describe(written)}; {room}")
    left = min((b for b in (free, quota) if b is not None), default=None)
    if left is None or written.total <= left:
        return written
    short = (
        f"this launch writes ~{human_bytes(written.total)} but only {human_bytes(left)} is left "
        f"in {root}"
    )
    if disk_check == "strict" and not dry_run:
        raise SettingsError(
            f"disk: {short} (disk_check=strict); free some space or relaunch with "
            "disk_check=warn to go on anyway"
        )
    print(
        f"warning: disk: {short}; jobs may fail for lack of space (disk_check=strict stops "
        "the launch here)"
    )
    return written
