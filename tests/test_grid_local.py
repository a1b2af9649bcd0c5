"""The local executor: worker processes that run job after job (grid/executors/worker.py).

End to end on the test-only stages: the DAG in dependency order with one job's worker killed
by SIGKILL (only that job and its dependents fail, a relaunch reruns only them, a third
launch finds nothing to do); in one worker: real jobs give the rows they give alone, and a
job that changes process state leaves none of it to the next."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

import grid
from grid import status
from grid.executors.worker import Task, Worker
from grid.job import Job
from grid.plan import chain_lengths
from grid.store.folder import CANCEL, STARTED, JobFolder
from grid.store.schemas import PROVENANCE
from grid.store.state import CANCELLED, DONE, RUNNING
from tests import grid_toy_stages as toy

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "sweep=demo_cifar",
    "executor=local",
    "max_parallel=2",
    "plugins=[tests.grid_toy_plugin]",
    *toy.JPEG_ONLY,
    "epochs=2",
]


KILLED = "jpeg:10 seed 0"  # the label of the toy train job whose worker is killed


def launch(results: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run(
        [sys.executable, "-m", "grid.launch", *ARGS, *extra, f"results={results}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def planned(results: Path, *extra: str) -> grid.Plan:
    """The plan that :func:`launch` runs."""
    overrides = [a for a in ARGS if not a.startswith(("sweep=", "plugins="))]
    return grid.plan("demo_cifar", [*overrides, *extra, f"results={results}"])


def done_times(root: Path, jobs: list[Job]) -> dict[str, str]:
    """Signature -> time of its done marker, for the jobs that are done."""
    folders = {job.signature: JobFolder.of(root, job) for job in jobs}
    return {sig: f.read("done")["time"] for sig, f in folders.items() if f.is_done()}


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_job_and_a_relaunch_reruns_only_it(tmp_path: Path) -> None:
    first = launch(tmp_path, TOY_KILL_LABEL=KILLED)
    assert first.returncode == 1, first.stderr[-2000:]
    assert "executor: local" in first.stdout
    the_plan = planned(tmp_path)
    killed = next(j for j in the_plan.jobs if j.stage == "train" and KILLED in j.label)
    blocked = downstream(the_plan, killed.signature)  # the toy report waits for all
    folder = JobFolder.of(tmp_path, killed)
    assert folder.error() == "worker killed by signal 9 (SIGKILL)"
    assert f"FAILED train {killed.signature} ({killed.label}): worker killed by signal 9" in (
        first.stdout
    )
    assert Path(folder.log_path()).is_file()
    before = done_times(tmp_path, the_plan.jobs)
    for job in the_plan.jobs:  # its siblings finished
        if job.signature not in blocked:
            assert job.signature in before, job.label
    assert not blocked & before.keys()

    again = launch(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    after = done_times(tmp_path, the_plan.jobs)
    assert after.keys() == {j.signature for j in the_plan.jobs}
    rerun = {sig for sig in after if before.get(sig) != after[sig]}
    assert rerun == blocked and len(blocked) == 5  # training, evaluation, fourier, select, report
    attempts = (folder / "attempts.txt").read_text().split()
    assert len(attempts) == 2 and attempts[0] != attempts[1]  # two worker processes
    curves = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert sorted(curves["epoch"].unique()) == [1, 2]
    assert (tmp_path / "_logs" / "demo_cifar" / "local").is_dir()
    third = launch(tmp_path)
    assert third.returncode == 0 and "nothing to run" in third.stdout


def downstream(the_plan: grid.Plan, signature: str) -> set[str]:
    """``signature`` and every job that reads it, directly or through other jobs."""
    found = {signature}
    for job in the_plan.jobs:  # plan order: inputs first
        if found & set(job.dependencies):
            found.add(job.signature)
    return found


@contextmanager
def launch_until_slow_runs(results: Path) -> Iterator[tuple[subprocess.Popen, grid.Plan, Job]]:
    """A local launch whose training ``KILLED`` takes 2 epochs of 60 s, started in the
    background; yields (launcher, plan, that training) once the training runs."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TOY_SLOW_LABEL": KILLED,
           "TOY_EPOCH_SECONDS": "60"}  # fmt: skip
    command = [sys.executable, "-m", "grid.launch", *ARGS, f"results={results}"]
    launcher = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)  # fmt: skip
    the_plan = planned(results)
    slow = next(j for j in the_plan.jobs if j.stage == "train" and KILLED in j.label)
    try:
        deadline = time.monotonic() + 240
        while JobFolder.of(results, slow).state() != RUNNING and time.monotonic() < deadline:
            assert launcher.poll() is None, launcher.stdout.read()
            time.sleep(0.5)
        yield launcher, the_plan, slow
    finally:
        launcher.kill()  # a no-op once it ended


@pytest.mark.slow
def test_grid_cancel_stops_a_local_launch_and_a_relaunch_runs_what_it_stopped(
    tmp_path: Path,
) -> None:
    """The slow training (2 epochs of 60 s) is cancelled while it runs: its worker is killed
    and the launcher ends within seconds, every job not done reads cancelled (none failed,
    none of the training's dependants started), and a relaunch finishes them all."""
    with launch_until_slow_runs(tmp_path) as (launcher, the_plan, slow):
        asked = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "grid.cancel", "sweep=demo_cifar",
                              f"results={tmp_path}"], cwd=REPO, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)  # fmt: skip
        assert out.returncode == 0 and "which stops them within seconds" in out.stdout, out.stdout
        printed, _ = launcher.communicate(timeout=60)
        assert time.monotonic() - asked < 60  # not the 2 minutes the training had left
        assert launcher.returncode == 1 and "jobs (grid.cancel); a relaunch resumes them" in printed

    states = status.classify(the_plan, tmp_path)
    assert states[slow.signature] == CANCELLED
    assert set(states.values()) <= {DONE, CANCELLED}, states
    for sig in downstream(the_plan, slow.signature) - {slow.signature}:  # none of them started
        started = JobFolder.of(tmp_path, the_plan.by_signature[sig]).read(STARTED)
        assert states[sig] == CANCELLED and not started, sig

    again = launch(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert set(status.classify(the_plan, tmp_path).values()) == {DONE}


@pytest.mark.slow
def test_the_jobs_reading_a_cancelled_job_are_cancelled_and_the_others_run_on(
    tmp_path: Path,
) -> None:
    """Only the running training is marked cancelled (as grid.cancel marks each job it takes
    off): the launcher cancels what reads it, runs every other job to the end, and exits 1."""
    with launch_until_slow_runs(tmp_path) as (launcher, the_plan, slow):
        JobFolder.of(tmp_path, slow).mark_cancelled(by="test")
        printed, _ = launcher.communicate(timeout=120)
    assert launcher.returncode == 1, printed[-2000:]
    cut = downstream(the_plan, slow.signature)
    assert f"cancelled {len(cut)} jobs (grid.cancel)" in printed
    states = status.classify(the_plan, tmp_path)
    for job in the_plan.jobs:
        folder = JobFolder.of(tmp_path, job)
        if job.signature in cut - {slow.signature}:
            assert states[job.signature] == CANCELLED and not folder.read(STARTED), job.label
            assert folder.read(CANCEL)["by"] == "launcher: an input was cancelled"
        elif job.signature != slow.signature:
            assert states[job.signature] == DONE, job.label
    assert states[slow.signature] == CANCELLED


def test_with_one_worker_the_ready_job_starting_the_longest_chain_goes_first(
    tmp_path: Path,
) -> None:
    """With the bls-task codec, its fit (which reads the original training) starts a longer
    chain than the evaluations that become ready with it, though plan order lists them first."""
    extra = ("max_parallel=1", "codecs.bls-task=[0.1]", "epochs=1")
    out = launch(tmp_path, *extra)
    assert out.returncode == 0, out.stderr[-2000:]
    the_plan = planned(tmp_path, *extra)
    lengths = chain_lengths(the_plan.jobs)
    started = re.findall(r"started \S+ ([0-9a-f]{12}) \(", out.stderr)
    assert sorted(started) == sorted(the_plan.by_signature)
    ran: set[str] = set()
    for sig in started:
        ready = [j.signature for j in the_plan.jobs
                 if j.signature not in ran and set(j.dependencies) <= ran]  # fmt: skip
        assert lengths[sig] == max(lengths[r] for r in ready), the_plan.by_signature[sig].label
        ran.add(sig)
    fit = next(j for j in the_plan.jobs if j.stage == "fit-codec")
    first_evaluation = next(s for s in started if the_plan.by_signature[s].stage == "evaluate")
    assert started.index(fit.signature) < started.index(first_evaluation)


# -- several jobs in one worker -----------------------------------------------------------


def run_in(worker: Worker, task: Task, timeout_s: float = 300) -> tuple:
    """Send ``task`` to ``worker`` and wait for its end message (skipping "ready")."""
    worker.send(task, time.monotonic(), None)
    message: tuple = ("ready",)
    while message[0] == "ready":
        assert worker.conn.poll(timeout_s), f"no answer from the worker in {timeout_s} s"
        message = worker.conn.recv()
    worker.task = None
    return message


def task_of(root: Path, job: Job, jobs: dict[str, Job], threads: int = 1) -> Task:
    inputs = {sig: jobs[sig].to_dict() for sig in job.dependencies}
    log = str(root / "logs" / f"{job.signature}.log")
    return Task(job.to_dict(), str(root), "demo_cifar", inputs, threads, log)


def rows_without_timing(root: Path, job: Job) -> dict[str, pd.DataFrame]:
    """The job's rows, without provenance and wall-time columns."""
    drop = set(PROVENANCE.names) | {"seconds", "images_per_s"}
    folder = JobFolder.of(root, job)
    return {p.stem: (f := pd.read_parquet(p)).drop(columns=[c for c in f if c in drop])
            for p in folder.row_files()}  # fmt: skip


TINY = [
    "seeds=1", "codecs.jpeg=[]", "codecs.bls=[]", "codecs.noise=[]", "codecs.blur=[]",
    "select.joined=[]", "epochs=1", "data.train_limit=64", "data.test_limit=32",
    "cifar10c=false", "test_on_compressed=false",
]  # fmt: skip


def test_a_training_run_after_other_jobs_in_a_worker_gives_the_rows_it_gives_alone(
    tmp_path: Path,
) -> None:
    """Real stages: two encodes then a training in one worker; the same training as the
    first job of a fresh worker (reading copies of those encodes) writes the same rows."""
    the_plan = grid.plan("demo_cifar", [*TINY, f"results={tmp_path}"])
    train = next(j for j in the_plan.jobs if j.stage == "train")
    jobs = the_plan.by_signature
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    one, two = Worker([]), Worker([])
    try:
        for job in [jobs[sig] for sig in train.dependencies] + [train]:
            assert run_in(one, task_of(shared, job, jobs)) == ("done", job.signature)
        shutil.copytree(shared / "_jobs" / "encode", alone / "_jobs" / "encode")
        assert run_in(two, task_of(alone, train, jobs)) == ("done", train.signature)
    finally:
        one.stop()
        two.stop()
    mine, theirs = rows_without_timing(shared, train), rows_without_timing(alone, train)
    assert list(mine) == ["train_curve"] and len(mine["train_curve"]) > 0
    pd.testing.assert_frame_equal(mine["train_curve"], theirs["train_curve"], check_exact=True)


def test_a_job_leaves_no_process_state_to_the_next_in_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first job changes threads, dtype, grad mode, cwd, env and draws from the global
    RNGs; the second finds the state the first one found (both start from JOB_SEED)."""
    monkeypatch.setenv("TOY_LEAK_LABEL", "leaky")
    jobs = {name: Job("fit-codec", {"name": name}, label=name) for name in ("leaky", "next")}
    worker = Worker(["tests.grid_toy_plugin"])
    try:
        for job in jobs.values():
            message = run_in(worker, task_of(tmp_path, job, jobs, threads=2))
            assert message == ("done", job.signature)
    finally:
        worker.stop()
    found = {n: json.loads((JobFolder.of(tmp_path, j) / "state.json").read_text()) for n, j in
             jobs.items()}  # fmt: skip
    assert found["next"] == found["leaky"]
    assert found["next"]["threads"] == 2 and found["next"]["dtype"] == "torch.float32"
    assert found["next"]["leaked_env"] is None and found["next"]["cwd"] == os.getcwd()
    assert found["next"]["grad"] is True
