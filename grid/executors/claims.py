"""Jobs of a local launch's plan that another launcher holds: what became of them, and taking
one over when its launcher is gone.

Two launchers whose plans overlap (the same sweep again with more seeds, two sweeps sharing
encodes) share their jobs: the second finds the first's unfinished ones pending or running
(their ``submitted`` marker names a live launcher), leaves them out of what it runs, and hands
them to its local executor as *held* (grid/launch.py). The executor reads each held job's
folder every ``CANCEL_POLL_S`` seconds, with grid.cancel's markers, and acts on its
:func:`verdict`:

- ``done``: the jobs reading it may start;
- ``failed`` while its launcher lives: the jobs reading it are not run, as after a failed job
  of its own (a failed attempt whose process still runs on this host may be retried, so that
  job is still held);
- ``cancelled``: the jobs reading it are cancelled, as after a cancelled job of its own;
- ``orphaned``: its launcher is gone (the ``submitted`` marker names a process of this host
  that died, or a Slurm job that squeue no longer lists: grid.store.scheduler.claim_alive),
  whether the job never started, was failed, or its process was killed with that launcher
  (its ``running`` marker names a dead pid): :func:`take_over` claims it for this launcher,
  which runs it.

A job whose process still runs is held even when its launcher is gone: the process exits
within moments (grid/executors/worker.py, exit with the launcher) and the job then reads
orphaned, so two processes never run one job.
"""

from __future__ import annotations

import os

from grid.store.folder import FAILURE, SUBMITTED, JobFolder
from grid.store.lock import launch_lock
from grid.store.scheduler import Scheduler, claim_alive
from grid.store.state import CANCELLED, DONE, FAILED, RUNNING, UNKNOWN, process_alive_here

HELD, ORPHANED = "held", "orphaned"


def verdict(folder: JobFolder, scheduler: Scheduler | None) -> str:
    """done, cancelled, failed (for good), held (pending, running, unknown to a scheduler
    that does not answer, or a failed attempt whose process may retry) or orphaned (its
    launcher is gone), per the module docstring."""
    state = folder.state(scheduler)
    if state in (DONE, CANCELLED):
        return state
    if state in (RUNNING, UNKNOWN):  # its process lives, whatever became of its launcher
        return HELD
    if not claim_alive(folder.read(SUBMITTED), scheduler):
        return ORPHANED
    if state == FAILED and not process_alive_here(folder.read(FAILURE)):
        return FAILED
    return HELD


def claimant(folder: JobFolder) -> str:
    """Who holds the job, for log lines: ``host:pid`` of its launcher, or its Slurm id."""
    marker = folder.read(SUBMITTED) or {}
    if marker.get("slurm_job_id"):
        return f"Slurm job {marker['slurm_job_id']}"
    return f"{marker.get('host', '?')}:{marker.get('pid', '?')}"


def take_over(folder: JobFolder) -> bool:
    """Claim the orphaned job of ``folder`` for this process (a ``submitted`` marker naming
    it): under the results folder's launch lock, after reading its verdict again, since
    another launcher may have taken it first. Whether it is this process's now."""
    with launch_lock(folder.root):
        if verdict(folder, Scheduler(folder.root)) != ORPHANED:
            return False
        folder.mark_submitted(
            executor="local",
            host=os.uname().nodename,
            pid=os.getpid(),
            taken_over_from=claimant(folder),
        )
    return True
