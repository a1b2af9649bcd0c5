"""``python -m grid.launch executor=slurm dry_run=true`` (grid/dry_run.py): on a machine with
no Slurm and no data folders it prints the arrays and writes one ``sbatch`` script per array,
rendered from the parameters the submission uses (grid/executors/sbatch.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import grid
from grid.dry_run import DRY_RUN_DIR, placeholder, script_name
from grid.executors.arrays import AFTERCORR, dependency_option, plan_arrays
from grid.launch import main
from tests import grid_toy_stages as toy

SWEEP = ["sweep=demo_cifar", *toy.JPEG_ONLY, "seeds=3", "datasets=[cifar10]"]
MISSING = "/no/such/cifar10"


def test_the_dry_run_writes_one_script_per_array_without_slurm_or_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no sbatch, squeue, srun or git
    cluster = tmp_path / "unpacked.toml"
    cluster.write_text('description = "test"\narray_parallelism = 2\n')
    results = tmp_path / "results"
    argv = [*SWEEP, "executor=slurm", "dry_run=true", f"results={results}",
            f"cluster={cluster}", f"data.cifar10={MISSING}"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.count("data folders not checked") == 1
    assert f"data folders not checked: data.cifar10={MISSING}" in out
    assert "dry run: nothing submitted" in out and not (results / "_jobs").exists()

    the_plan = grid.plan("demo_cifar", [*SWEEP[1:], f"data.cifar10={MISSING}"])
    arrays = plan_arrays(the_plan.groups(), {}, 1000, {})
    folder = results / "_logs" / "demo_cifar" / DRY_RUN_DIR
    assert f"sbatch scripts: {folder}" in out
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        script_name(i, a, len(arrays)) for i, a in enumerate(arrays)
    )
    ids = [placeholder(i) for i in range(len(arrays))]
    for index, array in enumerate(arrays):
        text = (folder / script_name(index, array, len(arrays))).read_text()
        n = len(array.tasks)
        flags = dict(re.findall(r"^#SBATCH --([\w-]+)(?:=(.*))?$", text, re.M))
        assert flags.get("array") == (f"0-{n - 1}%{min(n, 2)}" if n > 1 else None)
        waits = flags.get("dependency")  # submitit shell-quotes a placeholder's "<array 1>"
        assert (waits and waits.strip("'")) == dependency_option(array.dependencies, ids)
        assert flags["job-name"] == f"lcc-demo_cifar-{array.stage}"
        corr = any(d.kind == AFTERCORR for d in array.dependencies)
        assert flags.get("kill-on-invalid-dep") == ("yes" if corr else None)
        assert re.search(rf"^\s*{index} {re.escape(array.stage)}\s+{n}\s", out, re.M)
    dependencies = [dependency_option(a.dependencies, ids) or "" for a in arrays]
    assert any(d.startswith("aftercorr:<array ") or ",aftercorr:" in d for d in dependencies)
    assert any(re.search(r"<array \d+>_\d", d) for d in dependencies)  # task lists


def test_each_dry_run_script_is_the_script_sbatch_then_gets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The same launch, dry then real (a fake sbatch keeps each script): the scripts agree
    line for line but for the intent's ``--comment`` and the real ids in ``--dependency``."""
    bin_dir, kept = tmp_path / "bin", tmp_path / "kept"
    bin_dir.mkdir()
    kept.mkdir()
    fake = (
        'id=$((7001 + $(ls "$KEPT" | wc -l)))\n'
        'cp "$1" "$KEPT/$id.sh"\n'
        'echo "Submitted batch job $id"\n'
    )
    for name, text in [("sbatch", fake), ("srun", "exit 1\n")]:
        (bin_dir / name).write_text(f"#!/bin/sh\n{text}")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("KEPT", str(kept))
    results = tmp_path / "results"
    synthetic = [arg for arg in SWEEP if not arg.startswith("datasets=")]  # data to run on
    argv = [*synthetic, "executor=slurm", f"results={results}", "cluster=example-gpu-cluster"]
    assert main([*argv, "dry_run=true"]) == 0
    assert main(argv) == 0, capsys.readouterr().err
    dry = sorted((results / "_logs" / "demo_cifar" / DRY_RUN_DIR).iterdir())
    real = sorted(kept.iterdir(), key=lambda p: int(p.stem))
    assert len(dry) == len(real) > 1

    def kept_lines(path: Path) -> list[str]:
        skip = ("#SBATCH --comment=", "#SBATCH --dependency=")
        return [line for line in path.read_text().splitlines() if not line.startswith(skip)]

    for dry_script, real_script in zip(dry, real, strict=True):
        assert kept_lines(dry_script) == kept_lines(real_script), dry_script.name
