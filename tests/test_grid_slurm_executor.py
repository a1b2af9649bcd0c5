"""The Slurm executor's arrays and dependencies, with sbatch stubbed out (the real-Slurm
test is tests/test_slurm_real.py)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import grid
from grid.context import job_dir
from grid.executors.base import Launch
from grid.executors.slurm import SlurmExecutor
from grid.launch import make_executor
from grid.plan import Group
from grid.profiles import load_profile
from grid.store.files import atomic_write_json
from grid.store.state import DONE, NEW, PENDING

ARGS = [
    "seeds=3",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "select.joined=[]",
]


class Handle:
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id


def stub(executor: SlurmExecutor, calls: list) -> None:
    def submit_array(stage, jobs, after, launch):
        calls.append((stage, len(jobs), after))
        array = str(1000 + len(calls))
        return [Handle(f"{array}_{i}") for i in range(len(jobs))]

    executor._submit_array = submit_array


def test_only_queued_inputs_become_dependencies_and_arrays_are_chunked(tmp_path: Path) -> None:
    the_plan = grid.plan("demo_cifar", ARGS)
    first = "synthetic train jpeg:10"  # read by a third of the trainings only
    encodes = sorted(
        (j for j in the_plan.jobs if j.stage == "encode"), key=lambda j: j.label != first
    )
    states = {j.signature: NEW for j in the_plan.jobs}
    for i, job in enumerate(encodes):  # all were submitted once; one is still in the queue
        marker = {"time": "t", "executor": "slurm", "slurm_job_id": f"{500 + i}_0"}
        atomic_write_json(job_dir(tmp_path, "encode", job.signature) / "submitted.json", marker)
        states[job.signature] = PENDING if i == 0 else DONE
    executor = make_executor("slurm", the_plan, tmp_path, states)
    calls: list = []
    stub(executor, calls)
    profile = replace(load_profile("default"), max_array_size=2)
    launch = Launch("demo_cifar", tmp_path, the_plan.run_settings, profile, the_plan.by_signature)
    trains = [j for j in the_plan.jobs if j.stage == "train"]
    executor.submit([Group("train", 0, tuple(trains))], launch)
    assert len(calls) == math.ceil(len(trains) / 2)
    assert {tuple(after) for *_, after in calls} == {("500",), ()}
    readers = {j.signature for j in trains if encodes[0].signature in j.dependencies}
    for (_, n, after), start in zip(calls, range(0, len(trains), 2), strict=True):
        piece = trains[start : start + n]
        expected = ["500"] if any(j.signature in readers for j in piece) else []
        assert after == expected
