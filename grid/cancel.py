"""``python -m grid.cancel sweep=NAME [results=DIR] [force=true]``: take a sweep off the queue.

Every job of the sweep's last launched plan (``plan.json``; other overrides re-plan, as in
:mod:`grid.status`) that is queued or running is cancelled: jobs with a Slurm id with one
``scancel`` of all their ids, and every one marked ``cancelled`` in its folder, which status
shows and which a relaunch runs again (it resumes from the job's checkpoint, if any). A local
launcher, on any host that sees the results folder, reads those markers within seconds: it
kills the processes running cancelled jobs and starts no cancelled job, nor any job that reads
one (grid/executors/local.py).

A job that another sweep's queued or running jobs still need (the same signature, upstream
of them in that sweep's ``plan.json`` under the same results root) is kept, with one line
saying why, unless ``force=true``. A local or fake launch has no scheduler to ask: its jobs
are marked cancelled, and the launcher (its host and pid are printed) stops them; a fake
launch runs in one process from start to end and is not stopped. Imports no torch
(tests/test_layering.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from grid.cli import SettingsError, flag
from grid.help import print_help, wants_help
from grid.job import Job
from grid.plan import PLAN_FILE, Plan, read_launched
from grid.status import classify, launched_plan, reconcile_intents, scheduler_for
from grid.store.folder import SUBMITTED, JobFolder
from grid.store.scheduler import Scheduler
from grid.store.state import PENDING, RUNNING

ACTIVE = (PENDING, RUNNING)
MAX_KEPT_LINES = 10  # beyond this many kept jobs, a count


def upstream(jobs: Iterable[Job], by_signature: dict[str, Job]) -> set[str]:
    """Signatures of every job that ``jobs`` read, directly or through other jobs."""
    seen: set[str] = set()
    stack = [sig for job in jobs for sig in job.dependencies]
    while stack:
        sig = stack.pop()
        if sig in seen or sig not in by_signature:
            continue
        seen.add(sig)
        stack.extend(by_signature[sig].dependencies)
    return seen


def needed_elsewhere(
    the_plan: Plan, root: Path, scheduler: Scheduler | None = None
) -> dict[str, str]:
    """Jobs of ``the_plan`` that another sweep's own queued or running jobs need upstream:
    signature -> that sweep's name (from the other ``plan.json`` files under ``root``)."""
    ours = the_plan.by_signature
    needed: dict[str, str] = {}
    for path in sorted(root.glob(f"*/{PLAN_FILE}")):
        if path.parent.name == the_plan.sweep:
            continue
        try:
            other = read_launched(root, path.parent.name)
        except ValueError:  # written under another signature scheme: none of ours then
            continue
        if other is None:
            continue
        states = classify(other, root, scheduler)
        own_active = [
            j for j in other.jobs if j.signature not in ours and states[j.signature] in ACTIVE
        ]
        for sig in upstream(own_active, other.by_signature) & set(ours):
            needed.setdefault(sig, other.sweep)
    return needed


class CancelError(RuntimeError):
    """``scancel`` is missing or refused; nothing was marked cancelled."""


def scancel(ids: list[str]) -> None:
    """One ``scancel`` of every id (``123`` or ``123_4``); :class:`CancelError` when it fails."""
    if not shutil.which("scancel"):
        raise CancelError(f"jobs have Slurm ids ({', '.join(ids[:3])}…) but no scancel on PATH")
    done = subprocess.run(["scancel", *ids], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise CancelError(f"scancel {' '.join(ids)} failed: {done.stderr.strip()}")


def cancel(the_plan: Plan, root: Path, force: bool = False) -> dict[str, list[str]]:
    """Cancel the sweep's queued and running jobs; print one line per outcome.

    Array intents left without an answer are reconciled first, so an array whose launcher
    died right after its ``sbatch`` is cancelled too (grid/store/intents.py).
    Returns the signatures ``{"scancelled": [...], "marked": [...], "kept": [...]}``.
    """
    for line in reconcile_intents(the_plan, root):
        print(line)
    scheduler = scheduler_for(the_plan, root)  # one squeue for this plan and the others
    states = classify(the_plan, root, scheduler)
    active = [j for j in the_plan.jobs if states[j.signature] in ACTIVE]
    needed = {} if force else needed_elsewhere(the_plan, root, scheduler)
    kept = [j for j in active if j.signature in needed]
    chosen = [j for j in active if j.signature not in needed]
    folders = {j.signature: JobFolder.of(root, j) for j in chosen}
    ids = {sig: f.scheduler_id() for sig, f in folders.items()}
    slurm_ids = sorted({i for i in ids.values() if i})
    if slurm_ids:
        scancel(slurm_ids)
    launchers: set[str] = set()
    for job in chosen:
        folder = folders[job.signature]
        folder.mark_cancelled(slurm_job_id=ids[job.signature], by="grid.cancel")
        submitted = folder.read(SUBMITTED) or {}
        if not ids[job.signature] and submitted.get("pid"):
            executor = submitted.get("executor")
            stops = "stops them within seconds" if executor == "local" else "runs on to its end"
            launchers.add(
                f"{executor} launcher pid {submitted['pid']} on {submitted.get('host')}, "
                f"which {stops}"
            )
    scancelled = [s for s in folders if ids[s]]
    marked = [s for s in folders if not ids[s]]
    print(f"sweep {the_plan.sweep}: {len(active)} jobs queued or running")
    if slurm_ids:
        print(f"cancelled {len(scancelled)} Slurm jobs: scancel {' '.join(slurm_ids)}")
    if marked:
        print(f"marked {len(marked)} jobs without a Slurm id cancelled")
        for launcher in sorted(launchers):
            print(f"  they belong to the {launcher}")
    for job in kept[:MAX_KEPT_LINES]:
        print(
            f"kept {job.stage} {job.signature} ({job.label}): sweep {needed[job.signature]}'s "
            "queued jobs need it (force=true cancels it)"
        )
    if len(kept) > MAX_KEPT_LINES:
        print(f"kept {len(kept) - MAX_KEPT_LINES} more jobs that other sweeps need")
    if chosen:
        print(f"to resume, launch sweep={the_plan.sweep} again with the same arguments")
    return {"scancelled": scancelled, "marked": marked, "kept": [j.signature for j in kept]}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        if wants_help(argv):
            return print_help("grid.cancel", __doc__, argv)
        force, rest = flag(argv, "force")
        the_plan, root = launched_plan(rest)
        cancel(the_plan, root, force)
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except CancelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
