"""Slurm through submitit: one job array per group (split at the cluster's MaxArraySize,
throttled by the profile's array parallelism), chained with ``afterany`` dependencies, so
the whole DAG is queued at once and the launcher exits. Jobs check their own inputs and
fail with a clear error when one is missing, so a failure never blocks its siblings."""

from __future__ import annotations

import logging

import submitit

from grid.executors.base import Executor, Launch, Outcome
from grid.job import Job
from grid.plan import Group
from grid.runner import JobRunner
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder

log = logging.getLogger("grid")


def chunks(jobs: tuple[Job, ...], size: int) -> list[tuple[Job, ...]]:
    """``jobs`` cut into consecutive pieces of at most ``size``."""
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


class SlurmExecutor(Executor):
    """Submits arrays with ``sbatch``; never waits on submitit's view of job state."""

    name = "slurm"
    blocking = False

    def __init__(self, pending_ids: dict[str, str] | None = None) -> None:
        # Scheduler ids of jobs queued by an earlier launch that this launch's jobs may need.
        self.pending_ids = dict(pending_ids or {})

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        outcome = Outcome()
        array_of: dict[str, str] = dict(self.pending_ids)  # signature -> array (or job) id
        for group in groups:
            for piece in chunks(group.jobs, launch.profile.max_array_size):
                after = sorted(
                    {array_of[s] for j in piece for s in j.dependencies if s in array_of}
                )
                handles = self._submit_array(group.stage, piece, after, launch)
                outcome.submissions[group.stage] = outcome.submissions.get(group.stage, 0) + 1
                for job, handle in zip(piece, handles, strict=True):
                    outcome.ids[job.signature] = handle.job_id
                    array_of[job.signature] = handle.job_id.split("_")[0]
                    JobFolder.of(launch.results_root, job).mark_submitted(
                        executor="slurm", slurm_job_id=handle.job_id
                    )
        return outcome

    def _executor(self, stage: str, after: list[str], launch: Launch) -> submitit.AutoExecutor:
        profile = launch.profile
        res = profile.resources_for(stage, get_stage(stage).resources)
        executor = submitit.AutoExecutor(folder=launch.log_dir / "slurm" / "%j", cluster="slurm")
        extra: dict[str, str] = {}
        if profile.account:
            extra["account"] = profile.account
        if profile.qos:
            extra["qos"] = profile.qos
        if after:
            extra["dependency"] = "afterany:" + ":".join(after)
        params = {
            "name": f"lcc-{launch.sweep}-{stage}",
            "timeout_min": res.time_min,
            "cpus_per_task": res.cpus,
            "mem_gb": res.mem_gb,
            "slurm_array_parallelism": profile.array_parallelism,
            "slurm_signal_delay_s": profile.signal_delay_s,
            "slurm_setup": list(profile.setup),
            "slurm_additional_parameters": extra,
        }
        if res.gpus:
            params["gpus_per_node"] = res.gpus
        if profile.partition:
            params["slurm_partition"] = profile.partition
        executor.update_parameters(**params)
        return executor

    def _submit_array(self, stage: str, jobs, after: list[str], launch: Launch) -> list:
        executor = self._executor(stage, after, launch)
        specs = [job.to_dict() for job in jobs]
        inputs = [launch.input_specs(job) for job in jobs]
        n = len(jobs)
        root, sweep = [str(launch.results_root)] * n, [launch.sweep] * n
        handles = executor.map_array(
            JobRunner(launch.settings["plugins"], retries=launch.settings["retries"]),
            specs,
            root,
            sweep,
            inputs,
        )
        log.info("submitted %s: %d jobs as array %s", stage, n, handles[0].job_id.split("_")[0])
        return handles
