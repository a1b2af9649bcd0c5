"""One ``Plan`` (issue 23): grid writes ``plan.json`` and analysis reads the same
:class:`Plan` from where :func:`plan_path` says, and the table each planned
job fills comes from its stage's declaration, not a table of analysis' own."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

import analysis.declared  # noqa: F401  (declares select and report)
import grid
import grid.stages.declared
from analysis.load import load
from analysis.plan import describe_job, read_plan, rows_table
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.job import Job
from grid.plan import Plan, plan_path, read_launched
from grid.stages.registry import (
    DECLARED,
    STAGE_ORDER,
    STAGE_TABLES,
    STAGE_VERSIONS,
    declare,
    get_declared,
)

# The module (``grid.plan`` the attribute is the planning function, grid/__init__.py).
PLAN_MODULE = importlib.import_module("grid.plan")

REPO = Path(__file__).resolve().parents[1]


def test_there_is_one_class_plan_in_the_suite() -> None:
    sources = [
        *REPO.glob("grid/**/*.py"),
        *REPO.glob("analysis/**/*.py"),
        *REPO.glob("lcc/**/*.py"),
    ]
    defining = [p.relative_to(REPO).as_posix() for p in sources if "class Plan(" in p.read_text()
                or "class Plan:" in p.read_text()]  # fmt: skip
    assert defining == ["grid/plan.py"]


def test_analysis_loads_the_plan_grid_reads_back(tmp_path: Path) -> None:
    sweep = write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))
    loaded = load(sweep).plan
    launched = read_launched(tmp_path, "s")
    assert isinstance(loaded, Plan) and loaded == launched
    assert all(isinstance(job, Job) for job in loaded.jobs) and loaded.jobs_of("evaluate")


def test_analysis_reads_the_plan_where_grid_plan_path_puts_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(PLAN_MODULE, "PLAN_FILE", "launched-plan.json")
    sweep = write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))
    assert (sweep / "launched-plan.json").is_file() and not (sweep / "plan.json").exists()
    assert read_plan(sweep) == read_launched(tmp_path, "s") is not None


def test_an_evaluate_job_is_described_by_the_training_it_reads(tmp_path: Path) -> None:
    the_plan = read_plan(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1)))
    evaluate = the_plan.jobs_of("evaluate")[0]
    train = the_plan.input_job(evaluate, "model")
    assert train is not None and train.stage == "train"
    cell, trained = describe_job(the_plan, evaluate), describe_job(the_plan, train)
    assert cell["stage"] == "evaluate" and cell["signature"] == evaluate.signature
    keys = ("dataset", "arch", "train_set", "codec", "level", "seed")
    assert {k: cell[k] for k in keys} == {k: trained[k] for k in keys}
    assert cell["arch"] is not None and cell["train_set"] is not None


def test_the_table_of_a_stage_is_its_declarations_first() -> None:
    for name in STAGE_ORDER:
        tables = get_declared(name).tables
        assert rows_table(name) == (tables[0] if tables else None)
    assert rows_table("prepare-cifar10c") is None and rows_table("report") is None
    assert rows_table("no-such-stage") is None


def test_a_plugin_stage_fills_the_table_it_declares() -> None:
    try:
        declare("toy-plugin", version=1, tables=("codec_fit",))
        assert rows_table("toy-plugin") == "codec_fit"
    finally:
        for table in (STAGE_VERSIONS, STAGE_TABLES, DECLARED):
            table.pop("toy-plugin", None)


@pytest.mark.parametrize("key", ["sweep", "settings", "jobs"])
def test_a_plan_json_without_a_key_is_a_one_line_error_naming_it(tmp_path, key) -> None:
    sweep = write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))
    path = plan_path(tmp_path, "s")
    body = json.loads(path.read_text())
    del body[key]
    path.write_text(json.dumps(body))
    with pytest.raises(KeyError, match=f"lacks key '{key}'; expected sweep, settings, jobs"):
        read_plan(sweep)


def test_a_gabor_job_is_described_by_the_training_images_it_reads() -> None:
    the_plan = grid.plan("demo", ["gabor.enabled=true", "codecs.jpeg=[10]"])
    cells = [describe_job(the_plan, job) for job in the_plan.jobs_of("gabor")]
    assert {(c["codec"], c["level"], c["split"]) for c in cells} >= {
        ("identity", None, "train"),
        ("jpeg", 10, "train"),
    }
    assert all(c["dataset"] is not None for c in cells)


def test_a_saliency_job_is_described_by_the_model_it_reads() -> None:
    the_plan = grid.plan("demo", ["saliency.enabled=true", "codecs.jpeg=[10]"])
    cells = [describe_job(the_plan, job) for job in the_plan.jobs_of("saliency")]
    assert cells and ("jpeg", 10) in {(c["codec"], c["level"]) for c in cells}
    assert all(c["dataset"] is not None and c["seed"] is not None for c in cells)
