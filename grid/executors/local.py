"""This machine: a pool of ``max_parallel`` worker processes (grid/executors/worker.py), each
importing torch and the stages once and then running job after job, every job started as
soon as its inputs are done and a worker is free; of the ready jobs, the one that starts the
longest chain of jobs reading it goes first (:func:`grid.plan.chain_lengths`). Blocks until
every job has ended.

A job that raises is recorded by the runner; a worker that dies mid-job (SIGKILL, segfault,
out of memory) or overruns the stage's time limit (the profile's ``time_min``; the worker is
killed) is recorded here as that job's failure, and a fresh worker takes its place, so the
other jobs never notice. A job whose input failed is marked failed with MissingInputError
and not run; a ``partial_inputs`` stage (the report) runs once every input has ended.

``python -m grid.cancel`` marks the jobs it cancels in their folders; the launcher reads
those markers every :data:`CANCEL_POLL_S` seconds, drops the cancelled jobs it has not
started, kills the workers running cancelled ones (their folders stay marked cancelled, not
failed) and cancels the jobs that read a cancelled job's output. A relaunch runs them all
again, resuming from their checkpoints.

Each job's stdout and stderr go to ``<results>/_logs/<sweep>/local/<stage>-<signature>.log``
(every attempt appended; named in its running and failed markers, which status shows), the
workers' own output to ``workers.log`` beside them. Progress: grid/progress.py.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from multiprocessing.connection import wait

from grid.executors.base import Executor, Launch, Outcome
from grid.executors.worker import Task, Worker
from grid.job import Job
from grid.plan import Group, chain_lengths
from grid.progress import make_reporter
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder
from grid.store.state import FAILED

POLL_S = 0.5
CANCEL_POLL_S = 2.0  # how often the job folders are read for grid.cancel's markers


def default_parallelism() -> int:
    """Half the cores (jobs use several threads each), at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


def log_path_of(launch: Launch, job: Job) -> str:
    """The job's log file (stdout and stderr of every attempt), named in its running marker."""
    return str(launch.log_dir / "local" / f"{job.stage}-{job.signature}.log")


class LocalExecutor(Executor):
    """A DAG-aware pool of at most ``max_parallel`` worker processes."""

    name = "local"
    blocking = True

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        limit = launch.settings["max_parallel"] or default_parallelism()
        threads = max(1, (os.cpu_count() or 1) // limit)
        todo = [job for group in groups for job in group.jobs]
        self.launch, self.threads = launch, threads
        self.outcome = Outcome(submissions={g.stage: 0 for g in groups})
        self.reporter = make_reporter(todo, limit, sys.stderr)
        lengths = chain_lengths(todo)
        order = sorted(todo, key=lambda job: -lengths[job.signature])  # stable: plan order
        self.waiting = {job.signature: job for job in order}
        self.running: dict[str, Job] = {}
        self.plugins, self.limit = launch.settings["plugins"], limit
        self.workers = [self._new_worker() for _ in range(min(limit, len(todo)))]
        cancels_read = time.monotonic()
        try:
            while self.waiting or self.running:
                if time.monotonic() - cancels_read >= CANCEL_POLL_S:
                    self._drop_cancelled()
                    cancels_read = time.monotonic()
                self._schedule()
                wait([h for w in self.workers for h in (w.conn, w.process.sentinel)], POLL_S)
                self.workers = [w for w in self.workers if self._collect(w)]
                self.reporter.tick()
        finally:  # idle workers (or, on an interrupt, busy ones) exit together
            for worker in self.workers:
                worker.ask_to_stop()
            for worker in self.workers:
                worker.stop(grace_s=1 if worker.task is None else 5)
            self.reporter.close()
        return self.outcome

    def _drop_cancelled(self) -> None:
        """Stop running the jobs grid.cancel marked cancelled, and the jobs that read them."""
        root = self.launch.results_root
        for job in [*self.running.values(), *self.waiting.values()]:
            if JobFolder.of(root, job).is_cancelled():
                self._cancel(job)
        cancelled = set(self.outcome.cancelled)
        for job in list(self.waiting.values()):  # longest chain first: after their inputs
            if cancelled.intersection(job.dependencies):
                JobFolder.of(root, job).mark_cancelled(by="launcher: an input was cancelled")
                self._cancel(job)
                cancelled.add(job.signature)

    def _cancel(self, job: Job) -> None:
        seconds = None
        if self.waiting.pop(job.signature, None) is None:
            worker = next(
                w for w in self.workers if w.task and w.task.job["signature"] == job.signature
            )
            seconds = time.monotonic() - worker.started
            worker.kill()  # a fresh worker takes its place when a job is ready for it
            self.workers.remove(worker)
            del self.running[job.signature]
        self.outcome.cancelled.append(job.signature)
        self.reporter.cancelled(job, seconds)

    def _schedule(self) -> None:
        """Hand ready jobs to idle workers (starting one in place of a dead one if need be);
        mark jobs whose inputs failed as failed."""
        for job in list(self.waiting.values()):
            state = self._inputs_state(job)
            if state == "blocked":
                del self.waiting[job.signature]
                self._skip(job)
            elif state == "ready":
                idle = next((w for w in self.workers if w.task is None), None)
                if idle is None and len(self.workers) < self.limit:
                    idle = self._new_worker()
                    self.workers.append(idle)
                if idle is None:
                    continue
                del self.waiting[job.signature]
                self._start(job, idle)

    def _inputs_state(self, job: Job) -> str:
        """ready (inputs done), wait (an input still to run) or blocked (an input failed; a
        stage with ``partial_inputs`` is never blocked, it runs once every input ended)."""
        deps = job.dependencies
        partial = get_stage(job.stage).partial_inputs
        if not partial and any(sig in self.outcome.failed for sig in deps):
            return "blocked"
        if any(sig in self.waiting or sig in self.running for sig in deps):
            return "wait"
        return "ready"

    def _start(self, job: Job, worker: Worker) -> None:
        launch = self.launch
        resources = launch.profile.resources_for(job.stage, get_stage(job.stage).resources)
        task = Task(
            job.to_dict(),
            str(launch.results_root),
            launch.sweep,
            launch.input_specs(job),
            self.threads,
            log_path_of(launch, job),
            launch.settings["retries"],
        )
        now = time.monotonic()
        deadline = now + resources.time_min * 60 if resources.time_min else None
        worker.send(task, now, deadline)
        self.running[job.signature] = job
        self.outcome.submissions[job.stage] += 1
        self.outcome.ids[job.signature] = f"{socket.gethostname()}:{worker.process.pid}"
        self.reporter.started(job, task.log_path)

    def _new_worker(self) -> Worker:
        return Worker(self.plugins, str(self.launch.log_dir / "local" / "workers.log"))

    def _collect(self, worker: Worker) -> bool:
        """Take the worker's messages; fail its job if it died or overran. False: it is gone
        (a fresh one takes its place when a job is ready for it)."""
        for message in worker.messages():
            if message[0] == "ready" and worker.task is not None:  # its job starts only now
                now = time.monotonic()
                if worker.deadline is not None:
                    worker.deadline += now - worker.started
                worker.started = now
            elif message[0] in ("done", "failed"):
                self._ended(worker, error=message[2] if message[0] == "failed" else None)
        if worker.task is not None and not worker.alive():
            self._lost(worker, f"worker {worker.exit_reason()}")
        elif worker.deadline is not None and time.monotonic() > worker.deadline:
            minutes = round((worker.deadline - worker.started) / 60)
            worker.kill()
            self._lost(worker, f"TimeoutError: ran past the stage's time limit of {minutes} min")
        if worker.alive():
            return True
        worker.kill()
        return False

    def _ended(self, worker: Worker, error: str | None) -> None:
        """The worker reported its task's end; the error shown is the job's own (its folder)."""
        job = Job.from_dict(worker.task.job)
        seconds = time.monotonic() - worker.started
        if error is not None:
            folder = JobFolder.of(self.launch.results_root, job)
            if folder.state() != FAILED:  # e.g. a SystemExit, which the runner lets through
                folder.mark_failed(error, log=worker.task.log_path, pid=worker.process.pid)
            error = folder.error() or error
            self.outcome.failed[job.signature] = error
        del self.running[job.signature]
        self.reporter.ended(job, seconds, error, worker.task.log_path)
        worker.task = worker.deadline = None

    def _lost(self, worker: Worker, error: str) -> None:
        """The worker died or was killed while running its task: that job failed."""
        job = Job.from_dict(worker.task.job)
        attempt = {"host": socket.gethostname(), "pid": worker.process.pid}
        JobFolder.of(self.launch.results_root, job).mark_failed(
            error, **attempt, log=worker.task.log_path
        )
        self._ended(worker, error)

    def _skip(self, job: Job) -> None:
        failed = [s for s in job.dependencies if s in self.outcome.failed]
        error = f"MissingInputError: input {failed[0]} failed; not run"
        JobFolder.of(self.launch.results_root, job).mark_failed(error, log=None)
        self.outcome.failed[job.signature] = error
        self.reporter.ended(job, None, error, None)
