"""A worker process of the local executor: Python, torch and the stages imported once, then
job after job, each in its own folder with its own log file, threads and seeds.

Workers are started with multiprocessing's ``spawn`` method: a fresh interpreter, never a
``fork`` of a launcher that may already hold torch's OpenMP threads (a forked child inherits
their locks but not the threads, and can hang on its first parallel op). ``forkserver``
would fork every worker from one server that imported torch: cheaper to replace a worker,
but a server that ran anything threaded has the same problem, and a dead worker is rare.

The parent sends a :class:`Task` over the worker's pipe and receives ``("ready", pid)`` once
the imports are done, then one ``("done", signature)`` or ``("failed", signature, error)``
per task. A worker that dies mid-job (SIGKILL, segfault, out of memory) sends nothing: the
parent sees its process end (:meth:`Worker.exit_reason`) and records the job as failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path

from grid.job import Job
from grid.runner import import_plugins, isolated_job, run_job, run_with_retries

START_METHOD = "spawn"  # see the module docstring


@dataclass(frozen=True)
class Task:
    """One job for a worker: the job and its inputs as specs (``Job.to_dict()``)."""

    job: dict
    results_root: str
    sweep: str
    inputs: dict[str, dict]
    threads: int  # torch intra-op threads for this job
    log_path: str  # the job's own log file (stdout and stderr), appended to
    retries: int = 0  # reruns at once of a failing job (grid.runner.run_with_retries)


@contextmanager
def redirected_output(path: str) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so C code, tqdm and
    logging too) to the end of ``path`` until the block ends."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a") as log_file:
        os.dup2(log_file.fileno(), 1)
        os.dup2(log_file.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run_task(task: Task) -> tuple[str, ...]:
    """Run ``task`` in this process (isolated from the jobs before it); the message to send."""
    job = Job.from_dict(task.job)
    deps = {sig: Job.from_dict(spec) for sig, spec in task.inputs.items()}
    with redirected_output(task.log_path), isolated_job(task.threads):
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            root = Path(task.results_root)
            attempt = partial(run_job, job, root, task.sweep, deps, log_path=task.log_path)
            run_with_retries(job, task.retries, attempt)
        except (Exception, SystemExit) as err:  # the job's failure, not the worker's
            traceback.print_exc()
            return ("failed", job.signature, f"{type(err).__name__}: {err}".splitlines()[0])
        finally:
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            print(f"{job.stage} {job.signature}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return ("done", job.signature)


def cpu_seconds() -> float:
    """CPU time (user + system, every thread) this process has used so far, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def exit_with_parent(poll_s: float = 1.0) -> None:
    """End this process as soon as its parent is gone (a launcher killed by SIGTERM or
    SIGKILL runs no clean-up, and its workers must not go on running jobs unwatched)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def worker_main(conn: Connection, plugins: list[str]) -> None:
    """The worker's body: import everything once, then run tasks until told to stop (None)."""
    exit_with_parent()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    import_plugins(plugins)  # torch, compressai and the stages came with grid.runner
    conn.send(("ready", os.getpid()))
    while (task := conn.recv()) is not None:
        conn.send(run_task(task))


def signal_text(exitcode: int | None) -> str:
    """How a worker process ended: ``"killed by signal 9 (SIGKILL)"``, ``"exited with 1"``."""
    if exitcode is None:
        return "ended (exit status unknown)"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-exitcode} ({name})"
    return f"exited with status {exitcode}"


class Worker:
    """The parent's handle on one worker process (see the module docstring)."""

    def __init__(self, plugins: list[str], log_path: str | None = None) -> None:
        """Start a worker importing ``plugins``. Its own output (import warnings, anything
        between jobs) goes to ``log_path`` when given, so it never breaks into the launcher's
        terminal: the new process inherits file descriptors 1 and 2 pointing there."""
        context = multiprocessing.get_context(START_METHOD)
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, list(plugins)))
        with redirected_output(log_path) if log_path else nullcontext():
            self.process.start()
        child.close()
        self.ready = False
        self.task: Task | None = None  # the task it is running
        self.started = 0.0  # time.monotonic() when that task was sent
        self.deadline: float | None = None  # time.monotonic() after which it is killed

    def send(self, task: Task, started: float, deadline: float | None) -> None:
        self.task, self.started, self.deadline = task, started, deadline
        self.conn.send(task)

    def messages(self) -> Iterator[tuple]:
        """Every message waiting on the pipe (none once the worker is gone and drained)."""
        try:
            while self.conn.poll():
                yield self.conn.recv()
        except (EOFError, OSError):
            return

    def alive(self) -> bool:
        """Whether the process still runs: its sentinel (a pipe end only the child holds)
        reads as ready once it has exited, even if something else already reaped it, where
        ``is_alive()``'s ``waitpid`` would fail and report it alive for ever."""
        return not wait([self.process.sentinel], timeout=0)

    def exit_reason(self) -> str:
        """Why the process ended (call once it is no longer alive)."""
        self.process.join(timeout=5)
        return signal_text(self.process.exitcode)

    def kill(self) -> None:
        """End the process now (SIGKILL) and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def ask_to_stop(self) -> None:
        """Tell the worker to exit once its task (if any) is over."""
        with suppress(BrokenPipeError, OSError):
            self.conn.send(None)

    def stop(self, grace_s: float = 5.0) -> None:
        """Ask the worker to exit; kill it if it has not within ``grace_s`` seconds."""
        self.ask_to_stop()
        self.process.join(timeout=grace_s)
        self.kill()
