"""A packed array task in-process (grid/pack.py): each job keeps its own folder and markers,
a failure is recorded and the next job still runs, a rerun runs only what is not done, and
no job inherits the process state an earlier job of its task changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

import grid
from grid.pack import PackedRunner, PackFailedError
from grid.runner import run_job
from grid.stages import registry
from grid.stages.registry import Stage
from grid.store.folder import JobFolder
from tests import grid_toy_stages as toy

ARGS = [
    "seeds=1",
    "codecs.bls=[]",
    "codecs.jpeg=[10]",
    "codecs.noise=[0.05]",
    "codecs.blur=[]",
    *toy.NO_FUTURE_CODECS,
    "select.joined=[]",
    "fourier.enabled=false",
]


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    toy.install(monkeypatch)


def three_trains(root: Path):
    """Three trainings of the demo (original, jpeg:10, noise:0.05) with their encodes done."""
    the_plan = grid.plan("demo_cifar", [*ARGS, "epochs=2"])
    jobs = the_plan.by_signature
    trains = [
        j for j in the_plan.jobs if j.stage == "train" and not j.config["train_set"]["joined"]
    ]
    assert len(trains) == 3
    inputs = {sig: jobs[sig] for job in trains for sig in job.dependencies}
    for dep in inputs.values():
        run_job(dep, root, "demo_cifar", {})
    specs = {sig: dep.to_dict() for sig, dep in inputs.items()}
    return [j.to_dict() for j in trains], specs, trains


def test_a_failed_packed_job_is_recorded_the_others_finish_and_a_rerun_runs_only_it(
    tmp_path: Path, monkeypatch
) -> None:
    specs, inputs, trains = three_trains(tmp_path)
    victim = trains[1]
    train = registry.STAGES["train"]

    def failing(ctx):
        if ctx.job.signature == victim.signature:
            raise ValueError("disk full")
        return train.fn(ctx)

    monkeypatch.setitem(registry.STAGES, "train", Stage("train", failing, train.tables, "cpu"))
    with pytest.raises(
        PackFailedError, match=rf"1 of 3 packed jobs failed: train {victim.signature}"
    ):
        PackedRunner()(specs, str(tmp_path), "demo_cifar", inputs)
    folders = [JobFolder.of(tmp_path, j) for j in trains]
    assert [f.state() for f in folders] == ["done", "failed", "done"]
    assert folders[1].error() == "ValueError: disk full"
    assert len(folders[0].read_rows("train_curve")) == 2 == len(folders[2].read_rows("train_curve"))

    monkeypatch.setitem(registry.STAGES, "train", train)  # the cause is fixed; rerun the task
    toy.RUNS.clear()
    folders_out = PackedRunner()(specs, str(tmp_path), "demo_cifar", inputs)
    assert dict(toy.RUNS) == {victim.signature: 1}  # the two done jobs were skipped
    assert folders_out == [str(f.path) for f in folders]
    assert all(f.state() == "done" for f in folders)


def test_a_packed_job_does_not_inherit_the_state_an_earlier_job_changed(
    tmp_path: Path, monkeypatch
) -> None:
    specs, inputs, trains = three_trains(tmp_path)
    seen: list[tuple] = []
    first = trains[0].signature

    def meddling(ctx):
        seen.append(
            (
                torch.get_default_dtype(),
                torch.get_num_threads(),
                torch.is_grad_enabled(),
                os.getcwd(),
                os.environ.get("LCC_LEAK"),
                torch.backends.cudnn.benchmark,
            )
        )
        if ctx.job.signature == first:
            torch.set_default_dtype(torch.float64)
            torch.set_num_threads(torch.get_num_threads() + 1)
            torch.set_grad_enabled(False)
            torch.backends.cudnn.benchmark = not torch.backends.cudnn.benchmark
            os.chdir(tmp_path)
            os.environ["LCC_LEAK"] = "1"
        return {}

    monkeypatch.setitem(registry.STAGES, "train", Stage("train", meddling, (), "cpu"))
    before = process_state()
    PackedRunner()(specs, str(tmp_path), "demo_cifar", inputs)
    assert len(seen) == 3 and seen[0] == seen[1] == seen[2]
    assert seen[0][0] == torch.float32 and seen[0][4] is None
    assert process_state() == before  # and the task leaves the process as it found it


def process_state() -> tuple:
    """What a job could leave behind in its process: torch threads, dtype, grad mode, cuDNN
    benchmark, matmul precision, working directory, environment."""
    return (
        torch.get_num_threads(),
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.backends.cudnn.benchmark,
        torch.get_float32_matmul_precision(),
        os.getcwd(),
        dict(os.environ),
    )
