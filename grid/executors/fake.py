"""In-process executor for tests and debugging: deterministic order, injected faults.

Jobs run one at a time in plan order in this process. ``fake.fail`` and ``fake.preempt`` list
signatures (or unique prefixes): a failing job raises :class:`InjectedFailure` before its
stage runs; a preempted job is interrupted after its first checkpointed epoch and run again,
as a Slurm requeue would. ``fake.pdb=true`` opens a post-mortem debugger on a job's error.
"""

from __future__ import annotations

import logging
import pdb
import sys

from grid.context import Preempted
from grid.executors.base import Executor, Launch, Outcome
from grid.job import Job
from grid.plan import Group
from grid.plugins import import_plugins
from grid.runner import run_job, run_with_retries
from grid.store.folder import ClaimedElsewhere

log = logging.getLogger("grid")


class InjectedFailure(RuntimeError):
    """The failure the fake executor injects into a chosen job."""


def _matches(signature: str, chosen: list[str]) -> bool:
    return any(signature.startswith(str(prefix)) for prefix in chosen)


class FakeExecutor(Executor):
    """Runs every job in-process, in order; see the module docstring."""

    name = "fake"
    blocking = True

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        import_plugins(launch.settings["plugins"])  # the jobs' stages, as a Slurm task's
        settings = launch.settings["fake"]
        outcome = Outcome()
        for group in groups:
            outcome.submissions[group.stage] = outcome.submissions.get(group.stage, 0) + 1
            for job in group.jobs:
                outcome.ids[job.signature] = f"fake-{job.signature}"
                error = self._run(job, launch, settings)
                if error:
                    outcome.failed[job.signature] = error
        return outcome

    def _run(self, job: Job, launch: Launch, settings: dict) -> str | None:
        preempted: set[str] = set()

        def on_start(job: Job) -> None:
            if _matches(job.signature, settings["fail"]):
                raise InjectedFailure(f"injected failure in {job.stage} {job.signature}")

        def on_epoch(job: Job, epoch: int) -> None:
            if _matches(job.signature, settings["preempt"]) and job.signature not in preempted:
                preempted.add(job.signature)
                raise Preempted(f"injected preemption after epoch {epoch}")

        def attempt() -> str:
            root, sweep = launch.results_root, launch.sweep
            return run_job(job, root, sweep, launch.inputs, on_epoch, on_start)

        while True:
            try:
                run_with_retries(job, launch.settings["retries"], attempt)
                return None
            except Preempted as err:
                log.info("%s %s: %s; requeued", job.stage, job.signature, err)
            except ClaimedElsewhere as err:  # another attempt runs it: not a failure here
                log.info("%s", err)
                return None
            except Exception as err:  # failure isolation: siblings still run
                log.error("%s %s failed: %s", job.stage, job.signature, err)
                if settings["pdb"]:
                    pdb.post_mortem(sys.exc_info()[2])
                return f"{type(err).__name__}: {err}"
