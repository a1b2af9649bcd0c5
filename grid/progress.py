"""What a person watching a local launch sees: one live line on a terminal, log lines elsewhere.

:func:`progress_line` renders the counts, e.g.
``[12/59 done · 2 running · 0 failed] fit-codec 3/3 · encode 10/20 · train 0/12 · 1:23
elapsed · ~2:10 left``. The estimate is the mean wall time of the jobs that ended so far ×
the jobs still to end ÷ the parallelism (one mean over every stage: simple, and it settles
as the run goes on). :func:`make_reporter` picks :class:`LiveProgress` (the line redrawn in
place) when the stream is a terminal, else :class:`LogProgress` (the started / done log lines).
Jobs' own progress (epochs, images/s) goes to their log files, not here.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from grid.job import Job

log = logging.getLogger("grid")

SEP = " · "
ELLIPSIS = "…"


def clock(seconds: float) -> str:
    """``83`` -> ``"1:23"``, ``3723`` -> ``"1:02:03"``."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(
    done: int,
    running: int,
    failed: int,
    total: int,
    stages: Sequence[tuple[str, int, int]],
    elapsed_s: float,
    left_s: float | None,
    width: int | None = None,
    cancelled: int = 0,
) -> str:
    """The progress line. ``stages``: (stage, jobs done, jobs) in stage order; ``left_s`` None
    reads ``~? left`` (nothing ended yet); ``cancelled`` jobs are counted only when there are
    some. Stages that do not fit in ``width`` characters are cut and replaced by ``…``; the
    counts and times are always shown."""
    dropped = f" · {cancelled} cancelled" if cancelled else ""
    head = f"[{done}/{total} done · {running} running · {failed} failed{dropped}]"
    left = "~?" if left_s is None else f"~{clock(left_s)}"
    tail = f"{clock(elapsed_s)} elapsed{SEP}{left} left"

    def build(parts: list[str]) -> str:
        return SEP.join([f"{head} {SEP.join(parts)}" if parts else head, tail])

    shown = [f"{stage} {n_done}/{n}" for stage, n_done, n in stages]
    line = build(shown)
    while width is not None and len(line) > width and shown:
        shown.pop()
        line = build([*shown, ELLIPSIS])
    return line


class Reporter:
    """The executor's calls: a job started, a job ended (with its error, or None) or was
    cancelled, a tick."""

    def __init__(self, jobs: Sequence[Job], parallel: int) -> None:
        self.total = len(jobs)
        self.parallel = parallel
        self.per_stage = Counter(job.stage for job in jobs)
        self.stage_done: Counter = Counter()
        self.running: set[str] = set()
        self.done = self.failed = self.cancelled_jobs = 0
        self.durations: list[float] = []
        self.begun = time.monotonic()

    def started(self, job: Job, log_path: str) -> None:
        self.running.add(job.signature)

    def ended(self, job: Job, seconds: float | None, error: str | None, log_path: str | None):
        """``seconds`` is the job's wall time (None: it never ran, e.g. a blocked input)."""
        self.running.discard(job.signature)
        if seconds is not None:
            self.durations.append(seconds)
        if error is None:
            self.done += 1
            self.stage_done[job.stage] += 1
        else:
            self.failed += 1

    def cancelled(self, job: Job, seconds: float | None) -> None:
        """grid.cancel took the job off (``seconds`` it had run; None: it never started)."""
        self.running.discard(job.signature)
        self.cancelled_jobs += 1

    def tick(self) -> None:
        """Called every poll of the executor's loop."""

    def close(self) -> None:
        """The run is over."""

    def line(self, width: int | None = None) -> str:
        elapsed = time.monotonic() - self.begun
        still = self.total - self.done - self.failed - self.cancelled_jobs
        left = None
        if self.durations:
            left = sum(self.durations) / len(self.durations) * still / self.parallel
        stages = [(s, self.stage_done[s], n) for s, n in self.per_stage.items()]
        return progress_line(
            self.done,
            len(self.running),
            self.failed,
            self.total,
            stages,
            elapsed,
            left,
            width,
            self.cancelled_jobs,
        )


class LogProgress(Reporter):
    """Plain log lines (logger ``grid``): started, done, failed (non-interactive runs)."""

    def started(self, job: Job, log_path: str) -> None:
        super().started(job, log_path)
        log.info("started %s %s (%s), log %s", job.stage, job.signature, job.label, log_path)

    def ended(self, job: Job, seconds: float | None, error: str | None, log_path: str | None):
        super().ended(job, seconds, error, log_path)
        if error is None:
            log.info("done %s %s (%s)", job.stage, job.signature, job.label)
        else:
            log.error("%s %s failed: %s (log %s)", job.stage, job.signature, error, log_path)

    def cancelled(self, job: Job, seconds: float | None) -> None:
        super().cancelled(job, seconds)
        log.info("cancelled %s %s (%s)", job.stage, job.signature, job.label)

    def close(self) -> None:
        log.info(self.line())


class LiveProgress(Reporter):
    """One line on ``stream`` redrawn in place; failures are printed above it as they happen."""

    REDRAW_S = 0.5

    def __init__(self, jobs: Sequence[Job], parallel: int, stream: TextIO) -> None:
        super().__init__(jobs, parallel)
        self.stream = stream
        self.drawn = 0.0

    def _draw(self) -> None:
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r\x1b[2K" + self.line(width))
        self.stream.flush()
        self.drawn = time.monotonic()

    def started(self, job: Job, log_path: str) -> None:
        super().started(job, log_path)
        self._draw()

    def ended(self, job: Job, seconds: float | None, error: str | None, log_path: str | None):
        super().ended(job, seconds, error, log_path)
        if error is not None:
            where = f" (log {log_path})" if log_path else ""
            self.stream.write(f"\r\x1b[2KFAILED {job.stage} {job.signature}: {error}{where}\n")
        self._draw()

    def cancelled(self, job: Job, seconds: float | None) -> None:
        super().cancelled(job, seconds)
        self._draw()

    def tick(self) -> None:
        if time.monotonic() - self.drawn >= self.REDRAW_S:
            self._draw()

    def close(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()


def make_reporter(jobs: Sequence[Job], parallel: int, stream: TextIO) -> Reporter:
    """A live line when ``stream`` is a terminal, else log lines."""
    if stream.isatty():
        return LiveProgress(jobs, parallel, stream)
    return LogProgress(jobs, parallel)
