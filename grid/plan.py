"""``grid.plan``: a sweep name and overrides → the validated, expanded DAG of jobs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grid import sweeps
from grid.expand import expand
from grid.job import Job
from grid.profiles import profile_names
from grid.runner import import_plugins
from grid.settings import DEFAULTS, apply_overrides, merge, parse_overrides
from grid.stages.registry import STAGE_ORDER
from grid.validate import validate


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


@dataclass
class Plan:
    """A sweep's resolved settings (per part) and its jobs, upstream first."""

    sweep: str
    settings: dict[str, dict[str, Any]]
    jobs: list[Job]

    @property
    def by_signature(self) -> dict[str, Job]:
        return {job.signature: job for job in self.jobs}

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
        """``plan.json``: sweep, settings per part, every job (read by analysis.report)."""
        body = {
            "sweep": self.sweep,
            "settings": self.settings,
            "jobs": [job.to_dict() for job in self.jobs],
        }
        return json.dumps(body, indent=1, sort_keys=True)


def resolve(sweep: str, overrides: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
    """The settings of each part of ``sweep`` with ``overrides`` applied, validated."""
    flat = parse_overrides(overrides)
    import_plugins(flat.get("plugins", []))
    module = sweeps.load(sweep)
    parts = getattr(module, "PARTS", None) or [sweep]
    resolved = {}
    for part in parts:
        declared = sweeps.load(part).SWEEP
        settings = apply_overrides(merge(DEFAULTS, declared), flat)
        validate(settings, profile_names())
        settings["corruptions"] = settings["corruptions"] or list(_thesis_corruptions())
        resolved[part] = settings
    return resolved


def plan(sweep: str, overrides: Sequence[str] = ()) -> Plan:
    """Expand ``sweep`` (a name from ``grid/sweeps``) with ``key=value`` overrides.

    Returns every job (stage, signature, dependencies, resolved config), the report job last.
    Raises :class:`grid.settings.SettingsError` for any bad sweep, key or value.
    """
    import lcc.data

    resolved = resolve(sweep, overrides)
    jobs: dict[str, Job] = {}
    for settings in resolved.values():
        for job in expand(settings, lcc.data.dataset_info):
            jobs.setdefault(job.signature, job)
    report = Job("report", {"sweep": sweep}, {"all": tuple(jobs)}, label=f"{sweep} report")
    return Plan(sweep, resolved, [*jobs.values(), report])


def _thesis_corruptions() -> tuple[str, ...]:
    import lcc.data

    return lcc.data.CORRUPTIONS


def results_root(settings: dict[str, Any]) -> Path:
    return Path(settings["results"]).resolve()
