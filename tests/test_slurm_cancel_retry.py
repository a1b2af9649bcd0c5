"""Cancel and retries through a real Slurm (started by .ci/run or slurm/start_local_slurm.sh).

A six-job sweep of test-only stages (plugin ``tests.grid_toy_plugin``) is launched with one
slow encode job, cancelled (``squeue`` no longer holds it, status shows it cancelled), then
relaunched with ``retries=1`` while its evaluation fails once: the relaunch resumes the
cancelled jobs, the evaluation succeeds on its retry inside the same Slurm job, and its
first attempt's error is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grid.plan import read_launched
from grid.status import classify
from grid.store.folder import JobFolder
from grid.store.state import CANCELLED, DONE, FAILED, PENDING, RUNNING, SlurmQueue
from tests import grid_toy_stages as toy

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        not (os.environ.get("LCC_TEST_SLURM") and shutil.which("sbatch")),
        reason="needs a running Slurm: set LCC_TEST_SLURM=1 after slurm/start_local_slurm.sh",
    ),
]

REPO = Path(__file__).resolve().parents[1]
SWEEP = "demo_cifar"
ARGS = [
    f"sweep={SWEEP}",
    "executor=slurm",
    "plugins=[tests.grid_toy_plugin]",
    "seeds=1",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    *toy.NO_FUTURE_CODECS,
    "select.methods=[]",
    "select.joined=[]",
    "cifar10c=false",
    "original=false",
    "epochs=2",
]
SLOW = "synthetic train jpeg:10"  # the encode job the training reads
FLAKY = "synthetic vgg11-5 jpeg:10 seed 0"  # the evaluation (a toy quick stage) fails once


def grid_cli(module: str, *args: str, **env: str) -> subprocess.CompletedProcess:
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


def wait_for(results: Path, ended: tuple[str, ...], seconds: float) -> dict[str, str]:
    """The sweep's job states once all are in ``ended`` (or the deadline passed)."""
    the_plan = read_launched(results, SWEEP)
    deadline = time.time() + seconds
    while True:
        states = classify(the_plan, results)
        if all(s in ended for s in states.values()) or time.time() > deadline:
            return states
        time.sleep(3)


def test_cancel_then_relaunch_with_a_retry_on_real_slurm(tmp_path: Path) -> None:
    results = tmp_path / "results"
    profile = tmp_path / "ci.toml"
    profile.write_text(
        'description = "CI"\narray_parallelism = 2\nsignal_delay_s = 30\n'
        "[resources.cpu]\ncpus = 1\nmem_gb = 1\ntime_min = 10\n"
        "[resources.gpu]\ncpus = 1\nmem_gb = 1\ntime_min = 10\n"
    )
    args = [*ARGS, f"results={results}", f"cluster={profile}"]
    grid_cli("grid.launch", *args, TOY_SLOW_QUICK_LABEL=SLOW, TOY_SLOW_QUICK_SECONDS="300")
    the_plan = read_launched(results, SWEEP)
    slow = next(j for j in the_plan.jobs if j.label == SLOW)
    assert JobFolder.of(results, slow).state(SlurmQueue()) in (PENDING, RUNNING)
    ids = {JobFolder.of(results, j).scheduler_id() for j in the_plan.jobs}

    out = grid_cli("grid.cancel", f"sweep={SWEEP}", f"results={results}")
    assert "scancel" in out.stdout
    deadline = time.time() + 60
    while (queued := SlurmQueue().ids) and ids & queued and time.time() < deadline:
        time.sleep(2)
    assert not ids & SlurmQueue().ids  # squeue holds none of the sweep's jobs
    assert classify(the_plan, results)[slow.signature] == CANCELLED
    status = grid_cli("grid.status", f"sweep={SWEEP}", f"results={results}")
    encode = next(line.split() for line in status.stdout.splitlines() if line.startswith("encode"))
    assert int(encode[-1]) >= 1  # the cancelled column

    grid_cli("grid.launch", *args, "retries=1", TOY_FAIL_LABEL=FLAKY, TOY_FAIL_ONCE="1")
    states = wait_for(results, (DONE, FAILED, CANCELLED), 420)
    assert set(states.values()) == {DONE}, states
    evaluate = next(j for j in the_plan.jobs if j.stage == "evaluate")
    errors = [a["error"] for a in JobFolder.of(results, evaluate).failures()]
    assert errors == [f"ToyFailure: toy failure in {FLAKY}"]
