"""Status follows the launch (plan.json), cancel, retries and the local failure line, with the
fake executor, test-only stages, and stand-in ``squeue``/``scancel`` scripts on PATH."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import grid
from grid import cancel, launch, status
from grid.executors.base import Launch
from grid.executors.local import LocalExecutor
from grid.job import Job
from grid.plan import Group, plan_path
from grid.profiles import load_profile
from grid.stages.registry import STAGE_ORDER
from grid.store.files import atomic_write_bytes
from grid.store.folder import JobFolder
from grid.store.state import CANCELLED, DONE, FAILED, PENDING
from tests import grid_toy_stages as toy

OVERRIDES = [*toy.SMALL_DEMO, "epochs=2"]
SWEEP = "demo_cifar"
VICTIM = "synthetic train jpeg:10"  # the encode job of the JPEG q10 training set


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    toy.install(monkeypatch, launch)


def run(root: Path, *extra: str, sweep: str = SWEEP):
    return launch.launch([f"sweep={sweep}", "executor=fake", *OVERRIDES, f"results={root}", *extra])


def plan_of(root: Path, sweep: str = SWEEP) -> grid.Plan:
    return grid.plan(sweep, [*OVERRIDES, f"results={root}"])


def victim_of(the_plan: grid.Plan) -> Job:
    return next(j for j in the_plan.jobs if j.label == VICTIM)


# -- status follows the launch -----------------------------------------------------------


def test_status_shows_the_launched_plan_not_a_fresh_one(tmp_path: Path, capsys) -> None:
    run(tmp_path)
    launched = plan_of(tmp_path)
    assert len(grid.plan(SWEEP).jobs) != len(launched.jobs)  # defaults plan another DAG
    capsys.readouterr()
    assert status.main([f"sweep={SWEEP}", f"results={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert f"sweep {SWEEP}: {len(launched.jobs)} jobs" in out and "planning" not in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line.strip()}
    done = sum(int(cells[0]) for stage, cells in rows.items() if stage in STAGE_ORDER)
    assert done == len(launched.jobs)


def stage_rows(lines: list[str]) -> list[str]:
    return [line.split()[0] for line in lines if line.split() and line.split()[0] in STAGE_ORDER]


def test_status_and_launch_tables_are_in_dag_order_with_a_cancelled_column(
    tmp_path: Path, capsys
) -> None:
    run(tmp_path)
    launched = stage_rows(capsys.readouterr().out.splitlines())
    status.main([f"sweep={SWEEP}", f"results={tmp_path}"])
    lines = capsys.readouterr().out.splitlines()
    columns = ["stage", "done", "running", "failed", "pending", "cancelled", "unknown"]
    assert lines[1].split() == columns
    shown = stage_rows(lines[2:])
    assert shown == [s for s in STAGE_ORDER if s in shown] and shown[0] == "fit-codec"
    assert len(shown) == len({j.stage for j in plan_of(tmp_path).jobs})
    assert launched == shown  # the launcher's summary (its only stage table) too


def test_status_without_plan_json_says_so_and_plans(tmp_path: Path, capsys) -> None:
    assert status.main([f"sweep={SWEEP}", f"results={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert f"no {plan_path(tmp_path.resolve(), SWEEP)}" in out
    assert f"sweep {SWEEP}: {len(grid.plan(SWEEP).jobs)} jobs" in out


def test_status_with_overrides_replans(tmp_path: Path, capsys) -> None:
    run(tmp_path)
    capsys.readouterr()
    status.main([f"sweep={SWEEP}", *OVERRIDES, "seeds=2", f"results={tmp_path}"])
    two_seeds = grid.plan(SWEEP, [*OVERRIDES, "seeds=2"])
    assert f"sweep {SWEEP}: {len(two_seeds.jobs)} jobs" in capsys.readouterr().out


# -- retries -------------------------------------------------------------------------------


def test_retries_rerun_a_failing_job_and_keep_every_attempt(tmp_path: Path, capsys) -> None:
    victim = victim_of(plan_of(tmp_path))
    outcome = run(tmp_path, f"fake.fail=[{victim.signature}]", "retries=2")
    assert victim.signature in outcome.failed
    attempts = JobFolder.of(tmp_path, victim).failures()
    assert len(attempts) == 3  # the first attempt and two retries
    assert all("InjectedFailure: injected failure" in a["error"] for a in attempts)
    out = capsys.readouterr().out
    assert f"FAILED encode {victim.signature}" in out and "gave up after 3 failed attempts" in out


def test_a_transient_failure_succeeds_on_its_retry(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TOY_FAIL_LABEL", VICTIM)
    monkeypatch.setenv("TOY_FAIL_ONCE", "1")
    victim = victim_of(plan_of(tmp_path))
    outcome = run(tmp_path, "retries=1")
    assert not outcome.failed
    folder = JobFolder.of(tmp_path, victim)
    assert folder.state() == DONE and toy.RUNS[victim.signature] == 2
    assert [a["error"] for a in folder.failures()] == [f"ToyFailure: toy failure in {VICTIM}"]


def test_without_retries_a_transient_failure_waits_for_the_relaunch(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("TOY_FAIL_LABEL", VICTIM)
    monkeypatch.setenv("TOY_FAIL_ONCE", "1")
    victim = victim_of(plan_of(tmp_path))
    assert victim.signature in run(tmp_path).failed
    assert JobFolder.of(tmp_path, victim).state() == FAILED
    assert not run(tmp_path).failed  # a relaunch reruns failed jobs (retries or not)


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_retries_must_be_a_whole_number(tmp_path: Path, value, capsys) -> None:
    results = tmp_path / "results"
    argv = [f"sweep={SWEEP}", "executor=fake", *OVERRIDES, f"results={results}", f"retries={value}"]
    assert launch.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a whole number >= 0" in err, err
    assert not results.exists() and not toy.RUNS  # refused before any folder or job


# -- cancel --------------------------------------------------------------------------------


def fake_slurm(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """``squeue`` printing the ids in queue.txt, ``scancel`` logging its arguments and
    dropping them from the queue; returns (queue file, scancel log)."""
    bin_dir, queue, calls = tmp_path / "bin", tmp_path / "queue.txt", tmp_path / "scancel.log"
    bin_dir.mkdir()
    queue.write_text("")
    scripts = {
        "squeue": f"#!/bin/sh\ncat {queue}\n",
        "scancel": f'#!/bin/sh\necho "$@" >> {calls}\nfor id in "$@"; do '
        f'grep -vx "$id" {queue} > {queue}.tmp; mv {queue}.tmp {queue}; done\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return queue, calls


def slurm_launched(root: Path, sweep: str, queue: Path, first_id: int) -> grid.Plan:
    """As if ``sweep`` was launched on Slurm: plan.json written, every job queued (array
    ``first_id`` + stage index, task = position), its id in ``squeue``."""
    the_plan = plan_of(root, sweep)
    atomic_write_bytes(plan_path(root, sweep), the_plan.to_json().encode())
    ids = []
    for n, job in enumerate(the_plan.jobs):
        slurm_id = f"{first_id + STAGE_ORDER.index(job.stage)}_{n}"
        JobFolder.of(root, job).mark_submitted(executor="slurm", slurm_job_id=slurm_id)
        ids.append(slurm_id)
    with open(queue, "a") as handle:
        handle.write("".join(f"{i}\n" for i in ids))
    return the_plan


def test_cancel_scancels_once_marks_cancelled_and_relaunch_resumes(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    queue, calls = fake_slurm(tmp_path, monkeypatch)
    root = tmp_path / "results"
    the_plan = slurm_launched(root, SWEEP, queue, 100)
    assert set(status.classify(the_plan, root).values()) == {PENDING}
    assert cancel.main([f"sweep={SWEEP}", f"results={root}"]) == 0
    ids = sorted(JobFolder.of(root, j).scheduler_id() for j in the_plan.jobs)
    assert [sorted(line.split()) for line in calls.read_text().splitlines()] == [ids]
    assert queue.read_text().strip() == ""
    assert set(status.classify(the_plan, root).values()) == {CANCELLED}
    capsys.readouterr()
    status.main([f"sweep={SWEEP}", f"results={root}"])
    table = capsys.readouterr().out.splitlines()
    train = next(line.split() for line in table if line.startswith("train "))
    assert train[5] == str(sum(j.stage == "train" for j in the_plan.jobs))
    outcome = run(root)
    assert not outcome.failed and set(outcome.ids) == {j.signature for j in the_plan.jobs}
    assert set(status.classify(the_plan, root).values()) == {DONE}


def test_cancel_keeps_jobs_another_sweep_still_needs_unless_forced(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    queue, calls = fake_slurm(tmp_path, monkeypatch)
    root = tmp_path / "results"
    ours = slurm_launched(root, SWEEP, queue, 100)
    # demo = demo_cifar + demo_tiny: shares every demo_cifar job but the report
    slurm_launched(root, "demo", queue, 200)
    capsys.readouterr()
    cancel.main([f"sweep={SWEEP}", f"results={root}"])
    out = capsys.readouterr().out
    report = ours.jobs[-1]
    states = status.classify(ours, root)
    assert states[report.signature] == CANCELLED
    assert {s for s, st in states.items() if st == PENDING} == set(ours.by_signature) - {
        report.signature
    }
    assert calls.read_text().split() == [JobFolder.of(root, report).scheduler_id()]
    assert "kept" in out and "sweep demo's queued jobs need it" in out
    cancel.main([f"sweep={SWEEP}", f"results={root}", "force=true"])
    assert set(status.classify(ours, root).values()) == {CANCELLED}


def test_cancel_of_a_local_launch_marks_only_and_names_the_launcher(tmp_path: Path, capsys) -> None:
    the_plan = plan_of(tmp_path)
    atomic_write_bytes(plan_path(tmp_path, SWEEP), the_plan.to_json().encode())
    for job in the_plan.jobs:
        JobFolder.of(tmp_path, job).mark_submitted(
            executor="local", host=os.uname().nodename, pid=os.getpid()
        )
    capsys.readouterr()
    assert launch.main([f"sweep={SWEEP}", f"results={tmp_path}", "cancel=true"]) == 0
    out = capsys.readouterr().out
    assert f"marked {len(the_plan.jobs)} jobs without a Slurm id cancelled" in out
    assert f"local launcher pid {os.getpid()}" in out
    assert set(status.classify(the_plan, tmp_path).values()) == {CANCELLED}


# -- the local executor's failure line -----------------------------------------------------


def test_local_failure_line_is_the_jobs_error_not_a_log_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TOY_FAIL_LABEL", "toy-victim")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    job = Job("encode", {"toy": 1}, label="toy-victim")
    settings = {"max_parallel": 1, "plugins": ["tests.grid_toy_plugin"], "retries": 0}
    info = Launch("toy", tmp_path, settings, load_profile("default"), {job.signature: job})
    outcome = LocalExecutor().submit([Group("encode", 0, (job,))], info)
    assert outcome.failed == {job.signature: "ToyFailure: toy failure in toy-victim"}
