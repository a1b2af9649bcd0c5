"""Submission in waves under the profile's ``max_submit_jobs`` (grid/executors/waves.py),
through the real launcher and submitit down to a fake ``sbatch`` and ``squeue`` on PATH.

The fake ``squeue`` lists one line per array task of every accepted script not finished,
plus ``FAKE_QUEUE_OTHER`` lines for the user's other jobs; with ``FAKE_QUEUE_DRAINS`` set,
the scripts it listed finish after it answers (room frees between two polls)."""

from __future__ import annotations

import os
import re
import signal
import stat
import threading
from pathlib import Path

import pytest

import grid
from grid.launch import main
from grid.store.folder import JobFolder
from grid.store.intents import read_intents
from tests import grid_toy_stages as toy

ARGS = ["sweep=demo_cifar", "executor=slurm", *toy.JPEG_ONLY, "seeds=3"]
LIMIT = 12  # max_submit_jobs of the test profile; the plan has 25 jobs (unpacked: 25 tasks)

FAKE_SBATCH = """#!/bin/sh
id=$((7001 + $(ls "$FAKE_SBATCH_DIR" | wc -l)))
cp "$1" "$FAKE_SBATCH_DIR/$id.sh"
echo "Submitted batch job $id"
"""
FAKE_SQUEUE = """#!/bin/sh
i=0
while [ "$i" -lt "${FAKE_QUEUE_OTHER:-0}" ]; do echo "900_$i 900"; i=$((i + 1)); done
for f in "$FAKE_SBATCH_DIR"/*.sh; do
  [ -e "$f" ] || continue
  id=$(basename "$f" .sh)
  grep -qx "$id" "$FAKE_SBATCH_DIR/../finished" 2>/dev/null && continue
  last=$(sed -n 's/^#SBATCH --array=0-\\([0-9]*\\).*/\\1/p' "$f")
  if [ -z "$last" ]; then echo "$id $id"; else
    j=0; while [ "$j" -le "$last" ]; do echo "${id}_$j $id"; j=$((j + 1)); done
  fi
  if [ -n "$FAKE_QUEUE_DRAINS" ]; then echo "$id" >> "$FAKE_SBATCH_DIR/../finished"; fi
done
"""


@pytest.fixture
def queue(tmp_path: Path, monkeypatch) -> Path:
    """Install the fake sbatch, squeue and srun; returns the folder of accepted scripts."""
    bin_dir, kept = tmp_path / "bin", tmp_path / "queue"
    bin_dir.mkdir()
    kept.mkdir()
    for name, text in [("sbatch", FAKE_SBATCH), ("squeue", FAKE_SQUEUE), ("srun", "exit 1\n")]:
        tool = bin_dir / name
        tool.write_text(text if text.startswith("#!") else f"#!/bin/sh\n{text}")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SBATCH_DIR", str(kept))
    return kept


def launch_args(tmp_path: Path, *extra: str) -> list[str]:
    cluster = tmp_path / "small.toml"
    cluster.write_text(f'description = "test"\nmax_submit_jobs = {LIMIT}\n')
    return [*ARGS, f"results={tmp_path / 'results'}", f"cluster={cluster}", *extra]


def scripts(kept: Path) -> list[tuple[int, int, list[str]]]:
    """(id, array tasks, dependency ids) of every accepted script, in order."""
    out = []
    for path in sorted(kept.glob("*.sh"), key=lambda p: int(p.stem)):
        text = path.read_text()
        last = re.search(r"^#SBATCH --array=0-(\d+)", text, re.M)
        dep = re.search(r"^#SBATCH --dependency=(.*)$", text, re.M)
        ids = [i for part in dep.group(1).split(",") for i in part.split(":")[1:]] if dep else []
        out.append((int(path.stem), int(last.group(1)) + 1 if last else 1, ids))
    return out


def queued_once(tmp_path: Path) -> bool:
    """Every job of the plan is in exactly one accepted array."""
    root = tmp_path / "results"
    sent = [job["signature"] for i in read_intents(root) for t in i.record["tasks"] for job in t]
    the_plan = grid.plan("demo_cifar", ARGS[1:])
    return len(sent) == len(set(sent)) == len(the_plan.jobs)


def finish_all(tmp_path: Path, kept: Path) -> None:
    """Every accepted array ran: its jobs are done and squeue no longer lists it."""
    root = tmp_path / "results"
    for intent in read_intents(root):
        for task in intent.record["tasks"]:
            for job in task:
                JobFolder.of(root, job).mark_done({})
    (kept.parent / "finished").write_text("".join(f"{p.stem}\n" for p in kept.glob("*.sh")))


def test_each_launch_submits_the_wave_that_fits_and_a_relaunch_the_next(
    tmp_path: Path, queue: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("FAKE_QUEUE_OTHER", "6")  # the user's other jobs: room 6 now
    assert main(launch_args(tmp_path)) == 0
    out = capsys.readouterr().out
    first = scripts(queue)
    assert first and sum(n for _, n, _ in first) <= 6
    assert re.search(r"max_submit_jobs=12: 25 array tasks to submit, 6 of room .*; waves: \d", out)
    assert "more waves to submit (max_submit_jobs): relaunch with the same arguments" in out

    monkeypatch.setenv("FAKE_QUEUE_OTHER", "0")  # they ended; our first wave is still queued
    assert main(launch_args(tmp_path)) == 0
    second = scripts(queue)[len(first) :]
    assert second and sum(n for _, n, _ in first + second) <= LIMIT
    accepted = {str(i) for i, _, _ in first}
    for _, _, ids in second:  # waits only for tasks already queued, by task id
        assert all(i.split("_")[0] in accepted for i in ids)
    for _ in range(10):  # cron: relaunch until no wave is left
        capsys.readouterr()
        finish_all(tmp_path, queue)
        assert main(launch_args(tmp_path)) == 0
        if "more waves" not in capsys.readouterr().out:
            break
    assert queued_once(tmp_path)
    for script_id, _, ids in scripts(queue):  # never waits for an array not yet accepted
        assert all(int(i.split("_")[0]) < script_id for i in ids)


def test_follow_submits_every_wave_as_room_frees(
    tmp_path: Path, queue: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("FAKE_QUEUE_DRAINS", "1")
    assert main(launch_args(tmp_path, "follow=true", "poll_s=0.05")) == 0
    out = capsys.readouterr().out
    accepted = scripts(queue)
    assert queued_once(tmp_path) and "more waves" not in out
    assert out.count("submitting") >= 3  # 25 tasks, at most 12 at a time
    for script_id, _, ids in accepted:  # dependencies across waves name accepted arrays
        assert all(int(i.split("_")[0]) < script_id for i in ids)


def test_a_bad_poll_interval_is_a_one_line_error(tmp_path: Path, queue: Path, capsys) -> None:
    assert main(launch_args(tmp_path, "poll_s=0")) == 2
    err = capsys.readouterr().err
    assert "poll_s must be a number of seconds > 0 (e.g. 60); got 0" in err and not scripts(queue)


def test_sigint_while_following_stops_the_wait_with_exit_130(
    tmp_path: Path, queue: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("FAKE_QUEUE_OTHER", str(LIMIT))  # the queue is full: nothing fits
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        code = main(launch_args(tmp_path, "follow=true", "poll_s=0.05"))
    finally:
        timer.cancel()
    err = capsys.readouterr().err
    assert code == 130 and not scripts(queue)
    assert "SIGINT: queued 0 arrays (0 jobs), kept; not submitted: 25 jobs" in err
