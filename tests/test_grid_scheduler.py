"""State from the scheduler, batched (grid/store/scheduler.py): one ``squeue`` and at most one
``sacct`` per command whatever the number of jobs, per-task ids with no fallback to the array,
a cache shared by commands for the poll interval that never judges a marker newer than its
answer, and ``unknown`` when squeue does not answer. Stand-in squeue/sacct scripts count
their calls (tests/fake_scheduler.py)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

import grid
from grid import launch, status
from grid.job import Job
from grid.plan import Plan, plan_path
from grid.status import scheduler_for
from grid.store.files import atomic_write_bytes
from grid.store.folder import JobFolder
from grid.store.scheduler import ALIVE, DEAD, POLL_ENV, Scheduler, parse_sacct
from grid.store.state import DONE, NEW, PENDING, UNKNOWN, now_iso
from tests import fake_scheduler
from tests import grid_toy_stages as toy

SWEEP = "toy"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch) -> fake_scheduler.FakeScheduler:
    monkeypatch.delenv(POLL_ENV, raising=False)
    return fake_scheduler.install(tmp_path, monkeypatch)


def queued_plan(root: Path, count: int, array: int = 500) -> Plan:
    """A launched plan of ``count`` jobs, each queued as task ``<array>_<n>``."""
    jobs = [Job("encode", {"n": n}, label=f"toy {n}") for n in range(count)]
    the_plan = Plan(SWEEP, {"main": {"results": str(root)}}, jobs)
    atomic_write_bytes(plan_path(root, SWEEP), the_plan.to_json().encode())
    for n, job in enumerate(jobs):
        JobFolder.of(root, job).mark_submitted(executor="slurm", slurm_job_id=f"{array}_{n}")
    return the_plan


def test_status_of_10000_queued_jobs_asks_squeue_once_and_sacct_once_for_the_gone(
    tmp_path: Path, fake, monkeypatch, capsys
) -> None:
    root = tmp_path / "results"
    count = 10_000
    the_plan = queued_plan(root, count)
    fake.queue({f"500_{n}": "PENDING" for n in range(count)})
    started = time.perf_counter()
    assert status.main([f"sweep={SWEEP}", f"results={root}"]) == 0
    seconds = time.perf_counter() - started
    assert (fake.count("squeue"), fake.count("sacct")) == (1, 0)
    encode = next(line.split() for line in capsys.readouterr().out.splitlines()
                  if line.startswith("encode"))  # fmt: skip
    assert encode[4] == str(count)  # all pending
    print(f"status of {count} queued jobs: {seconds:.2f} s")

    # Half of them gone: one more squeue (poll interval 0) and one sacct, for those alone.
    monkeypatch.setenv(POLL_ENV, "0")
    fake.queue({f"500_{n}": "RUNNING" for n in range(0, count, 2)})
    fake.accounting([f"500_{n}|COMPLETED|0:0|None|00:00:05|00:01.000||cpu=1|vm|00:10:00"
                     for n in range(1, count, 2)])  # fmt: skip
    states = status.classify(the_plan, root)
    assert (fake.count("squeue"), fake.count("sacct")) == (2, 1)
    asked = next(c for c in fake.calls if c.startswith("sacct")).split()[4].split(",")
    assert len(asked) == count // 2 and "500_1" in asked and "500_0" not in asked
    assert sum(s == PENDING for s in states.values()) == count // 2
    assert sum(s == NEW for s in states.values()) == count // 2  # queued, never started, gone


def test_a_task_id_matches_only_itself_and_a_plain_id_only_a_plain_job(fake) -> None:
    fake.queue({"123_6": "PENDING", "123_7": "RUNNING", "124": "RUNNING", "125": "COMPLETED"})
    scheduler = Scheduler()
    assert scheduler.verdict("123_5") == DEAD  # its siblings queued: no fallback to the array
    assert scheduler.verdict("123_6") == ALIVE and scheduler.verdict("123_7") == ALIVE
    assert scheduler.verdict("124") == ALIVE
    assert scheduler.verdict("123") == DEAD  # a plain job's id is not the array's tasks
    assert scheduler.verdict("125") == DEAD  # listed, but over (slurmctld keeps it a while)
    assert fake.calls == ["squeue --me --array --noheader --format=%i %T"]


def test_no_marker_naming_a_slurm_job_means_no_scheduler_call(tmp_path: Path, fake) -> None:
    root = tmp_path / "results"
    jobs = [Job("encode", {"n": n}) for n in range(3)]
    for job in jobs:
        JobFolder.of(root, job).mark_submitted(host=socket.gethostname(), pid=os.getpid())
    assert set(status.classify(Plan(SWEEP, {}, jobs), root).values()) == {PENDING}
    assert fake.calls == []


def test_the_cached_answer_serves_later_commands_but_never_a_newer_marker(
    tmp_path: Path, fake
) -> None:
    root = tmp_path / "results"
    fake.queue({"7_0": "RUNNING"})
    marker = {"slurm_job_id": "7_0", "time": now_iso()}
    assert Scheduler(root).verdict("7_0", marker["time"]) == ALIVE
    assert (root / "_scheduler" / "cache.json").is_file()
    fake.queue({})  # 7_0 ended; the next command still trusts the answer of the first
    assert Scheduler(root).verdict("7_0", marker["time"]) == ALIVE
    assert fake.count("squeue") == 1

    later = Scheduler(root)
    submitted = now_iso()  # written after the cached answer was taken: asks again, once
    assert later.verdict("8_0", submitted) == DEAD
    assert later.verdict("7_0", marker["time"]) == DEAD  # the fresh answer serves them all
    newest = now_iso()  # newer even than the fresh answer: just submitted, alive
    assert later.verdict("9_0", newest) == ALIVE
    assert fake.count("squeue") == 2

    Scheduler(root, poll_s=0).verdict("7_0", marker["time"])  # 0: always ask
    assert fake.count("squeue") == 3


def test_the_poll_interval_comes_from_the_environment_and_is_checked(monkeypatch) -> None:
    monkeypatch.setenv(POLL_ENV, "5")
    assert Scheduler().poll_s == 5 and Scheduler(poll_s=7).poll_s == 7
    monkeypatch.delenv(POLL_ENV)
    assert Scheduler().poll_s == 60
    monkeypatch.setenv(POLL_ENV, "soon")
    with pytest.raises(ValueError, match=f"{POLL_ENV}='soon' is not valid"):
        Scheduler()


def test_squeue_failing_makes_slurm_jobs_unknown_in_status(tmp_path: Path, fake, capsys) -> None:
    root = tmp_path / "results"
    the_plan = queued_plan(root, 4)
    JobFolder.of(root, the_plan.jobs[0]).mark_done({})
    fake.fail("squeue")
    states = status.classify(the_plan, root)
    assert sorted(states.values()) == [DONE, UNKNOWN, UNKNOWN, UNKNOWN]
    assert fake.count("sacct") == 0  # neither dead nor alive: nothing to ask sacct
    status.main([f"sweep={SWEEP}", f"results={root}"])
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[-1] == "unknown"
    encode = next(line.split() for line in out.splitlines() if line.startswith("encode"))
    assert encode[6] == "3"
    reason = "squeue: error: Unable to contact slurm controller (connect failure)"
    assert f"3 jobs unknown (squeue failed: {reason})" in out
    assert not (root / "_scheduler" / "cache.json").exists()  # a failure is not cached


def test_a_launch_neither_reruns_nor_counts_done_the_unknown_jobs(
    tmp_path: Path, fake, monkeypatch, capsys
) -> None:
    toy.install(monkeypatch, launch)
    the_plan = toy.fake_plan()
    for n, job in enumerate(the_plan.jobs):
        JobFolder.of(tmp_path, job).mark_submitted(executor="slurm", slurm_job_id=f"40_{n}")
    fake.fail("squeue")
    outcome = launch.launch([*toy.FAKE_SMALL, f"results={tmp_path}"])
    out = capsys.readouterr().out
    assert not toy.RUNS and not outcome.ids
    assert f"{len(the_plan.jobs)} jobs unknown (squeue failed: squeue: error:" in out
    assert "not submitted, not counted done" in out
    assert not any(JobFolder.of(tmp_path, j).is_done() for j in the_plan.jobs)


# sacct -P -n rows as this machine's Slurm 22.05 printed them (docs/SLURM_STATES.md), and a
# submitit task whose usage sits on its srun step ".0" with a GPU.
SACCT_ROWS = """\
2|FAILED|0:9|None|00:00:01|00:00.002||billing=1,cpu=1,mem=200M,node=1|vm|00:02:00
2.batch|CANCELLED by 0|0:9||00:00:01|00:00.002|834172K|cpu=1,mem=200M,node=1|vm|
1_0|COMPLETED|0:0|None|00:00:20|00:00.003||billing=1,cpu=1,mem=100M,node=1|vm|00:02:00
1_0.batch|COMPLETED|0:0||00:00:20|00:00.003|3156K|cpu=1,mem=100M,node=1|vm|
31_4|TIMEOUT|0:0|None|1-00:00:10|01:02:03||cpu=8,mem=32G,node=1,gres/gpu=2|gpu7|1-00:00:00
31_4.batch|CANCELLED|0:15||1-00:00:12|00:00:01|2.5G|cpu=8,mem=32G,node=1,gres/gpu=2|gpu7|
31_4.0|CANCELLED|0:15||1-00:00:11|01:02:02|20G|cpu=8,mem=32G,node=1,gres/gpu=2|gpu7|
"""


def test_sacct_rows_give_state_exit_code_usage_and_resources_per_job() -> None:
    found = parse_sacct(SACCT_ROWS)
    assert set(found) == {"2", "1_0", "31_4"}
    oom = found["2"]
    assert (oom["state"], oom["exit_code"], oom["reason"]) == ("FAILED", "0:9", "None")
    assert oom["usage"] == {"wall_s": 1.0, "cpu_s": 0.002, "max_rss_mb": 834172 / 1024}
    assert oom["resources"] == {"cpus": 1.0, "mem_gb": 200 / 1024, "time_min": 2.0}
    long = found["31_4"]
    assert long["usage"] == {
        "wall_s": 86410.0,
        "cpu_s": 3723.0,
        "max_rss_mb": 20 * 1024.0,  # the srun step's, the largest
        "gpu_s": 2 * 86410.0,
    }
    assert long["resources"] == {"cpus": 8.0, "mem_gb": 32.0, "gpus": 2.0, "time_min": 1440.0}


def test_the_cluster_profiles_poll_interval_is_the_default_the_environment_beats(
    tmp_path: Path, monkeypatch
) -> None:
    """status, launch and cancel cache answers for the launched profile's poll_interval_s;
    $LCC_SCHEDULER_POLL_S, set for one shell, beats it."""
    profile = tmp_path / "slow.toml"
    profile.write_text('description = "a site asking for 2-minute polls"\npoll_interval_s = 120\n')
    the_plan = grid.plan("demo_cifar", ["data.train_limit=40", f"cluster={profile}"])
    monkeypatch.delenv(POLL_ENV, raising=False)
    assert scheduler_for(the_plan, tmp_path).poll_s == 120
    monkeypatch.setenv(POLL_ENV, "5")
    assert scheduler_for(the_plan, tmp_path).poll_s == 5
