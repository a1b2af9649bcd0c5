"""A launched plan read as cells: which planned job fills which cell, and which table holds
its rows.

The plan is grid's one :class:`grid.plan.Plan` (``plan.json``, where :func:`grid.plan.plan_path`
says), read back with :func:`read_plan`. :func:`describe_job` turns a job into the cell it fills
(dataset, arch, training set, seed...), reading a job's upstream train job for the fields an
evaluate config does not carry. :func:`rows_table` is the table a job's rows go to, as its
stage declares it (:data:`grid.stage_table.STAGE_TABLES`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grid.job import Job
from grid.plan import Plan, read_launched
from grid.stage_table import STAGE_TABLES

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


def rows_table(stage: str) -> str | None:
    """The table a job of ``stage`` writes its rows to, the first of the tables the stage
    declares (a planned job without rows there is missing); None for a stage that writes no
    rows (prepare-cifar10c, report) or that this process does not know (a plugin's not
    imported).

    Read live from :data:`grid.stage_table.STAGE_TABLES`, the tables every declaration
    (grid/stages/declared.py, analysis/declared.py) is checked against and a plugin's
    :func:`grid.stages.registry.declare` enters, without importing those declarations: they
    load lcc.data's corruption stack (scipy, scikit-image), about 0.6 s on every analysis import.
    """
    tables = STAGE_TABLES.get(stage, ())
    return tables[0] if tables else None


# Stages whose cell is that of one of their inputs: the model an evaluation, heat map or
# saliency map reads, the training set's images a Gabor histogram reads.
DESCRIBED_BY = {"evaluate": "model", "fourier": "model", "gabor": "images", "saliency": "model"}
DESCRIBED_BY["contrastive"] = "views"  # the pair's first view: dataset, codec, its level


def describe_job(plan: Plan, job: Job) -> dict[str, Any]:
    """The cell ``job`` of ``plan`` fills, as a dict with keys :data:`CELL_COLUMNS` (None
    where n/a)."""
    cell: dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
    cell.update(stage=job.stage, signature=job.signature, label=job.label)
    config = job.config
    if job.stage in DESCRIBED_BY:
        source = plan.input_job(job, DESCRIBED_BY[job.stage])
        config = source.config if source else {}
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
    """The plan the sweep in ``results_dir`` (``results/<sweep>``) was last launched with, or
    None without one."""
    results_dir = Path(results_dir)
    return read_launched(results_dir.parent, results_dir.name)
