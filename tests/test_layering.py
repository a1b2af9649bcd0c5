"""Import arrows point down (lcc ← grid ← analysis) and analysts do not pay for torch:
``import analysis``, ``analysis.load.load(...)``, ``python -m grid.status`` and
``python -m grid.cancel`` on a launched results folder load no torch, compressai or submitit
(docs/ARCHITECTURE.md). Each check runs a fresh interpreter under ``-X importtime``, whose
log names every module imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.store.folder import JobFolder

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "compressai", "submitit")


def run_python(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime ARGS`` in the repo; the result and the top-level names of
    every module it imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done, names


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results root with one finished sweep ``s``: rows, codec gate rows, plan.json, and
    every job marked done, as a launch leaves it."""
    root = tmp_path_factory.mktemp("results")
    write_synthetic_sweep(root, "s", SweepSpec(seeds=1))
    for job in json.loads((root / "s" / "plan.json").read_text())["jobs"]:
        folder = JobFolder.of(root, job)
        for view in (root / "s").glob(f"*/stage={job['stage']}/{job['signature']}.parquet"):
            folder.rows_path(view.parent.parent.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(view, folder.rows_path(view.parent.parent.name))
        folder.mark_done({})
    return root


def test_analysis_load_imports_no_torch(results: Path) -> None:
    code = (
        "import sys, analysis, analysis.load\n"
        "r = analysis.load.load(sys.argv[1])\n"
        "assert len(r.evaluation) and r.plan is not None, r\n"
    )
    done, names = run_python("-c", code, str(results / "s"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pandas" in names and not names & set(HEAVY)  # the log does name what is imported


def test_every_analysis_module_imports_no_torch() -> None:
    modules = sorted(
        f"analysis.{p.stem}" for p in (REPO / "analysis").glob("*.py") if p.stem != "__init__"
    )
    modules += sorted(
        f"analysis.figures.{p.stem}" for p in (REPO / "analysis/figures").glob("*.py")
    )
    done, names = run_python("-c", "import " + ", ".join(modules))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "analysis" in names and not names & set(HEAVY)


def test_status_of_a_launched_sweep_imports_no_torch(results: Path) -> None:
    done, names = run_python("-m", "grid.status", "sweep=s", f"results={results}")
    assert done.returncode == 0, done.stderr[-2000:]
    jobs = len(json.loads((results / "s" / "plan.json").read_text())["jobs"])
    assert f"sweep s: {jobs} jobs" in done.stdout and "planning" not in done.stdout
    assert "passes the JPEG gate" in done.stdout or "FAILS the JPEG gate" in done.stdout
    assert not names & set(HEAVY)


def test_cancel_of_a_launched_sweep_imports_no_torch(results: Path) -> None:
    done, names = run_python("-m", "grid.cancel", "sweep=s", f"results={results}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "0 jobs queued or running" in done.stdout and not names & set(HEAVY)


def test_why_failures_and_the_disk_estimate_import_no_torch() -> None:
    done, names = run_python("-c", "import grid.why, grid.failures, grid.status, grid.disk")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "grid" in names and not names & set(HEAVY)


def test_planning_and_the_slurm_arrays_import_no_torch() -> None:
    """``grid.plan`` stays callable after the torch-free imports; planning the thesis sweep
    (settings, expansion, validation against lcc's registries and recipes) and cutting it
    into the Slurm dry run's arrays load no torch or compressai."""
    code = (
        "import sys, grid, grid.status, grid.plan\n"
        "assert callable(grid.plan) and grid.Plan is grid.status.Plan\n"
        "assert not {'torch', 'submitit'} & set(sys.modules)\n"
        "import grid.dry_run\n"
        "from grid.executors.arrays import plan_arrays\n"
        "from grid.profiles import load_profile\n"
        "the_plan = grid.plan('thesis')\n"
        "pack = load_profile('default').pack_sizes()\n"
        "print(len(plan_arrays(the_plan.groups(), {}, 1000, pack)))\n"
    )
    done, names = run_python("-c", code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 1 and {"lcc", "submitit"} <= names
    assert not names & {"torch", "compressai"}


def test_a_fresh_job_process_finds_select_and_report_in_analysis() -> None:
    # What JobRunner does in every Slurm or local job before running its stage.
    code = (
        "from grid.runner import import_plugins\n"
        "from grid.stages.registry import get_stage\n"
        "import_plugins([])\n"
        "print(get_stage('select').fn.__module__, get_stage('report').fn.__module__)\n"
    )
    done, _ = run_python("-c", code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["analysis.stages", "analysis.stages"]


def test_the_slurm_dry_run_of_the_thesis_sweep_imports_no_stage_function(tmp_path) -> None:
    """``python -m grid.launch sweep=thesis dry_run=true executor=slurm``, as a user runs it,
    without data or Slurm: it writes every array's sbatch script from the stages'
    declarations (grid/stages/declared.py, analysis/declared.py), importing no stage function,
    so no torch, compressai, nor analysis.report's plotting stack."""
    args = ("sweep=thesis", "dry_run=true", "executor=slurm", f"results={tmp_path}")
    done, names = run_python("-m", "grid.launch", *args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dry run: nothing submitted" in done.stdout and "sbatch scripts:" in done.stdout
    assert "not available" not in done.stdout  # every stage is known by its declaration
    scripts = sorted((tmp_path / "_logs" / "thesis" / "dry_run").glob("*.sbatch"))
    stages = {script.stem.split("-", 1)[1] for script in scripts}
    assert {"fit-codec", "encode", "train", "evaluate", "select", "report"} <= stages
    assert "submitit" in names  # the log names what is imported (sbatch scripts: submitit)
    assert not names & {"torch", "compressai", "seaborn", "matplotlib"}
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert not modules & {
        "grid.runner",
        "grid.stages.builtin",
        "analysis.stages",
        "analysis.report",
    }
