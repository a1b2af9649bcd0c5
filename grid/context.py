"""What a stage function sees of the engine while it runs one job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from grid.job import Job
from grid.store.folder import JobFolder

log = logging.getLogger("grid")


class Preempted(Exception):
    """Raised inside a job to simulate a preemption (fake executor); the job is run again."""


@dataclass
class JobContext:
    """The running job, its folder, and read access to the jobs it depends on.

    ``workdir`` is ``results/_jobs/<stage>/<signature>/``: put artifacts there. A long stage
    saves a checkpoint each epoch and then calls :meth:`epoch_done`, which lets an executor
    preempt it at that point (the fake executor's failure injection). On a rerun after a
    preemption or requeue the stage finds its checkpoint in ``workdir`` and resumes.
    """

    job: Job
    results_root: Path
    sweep: str
    device: str = "cpu"
    on_epoch: Callable[[Job, int], None] | None = field(default=None, repr=False)
    _jobs: dict[str, Job] = field(default_factory=dict, repr=False)

    @property
    def config(self) -> dict:
        """The job's resolved config (read-only by convention)."""
        return dict(self.job.config)

    @property
    def workdir(self) -> Path:
        path = JobFolder.of(self.results_root, self.job).path
        path.mkdir(parents=True, exist_ok=True)
        return path

    def input_jobs(self, role: str) -> list[Job]:
        """The jobs filling input ``role`` (their stage, config and signature), in order."""
        return [self._load_job(sig) for sig in self.job.inputs.get(role, ())]

    def input_dirs(self, role: str) -> list[Path]:
        """The folders of the jobs filling input ``role``, in order."""
        return [self.dir_of(job) for job in self.input_jobs(role)]

    def dir_of(self, job: Job) -> Path:
        return JobFolder.of(self.results_root, job).path

    def folder_of(self, job: Job) -> JobFolder:
        return JobFolder.of(self.results_root, job)

    def input_rows(self, role: str, table: str) -> pd.DataFrame:
        """All rows of ``table`` written by the jobs filling ``role`` (without provenance)."""
        frames = [self.folder_of(job).read_rows(table) for job in self.input_jobs(role)]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def epoch_done(self, epoch: int) -> None:
        """Call after the epoch's checkpoint is saved; may raise :class:`Preempted`."""
        log.info("%s %s: epoch %d checkpointed", self.job.stage, self.job.signature, epoch)
        if self.on_epoch is not None:
            self.on_epoch(self.job, epoch)

    def _load_job(self, signature: str) -> Job:
        if signature not in self._jobs:
            for stage_dir in (Path(self.results_root) / "_jobs").iterdir():
                spec = JobFolder(self.results_root, stage_dir.name, signature).read_spec()
                if spec is not None:
                    self._jobs[signature] = Job.from_dict(spec)
                    break
            else:
                raise FileNotFoundError(
                    f"input job {signature} of {self.job.signature} has no folder under "
                    f"{self.results_root}/_jobs (did its stage run?)"
                )
        return self._jobs[signature]
