"""executor=slurm on a machine without Slurm: one line at plan time, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from grid import launch
from tests import grid_toy_stages as toy


def test_executor_slurm_without_slurm_stops_at_plan_time_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no sbatch, no srun
    results = tmp_path / "results"
    argv = ["sweep=demo_cifar", "executor=slurm", *toy.SMALL_DEMO, f"results={results}"]
    assert launch.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: executor=slurm: no sbatch or srun on PATH (no Slurm on this machine); "
        "use executor=local to run here, or dry_run=true to see the plan"
    ]
    assert not results.exists()
    assert launch.main([*argv, "dry_run=true"]) == 0  # the plan needs no Slurm
    assert "dry run: nothing submitted" in capsys.readouterr().out
