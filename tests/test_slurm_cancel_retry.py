"""Cancel and retries through a real Slurm (started by .ci/run or slurm/start_local_slurm.sh).

A six-job sweep of test-only stages (plugin ``tests.grid_toy_plugin``) is launched with one
slow encode job, cancelled (``squeue`` no longer holds it, status shows it cancelled), then
relaunched with ``retries=1`` while its evaluation fails once: the relaunch resumes the
cancelled jobs, the evaluation succeeds on its retry inside the same Slurm job, and its
first attempt's error is kept.
"""

from __future__ import annotations

import time
from pathlib import Path

from grid.plan import read_launched
from grid.status import classify
from grid.store.folder import JobFolder
from grid.store.scheduler import Scheduler
from grid.store.state import CANCELLED, DONE, FAILED, PENDING, RUNNING
from tests import grid_toy_stages as toy
from tests.slurm_cluster import ci_profile, explain, grid_cli, needs_slurm, wait_until

pytestmark = needs_slurm

SWEEP = "demo_cifar"
ARGS = [
    f"sweep={SWEEP}",
    "executor=slurm",
    "plugins=[tests.grid_toy_plugin]",
    *toy.JPEG_ONLY,
    "select.methods=[]",
    "cifar10c=false",
    "original=false",
    "epochs=2",
]
SLOW = "synthetic train jpeg:10"  # the encode job the training reads
FLAKY = "synthetic vgg11-5 jpeg:10 seed 0"  # the evaluation (a toy quick stage) fails once


def held() -> set[str]:
    """The ids squeue lists now (unfinished)."""
    queue = Scheduler(poll_s=0).queue()
    return {i for i in queue.states or {} if queue.holds(i)}


def test_cancel_then_relaunch_with_a_retry_on_real_slurm(tmp_path: Path) -> None:
    results = tmp_path / "results"
    args = [*ARGS, f"results={results}", f"cluster={ci_profile(tmp_path)}"]
    grid_cli("grid.launch", *args, TOY_SLOW_QUICK_LABEL=SLOW, TOY_SLOW_QUICK_SECONDS="300")
    the_plan = read_launched(results, SWEEP)
    slow = next(j for j in the_plan.jobs if j.label == SLOW)
    assert JobFolder.of(results, slow).state(Scheduler(poll_s=0)) in (PENDING, RUNNING)
    ids = {JobFolder.of(results, j).scheduler_id() for j in the_plan.jobs}

    out = grid_cli("grid.cancel", f"sweep={SWEEP}", f"results={results}")
    assert "scancel" in out.stdout
    deadline = time.time() + 60
    while ids & held() and time.time() < deadline:
        time.sleep(2)
    assert not ids & held()  # squeue holds none of the sweep's jobs
    assert classify(the_plan, results)[slow.signature] == CANCELLED
    status = grid_cli("grid.status", f"sweep={SWEEP}", f"results={results}")
    encode = next(line.split() for line in status.stdout.splitlines() if line.startswith("encode"))
    assert int(encode[5]) >= 1  # the cancelled column

    grid_cli("grid.launch", *args, "retries=1", TOY_FAIL_LABEL=FLAKY, TOY_FAIL_ONCE="1")
    states = wait_until(the_plan, results, (DONE, FAILED, CANCELLED), 420)
    assert set(states.values()) == {DONE}, explain(the_plan, results, states)
    evaluate = next(j for j in the_plan.jobs if j.stage == "evaluate")
    errors = [a["error"] for a in JobFolder.of(results, evaluate).failures()]
    assert errors == [f"ToyFailure: toy failure in {FLAKY}"]
