"""Which row files of a sweep count: those of done jobs of the plan it was last launched with.

A sweep's view, ``results/<sweep>/<table>/stage=<stage>/<signature>.parquet``, holds copies of
its jobs' rows. A relaunch with other settings leaves the earlier launch's files behind (the
launcher moves them to ``results/<sweep>/_superseded/``), and a file may be stale or
half-written, so the files are chosen by their names alone (no file is opened):

- *current*: the job is in ``plan.json`` (every file, for a sweep folder without one) and
  done (its done marker exists; not asked where the results root holds no job folders at
  all, e.g. a sweep folder copied without ``_jobs/``);
- *superseded*: a done job's file in the view but not in the plan, or under ``_superseded/``;
  each job once, and never a job that is also current.

Rows of a job that is not done never count: after ``rm -r results/_jobs/<stage>/<signature>``
(how a job is rerun) its rows leave the analysis until the rerun finishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grid.plan import Plan
from grid.store.folder import JobFolder
from grid.store.rows import RowFile, sweep_row_files


@dataclass(frozen=True)
class TableFiles:
    """The row files of one table that count, current and (when asked for) superseded."""

    current: list[RowFile]
    superseded: list[RowFile]


def table_files(
    results_dir: Path, table: str, plan: Plan | None, include_superseded: bool = False
) -> TableFiles:
    """The files of ``table`` in the sweep at ``results_dir`` (``results/<sweep>``) that count.

    ``plan`` is the sweep's ``plan.json`` (None without one); ``superseded`` stays empty
    unless ``include_superseded``. One ``stat`` per file (its done marker), no file opened.
    """
    results_dir = Path(results_dir)
    root, sweep = results_dir.parent, results_dir.name
    done = _done_check(root)
    current, stale = [], []
    for file in sweep_row_files(root, sweep, table):
        planned = plan.by_signature.get(file.signature) if plan is not None else None
        in_plan = plan is None or (planned is not None and planned.stage == file.stage)
        if (in_plan or include_superseded) and done(file):
            (current if in_plan else stale).append(file)
    if not include_superseded:
        return TableFiles(current, [])
    seen = {(f.stage, f.signature) for f in current + stale}
    moved = [
        f
        for f in sweep_row_files(root, sweep, table, superseded=True)
        if (f.stage, f.signature) not in seen and done(f)
    ]
    return TableFiles(current, stale + moved)


def _done_check(root: Path):
    """``file -> bool``: whether the job that wrote ``file`` is done (always True where
    ``root`` holds no job folders)."""
    jobs_root = JobFolder(root, "stage", "signature").path.parents[1]  # <root>/_jobs
    if not jobs_root.is_dir():
        return lambda file: True
    return lambda file: JobFolder(root, file.stage, file.signature).is_done()
