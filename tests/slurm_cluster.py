"""What the real-Slurm tests share: their skip condition, a small cluster profile, the grid CLI
run as a user runs it, and waiting for a launched sweep's jobs to end.

The Slurm is the one-node one of .ci/run or slurm/start_local_slurm.sh; the sweeps run
test-only stages (plugin ``tests.grid_toy_plugin``) in real Slurm jobs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grid.plan import Plan
from grid.status import classify
from grid.store.folder import JobFolder
from grid.store.scheduler import Scheduler

REPO = Path(__file__).resolve().parents[1]

needs_slurm = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        not (os.environ.get("LCC_TEST_SLURM") and shutil.which("sbatch")),
        reason="needs a running Slurm: set LCC_TEST_SLURM=1 after slurm/start_local_slurm.sh",
    ),
]


# Memory (GB) each test job asks for. Slurm here counts a job's resident pages, shared library
# pages included (jobacct_gather/linux with OverMemoryKill, slurm/start_local_slurm.sh), and
# importing torch (CUDA build), torchvision and compressai reaches 0.8 GB when their files are
# partly out of the page cache and 1.09 GB right after `make setup` has read them: 1 GB
# killed every job of a fresh CI clone at start-up (sacct FAILED 9:0, "exceeded memory limit").
JOB_MEM_GB = 3


def ci_profile(
    tmp_path: Path, train_time_min: int | None = None, max_time_min: int | None = None
) -> Path:
    """A cluster profile for the one-node Slurm: 1 CPU and :data:`JOB_MEM_GB` a job, 10-minute
    limits (``train_time_min`` for training jobs, ``max_time_min`` for any task), two array
    tasks at a time, the requeue warning 30 s before a limit."""
    cap = "" if max_time_min is None else f"max_time_min = {max_time_min}\n"
    train = "" if train_time_min is None else f"[stages.train]\ntime_min = {train_time_min}\n"
    path = tmp_path / "ci.toml"
    path.write_text(
        f'description = "CI"\narray_parallelism = 2\nsignal_delay_s = 30\n{cap}'
        f"[resources.cpu]\ncpus = 1\nmem_gb = {JOB_MEM_GB}\ntime_min = 10\n"
        f"[resources.gpu]\ncpus = 1\nmem_gb = {JOB_MEM_GB}\ntime_min = 10\n" + train
    )
    return path


def grid_cli(module: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``python -m module args`` from the repository, as a user runs it; must exit 0."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out


def wait_until(
    the_plan: Plan, results: Path, ended: tuple[str, ...], timeout_s: float
) -> dict[str, str]:
    """Every job's state (by signature) once each is in ``ended``, or when the time is up
    (squeue asked afresh each time, not the poll interval's cached answer)."""
    deadline = time.time() + timeout_s
    while True:
        states = classify(the_plan, results, Scheduler(results, poll_s=0))
        if all(s in ended for s in states.values()) or time.time() > deadline:
            return states
        time.sleep(3)


def explain(the_plan: Plan, results: Path, states: dict[str, str]) -> str:
    """For a failed assertion: each job not done, with its state, its Slurm id, what sacct
    says of that id and the last lines of its submitit logs (a CI run shows nothing else)."""
    lines = []
    for job in the_plan.jobs:
        if states.get(job.signature) == "done":
            continue
        slurm_id = JobFolder.of(results, job).scheduler_id()
        lines.append(f"{job.stage} {job.label} {job.signature}: {states.get(job.signature)}, "
                     f"slurm {slurm_id}")  # fmt: skip
        if not slurm_id:
            continue
        sacct = subprocess.run(
            ["sacct", "-n", "-P", "-j", slurm_id, "--format=JobID,State,ExitCode,Reason,Elapsed"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        lines.append("  sacct: " + " | ".join(sacct.stdout.split()) + sacct.stderr.strip())
        for log in sorted((results / "_logs").glob(f"*/slurm/{slurm_id}/*_log.*")):
            tail = log.read_text(errors="replace").splitlines()[-6:]
            lines += [f"  {log.name}:", *(f"    {t}" for t in tail)]
    return "\n".join(lines[:200])
