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
from tests import grid_toy_stages as toy

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        not (os.environ.get("LCC_TEST_SLURM") and shutil.which("sbatch")),
        reason="needs a running Slurm: set LCC_TEST_SLURM=1 after slurm/start_local_slurm.sh",
    ),
]

REPO = Path(__file__).resolve().parents[1]
# The slow training sleeps 6 x 15 s: more than one attempt under a 2-minute limit with a 30 s
# warning can give it (the task's start-up comes first), so it must be requeued. Slurm may send
# the warning up to a minute early (SLURM.md), so it may take three attempts; 25 s epochs
# then needed four and ran past pytest's 600 s timeout on a loaded 2-core machine.
EPOCH_S = "15"
WAIT_S = 480  # for every job to end, inside pytest's 600 s per test
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
    *toy.NO_FUTURE_CODECS,
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
    env = {
        **os.environ,
        "TOY_SLOW_LABEL": SLOW,
        "TOY_EPOCH_SECONDS": EPOCH_S,
        "PYTHONPATH": str(REPO),
    }
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
    states = wait_until_ended(the_plan, results, timeout_s=WAIT_S)
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


PACKED_SLOW = "vgg11-5 jpeg:10 seed 1"  # second of its packed task [jpeg:10 seed 0, seed 1]


def test_packed_task_requeued_after_its_time_limit_runs_only_its_unfinished_jobs(
    tmp_path: Path,
) -> None:
    """pack.train=2: two tasks of two trainings each, both capped at 2 minutes
    (max_time_min); the second job of one task is slow, so that task times out, is requeued,
    skips the job it finished and resumes the slow one from its checkpoint."""
    results = tmp_path / "results"
    cluster = profile(tmp_path)
    cluster.write_text(
        cluster.read_text().replace("signal_delay_s", "max_time_min = 2\nsignal_delay_s")
    )
    packs = ["pack.train=2", "pack.encode=4", "pack.evaluate=2"]
    args = [*ARGS, "seeds=2", *packs, f"results={results}", f"cluster={cluster}"]
    env = {**os.environ, "TOY_SLOW_LABEL": PACKED_SLOW, "TOY_EPOCH_SECONDS": EPOCH_S}
    out = subprocess.run(
        [sys.executable, "-m", "grid.launch", *args],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "train: 4 jobs in 2 tasks" in out.stderr and "encode: 4 jobs in 1 tasks" in out.stderr

    the_plan = grid.plan(
        "demo_cifar", [a for a in args if not a.startswith(("sweep=", "plugins="))]
    )
    states = wait_until_ended(the_plan, results, timeout_s=WAIT_S)
    assert all(s == DONE for s in states.values()), states

    trains = [j for j in the_plan.jobs if j.stage == "train"]
    tasks = {
        j.signature: JobFolder.of(results, j).read("submitted")["slurm_job_id"] for j in trains
    }
    assert len(set(tasks.values())) == 2  # two array tasks of two trainings each
    from tests.grid_toy_stages import train  # the same stage, uninterrupted, in-process

    rows = pd.read_parquet(results / "demo_cifar" / "train_curve")
    for job in trains:
        folder = JobFolder.of(results, job)
        runs = len((folder / "attempts.txt").read_text().split())
        slow = job.label.endswith(PACKED_SLOW)
        assert runs >= 2 if slow else runs == 1, job.label  # only the slow one ran again
        mine = rows[rows["signature"] == job.signature].sort_values("epoch")
        assert set(mine["slurm_job_id"]) == {tasks[job.signature]}
        expected = train(JobContext(job, tmp_path / "inprocess", "check"))["train_curve"]
        assert list(mine["loss"]) == list(expected.sort_values("epoch")["loss"])


def wait_until_ended(the_plan, results: Path, timeout_s: float) -> dict[str, str]:
    """Poll every job's state until each is done or failed (or the time is up)."""
    deadline = time.time() + timeout_s
    while True:
        queue = SlurmQueue()
        states = {j.signature: JobFolder.of(results, j).state(queue) for j in the_plan.jobs}
        if all(s in (DONE, FAILED) for s in states.values()) or time.time() > deadline:
            return states
        time.sleep(5)
