"""Packed array tasks: several jobs of one stage run one after another in one process.

Small jobs (an encode, an evaluation, a selection: seconds to minutes) would otherwise each
pay a Slurm job's scheduling and a fresh ``python + torch`` start-up (3–5 s). Each packed job
keeps its own folder, markers, rows and checkpoint (:func:`grid.runner.run_job`), so:

- a job that raises is recorded as failed in its folder and the next job still runs; the
  task raises :class:`PackFailedError` at the end (it exits non-zero) when any failed;
- :class:`PackedRunner` is Checkpointable: a timeout or preemption requeues the same task,
  which skips the jobs already done and resumes the interrupted one from its checkpoint.

On a GPU the packed jobs also run one after another (several small models at once on one
GPU was not measured: no GPU where this was written).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import submitit
from submitit.core.utils import UncompletedJobError

from grid.job import Job
from grid.runner import import_plugins, run_job, run_with_retries, set_threads

log = logging.getLogger("grid")


class PackFailedError(RuntimeError):
    """One or more jobs of a packed task failed (each failure is recorded in its folder)."""


@dataclass(frozen=True)
class ProcessState:
    """Process-wide state a job may change and the next job of its task must not inherit:
    torch threads, default dtype, deterministic and cuDNN flags, grad mode, matmul
    precision, working directory and environment."""

    threads: int
    dtype: object
    deterministic: bool
    deterministic_warn_only: bool
    cudnn_benchmark: bool
    cudnn_deterministic: bool
    grad_enabled: bool
    matmul_precision: str
    cwd: str
    environ: tuple[tuple[str, str], ...]

    @classmethod
    def capture(cls) -> ProcessState:
        import torch

        return cls(
            threads=torch.get_num_threads(),
            dtype=torch.get_default_dtype(),
            deterministic=torch.are_deterministic_algorithms_enabled(),
            deterministic_warn_only=torch.is_deterministic_algorithms_warn_only_enabled(),
            cudnn_benchmark=torch.backends.cudnn.benchmark,
            cudnn_deterministic=torch.backends.cudnn.deterministic,
            grad_enabled=torch.is_grad_enabled(),
            matmul_precision=torch.get_float32_matmul_precision(),
            cwd=os.getcwd(),
            environ=tuple(sorted(os.environ.items())),
        )

    def restore(self) -> None:
        import torch

        torch.set_num_threads(self.threads)
        torch.set_default_dtype(self.dtype)
        torch.use_deterministic_algorithms(
            self.deterministic, warn_only=self.deterministic_warn_only
        )
        torch.backends.cudnn.benchmark = self.cudnn_benchmark
        torch.backends.cudnn.deterministic = self.cudnn_deterministic
        torch.set_grad_enabled(self.grad_enabled)
        torch.set_float32_matmul_precision(self.matmul_precision)
        os.chdir(self.cwd)
        environ = dict(self.environ)
        for key in set(os.environ) - set(environ):
            del os.environ[key]
        os.environ.update(environ)


class PackedRunner(submitit.helpers.Checkpointable):
    """The callable of a packed array task: runs ``jobs`` (specs, ``Job.to_dict()``) in order.

    ``inputs`` holds the specs of every job any of them reads, by signature. ``threads`` is
    the number of torch threads (None: as Slurm allots); ``retries`` how many times a failing
    job is rerun at once (:func:`grid.runner.run_with_retries`). Returns the jobs' folders.
    """

    def __init__(
        self, plugins: list[str] | None = None, threads: int | None = None, retries: int = 0
    ) -> None:
        self.plugins = list(plugins or [])
        self.threads = threads
        self.retries = retries

    def __call__(
        self, jobs: list[dict], results_root: str, sweep: str, inputs: dict[str, dict]
    ) -> list[str]:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        set_threads(self.threads)
        import_plugins(self.plugins)
        deps = {sig: Job.from_dict(spec) for sig, spec in inputs.items()}
        clean = ProcessState.capture()
        folders, failed = [], []
        for position, spec in enumerate(jobs, start=1):
            job = Job.from_dict(spec)
            clean.restore()
            log.info("packed job %d/%d: %s %s", position, len(jobs), job.stage, job.signature)
            try:
                attempt = partial(run_job, job, Path(results_root), sweep, deps)
                folders.append(run_with_retries(job, self.retries, attempt))
            except UncompletedJobError:  # submitit ends the task (timed out too often)
                raise
            except Exception as err:  # recorded in the job's folder by run_job; go on
                log.exception("packed job %s %s failed", job.stage, job.signature)
                failed.append(f"{job.stage} {job.signature}: {type(err).__name__}: {err}")
        clean.restore()
        if failed:
            lines = "; ".join(line.splitlines()[0] for line in failed)
            raise PackFailedError(f"{len(failed)} of {len(jobs)} packed jobs failed: {lines}")
        return folders
