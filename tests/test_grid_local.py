"""The local executor: each job in a process of its own, forked from a job server
(grid/executors/worker.py).

End to end on the test-only stages: the DAG in dependency order with one job's process killed
by SIGKILL (only that job and its dependents fail, a relaunch reruns only them, a third
launch finds nothing to do), a job past its stage's time limit killed; job processes: a real
training forked from the server gives the rows it gives in a fresh interpreter, a job that
changes process state leaves none of it to the next, and with a code snapshot the jobs import
the suite from it. Overlapping launchers and ``kill -9`` of a job's pid:
tests/test_grid_launchers.py."""

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
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import grid
from grid import status
from grid.executors.base import Launch
from grid.executors.local import LocalExecutor
from grid.executors.worker import JobProcess, Task
from grid.job import Job
from grid.plan import Group, chain_lengths
from grid.profiles import load_profile
from grid.store.folder import CANCEL, STARTED, JobFolder
from grid.store.schemas import PROVENANCE
from grid.store.state import CANCELLED, DONE, RUNNING, process_alive_here
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


KILLED = "jpeg:10 seed 0"  # the label of the toy train job whose process is killed


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
def test_a_killed_job_process_fails_only_its_job_and_a_relaunch_reruns_only_it(
    tmp_path: Path,
) -> None:
    first = launch(tmp_path, TOY_KILL_LABEL=KILLED)
    assert first.returncode == 1, first.stderr[-2000:]
    assert "executor: local" in first.stdout
    the_plan = planned(tmp_path)
    killed = next(j for j in the_plan.jobs if j.stage == "train" and KILLED in j.label)
    blocked = downstream(the_plan, killed.signature)  # the toy report waits for all
    folder = JobFolder.of(tmp_path, killed)
    assert folder.error() == "job process killed by signal 9 (SIGKILL)"
    assert f"FAILED train {killed.signature} ({killed.label}): job process killed by signal 9" in (
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
    assert len(attempts) == 2 and attempts[0] != attempts[1]  # two job processes
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
    """The slow training (2 epochs of 60 s) is cancelled while it runs: its process is killed
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


def test_with_one_job_at_a_time_the_ready_job_starting_the_longest_chain_goes_first(
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


def test_a_job_past_its_stage_time_limit_is_killed_and_only_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encodes get 3 s (a profile's ``time_min`` of 0.05): the one that sleeps 60 s is killed
    and failed with a TimeoutError line, the other is done."""
    monkeypatch.setenv("TOY_SLOW_QUICK_LABEL", "sleeper")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    jobs = {name: Job("encode", {"name": name}, label=name) for name in ("sleeper", "quick")}
    profile = replace(load_profile("default"), stages={"encode": {"time_min": 0.05}})
    settings = {"max_parallel": 2, "plugins": ["tests.grid_toy_plugin"], "retries": 0}
    by_sig = {job.signature: job for job in jobs.values()}
    info = Launch("toy", tmp_path, settings, profile, by_sig)
    began = time.monotonic()
    outcome = LocalExecutor().submit([Group("encode", 0, tuple(jobs.values()))], info)
    assert time.monotonic() - began < 50
    error = "TimeoutError: ran past the stage's time limit of 0.05 min"
    assert outcome.failed == {jobs["sleeper"].signature: error}
    assert JobFolder.of(tmp_path, jobs["quick"]).is_done()
    assert not process_alive_here(JobFolder.of(tmp_path, jobs["sleeper"]).read(STARTED))


# -- job processes -----------------------------------------------------------------------


def run_alone(task: Task, plugins: list[str] = (), code_dir: Path | None = None) -> tuple:
    """Run ``task`` in a job process and return its end message."""
    log = str(Path(task.results_root) / "logs" / "forkserver.log")
    proc = JobProcess(task, list(plugins), code_dir, log)
    try:
        assert proc.conn.poll(300), "no answer from the job process in 300 s"
        return proc.message()
    finally:
        proc.release()


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

# Runs one Task (JSON on stdin) in this fresh interpreter, as a job process would.
FRESH = """import json, sys
from grid.executors.worker import Task, run_task
print(json.dumps(run_task(Task(**json.load(sys.stdin)), [], None)))
"""


def test_a_training_forked_from_the_job_server_gives_the_rows_of_a_fresh_interpreter(
    tmp_path: Path,
) -> None:
    """Real stages: two encodes then a training, each in a job process forked from the
    server; the same training run by a fresh interpreter (reading copies of those encodes)
    writes the same rows."""
    the_plan = grid.plan("demo_cifar", [*TINY, f"results={tmp_path}"])
    train = next(j for j in the_plan.jobs if j.stage == "train")
    jobs = the_plan.by_signature
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    for job in [jobs[sig] for sig in train.dependencies] + [train]:
        assert run_alone(task_of(shared, job, jobs)) == ("done", job.signature)
    shutil.copytree(shared / "_jobs" / "encode", alone / "_jobs" / "encode")
    task = task_of(alone, train, jobs)
    fresh = subprocess.run([sys.executable, "-c", FRESH], input=json.dumps(task.__dict__),
                           cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert json.loads(fresh.stdout.splitlines()[-1]) == ["done", train.signature], fresh.stderr
    mine, theirs = rows_without_timing(shared, train), rows_without_timing(alone, train)
    assert list(mine) == ["train_curve"] and len(mine["train_curve"]) > 0
    pd.testing.assert_frame_equal(mine["train_curve"], theirs["train_curve"], check_exact=True)


def test_a_job_leaves_no_process_state_to_the_next_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first job changes threads, dtype, grad mode, cwd, env and draws from the global
    RNGs; the second, forked from the same server, finds the state the first one found (both
    start from JOB_SEED)."""
    monkeypatch.setenv("TOY_LEAK_LABEL", "leaky")
    jobs = {name: Job("fit-codec", {"name": name}, label=name) for name in ("leaky", "next")}
    for job in jobs.values():
        message = run_alone(task_of(tmp_path, job, jobs, threads=2), ["tests.grid_toy_plugin"])
        assert message == ("done", job.signature)
    found = {n: json.loads((JobFolder.of(tmp_path, j) / "state.json").read_text()) for n, j in
             jobs.items()}  # fmt: skip
    assert found["next"] == found["leaky"]
    assert found["next"]["threads"] == 2 and found["next"]["dtype"] == "torch.float32"
    assert found["next"]["leaked_env"] is None and found["next"]["cwd"] == os.getcwd()
    assert found["next"]["grad"] is True


# A plugin whose fit-codec stage records where its process imported the suite from.
WHERE_PLUGIN = """import json, sys
import analysis, grid, lcc
from grid.stages.registry import STAGES, Stage

def where(ctx):
    found = {m.__name__: m.__file__ for m in (analysis, grid, lcc)}
    (ctx.workdir / "where.json").write_text(json.dumps({**found, "path0": sys.path[0]}))
    return {}

STAGES["fit-codec"] = Stage("fit-codec", where, (), "cpu")
"""
# Two launches in one process (so one job server, started again for the snapshot): the
# first without a code snapshot, the second with argv[2]; prints their failures.
TWO_LAUNCHES = """import json, sys
from pathlib import Path
from grid.executors.base import Launch
from grid.executors.local import LocalExecutor
from grid.job import Job
from grid.plan import Group
from grid.profiles import load_profile

root, snapshot = Path(sys.argv[1]), Path(sys.argv[2])
settings = {"max_parallel": 1, "plugins": ["where_plugin"], "retries": 0}
for code_dir in (None, snapshot):
    job = Job("fit-codec", {"snapshot": str(code_dir)}, label=str(code_dir))
    info = Launch("where", root, settings, load_profile("default"), {job.signature: job}, code_dir)
    outcome = LocalExecutor().submit([Group("fit-codec", 0, (job,))], info)
    print(json.dumps([job.signature, outcome.failed]))
"""


def test_with_a_code_snapshot_the_job_processes_import_the_suite_from_it(tmp_path: Path) -> None:
    """A launcher that imports the suite from the checkout (its working directory) runs a job
    without a code snapshot, then one with a copy of lcc, grid and analysis as its snapshot:
    the first job imports them from the checkout, the second from the copy."""
    snapshot = tmp_path / "snap"
    for package in ("lcc", "grid", "analysis"):
        shutil.copytree(REPO / package, snapshot / package,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "where_plugin.py").write_text(WHERE_PLUGIN)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'plugins'}{os.pathsep}{REPO}"}
    out = subprocess.run([sys.executable, "-c", TWO_LAUNCHES, str(tmp_path / "results"),
                          str(snapshot)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    (checkout_sig, failed), (snapshot_sig, failed_too) = map(json.loads, out.stdout.splitlines())
    assert failed == {} and failed_too == {}
    for sig, where in ((checkout_sig, REPO), (snapshot_sig, snapshot)):
        found = json.loads((tmp_path / "results/_jobs/fit-codec" / sig / "where.json").read_text())
        for package in ("lcc", "grid", "analysis"):
            assert Path(found[package]).is_relative_to(where / package), (package, found)
    assert found["path0"] == str(snapshot)
