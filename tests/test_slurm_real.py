"""A small sweep through a real Slurm (started by .ci/run or slurm/start_local_slurm.sh).

Test-only stages run in the Slurm jobs (plugin ``tests.grid_toy_plugin``); one training job
is slow enough to hit its 2-minute time limit, is requeued by submitit's checkpoint
protocol, and resumes from its per-epoch checkpoint to the same rows as an in-process run.
"""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pandas as pd

from grid import code
from grid.context import JobContext
from grid.plan import launches_path, read_launched
from grid.store.folder import STARTED, JobFolder
from grid.store.state import DONE, FAILED
from tests import grid_toy_stages as toy
from tests.slurm_cluster import ci_profile, explain, grid_cli, needs_slurm, wait_until

pytestmark = needs_slurm

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
    *toy.JPEG_ONLY,
    "epochs=6",
]


def launch(tmp_path: Path, *args: str, slow: str, **limits: int) -> tuple[Path, CompletedProcess]:
    """Launch the sweep on Slurm, trainings limited to 2 minutes (``limits``: more of
    :func:`ci_profile`) and ``slow``'s epochs slowed; its results root and the launch."""
    results = tmp_path / "results"
    cluster = ci_profile(tmp_path, train_time_min=2, **limits)
    out = grid_cli("grid.launch", *ARGS, *args, f"results={results}", f"cluster={cluster}",
                   TOY_SLOW_LABEL=slow, TOY_EPOCH_SECONDS=EPOCH_S)  # fmt: skip
    assert "executor: slurm" in out.stdout and "queued" in out.stdout
    return results, out


def uninterrupted_losses(job, tmp_path: Path) -> list[float]:
    """The losses of ``job``'s training run in-process without interruption."""
    curve = toy.train(JobContext(job, tmp_path / "inprocess", "check"))["train_curve"]
    return list(curve.sort_values("epoch")["loss"])


def test_sweep_on_real_slurm_with_a_timeout_requeue(tmp_path: Path) -> None:
    results, _ = launch(tmp_path, slow=SLOW)
    the_plan = read_launched(results, "demo_cifar")
    states = wait_until(the_plan, results, (DONE, FAILED), timeout_s=WAIT_S)
    assert all(s == DONE for s in states.values()), explain(the_plan, results, states)

    slow = next(j for j in the_plan.jobs if j.stage == "train" and j.label.endswith(SLOW))
    folder = JobFolder.of(results, slow).path
    assert len((folder / "attempts.txt").read_text().split()) >= 2  # timed out, requeued, resumed
    rows = pd.read_parquet(results / "demo_cifar" / "train_curve")
    rows = rows[rows["signature"] == slow.signature].sort_values("epoch")
    assert list(rows["epoch"]) == [1, 2, 3, 4, 5, 6]
    assert rows["slurm_job_id"].notna().all()
    assert list(rows["loss"]) == uninterrupted_losses(slow, tmp_path)
    assert_jobs_ran_the_code_snapshot(results, the_plan)


def assert_jobs_ran_the_code_snapshot(results: Path, the_plan) -> None:
    """The launch left its code snapshot under the results folder, the submitted scripts put
    it first on PYTHONPATH, and every job imported the suite from it (its running marker)."""
    launched = json.loads(launches_path(results, "demo_cifar").read_text().splitlines()[-1])
    snap = results / code.SNAPSHOTS / launched["code"]["fingerprint"]
    assert (snap / code.MANIFEST).is_file() and (snap / "grid" / "runner.py").is_file()
    scripts = list((results / "_logs" / "demo_cifar" / "slurm").rglob("*_submission.sh"))
    assert scripts and all(f"export PYTHONPATH={snap}" in p.read_text() for p in scripts)
    for job in the_plan.jobs:
        assert JobFolder.of(results, job).read(STARTED)["code"] == str(snap), job.label


PACKED_SLOW = "vgg11-5 jpeg:10 seed 1"  # second of its packed task [jpeg:10 seed 0, seed 1]


def test_packed_task_requeued_after_its_time_limit_runs_only_its_unfinished_jobs(
    tmp_path: Path,
) -> None:
    """pack.train=2: two tasks of two trainings each, both capped at 2 minutes
    (max_time_min); the second job of one task is slow, so that task times out, is requeued,
    skips the job it finished and resumes the slow one from its checkpoint."""
    packs = ["seeds=2", "pack.train=2", "pack.encode=4", "pack.evaluate=2"]
    results, out = launch(tmp_path, *packs, slow=PACKED_SLOW, max_time_min=2)
    assert "train: 4 jobs in 2 tasks" in out.stderr and "encode: 4 jobs in 1 tasks" in out.stderr
    the_plan = read_launched(results, "demo_cifar")
    states = wait_until(the_plan, results, (DONE, FAILED), timeout_s=WAIT_S)
    assert all(s == DONE for s in states.values()), explain(the_plan, results, states)

    trains = [j for j in the_plan.jobs if j.stage == "train"]
    tasks = {
        j.signature: JobFolder.of(results, j).read("submitted")["slurm_job_id"] for j in trains
    }
    assert len(trains) == 4 and len(set(tasks.values())) == 2  # two tasks of two trainings
    rows = pd.read_parquet(results / "demo_cifar" / "train_curve")
    for job in trains:
        runs = len((JobFolder.of(results, job).path / "attempts.txt").read_text().split())
        slow = job.label.endswith(PACKED_SLOW)
        assert runs >= 2 if slow else runs == 1, job.label  # only the slow one ran again
        mine = rows[rows["signature"] == job.signature].sort_values("epoch")
        assert set(mine["slurm_job_id"]) == {tasks[job.signature]}
        assert list(mine["loss"]) == uninterrupted_losses(job, tmp_path)
