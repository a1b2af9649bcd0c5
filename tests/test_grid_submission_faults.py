"""Faults of a Slurm submission, through the real submitit code down to a fake ``sbatch`` and
``squeue`` on PATH (grid/executors/slurm.py, grid/store/intents.py):

- a launcher SIGKILLed after Slurm accepted an array but before it heard the array's id: a
  relaunch with no answer from squeue stops on the uncertain jobs (exit 2) and submits
  nothing; one where squeue answers adopts the array and queues only the rest;
- sbatch refusing the third array (QOS submit limit): one line, exit 3, and a relaunch queues
  exactly the jobs not yet queued;
- SIGINT during submission: the sbatch in flight answers and is recorded, exit 130, and the
  relaunch queues no job twice.

The suite's own stages are planned (no stage runs; a plugin would change the registry of
this test process for the tests after it). The fake sbatch keeps each accepted script as
``<id>.sh`` (the fake scheduler's queue, which the fake squeue lists with each script's
``--comment``); it can refuse its Nth call or sleep before answering from its Nth call on.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import grid
from grid import cancel, status
from grid.launch import main
from grid.store.folder import JobFolder
from grid.store.intents import OPEN, QUEUED, VOID, read_intents
from tests import grid_toy_stages as toy

REPO = Path(__file__).resolve().parents[1]
ARGS = [
    "sweep=demo_cifar",
    "executor=slurm",
    *toy.JPEG_ONLY,
    "seeds=3",
]
JOBS = 25  # the plan's jobs, in 7 arrays: encode 4, prepare-cifar10c 1, train 6, ...
QOS = (
    "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy "
    "(job submit limit, user's size and/or time limits)"
)

FAKE_SBATCH = f"""#!/bin/sh
echo x >> "$FAKE_SBATCH_DIR/../calls"
call=$(wc -l < "$FAKE_SBATCH_DIR/../calls")
if [ "$call" -eq "${{FAKE_SBATCH_REFUSE:-0}}" ]; then
  echo "{QOS}" >&2
  exit 1
fi
id=$((7001 + $(ls "$FAKE_SBATCH_DIR" | wc -l)))
cp "$1" "$FAKE_SBATCH_DIR/.$id.tmp" && mv "$FAKE_SBATCH_DIR/.$id.tmp" "$FAKE_SBATCH_DIR/$id.sh"
if [ "$call" -ge "${{FAKE_SBATCH_SLOW_FROM:-1000000}}" ]; then sleep "$FAKE_SBATCH_SLEEP"; fi
echo "Submitted batch job $id"
"""

FAKE_SQUEUE = """#!/bin/sh
if [ -n "$FAKE_SQUEUE_FAIL" ]; then
  echo "squeue: error: Unable to contact slurm controller" >&2
  exit 1
fi
for f in "$FAKE_SBATCH_DIR"/*.sh; do
  [ -e "$f" ] || continue
  comment=$(sed -n 's/^#SBATCH --comment=//p' "$f")
  echo "$(basename "$f" .sh) ${comment:-(null)}"
done
"""


class FakeSlurm:
    """The fake scheduler's queue: the scripts sbatch accepted, in order."""

    def __init__(self, kept: Path) -> None:
        self.kept = kept

    def scripts(self) -> list[Path]:
        return sorted(self.kept.glob("*.sh"), key=lambda p: int(p.stem))

    def jobs(self, root: Path) -> list[str]:
        """The signatures of the jobs in every accepted script, found through the script's
        ``--comment=lcc:<token>`` and the intent written for it (a job queued twice shows
        twice)."""
        by_comment = {i.comment: i for i in read_intents(root)}
        out = []
        for path in self.scripts():
            comment = re.search(r"^#SBATCH --comment=(.*)$", path.read_text(), re.M).group(1)
            tasks = by_comment[comment].record["tasks"]
            out += [job["signature"] for task in tasks for job in task]
        return out


@pytest.fixture
def slurm(tmp_path: Path, monkeypatch) -> FakeSlurm:
    """Install the fake sbatch, squeue and srun on PATH."""
    bin_dir, kept = tmp_path / "bin", tmp_path / "queue"
    bin_dir.mkdir()
    kept.mkdir()
    scancel = 'echo "$@" >> "$FAKE_SBATCH_DIR/../scancelled"\n'
    tools = [("sbatch", FAKE_SBATCH), ("squeue", FAKE_SQUEUE), ("srun", "exit 1\n")]
    for name, text in [*tools, ("scancel", scancel)]:
        tool = bin_dir / name
        tool.write_text(text if text.startswith("#!") else f"#!/bin/sh\n{text}")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SBATCH_DIR", str(kept))
    monkeypatch.setenv("FAKE_SBATCH_SLEEP", "1")
    return FakeSlurm(kept)


def results(tmp_path: Path) -> list[str]:
    return [*ARGS, f"results={tmp_path / 'results'}"]


def states(tmp_path: Path) -> list[str]:
    return [i.state for i in read_intents(tmp_path / "results")]


def all_queued_once(tmp_path: Path, slurm: FakeSlurm) -> bool:
    """Whether the fake scheduler holds every job of the plan exactly once, and every job's
    ``submitted`` marker names a Slurm job."""
    sent = slurm.jobs(tmp_path / "results")
    return len(sent) == len(set(sent)) == JOBS and len(queued_signatures(tmp_path)) == JOBS


def queued_signatures(tmp_path: Path) -> set[str]:
    the_plan = grid.plan("demo_cifar", ARGS[1:])
    root = tmp_path / "results"
    return {j.signature for j in the_plan.jobs if JobFolder.of(root, j).scheduler_id()}


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def start_launcher(tmp_path: Path, **env: str) -> subprocess.Popen:
    """``python -m grid.launch`` in a session of its own (a terminal's process group);
    output in ``<tmp>/launcher.out``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    with open(tmp_path / "launcher.out", "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "grid.launch", *results(tmp_path)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def wait_for_scripts(tmp_path: Path, slurm: FakeSlurm, launcher: subprocess.Popen, n: int):
    """Wait until the fake scheduler has accepted ``n`` scripts (the launcher still runs)."""
    deadline = time.monotonic() + 120
    while len(slurm.scripts()) < n:
        assert launcher.poll() is None, (tmp_path / "launcher.out").read_text()[-3000:]
        assert time.monotonic() < deadline, (tmp_path / "launcher.out").read_text()[-3000:]
        time.sleep(0.05)


def test_a_killed_launchers_accepted_array_is_adopted_never_submitted_twice(
    tmp_path: Path, slurm: FakeSlurm, monkeypatch, capsys
) -> None:
    # The second sbatch is accepted, then never answers.
    first = start_launcher(tmp_path, FAKE_SBATCH_SLOW_FROM="2", FAKE_SBATCH_SLEEP="60")
    wait_for_scripts(tmp_path, slurm, first, 2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert states(tmp_path) == [QUEUED, OPEN]  # the second array has no receipt
    capsys.readouterr()

    monkeypatch.setenv("FAKE_SQUEUE_FAIL", "1")  # no answer: the jobs are uncertain
    assert main(results(tmp_path)) == 2
    err = capsys.readouterr().err
    (line,) = error_lines(err)
    token = read_intents(tmp_path / "results")[1].token
    assert "1 jobs may already be queued" in line and token in line and "resolve=resubmit" in line
    assert len(slurm.scripts()) == 2 and states(tmp_path) == [QUEUED, OPEN]
    assert status.main(["sweep=demo_cifar", f"results={tmp_path / 'results'}"]) == 0
    assert f"uncertain: 1 prepare-cifar10c jobs (array intent {token}" in capsys.readouterr().out

    monkeypatch.delenv("FAKE_SQUEUE_FAIL")  # squeue answers: the array is adopted
    assert main(results(tmp_path)) == 0
    out = capsys.readouterr().out
    assert f"adopted 1 prepare-cifar10c jobs (array intent {token}" in out
    assert "Slurm holds them as 7002" in out
    assert states(tmp_path) == [QUEUED] * 7
    assert all_queued_once(tmp_path, slurm)  # over both launches


def test_a_refused_sbatch_is_one_line_and_the_relaunch_queues_the_rest(
    tmp_path: Path, slurm: FakeSlurm, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("FAKE_SBATCH_REFUSE", "3")
    assert main(results(tmp_path)) == 3
    captured = capsys.readouterr()
    terminal = captured.out + captured.err
    (line,) = error_lines(captured.err)
    assert "Traceback" not in terminal and terminal.count("QOS policy") == 1
    assert line.startswith(
        "error: sbatch refused the train array (6 jobs): sbatch: error: Batch job submission "
        "failed: Job violates accounting/QOS policy"
    )
    assert "queued 2 arrays (5 jobs), kept; not submitted: 20 jobs" in line
    assert "max_array_size" in line and "pack.train=N" in line
    log = tmp_path / "results" / "_logs" / "demo_cifar" / "launch.log"
    assert "Traceback" in log.read_text() and QOS in log.read_text()
    assert states(tmp_path) == [QUEUED, QUEUED, VOID]
    assert len(queued_signatures(tmp_path)) == 5

    monkeypatch.delenv("FAKE_SBATCH_REFUSE")
    assert main(results(tmp_path)) == 0
    assert all_queued_once(tmp_path, slurm)


def test_sigint_lets_the_sbatch_in_flight_answer_exits_130_and_queues_nothing_twice(
    tmp_path: Path, slurm: FakeSlurm, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("FAKE_SBATCH_SLOW_FROM", "2")
    # What SIGINT did before (a shell's background job inherits it ignored): it comes back.
    before = signal.getsignal(signal.SIGINT)

    def interrupt() -> None:  # once the second sbatch is accepted and still answering
        while len(slurm.scripts()) < 2:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    assert main(results(tmp_path)) == 130
    (line,) = error_lines(capsys.readouterr().err)
    assert "SIGINT: queued 2 arrays (5 jobs), kept; not submitted: 20 jobs" in line
    assert len(slurm.scripts()) == 2 and states(tmp_path) == [QUEUED, QUEUED]
    assert signal.getsignal(signal.SIGINT) == before  # restored

    monkeypatch.delenv("FAKE_SBATCH_SLOW_FROM")
    assert main(results(tmp_path)) == 0
    assert all_queued_once(tmp_path, slurm)


def test_ctrl_c_to_the_process_group_leaves_no_array_unaccounted(
    tmp_path: Path, slurm: FakeSlurm
) -> None:
    """SIGINT to the launcher's whole process group, as a terminal's Ctrl-C: the sbatch in
    flight (accepted, answering in 3 s) either answers (it keeps the blocked signal mask) or
    dies of it (this fake is a shell script, which unblocks signals) and the launcher asks
    squeue at once; either way its array is recorded queued, and the launcher exits 130."""
    launcher = start_launcher(tmp_path, FAKE_SBATCH_SLOW_FROM="2", FAKE_SBATCH_SLEEP="3")
    try:
        wait_for_scripts(tmp_path, slurm, launcher, 2)
        os.killpg(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=60) == 130
    finally:
        with contextlib.suppress(ProcessLookupError):  # a sleeping fake sbatch, if any
            os.killpg(launcher.pid, signal.SIGKILL)
    out = (tmp_path / "launcher.out").read_text()
    assert len(slurm.scripts()) == 2 and "Traceback" not in out
    assert "SIGINT: queued 2 arrays (5 jobs), kept; not submitted: 20 jobs" in out
    assert states(tmp_path) == [QUEUED, QUEUED]


def test_a_second_signal_exits_at_once_and_cancel_adopts_the_array_in_flight(
    tmp_path: Path, slurm: FakeSlurm, capsys
) -> None:
    """Two SIGINTs to the launcher while its sbatch hangs (60 s): it exits 130 at once,
    leaving that array's intent open; grid.cancel adopts it and cancels it with the rest."""
    launcher = start_launcher(tmp_path, FAKE_SBATCH_SLOW_FROM="2", FAKE_SBATCH_SLEEP="60")
    try:
        wait_for_scripts(tmp_path, slurm, launcher, 2)
        os.kill(launcher.pid, signal.SIGINT)
        time.sleep(0.3)
        os.kill(launcher.pid, signal.SIGINT)
        assert launcher.wait(timeout=5) == 130
    finally:
        with contextlib.suppress(ProcessLookupError):  # the hanging fake sbatch
            os.killpg(launcher.pid, signal.SIGKILL)
    out = (tmp_path / "launcher.out").read_text()
    assert "SIGINT again: exiting at once" in out and "Traceback" not in out
    assert states(tmp_path) == [QUEUED, OPEN]
    assert cancel.main(["sweep=demo_cifar", f"results={tmp_path / 'results'}"]) == 0
    assert "Slurm holds them as 7002" in capsys.readouterr().out
    assert "7002" in (tmp_path / "scancelled").read_text().split()
    assert states(tmp_path) == [QUEUED, QUEUED]


def test_resolve_resubmit_voids_the_uncertain_intents_and_queues_their_jobs_once(
    tmp_path: Path, slurm: FakeSlurm, monkeypatch, capsys
) -> None:
    """After the user checked that Slurm holds no job with the uncertain token (here: the
    fake scheduler lost the second array), ``resolve=resubmit`` relaunches with squeue still
    silent: the open intent turns void and its jobs are queued again, each job once."""
    first = start_launcher(tmp_path, FAKE_SBATCH_SLOW_FROM="2", FAKE_SBATCH_SLEEP="60")
    wait_for_scripts(tmp_path, slurm, first, 2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    slurm.scripts()[-1].unlink()  # the scheduler does not hold the second array
    token = read_intents(tmp_path / "results")[1].token
    monkeypatch.setenv("FAKE_SQUEUE_FAIL", "1")
    capsys.readouterr()
    assert main([*results(tmp_path), "resolve=resubmit"]) == 0
    out = capsys.readouterr().out
    assert f"array intent {token}" in out and "resolve=resubmit; they are submitted again" in out
    assert states(tmp_path)[:2] == [QUEUED, VOID] and set(states(tmp_path)[2:]) == {QUEUED}
    assert all_queued_once(tmp_path, slurm)


def test_an_unknown_resolve_value_is_one_line_listing_the_valid_one(tmp_path, capsys) -> None:
    assert main([*results(tmp_path), "resolve=maybe"]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert "resolve='maybe'" in line and "resubmit" in line
    assert not (tmp_path / "results").exists()
