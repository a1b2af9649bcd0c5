"""A sweep's plan: its settings and its DAG of jobs, grouped for submission, and ``plan.json``.

The one :class:`Plan` of the suite: the launcher writes it, status, cancel and the analysis
read it back (:func:`read_launched`; analysis/plan.py describes its jobs as cells). Torch-free
(tests/test_layering.py): reading it imports no lcc. Planning a sweep is
:func:`grid.planner.plan`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from grid.job import Job
from grid.stages.registry import STAGE_ORDER

PLAN_FILE = "plan.json"
LAUNCHES = "launches.jsonl"  # one line per launch of a sweep: time, host, argv, code record


@dataclass(frozen=True)
class Group:
    """Jobs of one stage in one round, submitted together (one Slurm array per chunk).

    Rounds keep the groups in dependency order with as few groups as possible: a job's round
    is its inputs' highest round, plus one where an input's stage does not come earlier in
    :data:`STAGE_ORDER` (a training that reads a selection is in the next round).
    """

    stage: str
    round: int
    jobs: tuple[Job, ...]


def chain_lengths(jobs: list[Job]) -> dict[str, int]:
    """Signature -> jobs on the longest chain of ``jobs`` that starts at that job and runs
    through the jobs that read it (1 for a job none of them reads). ``jobs``: upstream first.

    The local executor starts the ready job with the longest chain first (critical-path list
    scheduling), so a late chain such as the bls-task codec's fit → encode → train → … →
    report does not wait behind independent evaluations.
    """
    readers: dict[str, list[str]] = {job.signature: [] for job in jobs}
    for job in jobs:
        for sig in job.dependencies:
            if sig in readers:
                readers[sig].append(job.signature)
    lengths: dict[str, int] = {}
    for job in reversed(jobs):
        lengths[job.signature] = 1 + max((lengths[r] for r in readers[job.signature]), default=0)
    return lengths


@dataclass
class Plan:
    """A sweep's resolved settings (per part) and its jobs, upstream first (not changed once
    the plan is made: :attr:`by_signature` is computed once)."""

    sweep: str
    settings: dict[str, dict[str, Any]]
    jobs: list[Job]
    # Part -> dotted key -> where its value came from: default, sweep, command line
    # (grid/sources.py); no part of any job's signature.
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    @cached_property
    def by_signature(self) -> dict[str, Job]:
        """Signature -> planned job, in plan order."""
        return {job.signature: job for job in self.jobs}

    def jobs_of(self, stage: str) -> list[Job]:
        """The planned jobs of ``stage``, in plan order."""
        return [job for job in self.jobs if job.stage == stage]

    def input_job(self, job: Job, role: str) -> Job | None:
        """The first planned job filling ``role`` of ``job`` (None when absent from the plan)."""
        signatures = job.inputs.get(role, ())
        return self.by_signature.get(signatures[0]) if signatures else None

    @property
    def run_settings(self) -> dict[str, Any]:
        """Settings that concern running (executor, cluster, results…): the first part's."""
        return next(iter(self.settings.values()))

    def groups(self) -> list[Group]:
        """Jobs grouped by (round, stage), in an order where every dependency comes first."""
        rounds: dict[str, int] = {}
        jobs = self.by_signature
        for job in self.jobs:
            rank = STAGE_ORDER.index(job.stage)
            rounds[job.signature] = max(
                (rounds[d] + (STAGE_ORDER.index(jobs[d].stage) >= rank) for d in job.dependencies),
                default=0,
            )
        keyed: dict[tuple[int, str], list[Job]] = {}
        for job in self.jobs:
            keyed.setdefault((rounds[job.signature], job.stage), []).append(job)
        order = sorted(keyed, key=lambda k: (k[0], STAGE_ORDER.index(k[1])))
        return [Group(stage, r, tuple(keyed[(r, stage)])) for r, stage in order]

    def to_json(self) -> str:
        """``plan.json``: sweep, settings per part and their sources, every job (read back by
        :func:`read_launched`)."""
        body = {
            "sweep": self.sweep,
            "settings": self.settings,
            "sources": self.sources,
            "jobs": [job.to_dict() for job in self.jobs],
        }
        return json.dumps(body, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Inverse of :meth:`to_json`; ValueError when a job's signature no longer matches
        its spec (the plan was written by a suite that hashed jobs differently), a one-line
        KeyError when a required key is absent."""
        body = json.loads(text)
        for key in ("sweep", "settings", "jobs"):
            if key not in body:
                raise KeyError(f"{PLAN_FILE} lacks key {key!r}; expected sweep, settings, jobs")
        jobs = [Job.from_dict(spec) for spec in body["jobs"]]
        return cls(body["sweep"], body["settings"], jobs, body.get("sources", {}))


def results_root(settings: dict[str, Any]) -> Path:
    return Path(settings["results"]).resolve()


def plan_path(root: Path, sweep: str) -> Path:
    """Where the launcher writes the plan of ``sweep`` under results root ``root``."""
    return Path(root) / sweep / PLAN_FILE


def launches_path(root: Path, sweep: str) -> Path:
    """The launch log of ``sweep`` under results root ``root`` (grid.launch appends to it)."""
    return Path(root) / sweep / LAUNCHES


def launched_signatures(root: Path, sweep: str) -> set[str] | None:
    """Signatures of the plan ``sweep`` was last launched with under ``root`` (None: never
    launched there); read without rebuilding the jobs, so a job can ask it cheaply."""
    try:
        body = json.loads(plan_path(root, sweep).read_text())
    except FileNotFoundError:
        return None
    return {spec["signature"] for spec in body["jobs"]}


def read_launched(root: Path, sweep: str) -> Plan | None:
    """The plan ``sweep`` was last launched with under ``root``, or None when never launched."""
    path = plan_path(root, sweep)
    return Plan.from_json(path.read_text()) if path.is_file() else None
