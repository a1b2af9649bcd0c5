"""What a sweep's jobs used, per stage: CPU-, GPU- and wall-hours, longest attempt, peak memory.

Every attempt of a job leaves a ``usage`` record (:data:`grid.meter.USAGE_FIELDS`: wall_s,
cpu_s, max_rss_mb, gpu_s): the done attempt in ``done.json``, each failed one in its
``attempts.jsonl`` line, measured by the attempt itself (:class:`grid.meter.AttemptMeter`);
an attempt the scheduler killed gets its line, with usage from Slurm's accounting, from the
launcher. Records without usage (attempts killed before they could write it, or run before
usage was recorded) are not counted. Read through :class:`~grid.store.folder.JobFolder`'s
public readers only; imports no torch (``grid.status`` shows the table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grid.meter import USAGE_FIELDS
from grid.stages.registry import STAGE_ORDER
from grid.store.folder import JobFolder

SECONDS_PER_HOUR = 3600
MB_PER_GB = 1024
COLUMNS = ("stage", "jobs", "attempts", "CPU-h", "GPU-h", "wall-h", "longest wall", "max RSS")


def job_usages(folder: JobFolder) -> list[dict[str, float]]:
    """The usage records of every attempt of the job in ``folder`` that has one: its failed
    attempts (oldest first), then its done one."""
    records = [*folder.failures(), folder.done_record() or {}]
    return [_checked(r["usage"]) for r in records if isinstance(r.get("usage"), dict)]


def _checked(usage: dict[str, Any]) -> dict[str, float]:
    """``usage`` with every field of :data:`USAGE_FIELDS` (a missing one counts 0)."""
    return {name: float(usage.get(name) or 0.0) for name in USAGE_FIELDS}


@dataclass(frozen=True)
class StageUsage:
    """What the jobs of one stage used: ``jobs`` with at least one recorded attempt,
    ``attempts`` recorded, summed CPU-, GPU- and wall-hours, the longest attempt's wall time
    (s) and the largest peak resident memory of any attempt (GB)."""

    stage: str
    jobs: int
    attempts: int
    cpu_h: float
    gpu_h: float
    wall_h: float
    longest_wall_s: float
    max_rss_gb: float

    def cells(self) -> tuple[str, ...]:
        """The row as :data:`COLUMNS` shows it."""
        return (
            self.stage,
            str(self.jobs),
            str(self.attempts),
            hours(self.cpu_h),
            hours(self.gpu_h),
            hours(self.wall_h),
            duration(self.longest_wall_s),
            f"{self.max_rss_gb:.2f} GB",
        )


def stage_usage(jobs: Iterable[Any], root: Path | str) -> list[StageUsage]:
    """One :class:`StageUsage` per stage of ``jobs`` (Jobs or ``job.json``-like dicts under
    results root ``root``) with a recorded attempt, in the DAG's stage order."""
    by_stage: dict[str, list[list[dict[str, float]]]] = {}
    for job in jobs:
        folder = JobFolder.of(root, job)
        records = job_usages(folder)
        if records:
            stage = job.stage if hasattr(job, "stage") else job["stage"]
            by_stage.setdefault(stage, []).append(records)
    order = {stage: i for i, stage in enumerate(STAGE_ORDER)}
    return [
        _summed(stage, by_stage[stage])
        for stage in sorted(by_stage, key=lambda s: (order.get(s, len(order)), s))
    ]


def _summed(stage: str, jobs: list[list[dict[str, float]]]) -> StageUsage:
    attempts = [record for records in jobs for record in records]

    def total(name: str) -> float:
        return sum(r[name] for r in attempts) / SECONDS_PER_HOUR

    return StageUsage(
        stage=stage,
        jobs=len(jobs),
        attempts=len(attempts),
        cpu_h=total("cpu_s"),
        gpu_h=total("gpu_s"),
        wall_h=total("wall_s"),
        longest_wall_s=max(r["wall_s"] for r in attempts),
        max_rss_gb=max(r["max_rss_mb"] for r in attempts) / MB_PER_GB,
    )


def hours(value: float) -> str:
    """Hours for reading: ``"0"``, ``"<0.01"``, ``"12.34"``."""
    if value == 0:
        return "0"
    return f"{value:.2f}" if value >= 0.01 else "<0.01"


def duration(seconds: float) -> str:
    """``seconds`` for reading: ``"0.42 s"``, ``"42.0 s"``, ``"12.5 min"``, ``"3.2 h"``."""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < SECONDS_PER_HOUR:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / SECONDS_PER_HOUR:.1f} h"


def usage_lines(jobs: Iterable[Any], root: Path | str) -> list[str]:
    """The per-stage usage as text, a heading and a line per stage (``  encode: 4 jobs, 5
    attempts; CPU-h 0.12, GPU-h 0, wall-h 0.30; longest 42.0 s; max RSS 0.52 GB``); no lines
    when no attempt of ``jobs`` recorded usage."""
    usage = stage_usage(jobs, root)
    if not usage:
        return []
    lines = ["usage per stage (every attempt that recorded it: done, failed, killed):"]
    for row in usage:
        stage, _, _, cpu, gpu, wall, longest, rss = row.cells()
        counts = f"{_many(row.jobs, 'job')}, {_many(row.attempts, 'attempt')}"
        lines.append(
            f"  {stage}: {counts}; CPU-h {cpu}, GPU-h {gpu}, wall-h {wall}; "
            f"longest {longest}; max RSS {rss}"
        )
    return lines


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def print_usage(jobs: Iterable[Any], root: Path | str) -> None:
    """Print :func:`usage_lines` (nothing when no usage is recorded)."""
    for line in usage_lines(jobs, root):
        print(line)
