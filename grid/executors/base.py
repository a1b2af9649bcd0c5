"""The executor contract: submit groups of jobs (one group = one stage in one round of the DAG)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from grid.job import Job
from grid.plan import Group
from grid.profiles import Profile


@dataclass
class Launch:
    """What an executor needs to know about one launch."""

    sweep: str
    results_root: Path
    settings: dict[str, Any]
    profile: Profile
    inputs: dict[str, Job]  # every job of the plan by signature (a job's inputs are among them)
    # The launch's code snapshot (``results/_code/<fingerprint>``, grid/code.py): the job
    # processes import the suite's packages from here, not from the live checkout. None: they
    # import whatever the launcher's sys.path finds.
    code_dir: Path | None = None

    @property
    def log_dir(self) -> Path:
        return self.results_root / "_logs" / self.sweep

    def input_specs(self, job: Job) -> dict[str, dict]:
        """The job's inputs as JSON-able specs (what a remote process needs to find them)."""
        return {sig: self.inputs[sig].to_dict() for sig in job.dependencies}


@dataclass
class Outcome:
    """Per-submission result: scheduler ids per job, and (for blocking executors) failures."""

    ids: dict[str, str] = field(default_factory=dict)  # signature -> scheduler id
    submissions: dict[str, int] = field(default_factory=dict)  # stage -> number of submissions
    failed: dict[str, str] = field(default_factory=dict)  # signature -> error line
    cancelled: list[str] = field(default_factory=list)  # signatures a blocking run dropped


class Executor(ABC):
    """Runs or submits groups in order. ``blocking`` executors return when all jobs ended."""

    name: ClassVar[str]
    blocking: ClassVar[bool]

    @abstractmethod
    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        """Run or submit every job of ``groups`` (dependencies always in earlier groups)."""
