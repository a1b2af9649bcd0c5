"""Failure classes on a real Slurm (started by .ci/run or slurm/start_local_slurm.sh, with
accounting and memory enforcement: docs/SLURM_STATES.md), one test per class:

- a training over its memory limit (launched through grid, test-only stages of
  ``tests.grid_failure_plugin``) is ``out_of_memory`` and its next attempt asks twice the memory;
- ``scontrol requeue`` of a running, checkpointing training: it resumes from the epoch its
  checkpoint held when it was stopped, and ends with the rows of an uninterrupted run;
- a job ``scancel``'d outside grid.cancel is ``cancelled``; one past its time limit is
  ``timeout`` (submitted with the first test, it runs out its 2 minutes meanwhile); one with
  ``--no-requeue`` whose node goes down is ``node_fail`` (the node is resumed after, last).

The last three are plain ``sbatch`` jobs whose running marker the test writes, as the runner
would; status then classifies them from squeue and sacct alone.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from grid import status
from grid.job import Job
from grid.plan import Plan, plan_path, read_launched
from grid.profiles import Resources
from grid.retry import next_attempt
from grid.store.files import atomic_write_bytes
from grid.store.folder import JobFolder
from grid.store.scheduler import DEAD, Scheduler
from grid.store.state import CANCELLED, DONE, FAILED
from tests import grid_toy_stages as toy
from tests.grid_toy_stages import started_epochs
from tests.slurm_cluster import JOB_MEM_GB, ci_profile, explain, grid_cli, needs_slurm, wait_until
from tests.test_slurm_real import uninterrupted_losses

pytestmark = needs_slurm

SWEEP = "demo_cifar"
ARGS = [
    f"sweep={SWEEP}",
    "executor=slurm",
    "plugins=[tests.grid_failure_plugin]",
    *toy.JPEG_ONLY,
    "select.methods=[]",
    "cifar10c=false",
    "original=false",
]
TRAIN = "jpeg:10 seed 0"  # the one training of the sweep
HOG_MB = (JOB_MEM_GB + 1) * 1024  # what the over-memory training fills, past its limit


def launch(tmp_path: Path, *extra: str, **env: str) -> tuple[Path, Plan, Job]:
    """Launch the six-job sweep on Slurm (1 CPU, JOB_MEM_GB, 10 min a job); its results root,
    launched plan and training job."""
    results = tmp_path / "results"
    grid_cli("grid.launch", *ARGS, *extra, f"results={results}",
             f"cluster={ci_profile(tmp_path)}", **env)  # fmt: skip
    the_plan = read_launched(results, SWEEP)
    train = next(j for j in the_plan.jobs if j.stage == "train")
    return results, the_plan, train


@pytest.fixture(scope="module")
def overdue(tmp_path_factory) -> tuple[Path, Plan, JobFolder, str]:
    """A plain job with a 2-minute limit, started with the module's first test so that it runs
    out its time while the others run (see :func:`plain_job`)."""
    return plain_job(tmp_path_factory.mktemp("timeout"), "timeout", "--time=2")


@pytest.mark.usefixtures("overdue")
def test_a_training_over_its_memory_is_out_of_memory_and_its_next_attempt_doubles_it(
    tmp_path: Path,
) -> None:
    results, the_plan, train = launch(
        tmp_path, "epochs=2", TOY_HOG_LABEL=TRAIN, TOY_HOG_MB=str(HOG_MB)
    )
    states = wait_until(the_plan, results, (DONE, FAILED), timeout_s=300)
    assert states[train.signature] == FAILED, explain(the_plan, results, states)
    folder = JobFolder.of(results, train)
    [attempt] = folder.failures()
    assert attempt["failure_class"] == "out_of_memory", attempt
    assert attempt["resources"]["mem_gb"] == JOB_MEM_GB
    assert attempt["usage"]["max_rss_mb"] > JOB_MEM_GB * 1024
    out = grid_cli("grid.status", f"sweep={SWEEP}", f"results={results}").stdout
    assert "    out_of_memory: Slurm killed it above its memory limit" in out
    base = Resources(cpus=1, mem_gb=JOB_MEM_GB, gpus=0, time_min=10)
    nxt = next_attempt(folder.failures(), base, max_mem_gb=4 * JOB_MEM_GB, max_time_min=60)
    twice = 2 * JOB_MEM_GB
    assert nxt.resources.mem_gb == twice and f"the next attempt asks {twice} GB" in nxt.reason


def scontrol_field(slurm_id: str, key: str) -> str:
    out = subprocess.run(["scontrol", "show", "job", slurm_id], capture_output=True, text=True)
    for word in out.stdout.split():
        if word.startswith(f"{key}="):
            return word.split("=", 1)[1]
    return ""


def checkpoint_epoch(folder: JobFolder) -> int:
    path = folder / "checkpoint.pt"
    return torch.load(path, weights_only=False)["epoch"] if path.exists() else 0


def poll(condition, timeout_s: float, what: str) -> None:
    deadline = time.time() + timeout_s
    while not condition():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def test_a_requeued_training_resumes_from_the_epoch_its_checkpoint_held(tmp_path: Path) -> None:
    results, the_plan, train = launch(
        tmp_path, "epochs=6", TOY_SLOW_LABEL=TRAIN, TOY_EPOCH_SECONDS="8"
    )
    folder = JobFolder.of(results, train)
    poll(lambda: checkpoint_epoch(folder) >= 2, 240, "two epochs")
    slurm_id = folder.scheduler_id()
    subprocess.run(["scontrol", "requeue", slurm_id], check=True)
    poll(lambda: scontrol_field(slurm_id, "JobState") == "PENDING", 90, "the requeue")
    stopped_at = checkpoint_epoch(folder)  # its process is gone: the epoch it resumes from
    assert 2 <= stopped_at < 6
    states = wait_until(the_plan, results, (DONE, FAILED), timeout_s=300)
    assert set(states.values()) == {DONE}, explain(the_plan, results, states)
    assert started_epochs(folder.path) == [(0, 0), (1, stopped_at)]
    rows = pd.read_parquet(results / SWEEP / "train_curve")
    rows = rows[rows["signature"] == train.signature].sort_values("epoch")
    assert list(rows["epoch"]) == [1, 2, 3, 4, 5, 6]
    assert list(rows["loss"]) == uninterrupted_losses(train, tmp_path)
    assert folder.failures() == []  # a requeue is no failure


def plain_job(tmp_path: Path, name: str, *sbatch: str) -> tuple[Path, Plan, JobFolder, str]:
    """A ``sleep 300`` Slurm job (``sbatch`` options added) with the running marker the runner
    would write, in a launched plan of that one job; (results, plan, folder, Slurm id)."""
    results = tmp_path / "results"
    log = tmp_path / f"{name}.out"
    command = ["sbatch", "--parsable", "--mem=100M", f"--output={log}", *sbatch]
    slurm_id = subprocess.run(
        [*command, "--wrap", "sleep 300"], capture_output=True, text=True, check=True
    ).stdout.strip()
    job = Job("train", {"case": name}, label=name)
    the_plan = Plan(SWEEP, {"main": {}}, [job])
    atomic_write_bytes(plan_path(results, SWEEP), the_plan.to_json().encode())
    folder = JobFolder.of(results, job)
    folder.mark_running(host=socket.gethostname(), pid=1, slurm_job_id=slurm_id, log=str(log))
    poll(lambda: scontrol_field(slurm_id, "JobState") == "RUNNING", 60, f"{name} to start")
    return results, the_plan, folder, slurm_id


def ended_class(results: Path, the_plan: Plan, folder: JobFolder, slurm_id: str, wait_s: float):
    """Wait until squeue no longer holds ``slurm_id``; then classify until a class is recorded
    (status records none while sacct has not stored the job's end); the class recorded."""
    poll(lambda: Scheduler(poll_s=0).verdict(slurm_id) == DEAD, wait_s, f"{slurm_id} to end")

    def recorded() -> bool:
        states = status.classify(the_plan, results, Scheduler(results, poll_s=0))
        assert states == {folder.signature: FAILED}
        return bool(folder.failures())

    poll(recorded, 60, f"the class of {slurm_id}")
    return folder.failures()[-1]["failure_class"], folder.error()


def test_a_job_scancelled_outside_grid_cancel_is_cancelled(tmp_path: Path) -> None:
    results, the_plan, folder, slurm_id = plain_job(tmp_path, "cancelled")
    subprocess.run(["scancel", slurm_id], check=True)
    cls, line = ended_class(results, the_plan, folder, slurm_id, 60)
    assert cls == CANCELLED and line.startswith("cancelled: scancel'd outside grid.cancel")


def test_a_job_past_its_time_limit_is_timeout(overdue) -> None:
    cls, line = ended_class(*overdue, 240)
    assert cls == "timeout" and "Slurm: TIMEOUT" in line, line


def test_a_job_whose_node_goes_down_is_node_fail(tmp_path: Path) -> None:
    results, the_plan, folder, slurm_id = plain_job(tmp_path, "node", "--no-requeue")
    node = scontrol_field(slurm_id, "NodeList")
    try:
        subprocess.run(
            ["scontrol", "update", f"nodename={node}", "state=down", "reason=test"], check=True
        )
        cls, line = ended_class(results, the_plan, folder, slurm_id, 90)
    finally:
        subprocess.run(["scontrol", "update", f"nodename={node}", "state=resume"], check=False)
    assert cls == "node_fail" and "Slurm: NODE_FAIL" in line, line
    poll(lambda: "idle" in subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True,
                                          text=True).stdout, 60, "the node back")  # fmt: skip
