"""Packed array tasks: several jobs of one stage run one after another in one process.

Small jobs (an encode, an evaluation, a selection: seconds to minutes) would otherwise each
pay a Slurm job's scheduling and a fresh ``python + torch`` start-up (3–5 s). Each packed job
keeps its own folder, markers, rows and checkpoint (:func:`grid.runner.run_job`), so:

- a job that raises is recorded as failed in its folder and the next job still runs; the
  task raises :class:`PackFailedError` at the end (it exits non-zero) when any failed; a job
  another live attempt holds (grid.store.folder.ClaimedElsewhere) is left to it, no failure;
- :class:`PackedRunner` is Checkpointable: a timeout or preemption requeues the same task,
  which skips the jobs already done and resumes the interrupted one from its checkpoint.

On a GPU the packed jobs also run one after another (several small models at once on one
GPU was not measured: no GPU where this was written).
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from submitit.core.utils import UncompletedJobError

from grid.job import Job
from grid.runner import SlurmTask, isolated_job, run_job, run_with_retries
from grid.store.folder import ClaimedElsewhere, JobFolder

log = logging.getLogger("grid")


class PackFailedError(RuntimeError):
    """One or more jobs of a packed task failed (each failure is recorded in its folder)."""


class PackedRunner(SlurmTask):
    """The callable of a packed array task: runs ``jobs`` (specs, ``Job.to_dict()``) in order.

    ``inputs`` holds the specs of every job any of them reads, by signature; ``threads`` and
    ``retries`` as for :class:`grid.runner.SlurmTask`. Returns the jobs' folders.
    """

    def __call__(
        self, jobs: list[dict], results_root: str, sweep: str, inputs: dict[str, dict]
    ) -> list[str]:
        self.start()
        deps = {sig: Job.from_dict(spec) for sig, spec in inputs.items()}
        folders, failed = [], []
        for position, spec in enumerate(jobs, start=1):
            job = Job.from_dict(spec)
            log.info("packed job %d/%d: %s %s", position, len(jobs), job.stage, job.signature)
            try:
                attempt = partial(run_job, job, Path(results_root), sweep, deps)
                with isolated_job(self.threads):  # as if each had the process to itself
                    folders.append(run_with_retries(job, self.retries, attempt))
            except UncompletedJobError:  # submitit ends the task (timed out too often)
                raise
            except ClaimedElsewhere as err:  # another attempt runs it: not a failure here
                log.info("%s", err)
                folders.append(str(JobFolder.of(results_root, job).path))
            except Exception as err:  # recorded in the job's folder by run_job; go on
                log.exception("packed job %s %s failed", job.stage, job.signature)
                failed.append(f"{job.stage} {job.signature}: {type(err).__name__}: {err}")
        if failed:
            lines = "; ".join(line.splitlines()[0] for line in failed)
            raise PackFailedError(f"{len(failed)} of {len(jobs)} packed jobs failed: {lines}")
        return folders
