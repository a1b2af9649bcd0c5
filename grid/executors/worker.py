"""A local job's own process: forked from a server that imported torch and the stages once, it
runs exactly one job and exits. The pid in the job's running marker is that job's and no
other's: ``kill -9 <pid>`` ends that job only (the launcher records it as failed).

**Why a forkserver.** A process per job must start in milliseconds, not in the seconds that
importing torch, compressai and the stages takes (``spawn``: a fresh interpreter per job). A
``fork`` of the launcher would be quick but would copy the state of whatever threaded work
the launcher did (it imports torch to plan). So the jobs come from multiprocessing's
``forkserver``: one server process per launcher process, a fresh interpreter that imports
:func:`preload_modules` (:mod:`grid.runner`, with torch, compressai, lcc and the built-in
stages; the default plugins; the launcher's main module, which multiprocessing runs again in
every child; last grid/executors/preload.py, which fills the caches every job reads) and then
only forks. The server never runs a torch op, so there is no OpenMP thread pool to copy into
a child half-alive (a forked child inherits a threaded library's locks but not its threads,
and can hang on its first parallel op); the few threads its imports start (OpenBLAS's,
jemalloc's) handle fork themselves. A sweep's own plugins are imported by each job (quick:
what they import is loaded already), so the server's stage registry stays the default one
and one server serves every launch of its process. Cost: some 50 ms a job (fork, start,
exit) where a long-lived worker took ~3 ms, against 5 s to start each such worker.

**The launch's code snapshot** (``Launch.code_dir``, grid/code.py): the server imports the
suite's packages from there, so every job runs the code as it was at launch. Python 3.11's
forkserver starts as ``python -c`` and ignores the launcher's ``sys.path``; the server is
started with ``PYTHONSAFEPATH=1`` (no working directory, often a checkout, on its path) and
the snapshot first on ``PYTHONPATH``, and with it first on the launcher's ``sys.path`` (which
later Pythons hand to the server, and every version to each child). A job checks that it
imported ``grid`` from the snapshot and fails with one line naming both folders if not.

**Environment.** A forked child inherits the server's environment, as of the server's start;
each job is given the launcher's, as of the job's start (with the snapshot first on
``PYTHONPATH``, so a Python subprocess of the job imports it too).

**Messages.** The launcher (grid/executors/local.py) starts a :class:`JobProcess` for a
:class:`Task`; the job sends one message on its pipe, ``("done", signature)``,
``("failed", signature, error)`` or ``("skipped", signature, why)`` (another live attempt
holds the job's claim: grid.store.folder.ClaimedElsewhere), and exits. A job that dies
(SIGKILL, segfault, out of memory) sends nothing: the launcher sees its process end
(:meth:`JobProcess.exit_reason`) and records the job as failed.

**Exit with the launcher.** The job watches its end of the pipe, which reads end-of-file once
the launcher is gone, however it ended (the kernel closes its end), and exits at once: a
launcher killed by SIGKILL runs no clean-up, and its jobs must not go on unwatched. (Not the
parent pid: a job's parent is the server, which lives on while any of its children does.)
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path

import grid
from grid.job import Job
from grid.meter import cpu_seconds
from grid.runner import DEFAULT_PLUGINS, import_plugins, isolated_job, run_job, run_with_retries
from grid.store.folder import ClaimedElsewhere
from grid.store.state import process_alive_here

START_METHOD = "forkserver"  # see the module docstring
_SERVED: dict[str, Path | None] = {}  # "code_dir": the code the running server imported


@dataclass(frozen=True)
class Task:
    """One job for a job process: the job and its inputs as specs (``Job.to_dict()``)."""

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


def run_task(task: Task, plugins: list[str], code_dir: str | None) -> tuple[str, ...]:
    """Run ``task`` in this process (after importing ``plugins``); the message to send."""
    job = Job.from_dict(task.job)
    deps = {sig: Job.from_dict(spec) for sig, spec in task.inputs.items()}
    wall, cpu = time.perf_counter(), cpu_seconds()
    try:
        check_code(code_dir)
        import_plugins(plugins)
        with isolated_job(task.threads):
            root = Path(task.results_root)
            attempt = partial(run_job, job, root, task.sweep, deps, log_path=task.log_path)
            run_with_retries(job, task.retries, attempt)
    except ClaimedElsewhere as err:  # another attempt runs the job: the launcher waits for it
        return ("skipped", job.signature, str(err))
    except (Exception, SystemExit) as err:  # the job's failure, reported as such
        traceback.print_exc()
        return ("failed", job.signature, f"{type(err).__name__}: {err}".splitlines()[0])
    finally:
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        print(f"{job.stage} {job.signature}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return ("done", job.signature)


def check_code(code_dir: str | None) -> None:
    """Raise ImportError unless this process imported ``grid`` from ``code_dir`` (if given)."""
    if code_dir is None:
        return
    imported = Path(grid.__file__).resolve().parent
    if not imported.is_relative_to(Path(code_dir).resolve()):
        raise ImportError(f"imported grid from {imported}, not from the code snapshot {code_dir}")


def exit_with_launcher(conn: Connection) -> None:
    """End this process as soon as the launcher is gone: ``conn`` (the launcher sends nothing
    on it) becomes readable only at end-of-file, when the launcher's end is closed."""

    def watch() -> None:
        wait([conn])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-launcher", daemon=True).start()


def job_main(
    conn: Connection, task: Task, plugins: list[str], code_dir: str | None, environ: dict
) -> None:
    """The job process's body: the launcher's environment, output to the job's log, the
    job, its end message."""
    exit_with_launcher(conn)
    if code_dir is not None and sys.path[:1] != [code_dir]:
        sys.path.insert(0, code_dir)
    os.environ.clear()
    os.environ.update(environ)
    Path(task.log_path).parent.mkdir(parents=True, exist_ok=True)
    log_fd = os.open(task.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    conn.send(run_task(task, plugins, code_dir))


def signal_text(exitcode: int | None) -> str:
    """How a process ended: ``"killed by signal 9 (SIGKILL)"``, ``"exited with status 1"``."""
    if exitcode is None:
        return "ended (exit status unknown)"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-exitcode} ({name})"
    return f"exited with status {exitcode}"


def preload_modules() -> list[str]:
    """What the server imports: grid.runner, the default plugins, the launcher's main module
    when it is a module (multiprocessing runs it again in each child as ``__mp_main__``;
    preloaded, that imports nothing) and grid/executors/preload.py, which fills the caches
    every job reads."""
    main = getattr(sys.modules["__main__"].__spec__, "name", None)
    mains = [main] if main and not main.endswith("__main__") else []
    return ["grid.runner", *DEFAULT_PLUGINS, *mains, "grid.executors.preload"]


@contextmanager
def code_first(code_dir: Path | None, server: bool = False) -> Iterator[None]:
    """While the block runs, ``code_dir`` (if any) first on ``sys.path``, which
    multiprocessing hands to a child it starts; with ``server``, also first on
    ``PYTHONPATH`` and ``PYTHONSAFEPATH=1``, which a server it starts reads (module
    docstring)."""
    if code_dir is None:
        yield
        return
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "PYTHONSAFEPATH")}
    if server:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(code_dir), saved["PYTHONPATH"]])
        )
        os.environ["PYTHONSAFEPATH"] = "1"
    sys.path.insert(0, str(code_dir))
    try:
        yield
    finally:
        with suppress(ValueError):
            sys.path.remove(str(code_dir))
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def job_context(code_dir: Path | None, log_path: str) -> multiprocessing.context.BaseContext:
    """The forkserver context, its server running with the suite imported from ``code_dir``
    (None: as this process finds it): started if need be (its own output to ``log_path``),
    and started again if it serves other code or died."""
    server = multiprocessing.forkserver._forkserver
    if "code_dir" in _SERVED and _SERVED["code_dir"] != code_dir:
        server._stop()  # the stdlib's one way to stop it (its tests use it)
    context = multiprocessing.get_context(START_METHOD)
    context.set_forkserver_preload(preload_modules())
    with redirected_output(log_path), code_first(code_dir, server=True):
        server.ensure_running()  # returns at once when it runs
    _SERVED["code_dir"] = code_dir
    return context


def job_environment(code_dir: Path | None) -> dict[str, str]:
    """This process's environment, with ``code_dir`` (if any) first on ``PYTHONPATH``."""
    environ = dict(os.environ)
    if code_dir is not None:
        environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(code_dir), environ.get("PYTHONPATH")])
        )
    return environ


class JobProcess:
    """The launcher's handle on one job's process (see the module docstring)."""

    def __init__(
        self,
        task: Task,
        plugins: list[str],
        code_dir: Path | None,
        server_log: str,
        time_limit_s: float | None = None,
    ) -> None:
        """Start the job of ``task`` (importing ``plugins``) in a process of its own, forked
        from the server (whose own output goes to ``server_log``); it is killed once it has
        run ``time_limit_s`` seconds (None: no limit) — the launcher's loop checks."""
        context = job_context(code_dir, server_log)
        self.conn, child = context.Pipe()
        code = None if code_dir is None else str(code_dir)
        args = (child, task, list(plugins), code, job_environment(code_dir))
        self.process = context.Process(target=job_main, args=args, name="grid-job")
        with code_first(code_dir):
            self.process.start()
        child.close()
        self.task = task
        self.pid: int = self.process.pid
        self.started = time.monotonic()
        self.deadline = None if time_limit_s is None else self.started + time_limit_s
        self.ended = 0.0  # time.monotonic() when the end message came

    def message(self) -> tuple | None:
        """The job's end message, once it has come (None before, and if it never will)."""
        try:
            message = self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            return None
        if message is not None:
            self.ended = time.monotonic()
        return message

    def reap(self, grace_s: float = 5.0) -> bool:
        """After the end message, without waiting: whether the process has exited (its pipe
        and handle are then closed); one still there ``grace_s`` seconds after its message
        is killed. (Its exit takes some 20 ms: the launcher starts the next job meanwhile.)"""
        if self.alive() and time.monotonic() - self.ended < grace_s:
            return False
        self.release(grace_s=0)
        return True

    def alive(self) -> bool:
        """Whether the process still runs: its sentinel (the server's report of its exit)
        reads as ready once it has ended, or once the server is gone, when the process itself
        is asked (it runs on, an orphan, until it ends)."""
        if not wait([self.process.sentinel], timeout=0):
            return True
        return process_alive_here({"host": socket.gethostname(), "pid": self.pid})

    def exit_reason(self) -> str:
        """How the process ended (call once it is no longer alive)."""
        self.process.join(timeout=5)
        return signal_text(self.process.exitcode)

    def kill(self) -> None:
        """End the process now (SIGKILL) and release it."""
        if self.process.exitcode is None:
            with suppress(ProcessLookupError):
                self.process.kill()
        self.release(grace_s=5)

    def release(self, grace_s: float = 5.0) -> None:
        """Wait up to ``grace_s`` seconds for the process to exit (it does right after its end
        message), kill it if it has not, and close the pipe and the process handle."""
        self.process.join(timeout=grace_s)
        if self.process.exitcode is None:
            with suppress(ProcessLookupError):
                self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()
        with suppress(ValueError):  # still running after all: leave the handle to the GC
            self.process.close()
