"""The launcher's disk estimate (grid/disk.py): within a factor of 2 of what a small real sweep
writes, overall and per stage writing more than 1 MB; ``disk_check=strict`` stops a launch
that does not fit with exit 2, one line and nothing written; a bad ``disk_check`` is the
one-line settings error; the dry run prints the estimate; quota answers are parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

import grid.disk
import grid.launch
import grid.store.quota
from grid.job import Job
from grid.launch import launch, main
from grid.stages.registry import STAGES, Stage
from grid.store.quota import parse_quota
from tests.test_grid_provenance import SMALL_REAL

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# SMALL_REAL with one learned codec and 120 training images: fit-codec, encode, train and
# report each write more than 1 MB.
SMALL = [*SMALL_REAL, "codecs.bls-ssim=[]", "codecs.bls-task=[]", "codecs.mbt-mean=[]",
         "data.train_limit=120"]  # fmt: skip
MB = 1_000_000


def tree_bytes(folder: Path) -> int:
    """Apparent size of every file under ``folder`` (0 when absent)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def written_by_stage(results: Path, sweep: str) -> dict[str, int]:
    """Bytes under ``results/_jobs/<stage>/`` per stage, the report folder with the report's."""
    written = {p.name: tree_bytes(p) for p in (results / "_jobs").iterdir()}
    written["report"] = written.get("report", 0) + tree_bytes(results / sweep / "report")
    return written


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> tuple[grid.disk.Estimate, dict[str, int], Path]:
    results = tmp_path_factory.mktemp("results")
    seen = []

    def recording(*args, **kwargs):
        seen.append(grid.disk.check_space(*args, **kwargs))
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grid.launch, "check_space", recording)
        outcome = launch([*SMALL, f"results={results}"])
    assert outcome is not None and not outcome.failed, outcome and outcome.failed
    (estimate,) = seen
    return estimate, written_by_stage(results, "demo_cifar"), results


def test_the_estimate_is_within_a_factor_of_two_of_what_the_launch_writes(small_run) -> None:
    estimate, written, _ = small_run
    assert not estimate.unestimated
    assert set(estimate.by_stage) == set(written)
    ratios = {stage: estimate.by_stage[stage] / written[stage] for stage in written}
    print({stage: f"{r:.2f}" for stage, r in ratios.items()})
    assert 0.5 <= estimate.total / sum(written.values()) <= 2
    big = {stage for stage, size in written.items() if size > MB}
    assert {"fit-codec", "encode", "train", "report"} <= big
    for stage in big:
        assert 0.5 <= ratios[stage] <= 2, (stage, ratios[stage])


def test_only_jobs_that_run_count(small_run, capsys) -> None:
    """A dry run over the finished sweep: every job is done, so it writes ~0 B."""
    _, _, results = small_run
    code, err, out = run_main([*SMALL, f"results={results}", "dry_run=true"], capsys)
    assert code == 0, err
    (line,) = [row for row in out.splitlines() if row.startswith("disk: ")]
    assert line.startswith("disk: this launch writes ~0 B; "), line


def run_main(argv: list[str], capsys) -> tuple[int, list[str], str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


def test_strict_stops_a_launch_that_does_not_fit_and_writes_nothing(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(grid.disk, "free_bytes", lambda path: 1000)
    monkeypatch.setattr(grid.disk, "quota_left", lambda path: None)
    results = tmp_path / "results"
    code, err, _ = run_main([*SMALL, f"results={results}", "disk_check=strict"], capsys)
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: disk: this launch writes ~"), err
    assert "disk_check=warn" in err[0] and "1000 B is left" in err[0]
    written = sorted(p.name for p in results.rglob("*")) if results.exists() else []
    assert all(name.startswith(".") for name in written), written  # the launch lock at most


def test_warn_says_so_and_the_dry_run_prints_the_estimate(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(grid.disk, "free_bytes", lambda path: 1000)
    monkeypatch.setattr(grid.disk, "quota_left", lambda path: 5 * 2**30)
    results = tmp_path / "results"
    code, err, out = run_main([*SMALL, f"results={results}", "dry_run=true"], capsys)
    assert code == 0, err
    (line,) = [row for row in out.splitlines() if row.startswith("disk: ")]
    assert "fit-codec" in line and "encode" in line and "1000 B free in" in line, line
    assert "5 GiB left in your quota" in line
    assert any(row.startswith("warning: disk: this launch writes") for row in out.splitlines())


def test_an_unknown_disk_check_is_one_line_listing_the_valid_values(tmp_path, capsys) -> None:
    code, err, _ = run_main(
        ["sweep=demo_cifar", f"results={tmp_path}", "disk_check=maybe", "dry_run=true"], capsys
    )
    assert code == 2
    assert err == [
        "error: unknown disk_check 'maybe'; valid disk_check values: warn, strict "
        "(see python -m grid.launch --help)"
    ]


LFS = """Disk quotas for usr ada (uid 1000):
     Filesystem  kbytes   quota   limit   grace   files   quota   limit   grace
        /scratch  1048576  2097152 3145728       -    1234       0       0       -
"""
QUOTA = """Disk quotas for user ada (uid 1000):
     Filesystem  blocks   quota   limit   grace   files   quota   limit   grace
      /dev/sda1  600000*  500000  700000   6days     12       0       0
"""
NO_LIMIT = QUOTA.replace("500000  700000", "0  0").replace("600000*", "600000")


def test_quota_answers_are_read_as_bytes_left_under_the_tighter_limit() -> None:
    assert parse_quota(LFS) == (2097152 - 1048576) * 1024
    assert parse_quota(QUOTA) == 0  # over its soft limit
    assert parse_quota(NO_LIMIT) is None
    assert parse_quota("quota: command failed") is None


def fake_command(folder: Path, name: str, body: str) -> None:
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)


def test_the_quota_is_asked_of_lfs_and_skipped_when_slow_or_absent(tmp_path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    assert grid.store.quota.quota_left(tmp_path) is None  # neither lfs nor quota
    (tmp_path / "answer.txt").write_text(LFS)
    fake_command(bin_dir, "lfs", f"exec /bin/cat {tmp_path / 'answer.txt'}")
    assert grid.store.quota.quota_left(tmp_path) == (2097152 - 1048576) * 1024
    fake_command(bin_dir, "lfs", "exec /bin/sleep 5")
    monkeypatch.setattr(grid.store.quota, "QUOTA_TIMEOUT_S", 0.2)
    assert grid.store.quota.quota_left(tmp_path) is None


def test_jobs_of_a_stage_without_an_estimate_count_zero_and_are_named(monkeypatch) -> None:
    monkeypatch.setitem(STAGES, "select", Stage("select", lambda ctx: {}, ("selection",), "cpu"))
    jobs = [Job("select", {"n": n}) for n in range(3)]
    written = grid.disk.estimate(jobs)
    assert written.total == 0 and written.unestimated == {"select": 3}
    assert grid.disk.describe(written) == (
        "this launch writes ~0 B; 3 jobs have no estimate (select 3)"
    )
