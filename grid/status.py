"""``python -m grid.status sweep=NAME [key=value ...]``: stage × state counts and failures.

Reads the job folders' markers (and ``squeue`` when present); needs no Slurm accounting.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from grid.launch import classify, split_sweep
from grid.plan import Plan, plan, results_root
from grid.settings import SettingsError
from grid.stages.check_codec import gate_lines
from grid.store.folder import JobFolder
from grid.store.state import DONE, FAILED, NEW, PENDING, RUNNING

COLUMNS = (DONE, RUNNING, FAILED, PENDING)


def _last_error_line(log: str | None, fallback: str) -> str:
    """The last line of the job's log that looks like an error, else the recorded one."""
    if log:
        try:
            lines = Path(log).read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        for line in reversed(lines):
            if "Error" in line or "Exception" in line:
                return line.strip()
    return fallback


def render(the_plan: Plan, states: dict[str, str]) -> str:
    """The status table, then one line per failed job with its log path and error."""
    counts = Counter((job.stage, states[job.signature]) for job in the_plan.jobs)
    stages = list(dict.fromkeys(job.stage for job in the_plan.jobs))
    lines = [f"{'stage':<18}" + "".join(f"{c:>9}" for c in COLUMNS)]
    for stage in stages:
        pending = counts[(stage, PENDING)] + counts[(stage, NEW)]
        cells = [counts[(stage, DONE)], counts[(stage, RUNNING)], counts[(stage, FAILED)], pending]
        lines.append(f"{stage:<18}" + "".join(f"{n:>9}" for n in cells))
    root = results_root(the_plan.run_settings)
    for job in the_plan.jobs:
        if states[job.signature] != FAILED:
            continue
        folder = JobFolder.of(root, job)
        log = folder.log_path()
        error = _last_error_line(log, folder.error() or "died without an error")
        lines.append(f"FAILED {job.stage} {job.signature} ({job.label})")
        lines.append(f"    log: {log or 'none'}")
        lines.append(f"    {error}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        sweep, overrides = split_sweep(sys.argv[1:] if argv is None else argv)
        the_plan = plan(sweep, overrides)
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    root = results_root(the_plan.run_settings)
    states = classify(the_plan, root)
    print(f"sweep {sweep}: {len(the_plan.jobs)} jobs")
    print(render(the_plan, states))
    for line in gate_lines(the_plan, root, states):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
