"""The launcher's ``plan.json``: the sweep's settings and every planned job, described as cells.

``results/<sweep>/plan.json`` is ``{"sweep": name, "settings": {...}, "jobs": [Job.to_dict()]}``.
:func:`describe_job` turns a job into the cell it fills (dataset, arch, training set, seed...),
reading a job's upstream train job for the fields an evaluate config does not carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grid import stage_table

# The table each stage writes its rows to (a planned job without rows there is missing);
# declared in grid.stage_table.
STAGE_TABLES: dict[str, str] = {
    name: tables[0] for name, tables in stage_table.STAGE_TABLES.items() if tables
}

CELL_COLUMNS = (
    "stage",
    "signature",
    "label",
    "dataset",
    "split",
    "arch",
    "train_set",
    "codec",
    "level",
    "joined",
    "control_for",
    "seed",
)


@dataclass(frozen=True)
class Plan:
    """A sweep's plan: its name, resolved settings and jobs by signature (in plan order)."""

    sweep: str
    settings: dict[str, Any]
    jobs: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, path: Path) -> Plan:
        """Parse ``plan.json``; a one-line error when a required key is absent."""
        data = json.loads(Path(path).read_text())
        for key in ("sweep", "settings", "jobs"):
            if key not in data:
                raise KeyError(f"{path} lacks key {key!r}; expected sweep, settings, jobs")
        jobs = {job["signature"]: job for job in data["jobs"]}
        return cls(sweep=data["sweep"], settings=data["settings"], jobs=jobs)

    def jobs_of(self, stage: str) -> list[dict[str, Any]]:
        """The planned jobs of ``stage``, in plan order."""
        return [job for job in self.jobs.values() if job["stage"] == stage]

    def input_job(self, job: dict[str, Any], role: str) -> dict[str, Any] | None:
        """The first planned job filling ``role`` of ``job`` (None when absent from the plan)."""
        signatures = job.get("inputs", {}).get(role, [])
        return self.jobs.get(signatures[0]) if signatures else None

    def describe_job(self, job: dict[str, Any]) -> dict[str, Any]:
        """The cell a job fills, as a dict with keys :data:`CELL_COLUMNS` (None where n/a)."""
        cell: dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
        cell.update(stage=job["stage"], signature=job["signature"], label=job.get("label", ""))
        config = job.get("config", {})
        if job["stage"] in ("evaluate", "fourier"):
            train = self.input_job(job, "model")
            config = train.get("config", {}) if train else {}
        dataset = config.get("dataset")
        cell["dataset"] = dataset.get("name") if isinstance(dataset, dict) else dataset
        cell["split"] = config.get("split")
        cell["codec"] = config.get("codec")
        cell["level"] = config.get("level")
        if "train_set" in config:
            train_set = config["train_set"]
            cell.update(
                arch=config.get("arch"),
                seed=config.get("seed"),
                train_set=train_set.get("label"),
                codec=train_set.get("codec"),
                level=train_set.get("level"),
                joined=bool(train_set.get("joined", False)),
                control_for=train_set.get("control_for"),
            )
        return cell


def read_plan(results_dir: Path) -> Plan | None:
    """The plan of the sweep in ``results_dir`` (``results/<sweep>``), or None without one."""
    path = Path(results_dir) / "plan.json"
    return Plan.read(path) if path.exists() else None
