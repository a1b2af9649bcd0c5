"""A small sweep through a real Slurm (started by .ci/run or slurm/start_local_slurm.sh).

Test-only stages run in the Slurm jobs (plugin ``tests.grid_toy_plugin``); one training job
is slow enough to hit its 2-minute time limit, is requeued by submitit's checkpoint
protocol, and resumes from its per-epoch checkpoint to the same rows as an in-process run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import grid
from grid.context import JobContext
from grid.store.folder import JobFolder
from grid.store.state import DONE, FAILED, SlurmQueue

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        not (os.environ.get("LCC_TEST_SLURM") and shutil.which("sbatch")),
        reason="needs a running Slurm: set LCC_TEST_SLURM=1 after slurm/start_local_slurm.sh",
    ),
]

REPO = Path(__file__).resolve().parents[1]
SLOW = "vgg11-5 jpeg:10 seed 0"
ARGS = [
    "sweep=demo_cifar",
    "executor=slurm",
    "plugins=[tests.grid_toy_plugin]",
    "seeds=1",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "epochs=6",
    "select.joined=[]",
]


def profile(tmp_path: Path) -> Path:
    path = tmp_path / "ci.toml"
    path.write_text(
        'description = "CI: 2-minute training limit"\narray_parallelism = 2\nsignal_delay_s = 30\n'
        "[resources.cpu]\ncpus = 1\nmem_gb = 1\ntime_min = 10\n"
        "[resources.gpu]\ncpus = 1\nmem_gb = 1\ntime_min = 10\n"
        "[stages.train]\ntime_min = 2\n"
    )
    return path


def test_sweep_on_real_slurm_with_a_timeout_requeue(tmp_path: Path) -> None:
    results = tmp_path / "results"
    args = [*ARGS, f"results={results}", f"cluster={profile(tmp_path)}"]
    env = {**os.environ, "TOY_SLOW_LABEL": SLOW, "TOY_EPOCH_SECONDS": "25", "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-m", "grid.launch", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "executor: slurm" in out.stdout and "queued" in out.stdout

    the_plan = grid.plan(
        "demo_cifar", [a for a in args if not a.startswith(("sweep=", "plugins="))]
    )
    deadline = time.time() + 480
    while time.time() < deadline:
        queue = SlurmQueue()
        states = {
            j.signature: JobFolder(results, j.stage, j.signature).state(queue)
            for j in the_plan.jobs
        }
        if all(s in (DONE, FAILED) for s in states.values()):
            break
        time.sleep(5)
    assert all(s == DONE for s in states.values()), states

    slow = next(j for j in the_plan.jobs if j.stage == "train" and j.label.endswith(SLOW))
    folder = JobFolder(results, "train", slow.signature).path
    assert len((folder / "attempts.txt").read_text().split()) >= 2  # timed out, requeued, resumed
    rows = pd.read_parquet(results / "demo_cifar" / "train_curve")
    rows = rows[rows["signature"] == slow.signature].sort_values("epoch")
    assert list(rows["epoch"]) == [1, 2, 3, 4, 5, 6]
    assert rows["slurm_job_id"].notna().all()

    from tests.grid_toy_stages import train  # the same stage, uninterrupted, in-process

    ctx = JobContext(slow, tmp_path / "inprocess", "check")
    expected = train(ctx)["train_curve"].sort_values("epoch")
    assert list(rows["loss"]) == list(expected["loss"])
