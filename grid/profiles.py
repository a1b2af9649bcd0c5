"""Cluster profiles: ``slurm/profiles/<name>.toml`` (or ``cluster=/path/to/profile.toml``).

A profile says where and how jobs run on a Slurm cluster: partition, account, qos, array
limits, setup lines, and resources per resource class (``cpu``, ``gpu``) with optional
per-stage overrides. Unknown keys are rejected with the list of valid ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from grid.settings import SettingsError

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
    array_parallelism: int = 256  # at most this many tasks of one array run at once
    signal_delay_s: int = 90  # USR2 this long before the time limit, for checkpointing
    setup: tuple[str, ...] = ()  # shell lines run before each job (module load, venv…)
    resources: dict[str, Resources] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-stage overrides

    def resources_for(self, stage: str, resource_class: str) -> Resources:
        """The resources of ``stage``: its class's, then the stage's own overrides."""
        base = self.resources.get(resource_class, Resources())
        override = self.stages.get(stage, {})
        return Resources(**{**base.__dict__, **override})


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
    data["setup"] = tuple(data.get("setup", ()))
    return Profile(name=path.stem, resources=resources, stages=stages, **data)
