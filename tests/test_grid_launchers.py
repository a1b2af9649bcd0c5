"""Local launchers side by side on one results folder, and ``kill -9`` of one job's pid: real
``python -m grid.launch`` processes on the test-only stages (tests/grid_toy_plugin.py), the
training on JPEG q10 slowed down (``TOY_SLOW_LABEL``) so that the launches overlap.

- Two launchers whose plans overlap (the second with ``seeds=2``) share their jobs: the
  second waits for the first's instead of failing on them, and both succeed, every job run
  once.
- A launcher killed with SIGKILL: its job processes end with it, and the second launcher takes
  over every job it held and finishes them.
- ``kill -9`` of the pid in a running job's running marker fails that job alone: the jobs done
  before it in the same launch and every job not reading it are untouched.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grid import status
from grid.store.folder import STARTED, SUBMITTED, JobFolder
from grid.store.state import DONE, RUNNING, process_alive_here
from tests.test_grid_local import ARGS, KILLED, REPO, done_times, downstream, planned

SLOW = KILLED  # the label of the toy training that is slowed down: "jpeg:10 seed 0"


class Launcher:
    """``python -m grid.launch`` of :data:`ARGS` and ``extra`` in the background; its output
    (stdout and stderr) goes to ``<results>/<name>.out``."""

    def __init__(self, results: Path, name: str, *extra: str, **env: str) -> None:
        self.log = results / f"{name}.out"
        results.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "grid.launch", *ARGS, *extra, f"results={results}"]
        env = {**os.environ, "PYTHONPATH": str(REPO), **env}
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
        self.pid = self.process.pid

    def output(self) -> str:
        return self.log.read_text()

    def wait_until(self, condition: Callable[[], bool], timeout_s: float = 240) -> None:
        """Poll ``condition`` until it holds; fail if the launcher ends first or it times out."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert self.process.poll() is None, self.output()[-3000:]
            assert time.monotonic() < deadline, f"timed out; {self.log}:\n{self.output()[-3000:]}"
            time.sleep(0.3)

    def finish(self, timeout_s: float = 300) -> int:
        """Wait for the launcher to end; its exit status."""
        return self.process.wait(timeout=timeout_s)

    def kill(self) -> None:
        """SIGKILL, and reap it (a dead launcher's pid must not read as alive)."""
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture
def launchers() -> Iterator[list[Launcher]]:
    """Launchers a test starts; any still running at its end is killed."""
    started: list[Launcher] = []
    yield started
    for launcher in started:
        if launcher.process.poll() is None:
            launcher.kill()


def state_of(root: Path, job) -> str:
    return JobFolder.of(root, job).state()


@pytest.mark.slow
def test_two_launchers_with_overlapping_plans_share_their_jobs_and_both_succeed(
    tmp_path: Path, launchers: list[Launcher]
) -> None:
    """The first launcher's slow training is held (``TOY_HOLD_FILE``) until the second
    (``seeds=2``), started while it runs, says it waits for the first's jobs that its own
    read (before, its select failed with MissingInputError: input evaluate … is not done);
    then both exit 0: every job of both plans done, each started once, none failed. The
    hold, not a sleep, makes the launches overlap however slow the machine."""
    hold = tmp_path / "hold"
    hold.touch()
    slow_env = {"TOY_SLOW_LABEL": SLOW, "TOY_EPOCH_SECONDS": "1", "TOY_HOLD_FILE": str(hold)}
    one, two = planned(tmp_path), planned(tmp_path, "seeds=2")
    slow = next(j for j in one.jobs if j.stage == "train" and SLOW in j.label)
    first = Launcher(tmp_path, "first", **slow_env)
    launchers.append(first)
    first.wait_until(lambda: state_of(tmp_path, slow) == RUNNING)
    second = Launcher(tmp_path, "second", "seeds=2", **slow_env)
    launchers.append(second)
    waiting = r"waiting for (\d+) jobs that another launcher runs"
    second.wait_until(lambda: re.search(waiting, second.output()) is not None)
    hold.unlink()
    assert second.finish() == 0, second.output()[-3000:]
    assert first.finish() == 0, first.output()[-3000:]

    held = re.search(waiting, second.output())
    assert held and int(held[1]) > 0, second.output()[-3000:]  # the launches did overlap
    started = re.findall(r"started \S+ ([0-9a-f]{12}) \(", first.output() + second.output())
    assert sorted(started) == sorted(set(one.by_signature) | set(two.by_signature))
    for the_plan in (one, two):
        assert set(status.classify(the_plan, tmp_path).values()) == {DONE}
        assert not any(JobFolder.of(tmp_path, j).failures() for j in the_plan.jobs)
    assert len((JobFolder.of(tmp_path, slow) / "attempts.txt").read_text().split()) == 1


@pytest.mark.slow
def test_a_launcher_takes_over_the_jobs_of_a_launcher_that_was_killed(
    tmp_path: Path, launchers: list[Launcher]
) -> None:
    """The first launcher is killed (SIGKILL) while its slow training (2 epochs of 60 s) runs
    and the second (``seeds=2``, no slow switch) waits for it: the training's process ends
    with its launcher, and the second takes over that training and every other job the first
    held, and exits 0 with every job of its plan done."""
    one, two = planned(tmp_path), planned(tmp_path, "seeds=2")
    slow = next(j for j in one.jobs if j.stage == "train" and SLOW in j.label)
    first = Launcher(tmp_path, "first", TOY_SLOW_LABEL=SLOW, TOY_EPOCH_SECONDS="60")
    launchers.append(first)
    first.wait_until(lambda: state_of(tmp_path, slow) == RUNNING)
    second = Launcher(tmp_path, "second", "seeds=2")
    launchers.append(second)
    own = [j for j in two.jobs if j.signature not in one.by_signature]

    def claimed() -> bool:  # the second launcher has scanned and claimed its own jobs
        markers = (JobFolder.of(tmp_path, j).read(SUBMITTED) or {} for j in own)
        return any(marker.get("pid") == second.pid for marker in markers)

    second.wait_until(claimed)
    attempt = JobFolder.of(tmp_path, slow).read(STARTED)
    assert process_alive_here(attempt)
    first.kill()
    assert second.finish() == 0, second.output()[-3000:]

    assert not process_alive_here(attempt)  # it did not run on to the end of its 2 minutes
    assert f"took over train {slow.signature}" in second.output()
    assert set(status.classify(two, tmp_path).values()) == {DONE}
    attempts = (JobFolder.of(tmp_path, slow) / "attempts.txt").read_text().split()
    assert attempts[0] == str(attempt["pid"]) and len(attempts) == 2


@pytest.mark.slow
def test_kill_9_of_the_pid_in_a_running_marker_fails_that_job_alone(
    tmp_path: Path, launchers: list[Launcher]
) -> None:
    """While the slow training runs (2 epochs of 60 s), ``kill -9`` of the pid in its running
    marker: that training fails ("job process killed by signal 9"), the jobs reading it are
    not run, every other job is done, those done before the kill untouched; each job ran in
    a process of its own."""
    the_plan = planned(tmp_path)
    slow = next(j for j in the_plan.jobs if j.stage == "train" and SLOW in j.label)
    launcher = Launcher(tmp_path, "launcher", TOY_SLOW_LABEL=SLOW, TOY_EPOCH_SECONDS="60")
    launchers.append(launcher)
    launcher.wait_until(lambda: state_of(tmp_path, slow) == RUNNING)
    before = done_times(tmp_path, the_plan.jobs)
    assert before  # the encodes ran before it, in the same launch
    os.kill(JobFolder.of(tmp_path, slow).read(STARTED)["pid"], signal.SIGKILL)
    assert launcher.finish() == 1, launcher.output()[-3000:]

    assert JobFolder.of(tmp_path, slow).error() == "job process killed by signal 9 (SIGKILL)"
    cut = downstream(the_plan, slow.signature)
    after = done_times(tmp_path, the_plan.jobs)
    assert after.keys() == {j.signature for j in the_plan.jobs} - cut
    assert all(after[sig] == when for sig, when in before.items())
    for sig in cut - {slow.signature}:
        error = JobFolder.of(tmp_path, the_plan.by_signature[sig]).error()
        assert error.startswith("MissingInputError"), error
    pids = [JobFolder.of(tmp_path, j).read(STARTED)["pid"] for j in the_plan.jobs
            if j.signature not in cut or j.signature == slow.signature]  # fmt: skip
    assert len(set(pids)) == len(pids)
