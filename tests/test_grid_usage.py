"""Usage per attempt (grid/meter.py, written by grid/runner.py) and per stage (grid/usage.py):
a real local run of a tiny sweep records wall and CPU time and peak memory for every done
job and every failed attempt, and grid.status and the report show the per-stage sums."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import grid
from analysis.report import write_report
from grid import status
from grid.meter import USAGE_FIELDS, AttemptMeter, gpu_count
from grid.store.folder import JobFolder
from grid.usage import SECONDS_PER_HOUR, job_usages, stage_usage, usage_lines
from tests import grid_toy_stages as toy
from tests.test_grid_local import launch, planned

VICTIM = "synthetic train jpeg:10"  # an encode job whose first attempt fails (then retried)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> tuple[Path, grid.Plan]:
    """The toy demo_cifar sweep run by the local executor (a process per job), the encode
    job :data:`VICTIM` failing once and passing on its retry; its results root and plan."""
    root = tmp_path_factory.mktemp("usage")
    done = launch(root, "retries=1", TOY_FAIL_LABEL=VICTIM, TOY_FAIL_ONCE="1")
    assert done.returncode == 0, done.stderr[-3000:]
    return root, planned(root, "retries=1")


def test_every_done_job_of_a_local_run_records_its_wall_cpu_and_memory(local_run) -> None:
    root, the_plan = local_run
    for job in the_plan.jobs:
        usage = JobFolder.of(root, job).done_record()["usage"]
        assert set(usage) == set(USAGE_FIELDS), job.label
        assert usage["wall_s"] > 0 and usage["cpu_s"] > 0 and usage["max_rss_mb"] > 0, usage
        # the job had the GPUs this process sees (same environment, torch imported in both)
        assert usage["gpu_s"] == pytest.approx(usage["wall_s"] * gpu_count(), abs=1e-5)


def test_a_failed_attempt_records_its_usage_beside_its_error(local_run) -> None:
    root, the_plan = local_run
    (victim,) = [j for j in the_plan.jobs if j.stage == "encode" and j.label == VICTIM]
    folder = JobFolder.of(root, victim)
    (failure,) = folder.failures()
    assert failure["error"].startswith("ToyFailure")
    assert failure["usage"]["wall_s"] > 0 and failure["usage"]["max_rss_mb"] > 0
    assert job_usages(folder) == [failure["usage"], folder.done_record()["usage"]]


def test_the_stage_table_sums_every_recorded_attempt(local_run) -> None:
    root, the_plan = local_run
    table = {row.stage: row for row in stage_usage(the_plan.jobs, root)}
    by_stage = {job.stage for job in the_plan.jobs}
    assert set(table) == by_stage
    for stage, row in table.items():
        jobs = [j for j in the_plan.jobs if j.stage == stage]
        records = [r for j in jobs for r in job_usages(JobFolder.of(root, j))]
        assert row.jobs == len(jobs)
        assert row.attempts == len(jobs) + (stage == "encode")  # the victim's failed attempt
        assert row.cpu_h == pytest.approx(sum(r["cpu_s"] for r in records) / SECONDS_PER_HOUR)
        assert row.wall_h == pytest.approx(sum(r["wall_s"] for r in records) / SECONDS_PER_HOUR)
        assert row.longest_wall_s == max(r["wall_s"] for r in records)
        assert row.max_rss_gb == max(r["max_rss_mb"] for r in records) / 1024


def test_status_and_the_report_show_usage_per_stage(local_run, capsys, tmp_path: Path) -> None:
    root, the_plan = local_run
    assert status.main(["sweep=demo_cifar", f"results={root}"]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("usage per stage") :].splitlines()
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        row.stage for row in stage_usage(the_plan.jobs, root)
    ]
    assert "  encode: 4 jobs, 5 attempts; CPU-h " in out  # one failed attempt
    index = write_report(root / "demo_cifar", tmp_path / "report")
    assert "## Usage per stage" in index.read_text()
    csv = pd.read_csv(tmp_path / "report" / "usage.csv").set_index("stage")
    assert set(csv.index) == {job.stage for job in the_plan.jobs}
    assert (csv.loc["encode", "jobs"], csv.loc["encode", "attempts"]) == (4, 5)


def test_usage_counts_only_records_that_carry_it(tmp_path: Path) -> None:
    """A failed attempt without usage (killed before it could write it) is not an attempt
    of the table; a killed one the launcher recorded with the scheduler's usage is."""
    jobs = [j for j in toy.fake_plan().jobs if j.stage == "train"][:2]
    first, second = (JobFolder.of(tmp_path, job) for job in jobs)
    first.mark_failed("killed by signal 9 (SIGKILL)")
    first.mark_failed("out of memory", usage={"wall_s": 7200, "cpu_s": 3600, "max_rss_mb": 2048})
    first.mark_done({}, usage={"wall_s": 3600, "cpu_s": 1800, "max_rss_mb": 1024, "gpu_s": 3600})
    second.mark_done({})  # done before usage was recorded
    (row,) = stage_usage(jobs, tmp_path)
    assert (row.stage, row.jobs, row.attempts) == ("train", 1, 2)
    assert (row.cpu_h, row.gpu_h, row.wall_h) == (1.5, 1.0, 3.0)
    assert (row.longest_wall_s, row.max_rss_gb) == (7200, 2.0)
    assert usage_lines(jobs[1:], tmp_path) == []  # nothing recorded: no section


def test_the_meter_counts_cpu_of_waited_for_children() -> None:
    meter = AttemptMeter.start()
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", busy], check=True)
    usage = meter.usage()
    assert usage["cpu_s"] >= 0.3 and usage["wall_s"] >= 0.3


@pytest.mark.parametrize(
    ("environ", "gpus"),
    [
        ({"CUDA_VISIBLE_DEVICES": "0,1", "SLURM_GPUS_ON_NODE": "4"}, 2),
        ({"CUDA_VISIBLE_DEVICES": "", "SLURM_GPUS_ON_NODE": "4"}, 0),
        ({"CUDA_VISIBLE_DEVICES": "-1"}, 0),
        ({"SLURM_GPUS_ON_NODE": "4"}, 4),
    ],
)
def test_gpu_count_reads_the_devices_the_job_was_given(monkeypatch, environ, gpus) -> None:
    for name in ("CUDA_VISIBLE_DEVICES", "SLURM_GPUS_ON_NODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert gpu_count() == gpus
