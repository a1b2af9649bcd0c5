"""Running one job: the same code under every executor (fake, local, Slurm).

:func:`run_job` claims the job's folder (one attempt at a time), checks the job's inputs are
done, runs its stage, writes its rows (with provenance) atomically, publishes them to the
sweep's view and writes ``done.json`` last.
:class:`JobRunner` wraps it for submitit: it is Checkpointable, so a Slurm timeout or
preemption requeues the job, and the stage resumes from the checkpoint in its folder.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import submitit

import grid.stages.builtin  # noqa: F401  (registers the stages)
from grid import code
from grid.context import JobContext, Preempted
from grid.job import Job
from grid.meter import AttemptMeter
from grid.plan import launched_signatures
from grid.plugins import DEFAULT_PLUGINS, import_plugins  # noqa: F401 (re-exported)
from grid.stages.registry import get_stage
from grid.store.files import atomic_write_parquet, no_space_error
from grid.store.folder import ClaimedElsewhere, JobFolder
from grid.store.provenance import provenance, slurm_job_id
from grid.store.rows import publish, supersede, to_table
from lcc.malloc import keep_buffers_in_heap

log = logging.getLogger("grid")


class MissingInputError(RuntimeError):
    """An input job of this job has not finished (it failed or has not run)."""


def _now() -> datetime:
    return datetime.now(UTC)


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _log_path() -> str | None:
    try:
        return str(submitit.JobEnvironment().paths.stderr)
    except RuntimeError:
        return None


def _check_inputs(job: Job, results_root: Path, inputs: Mapping[str, Job]) -> list[str]:
    """The inputs that are not done: an error, unless the stage runs on partial inputs (the
    report reads whatever finished), which gets their signatures to record."""
    missing = [s for s in job.dependencies if not JobFolder.of(results_root, inputs[s]).is_done()]
    if missing and not get_stage(job.stage).partial_inputs:
        dep = inputs[missing[0]]
        raise MissingInputError(f"input {dep.stage} {dep.signature} ({dep.label}) is not done")
    return missing


def code_of(job: Job) -> dict:
    """What a done job records of its code: the launch's fingerprint, its stage's module and
    the content hash of every package file that module can import (grid/code.py)."""
    module = get_stage(job.stage).fn.__module__
    files = code.stage_files(module)
    return {"fingerprint": code.current().fingerprint, "module": module, "files": files}


def run_job(
    job: Job,
    results_root: Path,
    sweep: str,
    inputs: Mapping[str, Job],
    on_epoch: Callable[[Job, int], None] | None = None,
    on_start: Callable[[Job], None] | None = None,
    log_path: str | None = None,
) -> str:
    """Run ``job`` unless it is already done; returns its folder. Inputs are jobs by signature.

    The attempt claims the job folder first (:meth:`JobFolder.claim`) and releases it when
    it ends, done, failed or preempted; while another live attempt holds it, this one
    writes nothing but a line of ``skipped.jsonl`` and raises :class:`ClaimedElsewhere`,
    which executors treat as not this attempt's job (neither failed nor retried).

    ``on_start(job)`` runs just before the stage and ``on_epoch(job, epoch)`` after each
    checkpointed epoch: the fake executor injects failures and preemptions through them.
    """
    folder = JobFolder.of(results_root, job)
    if folder.is_done():
        return str(folder.path)
    attempt = {"host": socket.gethostname(), "pid": os.getpid(), "slurm_job_id": slurm_job_id()}
    claim = folder.claim(attempt)  # raises ClaimedElsewhere: another attempt runs the job
    try:
        if not folder.is_done():  # done by the attempt that held it until just now
            _run_claimed(job, folder, sweep, inputs, attempt, on_epoch, on_start, log_path)
    finally:
        folder.release(claim)
    return str(folder.path)


def _run_claimed(
    job: Job,
    folder: JobFolder,
    sweep: str,
    inputs: Mapping[str, Job],
    attempt: dict,
    on_epoch: Callable[[Job, int], None] | None,
    on_start: Callable[[Job], None] | None,
    log_path: str | None,
) -> None:
    """The body of :func:`run_job`, run while this attempt holds the job's claim. What the
    attempt used (:class:`grid.meter.AttemptMeter`) goes into its done or failed record."""
    meter = AttemptMeter.start()
    results_root = folder.root
    folder.write_spec(job.to_dict())
    started = _now()
    log_path = log_path or _log_path()
    folder.mark_running(**attempt, log=log_path, code=str(code.source_root()))
    device = pick_device()
    ctx = JobContext(job, Path(results_root), sweep, device, on_epoch, dict(inputs))
    try:
        missing = _check_inputs(job, results_root, inputs)
        if on_start is not None:
            on_start(job)
        rows = get_stage(job.stage).fn(ctx)
    except Exception as err:
        short = no_space_error(err) if isinstance(err, OSError) else err
        error = f"{type(short).__name__}: {short}".splitlines()[0]
        try:
            folder.mark_failed(
                error,
                **attempt,
                log=log_path,
                traceback=traceback.format_exc(),
                usage=meter.usage(),
            )
        except OSError as mark_err:  # a full disk: the launcher records what it can
            log.error("%s %s: failure not recorded: %s", job.stage, job.signature, mark_err)
        if short is not err:
            raise short from err
        raise
    record = code.current()
    prov = provenance(
        job.signature, sweep, device, started, _now(), record.git_label, record.fingerprint
    )
    for table, frame in rows.items():
        atomic_write_parquet(folder.rows_path(table), to_table(table, frame, prov))
    partial = {"missing_inputs": missing} if missing else {}
    tables = {t: len(f) for t, f in rows.items()}
    folder.mark_done(tables, code=code_of(job), usage=meter.usage(), **partial)
    # Rows reach the view only once the job is done, and only while the sweep's launched
    # plan holds the job (grid.store.rows.supersede explains the order).
    publish(folder, sweep)
    planned = launched_signatures(results_root, sweep)
    if planned is not None and job.signature not in planned:
        supersede(results_root, sweep, planned)


def run_with_retries(job: Job, retries: int, attempt: Callable[[], str]) -> str:
    """``attempt()`` (one :func:`run_job` of ``job``), run again at once while it raises and
    fewer than ``retries`` reruns were made; the last error propagates.

    Each failed attempt is already kept in the job folder (error, log: ``attempts.jsonl``).
    A missing input is not retried (it cannot appear while this job waits), nor is a
    preemption, which the executor handles (requeue, rerun), nor a job another attempt runs.
    """
    for rerun in range(retries):
        try:
            return attempt()
        except (MissingInputError, Preempted, ClaimedElsewhere):
            raise
        except Exception as err:
            log.warning(
                "%s %s failed (%s); retry %d of %d",
                job.stage,
                job.signature,
                err,
                rerun + 1,
                retries,
            )
    return attempt()


def set_threads(threads: int | None) -> None:
    """Give torch ``threads`` intra-op threads (else the Slurm allocation's CPUs, if any).

    Jobs sharing a machine must not oversubscribe it: spinning OpenMP threads of two jobs
    on the same cores slow both down several times.
    """
    import torch

    threads = threads or int(os.environ.get("SLURM_CPUS_PER_TASK", 0))
    if threads:
        torch.set_num_threads(threads)


JOB_SEED = 0  # the global RNGs (random, numpy, torch) at the start of every job


@contextmanager
def isolated_job(threads: int | None) -> Iterator[None]:
    """Run one job of several in the same process as if it had the process to itself.

    On entry the process-wide state a stage may read or change is put in the state of a fresh
    process: glibc keeps large buffers in the heap (:mod:`lcc.malloc`; set once, never undone),
    ``threads`` torch intra-op threads (:func:`set_threads`), default dtype float32,
    gradients on, deterministic algorithms, anomaly mode and cuDNN benchmark off, float32
    matmul precision "highest", and the global RNGs of ``random``, ``numpy`` and ``torch``
    (all devices) seeded with :data:`JOB_SEED` (a fresh process seeds them at random, so a
    stage that relies on them was not reproducible before either). On exit the working
    directory, ``os.environ``, warning filters, torch's thread count and matplotlib's
    rcParams (figures closed) are restored to what they were on entry, so whatever a job
    leaves behind never reaches the next one. Slurm job packing (several jobs run one after
    another in one process) runs each job in it, and so does the local executor, whose job
    processes are forked from a server that never ran a job.
    """
    import numpy as np
    import torch

    cwd, environ, torch_threads = os.getcwd(), dict(os.environ), torch.get_num_threads()
    keep_buffers_in_heap()  # CPU batches reuse heap memory, not fresh pages (lcc/malloc.py)
    set_threads(threads)
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.use_deterministic_algorithms(False)
    torch.autograd.set_detect_anomaly(False)
    torch.backends.cudnn.deterministic = False
    torch.backends.cudnn.benchmark = False
    torch.set_float32_matmul_precision("highest")
    random.seed(JOB_SEED)
    np.random.seed(JOB_SEED)
    torch.manual_seed(JOB_SEED)
    try:
        with warnings.catch_warnings():
            yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        torch.set_num_threads(torch_threads)
        if "matplotlib" in sys.modules:
            _reset_matplotlib()


def _reset_matplotlib() -> None:
    """Close every figure and restore the rcParams of the matplotlibrc (seaborn themes too)."""
    import matplotlib

    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")
    matplotlib.rc_file_defaults()


class SlurmTask(submitit.helpers.Checkpointable):
    """What a Slurm task's callable shares (:class:`JobRunner`, grid.pack.PackedRunner):
    submitit requeues it on timeout or preemption, with the same arguments.

    ``threads`` is the number of torch threads a job may use (None: as Slurm allots);
    ``retries`` how many times a failing job is rerun at once (:func:`run_with_retries`).
    """

    def __init__(
        self, plugins: list[str] | None = None, threads: int | None = None, retries: int = 0
    ) -> None:
        self.plugins = list(plugins or [])
        self.threads = threads
        self.retries = retries

    def start(self) -> None:
        """Set up the task's process: logging, torch threads, the plugins' stages."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        set_threads(self.threads)
        import_plugins(self.plugins)


class JobRunner(SlurmTask):
    """The callable submitted to submitit for one job."""

    def __call__(self, job: dict, results_root: str, sweep: str, inputs: dict[str, dict]) -> str:
        self.start()
        deps = {sig: Job.from_dict(spec) for sig, spec in inputs.items()}
        the_job = Job.from_dict(job)
        try:
            return run_with_retries(
                the_job, self.retries, lambda: run_job(the_job, Path(results_root), sweep, deps)
            )
        except ClaimedElsewhere as err:  # a duplicate task: exit 0, the other one runs it
            log.info("%s", err)
            return str(JobFolder.of(results_root, the_job).path)
