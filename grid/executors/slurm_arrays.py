"""The arrays a Slurm launch queues for its groups, and what each job in them asks for: shared
by :meth:`grid.executors.slurm.SlurmExecutor.plan` and the launcher's dry run
(grid/dry_run.py), which runs no job and so imports no stage function (no torch)."""

from __future__ import annotations

from grid.executors.arrays import ArrayPlan, plan_arrays
from grid.executors.asks import Ask, ask_of
from grid.executors.base import Launch
from grid.job import Job
from grid.plan import Group
from grid.store.folder import JobFolder


def slurm_arrays(
    groups: list[Group], launch: Launch, pending_ids: dict[str, str]
) -> list[ArrayPlan]:
    """The arrays that queue ``groups``, none larger than the profile's ``max_submit_jobs``,
    so each fits an empty queue; each job asks for what its failed attempts call for
    (grid/executors/asks.py: more memory after an out-of-memory kill, more time after a
    timeout), and jobs asking alike share an array. ``pending_ids``: the scheduler ids
    (``123_4``) of jobs queued by an earlier launch that these jobs may wait for."""
    profile = launch.profile
    pack = profile.pack_sizes(launch.settings.get("pack"))
    size = profile.max_array_size
    if profile.max_submit_jobs:
        size = min(size, profile.max_submit_jobs)

    def ask(job: Job) -> Ask:
        return ask_of(job, profile, JobFolder.of(launch.results_root, job).failures())

    return plan_arrays(groups, pending_ids, size, pack, ask=ask)
