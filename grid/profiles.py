"""Cluster profiles: ``slurm/profiles/<name>.toml`` (``cluster=NAME``) or any profile file
(``cluster=/path/to/profile.toml``).

A profile says where and how jobs run on a Slurm cluster: partition, account, qos, array
limits, setup lines, resources per resource class (``[resources.cpu]``, ``[resources.gpu]``)
with optional per-stage overrides (``[stages.<stage>]``), extra sbatch options
(``[sbatch]``), how many jobs of a stage one array task runs (``[pack]``; the sweep setting
``pack.<stage>=N`` overrides it), the most memory an out-of-memory retry may ask for and how
long scheduler answers are cached. Partition, account, qos and ``[sbatch]`` may be set at the
top level (every job), per resource class and per stage; the most specific wins
(:meth:`Profile.submission`). Unknown keys are rejected with the list of valid ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from grid.cli import SettingsError
from grid.sbatch_options import check_sbatch
from grid.stages.registry import STAGE_ORDER
from grid.store.scheduler import DEFAULT_POLL_S
from grid.suggest import unknown

PROFILE_DIR = Path(__file__).resolve().parents[1] / "slurm" / "profiles"
# Where jobs run, settable at the top level, per resource class and per stage.
PLACEMENT = ("partition", "account", "qos")
# Where every profile key is explained (the pointer of an unknown key's one-line error).
DOCUMENTED = "slurm/profiles/default.toml"


@dataclass(frozen=True)
class Resources:
    """What one job asks for: CPUs per task, memory (GB), GPUs per node, time limit (min)."""

    cpus: int = 2
    mem_gb: float = 8
    gpus: int = 0
    time_min: int = 60


@dataclass(frozen=True)
class Submission:
    """Everything the jobs of one stage and resource class are submitted with.

    Maps to submitit's ``AutoExecutor.update_parameters`` as: ``resources.cpus`` ->
    ``cpus_per_task``, ``resources.mem_gb`` -> ``mem_gb``, ``resources.gpus`` ->
    ``gpus_per_node`` (when > 0), ``resources.time_min`` -> ``timeout_min`` (after
    :meth:`Profile.task_time_min` for packed tasks), ``partition`` -> ``slurm_partition``
    (when set), and :meth:`additional_parameters` -> ``slurm_additional_parameters``
    (account, qos and the ``[sbatch]`` options), to which the executor adds its own
    ``comment`` and ``dependency``.
    """

    resources: Resources
    partition: str = ""
    account: str = ""
    qos: str = ""
    sbatch: Mapping[str, str | int | bool] = field(default_factory=dict)  # option -> value

    def additional_parameters(self) -> dict[str, str | int | bool]:
        """``account`` and ``qos`` (when set) and the ``[sbatch]`` options, named as
        submitit's ``slurm_additional_parameters`` takes them: underscores for sbatch's
        dashes (``mail-type`` -> ``mail_type``; submitit writes ``#SBATCH --mail-type=...``,
        and a bare ``#SBATCH --exclusive`` for ``True``)."""
        placed = {key: getattr(self, key) for key in ("account", "qos") if getattr(self, key)}
        return {name.replace("-", "_"): value for name, value in {**placed, **self.sbatch}.items()}


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
    max_mem_gb: float = 0  # the most memory (GB) an out-of-memory retry asks for; 0: no more
    poll_interval_s: float = DEFAULT_POLL_S  # seconds scheduler answers (squeue, sacct) are kept
    setup: tuple[str, ...] = ()  # shell lines run before each job (module load, venv…)
    sbatch: dict[str, Any] = field(default_factory=dict)  # [sbatch]: extra options, every job
    resources: dict[str, Resources] = field(default_factory=dict)
    placement: dict[str, dict[str, Any]] = field(default_factory=dict)  # class -> PLACEMENT, sbatch
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-stage overrides
    pack: dict[str, int] = field(default_factory=dict)  # stage -> jobs per array task

    def __post_init__(self) -> None:
        for key in ("max_mem_gb", "poll_interval_s"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise SettingsError(
                    f"profile {self.name}: {key} must be a number >= 0, got {value!r}"
                )
        if self.poll_interval_s == 0:
            raise SettingsError(f"profile {self.name}: poll_interval_s must be > 0, got 0")
        asked = {c: r.mem_gb for c, r in self.resources.items()}
        asked |= {f"stages.{s}": o["mem_gb"] for s, o in self.stages.items() if "mem_gb" in o}
        for where, mem_gb in asked.items():
            if self.max_mem_gb and mem_gb > self.max_mem_gb:
                raise SettingsError(
                    f"profile {self.name}: max_mem_gb {self.max_mem_gb} is below the "
                    f"mem_gb {mem_gb} of [{where if '.' in where else 'resources.' + where}]"
                )

    def resources_for(self, stage: str, resource_class: str) -> Resources:
        """The resources of ``stage``: its class's, then the stage's own overrides.
        ``resource_class`` is a class name: :meth:`grid.stages.registry.Stage.resource_class`
        of the job's config."""
        if not isinstance(resource_class, str):
            raise TypeError(
                f"resource class of {stage!r} must be a name like 'cpu', got {resource_class!r}; "
                "ask get_stage(stage).resource_class(job.config)"
            )
        base = self.resources.get(resource_class, Resources())
        override = self.stages.get(stage, {})
        res_keys = [f.name for f in fields(Resources)]
        return Resources(**{**base.__dict__, **{k: override[k] for k in res_keys if k in override}})

    def submission(self, stage: str, resource_class: str) -> Submission:
        """What the jobs of ``stage`` in ``resource_class`` are submitted with: the class's
        resources with the stage's overrides (:meth:`resources_for`); partition, account and
        qos from the top level, then ``[resources.<class>]``, then ``[stages.<stage>]``, the
        most specific set one winning; the ``[sbatch]`` options of the same three tables
        merged option by option in that order (``""`` drops one set before)."""
        layers = [
            {**{key: getattr(self, key) for key in PLACEMENT}, "sbatch": self.sbatch},
            self.placement.get(resource_class, {}),
            self.stages.get(stage, {}),
        ]
        placed = {key: getattr(self, key) for key in PLACEMENT}
        sbatch: dict[str, Any] = {}
        for layer in layers:
            placed |= {key: layer[key] for key in PLACEMENT if key in layer}
            sbatch |= layer.get("sbatch", {})
        sbatch = {name: value for name, value in sbatch.items() if value != ""}
        return Submission(self.resources_for(stage, resource_class), sbatch=sbatch, **placed)

    def retry_mem_gb(self, mem_gb: float) -> float:
        """Memory (GB) for the next attempt of a job that ran out of ``mem_gb``: twice as
        much, at most :attr:`max_mem_gb`; ``mem_gb`` itself when :attr:`max_mem_gb` is 0
        (the profile allows no more) or already reached."""
        return max(mem_gb, min(2 * mem_gb, self.max_mem_gb)) if self.max_mem_gb else mem_gb

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
            raise unknown("stage", stage, STAGE_ORDER, where=where)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SettingsError(
                f"{where}.{stage} must be a whole number of jobs >= 1, got {size!r}"
            )
    return dict(pack)


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def profile_path(name: str) -> Path:
    """The file of cluster profile ``name`` (a profile in slurm/profiles/, or a .toml path);
    a one-line :class:`SettingsError` when there is none (a path is named in full)."""
    path = Path(name) if name.endswith(".toml") else PROFILE_DIR / f"{name}.toml"
    if not path.is_file():
        raise unknown("cluster", name, profile_names())
    return path


def _check_keys(where: str, data: dict[str, Any], valid: list[str]) -> None:
    for key in data:
        if key not in valid:
            raise unknown(f"{where} key", key, valid, plural="keys", pointer=DOCUMENTED)


def _layer(where: str, values: Any, valid: list[str]) -> dict[str, Any]:
    """A ``[resources.<class>]`` or ``[stages.<stage>]`` table checked: known keys, its
    placement values strings, its ``[...sbatch]`` options checked."""
    if not isinstance(values, dict):
        raise SettingsError(f"{where} must be a table, got {values!r}")
    _check_keys(where, values, valid)
    for key in PLACEMENT:
        if key in values and not isinstance(values[key], str):
            raise SettingsError(f"{where}.{key} must be a string, got {values[key]!r}")
    if "sbatch" in values:
        values = {**values, "sbatch": check_sbatch(f"{where[:-1]}.sbatch]", values["sbatch"])}
    return values


def load_profile(name: str) -> Profile:
    """Read and check the profile ``name`` (a file in slurm/profiles/, or a .toml path)."""
    path = profile_path(name)
    data = tomllib.loads(path.read_text())
    where = f"profile {path.name}"
    top = [f.name for f in fields(Profile) if f.name not in ("name", "placement")]
    _check_keys(where, data, top)
    res_keys = [f.name for f in fields(Resources)]
    layer_keys = [*res_keys, *PLACEMENT, "sbatch"]
    resources, placement = {}, {}
    for cls, values in data.pop("resources", {}).items():
        values = _layer(f"{where} [resources.{cls}]", values, layer_keys)
        resources[cls] = Resources(**{k: v for k, v in values.items() if k in res_keys})
        placement[cls] = {k: v for k, v in values.items() if k not in res_keys}
    stages = {}
    for stage, values in data.pop("stages", {}).items():
        if stage not in STAGE_ORDER:
            raise unknown("stage", stage, STAGE_ORDER, where=f"{where} [stages]")
        stages[stage] = _layer(f"{where} [stages.{stage}]", values, layer_keys)
    pack = check_pack(f"{where} [pack]", data.pop("pack", {}))
    sbatch = check_sbatch(f"{where} [sbatch]", data.pop("sbatch", {}))
    for key in PLACEMENT:
        if not isinstance(data.get(key, ""), str):
            raise SettingsError(f"{where}: {key} must be a string, got {data[key]!r}")
    data["setup"] = tuple(data.get("setup", ()))
    return Profile(
        name=path.stem,
        sbatch=sbatch,
        resources=resources,
        placement=placement,
        stages=stages,
        pack=pack,
        **data,
    )
