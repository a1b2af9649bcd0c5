"""This machine: each job in its own process (submitit's LocalExecutor), a bounded number
at a time, started as soon as its inputs are done. Blocks until every job has ended."""

from __future__ import annotations

import logging
import os
import time

import submitit

from grid.executors.base import Executor, Launch, Outcome
from grid.job import Job
from grid.plan import Group
from grid.runner import JobRunner
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder

log = logging.getLogger("grid")

POLL_S = 0.5


def default_parallelism() -> int:
    """Half the cores (jobs use several threads each), at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


class LocalExecutor(Executor):
    """A DAG-aware pool of at most ``max_parallel`` job processes."""

    name = "local"
    blocking = True

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        limit = launch.settings["max_parallel"] or default_parallelism()
        self.threads = max(1, (os.cpu_count() or 1) // limit)
        todo = [job for group in groups for job in group.jobs]
        outcome = Outcome(submissions={g.stage: 0 for g in groups})
        waiting = {job.signature: job for job in todo}
        running: dict[str, tuple[Job, submitit.Job]] = {}
        while waiting or running:
            self._reap(running, outcome, launch)
            for job in list(waiting.values()):
                if len(running) >= limit:
                    break
                state = self._inputs_state(job, waiting, running, outcome)
                if state == "ready":
                    del waiting[job.signature]
                    running[job.signature] = (job, self._start(job, launch))
                    outcome.submissions[job.stage] += 1
                elif state == "blocked":
                    del waiting[job.signature]
                    self._skip(job, launch, outcome)
            time.sleep(POLL_S)
        return outcome

    def _inputs_state(self, job: Job, waiting, running, outcome: Outcome) -> str:
        """ready (inputs done), wait (an input still to run) or blocked (an input failed; a
        stage with ``partial_inputs`` is never blocked, it runs once every input ended)."""
        deps = job.dependencies
        partial = get_stage(job.stage).partial_inputs
        if not partial and any(sig in outcome.failed for sig in deps):
            return "blocked"
        if any(sig in waiting or sig in running for sig in deps):
            return "wait"
        return "ready"

    def _start(self, job: Job, launch: Launch) -> submitit.Job:
        folder = launch.log_dir / "local" / job.signature
        executor = submitit.LocalExecutor(folder=folder)
        resources = launch.profile.resources_for(job.stage, get_stage(job.stage).resources)
        executor.update_parameters(timeout_min=resources.time_min)
        handle = executor.submit(
            JobRunner(launch.settings["plugins"], self.threads, launch.settings["retries"]),
            job.to_dict(),
            str(launch.results_root),
            launch.sweep,
            launch.input_specs(job),
        )
        log.info(
            "started %s %s (%s), log %s", job.stage, job.signature, job.label, handle.paths.stderr
        )
        return handle

    def _reap(self, running: dict, outcome: Outcome, launch: Launch) -> None:
        for sig, (job, handle) in list(running.items()):
            if not handle.done():
                continue
            del running[sig]
            outcome.ids[sig] = str(handle.job_id)
            error = handle.exception()
            if error is not None:
                # The job's own one-line error (failed.json); submitit's text ends in log paths.
                line = JobFolder.of(launch.results_root, job).error() or (
                    f"{type(error).__name__}: died without recording an error"
                )
                outcome.failed[sig] = line
                log.error("%s %s failed: %s (log %s)", job.stage, sig, line, handle.paths.stderr)
            else:
                log.info("done %s %s (%s)", job.stage, sig, job.label)

    def _skip(self, job: Job, launch: Launch, outcome: Outcome) -> None:
        failed = [s for s in job.dependencies if s in outcome.failed]
        error = f"MissingInputError: input {failed[0]} failed; not run"
        JobFolder.of(launch.results_root, job).mark_failed(error, log=None)
        outcome.failed[job.signature] = error
