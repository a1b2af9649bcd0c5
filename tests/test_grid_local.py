"""The local executor end to end: job processes (submitit's LocalExecutor) running the
test-only stages, in dependency order, then a relaunch that finds nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import grid
from grid.store.folder import JobFolder

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "sweep=demo_cifar",
    "executor=local",
    "max_parallel=2",
    "plugins=[tests.grid_toy_plugin]",
    "seeds=1",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "codecs.bls-ssim=[]",
    "codecs.bls-task=[]",
    "codecs.mbt-mean=[]",
    "select.joined=[]",
    "epochs=2",
]


def launch(results: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "grid.launch", *ARGS, f"results={results}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_local_executor_runs_the_dag_then_skips_it(tmp_path: Path) -> None:
    first = launch(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "executor: local" in first.stdout
    the_plan = grid.plan(
        "demo_cifar",
        [a for a in ARGS if not a.startswith(("sweep=", "plugins="))] + [f"results={tmp_path}"],
    )
    for job in the_plan.jobs:
        assert JobFolder(tmp_path, job.stage, job.signature).is_done(), job.label
    curves = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert sorted(curves["epoch"].unique()) == [1, 2]
    assert (tmp_path / "_logs" / "demo_cifar" / "local").is_dir()
    again = launch(tmp_path)
    assert again.returncode == 0 and "nothing to run" in again.stdout
