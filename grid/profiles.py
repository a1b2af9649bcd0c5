"""Cluster profiles: ``slurm/profiles/<name>.toml`` (or ``cluster=/path/to/profile.toml``).

A profile says where and how jobs run on a Slurm cluster: partition, account, qos, array
limits, setup lines, resources per resource class (``cpu``, ``gpu``) with optional
per-stage overrides, and how many jobs of a stage one array task runs (``[pack]``; the
sweep setting ``pack.<stage>=N`` overrides it). Unknown keys are rejected with the list of
valid ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from grid.settings import SettingsError
from grid.stages.registry import STAGE_ORDER

PROFILE_DIR = Path(__file__).resolve().parents[1] / "slurm" / "profiles"


@dataclass(frozen=True)
class Resources:
    """What one job asks for: CPUs per task, memory (GB), GPUs per node, time limit (min)."""

    cpus: int = 2
    mem_gb: float = 8
    gpus: int = 0
    time_min: int = 60


@dataclass(frozen=True)
class Profile:
    """One cluster's submission settings."""

    name: str
    description: str = ""
    partition: str = ""
    account: str = ""
    qos: str = ""
    max_array_size: int = 1000  # the cluster's MaxArraySize (array indices 0..max-1)
    max_submit_jobs: int = 0  # the site's MaxSubmitJobs per user, in array tasks (0: no limit)
    array_parallelism: int = 256  # at most this many tasks of one array run at once
    signal_delay_s: int = 90  # USR2 this long before the time limit, for checkpointing
    max_time_min: int = 1440  # the longest time limit a packed task asks for (partition max)
    setup: tuple[str, ...] = ()  # shell lines run before each job (module load, venv…)
    resources: dict[str, Resources] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-stage overrides
    pack: dict[str, int] = field(default_factory=dict)  # stage -> jobs per array task

    def resources_for(self, stage: str, resource_class: str) -> Resources:
        """The resources of ``stage``: its class's, then the stage's own overrides."""
        base = self.resources.get(resource_class, Resources())
        override = self.stages.get(stage, {})
        return Resources(**{**base.__dict__, **override})

    def task_time_min(self, job_time_min: int, jobs: int) -> int:
        """Time limit (min) of an array task running ``jobs`` jobs of ``job_time_min`` each:
        their sum, capped at :attr:`max_time_min` (never below one job's limit). A packed
        task that hits the cap is requeued and skips the jobs it already finished."""
        return min(job_time_min * jobs, max(job_time_min, self.max_time_min))

    def pack_sizes(self, overrides: Any = None) -> dict[str, int]:
        """Jobs per array task for every stage: the sweep's ``pack`` setting, else the
        profile's ``[pack]``, else 1. Raises :class:`SettingsError` for a bad one."""
        if not isinstance(overrides or {}, dict):
            raise SettingsError(
                f"pack must map stages to jobs per task (pack.encode=8), got {overrides!r}"
            )
        merged = {**self.pack, **check_pack("pack", overrides or {})}
        return {stage: merged.get(stage, 1) for stage in STAGE_ORDER}


def check_pack(where: str, pack: dict[str, Any]) -> dict[str, int]:
    """``pack`` (stage -> jobs per array task) checked: known stages, integers >= 1."""
    for stage, size in pack.items():
        if stage not in STAGE_ORDER:
            raise SettingsError(
                f"unknown stage {stage!r} in {where}; valid stages: {', '.join(STAGE_ORDER)}"
            )
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SettingsError(
                f"{where}.{stage} must be a whole number of jobs >= 1, got {size!r}"
            )
    return dict(pack)


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def _check_keys(where: str, data: dict[str, Any], valid: list[str]) -> None:
    for key in data:
        if key not in valid:
            raise SettingsError(f"unknown {where} key {key!r}; valid keys: {', '.join(valid)}")


def load_profile(name: str) -> Profile:
    """Read and check the profile ``name`` (a file in slurm/profiles/, or a .toml path)."""
    path = Path(name) if name.endswith(".toml") else PROFILE_DIR / f"{name}.toml"
    if not path.is_file():
        raise SettingsError(
            f"unknown cluster {name!r}; valid clusters: {', '.join(profile_names())}"
        )
    data = tomllib.loads(path.read_text())
    top = [f.name for f in fields(Profile) if f.name != "name"]
    _check_keys(f"profile {path.name}", data, top)
    res_keys = [f.name for f in fields(Resources)]
    resources = {}
    for cls, values in data.pop("resources", {}).items():
        _check_keys(f"profile {path.name} [resources.{cls}]", values, res_keys)
        resources[cls] = Resources(**values)
    stages = data.pop("stages", {})
    for stage, values in stages.items():
        _check_keys(f"profile {path.name} [stages.{stage}]", values, res_keys)
    pack = check_pack(f"profile {path.name} [pack]", data.pop("pack", {}))
    data["setup"] = tuple(data.get("setup", ()))
    return Profile(name=path.stem, resources=resources, stages=stages, pack=pack, **data)
