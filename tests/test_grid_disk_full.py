"""A full disk or quota: the job whose writes fail fails with one line naming the file and the
space left; the launcher records what it can, reports it, exits non-zero without a traceback,
and a relaunch once space is freed reruns exactly the unfinished jobs."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import grid
from grid import launch as launcher
from grid.runner import run_job
from grid.stages import registry
from grid.store.folder import JobFolder
from tests import grid_toy_stages as toy
from tests.test_grid_local import ARGS as LOCAL_ARGS
from tests.test_grid_local import done_times

REPO = Path(__file__).resolve().parents[1]
# test_grid_local's launch, with the plugin that fills one job's disk.
PLUGINS = "plugins=[tests.grid_toy_plugin,tests.grid_disk_full_plugin]"
ARGS = [PLUGINS if a.startswith("plugins=") else a for a in LOCAL_ARGS]
FULL = "synthetic train jpeg:10"  # the label of the encode job whose folder's disk is full


def launch(results: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grid.launch", *ARGS, f"results={results}"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_a_full_disk_fails_its_job_in_one_line_and_a_relaunch_reruns_the_unfinished(
    tmp_path: Path,
) -> None:
    overrides = [a for a in ARGS if not a.startswith(("sweep=", "plugins="))]
    the_plan = grid.plan("demo_cifar", [*overrides, f"results={tmp_path}"])
    full = next(j for j in the_plan.jobs if j.stage == "encode" and j.label == FULL)
    folder = JobFolder.of(tmp_path, full)
    out = launch(tmp_path, GRID_TEST_FULL_UNDER=str(folder.path))
    terminal = out.stdout + out.stderr
    assert out.returncode == 1, terminal
    assert "Traceback" not in terminal
    failed_line = f"FAILED encode {full.signature} ({FULL}): OSError: [Errno 28] No space left"
    (line,) = [ln for ln in out.stdout.splitlines() if ln.startswith(failed_line)]
    assert f"{folder.path}{os.sep}" in line and line.endswith(" free)")
    assert "1 failed for lack of space" in out.stdout
    assert f"encode {full.signature}: not recorded ([Errno 28]" in out.stderr  # launcher's try
    assert not folder.is_done() and folder.claim_holder() is None
    before = done_times(tmp_path, the_plan.jobs)
    unfinished = {j.signature for j in the_plan.jobs} - set(before)
    assert full.signature in unfinished and len(before) > 0
    again = launch(tmp_path)  # space freed
    assert again.returncode == 0, again.stdout + again.stderr
    after = done_times(tmp_path, the_plan.jobs)
    assert set(after) == {j.signature for j in the_plan.jobs}
    rerun = {sig for sig, time in after.items() if before.get(sig) != time}
    assert rerun == unfinished


def test_a_stage_out_of_quota_fails_in_one_line_even_when_its_failure_cannot_be_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toy.install(monkeypatch)
    the_plan = toy.fake_plan()
    job = next(j for j in the_plan.jobs if j.stage == "encode")
    folder = JobFolder.of(tmp_path, job)
    target = folder / "images.npy"

    def over_quota(ctx: object) -> None:
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), str(target))

    monkeypatch.setitem(
        registry.STAGES, "encode", replace(registry.STAGES["encode"], fn=over_quota)
    )
    replace_file = os.replace

    def full_for_markers(src: str, dst: str) -> None:
        if Path(dst).name == "failed.json":
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
        replace_file(src, dst)

    monkeypatch.setattr(os, "replace", full_for_markers)
    with pytest.raises(OSError) as raised:
        run_job(job, tmp_path, "demo_cifar", the_plan.by_signature)
    assert str(raised.value).startswith(f"[Errno {errno.EDQUOT}] Disk quota exceeded: {target} (")
    assert str(raised.value).endswith(" free)") and "\n" not in str(raised.value)
    assert folder.read("failed") is None and folder.claim_holder() is None


def test_a_launcher_whose_own_write_finds_the_disk_full_stops_in_one_line(
    tmp_path, monkeypatch, capsys
) -> None:
    """The plan's own write fails for lack of space: one line naming the file and the space
    left, exit 4, no traceback; the jobs' folders are untouched (nothing ran)."""
    toy.install(monkeypatch, launcher)
    real_write = launcher.atomic_write_bytes

    def full_for_the_plan(path, data):
        if path.name == "plan.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(launcher, "atomic_write_bytes", full_for_the_plan)
    code = launcher.main([*toy.FAKE_SMALL, f"results={tmp_path}"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == launcher.NO_SPACE_EXIT and len(lines) == 1 and "Traceback" not in err
    assert "No space left on device" in lines[0] and "plan.json" in lines[0] and "free)" in lines[0]
    assert not toy.RUNS
