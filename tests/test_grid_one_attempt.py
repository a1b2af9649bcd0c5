"""One attempt per job at a time: the job folder's claim (grid.store.folder.JobFolder.claim).

Two real processes run the same job: one runs it, the other leaves at once and writes nothing
but its line of ``skipped.jsonl``; a stale claim (a dead pid, a Slurm job squeue no longer
lists) is taken over; a Slurm requeue of the claiming task is its own claimant.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import grid
from grid.executors.worker import Task, run_task
from grid.job import Job
from grid.runner import run_job
from grid.store.folder import ClaimedElsewhere, JobFolder
from grid.store.scheduler import Scheduler
from tests import grid_toy_stages as toy

REPO = Path(__file__).resolve().parents[1]
SLOW = "vgg11-5 jpeg:10 seed 0"  # the label of the toy train job the tests run twice
# A job process of its own: once the file argv[2] exists, run_job on the job of the JSON file
# argv[1]; prints what it did and how long run_job took.
RUN_ONE = """
import json, sys, time
from pathlib import Path
from grid.job import Job
from grid.runner import import_plugins, run_job
from grid.store.folder import ClaimedElsewhere
import_plugins(["tests.grid_toy_plugin"])
spec = json.loads(Path(sys.argv[1]).read_text())
deps = {sig: Job.from_dict(d) for sig, d in spec["inputs"].items()}
while not Path(sys.argv[2]).exists():
    time.sleep(0.05)
begun = time.monotonic()
try:
    run_job(Job.from_dict(spec["job"]), Path(spec["root"]), "demo_cifar", deps)
    print("ran", time.monotonic() - begun)
except ClaimedElsewhere as err:
    print("skipped", time.monotonic() - begun, err)
"""


def plan_of(root: Path) -> grid.Plan:
    return grid.plan("demo_cifar", [*toy.JPEG_ONLY, "epochs=3", f"results={root}"])


def upstream_done(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Job, dict[str, Job]]:
    """The slow train job, with its inputs run (in this process, toy stages); its inputs."""
    toy.install(monkeypatch)
    the_plan = plan_of(root)
    jobs = the_plan.by_signature
    train = next(j for j in the_plan.jobs if j.stage == "train" and SLOW in j.label)
    for sig in train.dependencies:
        run_job(jobs[sig], root, "demo_cifar", jobs)
    return train, {sig: jobs[sig] for sig in train.dependencies}


def start(spec_path: Path, go: Path) -> subprocess.Popen:
    """A process that runs the job of ``spec_path`` once ``go`` exists (imports done first)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TOY_SLOW_LABEL": SLOW,
           "TOY_EPOCH_SECONDS": "2"}  # fmt: skip
    command = [sys.executable, "-c", RUN_ONE, str(spec_path), str(go)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)


def dead_pid() -> int:
    """The pid of a process of this host that has ended."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_two_processes_of_one_job_run_it_once_and_the_second_leaves_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, inputs = upstream_done(tmp_path, monkeypatch)
    folder = JobFolder.of(tmp_path, train)
    spec = {"job": train.to_dict(), "root": str(tmp_path),
            "inputs": {s: j.to_dict() for s, j in inputs.items()}}  # fmt: skip
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    (tmp_path / "go-first").touch()
    first, second = start(spec_path, tmp_path / "go-first"), start(spec_path, tmp_path / "go")
    deadline = time.monotonic() + 120
    while folder.claim_holder() is None:  # the first holds the claim (3 epochs of 2 s)
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    (tmp_path / "go").touch()
    second_out, _ = second.communicate(timeout=120)
    assert first.poll() is None, "the second left only after the first had ended"
    first_out, _ = first.communicate(timeout=120)
    assert first_out.split()[0] == "ran" and second_out.split()[0] == "skipped"
    assert float(second_out.split()[1]) < 1.0  # it left at once
    assert first.returncode == second.returncode == 0
    # The stage ran once (the toy train appends its pid at each start), done once, no failure.
    assert (folder / "attempts.txt").read_text().split() == [str(first.pid)]
    assert folder.is_done() and folder.read("running")["pid"] == first.pid
    assert folder.read("failed") is None and folder.failures() == []
    assert len(folder.read_rows("train_curve")) == 3
    (skip,) = folder.skipped()
    assert skip["pid"] == second.pid and skip["held_by"]["pid"] == first.pid
    assert folder.claim_holder() is None  # released when the attempt ended


def test_a_stale_claim_of_a_dead_process_is_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, inputs = upstream_done(tmp_path, monkeypatch)
    folder = JobFolder.of(tmp_path, train)
    stale = {"host": socket.gethostname(), "pid": dead_pid(), "slurm_job_id": None}
    folder.claim(stale)  # left behind by a killed attempt
    run_job(train, tmp_path, "demo_cifar", inputs)
    assert folder.is_done() and folder.skipped() == [] and folder.claim_holder() is None


def test_a_live_claim_makes_a_local_job_process_leave_without_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train, inputs = upstream_done(tmp_path, monkeypatch)
    folder = JobFolder.of(tmp_path, train)
    rival = subprocess.Popen(["sleep", "60"])
    try:
        folder.claim({"host": socket.gethostname(), "pid": rival.pid, "slurm_job_id": None})
        specs = {s: j.to_dict() for s, j in inputs.items()}
        task = Task(train.to_dict(), str(tmp_path), "demo_cifar", specs, 1, str(tmp_path / "log"))
        message = run_task(task, [], None)
    finally:
        rival.kill()
        rival.wait()
    assert message[:2] == ("skipped", train.signature)
    assert folder.read("running") is None and folder.read("failed") is None
    assert not (folder / "attempts.txt").exists() and len(folder.skipped()) == 1


def queue_holding(*ids: str) -> Scheduler:
    return Scheduler.answered({i: "RUNNING" for i in ids})  # what squeue would list


def test_slurm_claims_a_requeue_is_its_own_claimant_and_a_gone_job_is_stale(
    tmp_path: Path,
) -> None:
    folder = JobFolder(tmp_path, "train", "0123456789ab")
    elsewhere = {"host": "node-7", "pid": 4242, "slurm_job_id": "100_3"}
    folder.claim(elsewhere, queue_holding("100_3"))
    with pytest.raises(ClaimedElsewhere, match="is run by 100_3"):  # a duplicate array task
        folder.claim({"host": "node-8", "pid": 1, "slurm_job_id": "200_3"}, queue_holding("100_3"))
    requeued = {"host": "node-9", "pid": 7, "slurm_job_id": "100_3"}  # same task, after requeue
    mine = folder.claim(requeued, queue_holding("100_3"))
    assert folder.claim_holder()["host"] == "node-9"
    folder.release(mine)
    folder.claim(elsewhere, queue_holding())
    taken = folder.claim({"host": "node-8", "pid": 1, "slurm_job_id": "200_3"}, queue_holding())
    assert folder.claim_holder()["token"] == taken["token"]  # 100_3 is gone: stale
    assert [s["slurm_job_id"] for s in folder.skipped()] == ["200_3"]
