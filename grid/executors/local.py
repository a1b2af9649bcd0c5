"""This machine: each job in a process of its own (grid/executors/worker.py: forked in
milliseconds from a server that imported torch and the stages once), at most ``max_parallel``
at a time, every job started as soon as its inputs are done; of the ready jobs, the one that
starts the longest chain of jobs reading it goes first (:func:`grid.plan.chain_lengths`).
Blocks until every job has ended, those another launcher holds included.

A job that raises is recorded by the runner; a job process that finds the job claimed by
another live attempt (grid.store.folder.ClaimedElsewhere) leaves at once, and the job is then
waited for like a held one (below), not failed; a job process that dies (SIGKILL, segfault, out
of memory) or overruns the stage's time limit (the profile's ``time_min``; the process is
killed) is recorded here as that job's failure, and the other jobs never notice: the pid in a
job's running marker is that job's alone. A job whose input failed is marked failed with
MissingInputError and not run; a ``partial_inputs`` stage (the report) runs once every input
has ended.

Jobs of the plan that another live launcher holds (pending or running when this launch
scanned, handed over by grid/launch.py) are waited for, not run: their folders are read every
:data:`CANCEL_POLL_S` seconds; when one is done the jobs reading it may start, when it failed
they are not run, and when its launcher is gone this launcher takes it over and runs it
(grid/executors/claims.py).

``python -m grid.cancel`` marks the jobs it cancels in their folders; the launcher reads
those markers every :data:`CANCEL_POLL_S` seconds, drops the cancelled jobs it has not
started, kills the processes running cancelled ones (their folders stay marked cancelled, not
failed) and cancels the jobs that read a cancelled job's output. A relaunch runs them all
again, resuming from their checkpoints.

Each job's stdout and stderr go to ``<results>/_logs/<sweep>/local/<stage>-<signature>.log``
(every attempt appended; named in its running and failed markers, which status shows), the
job server's own output to ``forkserver.log`` beside them. Progress: grid/progress.py.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any

from grid.executors.base import Executor, Launch, Outcome
from grid.executors.claims import HELD, ORPHANED, claimant, take_over, verdict
from grid.executors.worker import JobProcess, Task
from grid.job import Job
from grid.plan import Group, chain_lengths
from grid.progress import make_reporter
from grid.stages.registry import get_declared
from grid.store.folder import JobFolder
from grid.store.scheduler import Scheduler
from grid.store.state import CANCELLED, DONE, FAILED

POLL_S = 0.5
CANCEL_POLL_S = 2.0  # how often job folders are read (grid.cancel's markers, held jobs)

log = logging.getLogger("grid")


def default_parallelism() -> int:
    """Half the cores (jobs use several threads each), at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


def log_path_of(launch: Launch, job: Job) -> str:
    """The job's log file (stdout and stderr of every attempt), named in its running marker."""
    return str(launch.log_dir / "local" / f"{job.stage}-{job.signature}.log")


def record(folder: JobFolder, mark: Callable[..., None], *args: Any, **fields: Any) -> None:
    """``mark(*args, **fields)``, a marker write of ``folder``; one that fails (a full disk,
    a quota) costs a log line, not the launch: the job's attempt is over, so the job reads as
    failed or new on the next launch, which runs it again."""
    try:
        mark(*args, **fields)
    except OSError as err:
        log.error("%s %s: not recorded (%s)", folder.stage, folder.signature, err)


class LocalExecutor(Executor):
    """A DAG-aware runner of at most ``max_parallel`` job processes at a time."""

    name = "local"
    blocking = True

    def __init__(self, held: Sequence[Job] = ()) -> None:
        """``held``: jobs of the plan that another live launcher holds (module docstring)."""
        self.held = {job.signature: job for job in held}

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        limit = launch.settings["max_parallel"] or default_parallelism()
        self.launch, self.limit, self.plugins = launch, limit, launch.settings["plugins"]
        self.threads = max(1, (os.cpu_count() or 1) // limit)
        self.server_log = str(launch.log_dir / "local" / "forkserver.log")
        todo = {job.signature for group in groups for job in group.jobs}
        self.held = {sig: job for sig, job in self.held.items() if sig not in todo}
        jobs = [
            j for j in launch.inputs.values() if j.signature in todo or j.signature in self.held
        ]
        lengths = chain_lengths(jobs)  # plan order: upstream first
        self.rank = {job.signature: (-lengths[job.signature], i) for i, job in enumerate(jobs)}
        self.outcome = Outcome(submissions={g.stage: 0 for g in groups})
        self.reporter = make_reporter(jobs, limit, sys.stderr)
        self.waiting = {job.signature: job for job in jobs if job.signature in todo}
        self._sort_waiting()
        self.running: dict[str, JobProcess] = {}
        self.exiting: list[JobProcess] = []  # ended jobs whose processes are still exiting
        if self.held:
            holders = sorted(
                {claimant(JobFolder.of(launch.results_root, j)) for j in self.held.values()}
            )
            log.info("waiting for %d jobs that another launcher runs (%s)", len(self.held),
                     ", ".join(holders[:3]) + (", …" if len(holders) > 3 else ""))  # fmt: skip
        folders_read = time.monotonic()
        try:
            while self.waiting or self.running or self.held:
                if time.monotonic() - folders_read >= CANCEL_POLL_S:
                    self._follow_held()
                    self._drop_cancelled()
                    folders_read = time.monotonic()
                self._schedule()
                handles = [h for p in self.running.values() for h in (p.conn, p.process.sentinel)]
                if handles:
                    wait(handles, POLL_S)
                else:
                    time.sleep(POLL_S)
                for proc in list(self.running.values()):
                    self._collect(proc)
                self.exiting = [proc for proc in self.exiting if not proc.reap()]
                self.reporter.tick()
        finally:  # on an interrupt: no job goes on running unwatched
            for proc in self.running.values():
                proc.kill()
            for proc in self.exiting:
                proc.release()
            self.reporter.close()
        return self.outcome

    def _sort_waiting(self) -> None:
        """Longest chain first, then plan order."""
        self.waiting = dict(sorted(self.waiting.items(), key=lambda item: self.rank[item[0]]))

    def _follow_held(self) -> None:
        """Read the held jobs' folders: done ones free their readers, failed ones block
        them, cancelled ones cancel them, orphaned ones are taken over and run here."""
        root = self.launch.results_root
        queue = Scheduler(root)
        for sig, job in list(self.held.items()):
            folder = JobFolder.of(root, job)
            found = verdict(folder, queue)
            if found == HELD:
                continue
            if found == ORPHANED:
                holder = claimant(folder)
                if not take_over(folder):
                    continue  # another launcher took it first: it holds it now
                log.info("took over %s %s (%s): its launcher %s is gone", job.stage, sig,
                         job.label, holder)  # fmt: skip
                self.waiting[sig] = job
                self._sort_waiting()
            elif found == DONE:
                self.reporter.ended(job, None, None, None)
            elif found == FAILED:
                error = folder.error() or "failed under another launcher"
                self.outcome.failed[sig] = error
                self.reporter.ended(job, None, error, folder.log_path())
            elif found == CANCELLED:
                self.outcome.cancelled.append(sig)
                self.reporter.cancelled(job, None)
            del self.held[sig]

    def _drop_cancelled(self) -> None:
        """Stop running the jobs grid.cancel marked cancelled, and the jobs that read them."""
        root = self.launch.results_root
        mine = [self.launch.inputs[sig] for sig in self.running] + list(self.waiting.values())
        for job in mine:
            if JobFolder.of(root, job).is_cancelled():
                self._cancel(job)
        cancelled = set(self.outcome.cancelled)
        for job in list(self.waiting.values()):  # longest chain first: after their inputs
            if cancelled.intersection(job.dependencies):
                folder = JobFolder.of(root, job)
                record(folder, folder.mark_cancelled, by="launcher: an input was cancelled")
                self._cancel(job)
                cancelled.add(job.signature)

    def _cancel(self, job: Job) -> None:
        seconds = None
        if self.waiting.pop(job.signature, None) is None:
            proc = self.running.pop(job.signature)
            seconds = time.monotonic() - proc.started
            proc.kill()
        self.outcome.cancelled.append(job.signature)
        self.reporter.cancelled(job, seconds)

    def _schedule(self) -> None:
        """Start ready jobs while fewer than ``limit`` run; mark jobs whose inputs failed as
        failed."""
        for job in list(self.waiting.values()):
            state = self._inputs_state(job)
            if state == "blocked":
                del self.waiting[job.signature]
                self._skip(job)
            elif state == "ready" and len(self.running) < self.limit:
                del self.waiting[job.signature]
                self._start(job)

    def _inputs_state(self, job: Job) -> str:
        """ready (inputs done), wait (an input still to run, here or under another launcher)
        or blocked (an input failed; a stage with ``partial_inputs`` is never blocked, it
        runs once every input ended)."""
        deps = job.dependencies
        partial = get_declared(job.stage).partial_inputs
        if not partial and any(sig in self.outcome.failed for sig in deps):
            return "blocked"
        if any(sig in self.waiting or sig in self.running or sig in self.held for sig in deps):
            return "wait"
        return "ready"

    def _start(self, job: Job) -> None:
        launch = self.launch
        resource_class = get_declared(job.stage).resource_class(dict(job.config))
        resources = launch.profile.resources_for(job.stage, resource_class)
        task = Task(
            job.to_dict(),
            str(launch.results_root),
            launch.sweep,
            launch.input_specs(job),
            self.threads,
            log_path_of(launch, job),
            launch.settings["retries"],
        )
        limit_s = resources.time_min * 60 if resources.time_min else None
        proc = JobProcess(task, self.plugins, launch.code_dir, self.server_log, limit_s)
        self.running[job.signature] = proc
        self.outcome.submissions[job.stage] = self.outcome.submissions.get(job.stage, 0) + 1
        self.outcome.ids[job.signature] = f"{socket.gethostname()}:{proc.pid}"
        self.reporter.started(job, task.log_path)

    def _collect(self, proc: JobProcess) -> None:
        """Take the job's end message; fail it if its process died or overran."""
        message = proc.message()
        if message is not None and message[0] == "skipped":
            self._held_elsewhere(proc, message[2])
            self.exiting.append(proc)
        elif message is not None:
            self._ended(proc, error=message[2] if message[0] == "failed" else None)
            self.exiting.append(proc)
        elif not proc.alive():
            self._lost(proc, f"job process {proc.exit_reason()}")
            proc.release()
        elif proc.deadline is not None and time.monotonic() > proc.deadline:
            minutes = (proc.deadline - proc.started) / 60
            proc.kill()
            self._lost(proc, f"TimeoutError: ran past the stage's time limit of {minutes:g} min")

    def _ended(self, proc: JobProcess, error: str | None) -> None:
        """The job ended; the error shown is the job's own (its folder)."""
        job = Job.from_dict(proc.task.job)
        seconds = time.monotonic() - proc.started
        if error is not None:
            folder = JobFolder.of(self.launch.results_root, job)
            if folder.state() != FAILED:  # e.g. a SystemExit, which the runner lets through
                record(folder, folder.mark_failed, error, log=proc.task.log_path, pid=proc.pid)
            error = folder.error() or error
            self.outcome.failed[job.signature] = error
        del self.running[job.signature]
        self.reporter.ended(job, seconds, error, proc.task.log_path)

    def _held_elsewhere(self, proc: JobProcess, why: str) -> None:
        """Another live attempt held the job's claim, so its process left without running it:
        the job is waited for as one another launcher holds (not failed)."""
        job = Job.from_dict(proc.task.job)
        del self.running[job.signature]
        self.held[job.signature] = job
        log.info("%s; waiting for it", why)

    def _lost(self, proc: JobProcess, error: str) -> None:
        """The job's process died or was killed while it ran: that job failed."""
        job = Job.from_dict(proc.task.job)
        attempt = {"host": socket.gethostname(), "pid": proc.pid}
        folder = JobFolder.of(self.launch.results_root, job)
        record(folder, folder.mark_failed, error, **attempt, log=proc.task.log_path)
        self._ended(proc, error)

    def _skip(self, job: Job) -> None:
        failed = [s for s in job.dependencies if s in self.outcome.failed]
        error = f"MissingInputError: input {failed[0]} failed; not run"
        folder = JobFolder.of(self.launch.results_root, job)
        record(folder, folder.mark_failed, error, log=None)
        self.outcome.failed[job.signature] = error
        self.reporter.ended(job, None, error, None)
