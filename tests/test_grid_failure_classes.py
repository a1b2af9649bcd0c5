"""Failure classes (grid/store/failure_classes.py): what sacct and the task's output say of an
attempt that Slurm ended, recorded once in the job's folder with sacct's usage and shown in
status's FAILED block. Stand-in squeue/sacct scripts (tests/fake_scheduler.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grid import status
from grid.job import Job
from grid.plan import Plan, plan_path
from grid.store import failure_classes
from grid.store.failure_classes import CLASSES, of_ended, output_files
from grid.store.files import atomic_write_bytes
from grid.store.folder import JobFolder
from grid.store.scheduler import POLL_ENV, parse_sacct
from grid.store.state import FAILED, NEW
from tests import fake_scheduler

SWEEP = "toy"
ROW = "{id}|{state}|{exit}|{reason}|00:01:40|00:01:30.500||cpu=1,mem=200M,node=1|vm|00:02:00"
STEP = "{id}.0|CANCELLED|0:9||00:01:40|00:01:30.500|834172K|cpu=1,mem=200M,node=1|vm|"
USAGE_KEYS = {"wall_s", "cpu_s", "max_rss_mb", "gpu_s"}  # shared with the worker's usage


def ended(state: str, exit_code: str = "0:0", reason: str = "None", step: str = STEP) -> dict:
    """sacct's record of job 5_1 ended in ``state``, with one step row (``step``; "": none)."""
    rows = [ROW.format(id="5_1", state=state, exit=exit_code, reason=reason)]
    return parse_sacct("\n".join([*rows, step.format(id="5_1")]))["5_1"]


@pytest.mark.parametrize(
    ("state", "cls"),
    [
        ("OUT_OF_MEMORY", "out_of_memory"),
        ("TIMEOUT", "timeout"),
        ("PREEMPTED", "preempted"),
        ("NODE_FAIL", "node_fail"),
        ("CANCELLED by 0", "cancelled"),
        ("BOOT_FAIL", "boot_fail"),
        ("DEADLINE", "deadline"),
        ("COMPLETED", "vanished"),
        ("FAILED", "vanished"),
    ],
)
def test_each_sacct_state_has_its_class_and_one_line(state: str, cls: str) -> None:
    found, line = of_ended(ended(state), [])
    assert found == cls and found in CLASSES
    assert line.startswith(f"{cls}: ") and "\n" not in line and f"Slurm: {state.split()[0]}" in line


def test_out_of_memory_without_cgroups_needs_signal_9_and_slurms_words_in_the_output(
    tmp_path: Path,
) -> None:
    log = tmp_path / "5_1_0_log.err"
    log.write_text("training...\n")
    out = log.with_suffix(".out")
    killed = ended("FAILED", "0:9", "JobLaunchFailure")
    assert of_ended(killed, [str(log), str(out)])[0] == "vanished"  # no memory message
    out.write_text("slurmstepd-vm: error: Exceeded job memory limit\n")
    cls, line = of_ended(killed, output_files({"log": str(log)}))
    assert cls == "out_of_memory"
    assert "(0.195312 GB asked, peak 815 MB)" in line and "reason JobLaunchFailure" in line
    # submitit's task runs in an srun step: the step reads 0:9, the job 9:0 (srun's status)
    cls, line = of_ended(ended("FAILED", "9:0", "Dependency"), [str(out)])
    assert cls == "out_of_memory" and line.endswith("(Slurm: FAILED, exit 9:0)")
    crash = ended("FAILED", "1:0", step="")
    assert of_ended(crash, [str(out)])[0] == "vanished"  # no SIGKILL: a crash, not memory
    assert of_ended(None, [])[0] == "vanished"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch) -> fake_scheduler.FakeScheduler:
    monkeypatch.setenv(POLL_ENV, "0")
    return fake_scheduler.install(tmp_path, monkeypatch)


def launched(root: Path, count: int) -> Plan:
    """A plan of ``count`` toy trainings written as the sweep's launched plan."""
    jobs = [Job("train", {"n": n}, label=f"toy {n}") for n in range(count)]
    the_plan = Plan(SWEEP, {"main": {}}, jobs)
    atomic_write_bytes(plan_path(root, SWEEP), the_plan.to_json().encode())
    return the_plan


def test_a_job_slurm_killed_is_recorded_once_with_its_class_usage_and_resources(
    tmp_path: Path, fake, capsys
) -> None:
    root = tmp_path / "results"
    the_plan = launched(root, 2)
    oom, gone = (JobFolder.of(root, j) for j in the_plan.jobs)
    log = tmp_path / "5_1_0_log.err"
    log.write_text("slurmstepd-vm: error: Exceeded job memory limit\n")
    oom.mark_running(host="node-1", pid=11, slurm_job_id="5_1", log=str(log))
    gone.mark_submitted(executor="slurm", slurm_job_id="5_2")  # never started, sacct: unknown
    fake.accounting([ROW.format(id="5_1", state="FAILED", exit="0:9", reason="None"),
                     STEP.format(id="5_1")])  # fmt: skip

    states = status.classify(the_plan, root)
    assert states == {oom.signature: FAILED, gone.signature: NEW}
    assert fake.count("sacct") == 1 and "-j 5_1,5_2 " in fake.calls[-1] + " "
    [attempt] = oom.failures()
    assert attempt["failure_class"] == "out_of_memory" and attempt["slurm_job_id"] == "5_1"
    assert set(attempt["usage"]) <= USAGE_KEYS
    assert attempt["usage"] == {"wall_s": 100.0, "cpu_s": 90.5, "max_rss_mb": 834172 / 1024}
    assert attempt["resources"] == {"cpus": 1.0, "mem_gb": 200 / 1024, "time_min": 2.0}
    assert json.loads((oom / "failed.json").read_text())["failure_class"] == "out_of_memory"
    assert gone.failures() == []  # queued, gone, nothing known: stays new

    status.main([f"sweep={SWEEP}", f"results={root}"])  # again: recorded once, sacct not asked
    out = capsys.readouterr().out
    assert len(oom.failures()) == 1 and fake.count("sacct") == 2  # only for 5_2, still unknown
    block = out[out.index(f"FAILED train {oom.signature}") :].splitlines()
    assert block[2].startswith("    out_of_memory: Slurm killed it above its memory limit")


def one_running(tmp_path: Path, slurm_id: str) -> tuple[Path, Plan, JobFolder]:
    """A launched plan of one training running as Slurm job ``slurm_id`` on another host."""
    root = tmp_path / "results"
    the_plan = launched(root, 1)
    folder = JobFolder.of(root, the_plan.jobs[0])
    folder.mark_running(host="node-1", pid=11, slurm_job_id=slurm_id)
    return root, the_plan, folder


def test_nothing_is_recorded_when_sacct_does_not_answer_and_status_says_vanished(
    tmp_path: Path, fake, capsys
) -> None:
    root, the_plan, folder = one_running(tmp_path, "6_0")
    fake.fail("sacct")
    assert status.classify(the_plan, root) == {folder.signature: FAILED}
    assert folder.failures() == [] and folder.last_failure() is None
    status.main([f"sweep={SWEEP}", f"results={root}"])
    assert "    vanished: died without an error" in capsys.readouterr().out
    fake.fail("sacct", failing=False)
    fake.accounting([ROW.format(id="6_0", state="CANCELLED by 0", exit="0:15", reason="None")])
    status.classify(the_plan, root)
    assert [a["failure_class"] for a in folder.failures()] == ["cancelled"]


def test_no_class_is_recorded_until_sacct_has_the_jobs_end(tmp_path: Path, fake) -> None:
    # slurmdbd stores a job's end after squeue drops it: sacct may still say RUNNING
    root, the_plan, folder = one_running(tmp_path, "7_0")
    fake.accounting([ROW.format(id="7_0", state="RUNNING", exit="0:0", reason="None")])
    assert status.classify(the_plan, root) == {folder.signature: FAILED}
    assert folder.failures() == []
    fake.accounting([ROW.format(id="7_0", state="NODE_FAIL", exit="0:0", reason="None")])
    status.classify(the_plan, root)
    assert [a["failure_class"] for a in folder.failures()] == ["node_fail"]


def test_a_job_sacct_does_not_know_is_vanished_only_after_the_accounting_lag(
    tmp_path: Path, fake, monkeypatch
) -> None:
    root, the_plan, folder = one_running(tmp_path, "7_1")  # started just now; sacct: unknown
    assert status.classify(the_plan, root) == {folder.signature: FAILED}
    assert folder.failures() == []  # its start may not be stored yet
    monkeypatch.setattr(failure_classes, "ACCOUNTING_LAG_S", 0.0)  # as if long ago
    status.classify(the_plan, root)
    [attempt] = folder.failures()
    assert attempt["failure_class"] == "vanished" and "sacct does not know it" in attempt["error"]


def test_a_stage_error_shows_as_exception_and_a_requeued_job_is_not_recorded(
    tmp_path: Path, fake, capsys
) -> None:
    root, _, folder = one_running(tmp_path, "8_0")
    judged = folder.read("running")
    folder.mark_submitted(executor="slurm", slurm_job_id="9_0")  # relaunched meanwhile
    assert not folder.record_scheduler_failure("timeout", "timeout: x", {}, judged)
    folder.mark_failed("ToyFailure: boom", slurm_job_id="9_0")
    status.main([f"sweep={SWEEP}", f"results={root}"])
    assert "    exception: ToyFailure: boom" in capsys.readouterr().out
    assert fake.calls == []  # the newest marker is the stage's own error: nothing to ask
