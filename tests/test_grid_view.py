"""The sweep view follows the launched plan, reports follow their inputs, and every launch
records and snapshots its code (fake executor, test-only stages, real files)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import grid
from grid import code, launch, status
from grid.plan import launches_path
from grid.runner import run_job
from grid.stages import registry
from grid.stages.registry import Stage
from grid.store.folder import JobFolder
from grid.store.rows import SUPERSEDED, superseded_signatures
from tests import grid_toy_stages as toy


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    toy.install(monkeypatch, launch)


run, plan_of = toy.fake_launch, toy.fake_plan


def trainings(the_plan: grid.Plan) -> set[str]:
    return {job.signature for job in the_plan.jobs if job.stage == "train"}


def test_a_relaunch_with_other_epochs_leaves_a_view_of_exactly_the_new_plan(tmp_path) -> None:
    run(tmp_path, "epochs=2")
    old = trainings(plan_of("epochs=2"))
    run(tmp_path, "epochs=3")
    new = trainings(plan_of("epochs=3"))
    assert old and new and not old & new
    view = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert set(view["signature"]) == new  # pandas directly, as results/README.md promises
    assert sorted(view["epoch"].unique()) == [1, 2, 3]
    assert old <= superseded_signatures(tmp_path, "demo_cifar")  # kept, out of the view
    kept = pd.read_parquet(tmp_path / "demo_cifar" / SUPERSEDED / "train_curve")
    assert set(kept["signature"]) == old and sorted(kept["epoch"].unique()) == [1, 2]
    for sig in old:  # the jobs' own rows are untouched
        assert JobFolder(tmp_path, "train", sig).rows_path("train_curve").is_file()


def test_relaunching_the_first_settings_brings_their_rows_back_into_the_view(tmp_path) -> None:
    run(tmp_path, "epochs=2")
    run(tmp_path, "epochs=3")
    toy.RUNS.clear()
    run(tmp_path, "epochs=2")
    assert not toy.RUNS  # nothing recomputed: done jobs are republished
    view = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert set(view["signature"]) == trainings(plan_of("epochs=2"))
    assert trainings(plan_of("epochs=2")).isdisjoint(superseded_signatures(tmp_path, "demo_cifar"))


def test_status_counts_the_superseded_jobs_and_says_where_their_rows_are(tmp_path, capsys):
    run(tmp_path, "epochs=2")
    run(tmp_path, "epochs=3")
    capsys.readouterr()
    status.main(["sweep=demo_cifar", f"results={tmp_path}"])
    out = capsys.readouterr().out
    moved = len(superseded_signatures(tmp_path, "demo_cifar"))
    assert moved >= 2
    assert f"{moved} jobs of earlier launches superseded" in out
    assert str(tmp_path / "demo_cifar" / SUPERSEDED) in out


def test_a_job_that_left_the_plan_while_it_ran_does_not_publish_into_the_view(tmp_path):
    """A training of the first launch that finishes after a relaunch with other settings
    (run_job itself, as a late Slurm task would) moves its rows out of the view."""
    run(tmp_path, "epochs=2")
    old_plan = plan_of("epochs=2")
    victim = next(j for j in old_plan.jobs if j.stage == "train")
    run(tmp_path, "epochs=3")  # the plan no longer holds `victim`
    shutil.rmtree(JobFolder.of(tmp_path, victim).path)  # still to finish, as if it were late
    run_job(victim, tmp_path, "demo_cifar", old_plan.by_signature)
    view = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert victim.signature not in set(view["signature"])
    assert victim.signature in superseded_signatures(tmp_path, "demo_cifar")
    assert JobFolder.of(tmp_path, victim).is_done()


def test_rows_reach_the_view_only_after_the_done_marker(tmp_path, monkeypatch) -> None:
    """A job killed between writing its rows and its done marker leaves nothing in the view."""
    seen = []
    real_publish = launch.publish

    def check_done_first(folder, sweep):
        seen.append(folder.is_done())
        real_publish(folder, sweep)

    import grid.runner

    monkeypatch.setattr(grid.runner, "publish", check_done_first)
    run(tmp_path, "epochs=2")
    assert seen and all(seen)


def partial_report(monkeypatch) -> None:
    """The toy report runs on partial inputs, as the real one does."""
    stage = registry.STAGES["report"]
    monkeypatch.setitem(
        registry.STAGES, "report", Stage("report", stage.fn, (), "cpu", partial_inputs=True)
    )


def test_a_report_that_ran_on_partial_inputs_reruns_once_they_are_rerun(tmp_path, monkeypatch):
    partial_report(monkeypatch)
    the_plan = plan_of("epochs=2")
    victim = next(j for j in the_plan.jobs if j.stage == "train")
    report = next(j for j in the_plan.jobs if j.stage == "report")
    first = run(tmp_path, "epochs=2", f"fake.fail=[{victim.signature}]")
    assert victim.signature in first.failed and report.signature not in first.failed
    folder = JobFolder.of(tmp_path, report)
    missing = folder.done_record()["missing_inputs"]
    assert victim.signature in missing and len(missing) > 1  # its evaluation … too
    toy.RUNS.clear()
    again = run(tmp_path, "epochs=2")
    assert not again.failed and report.signature in again.ids and toy.RUNS[report.signature]
    assert "missing_inputs" not in folder.done_record()
    history = (folder.path / "history.jsonl").read_text().splitlines()
    assert len(history) == 1 and "ran on partial inputs" in json.loads(history[0])["reason"]
    toy.RUNS.clear()
    assert run(tmp_path, "epochs=2").ids == {}  # complete now: not rerun again


def test_every_launch_records_its_code_and_snapshots_the_packages(tmp_path) -> None:
    run(tmp_path, "epochs=2")
    record = code.current()
    lines = launches_path(tmp_path, "demo_cifar").read_text().splitlines()
    logged = json.loads(lines[-1])["code"]
    assert logged["fingerprint"] == record.fingerprint and logged["versions"]["torch"]
    snap = tmp_path / code.SNAPSHOTS / record.fingerprint
    assert (snap / "grid" / "runner.py").read_bytes() == (
        code.source_root() / "grid" / "runner.py"
    ).read_bytes()
    assert json.loads((snap / code.MANIFEST).read_text()) == code.manifest()
    rows = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert set(rows["code"]) == {record.fingerprint}
    assert set(rows["git_commit"]) == {record.git_label}
    run(tmp_path, "epochs=3")  # same code: the snapshot is shared
    assert [p.name for p in (tmp_path / code.SNAPSHOTS).iterdir()] == [record.fingerprint]


def test_an_edit_changes_the_code_of_exactly_the_stages_that_import_it(tmp_path):
    copy = tmp_path / "copy"
    for package in code.PACKAGES:
        shutil.copytree(code.source_root() / package, copy / package)
    assert code.manifest(copy) == code.manifest()
    train = code.stage_files("grid.stages.train", copy)
    assert "grid/stages/train.py" in train and "lcc/train/loop.py" in train
    assert "grid/stages/encode.py" not in train  # another stage's module is not its code
    loop = copy / "lcc" / "train" / "loop.py"
    loop.write_text(loop.read_text() + "# edited\n")
    code.manifest.cache_clear()
    code._closure.cache_clear()
    assert code.changed_files(train, "grid.stages.train", copy) == ["lcc/train/loop.py"]
    encode = code.stage_files("grid.stages.encode")
    assert not code.changed_files(encode, "grid.stages.encode", copy)  # not encode's code


def test_a_done_job_whose_stage_code_changed_is_flagged_stale_with_its_files(
    tmp_path, capsys
) -> None:
    """The launch records the code each done job ran; a job recorded under other file
    contents (as after an edit of its stage) is flagged in the stale list with the files."""
    import analysis.stages  # noqa: F401  (select and report: a real stage module)

    run(tmp_path, "epochs=2")
    the_plan = plan_of("epochs=2")
    report = next(j for j in the_plan.jobs if j.stage == "report")
    folder = JobFolder.of(tmp_path, report)
    files = {**code.stage_files("analysis.stages"), "analysis/report.py": "0" * 40}
    recorded = {"fingerprint": "0" * 12, "module": "analysis.stages", "files": files}
    folder.mark_done(folder.done_record()["tables"], code=recorded)
    stale = code.stale_jobs(the_plan.jobs, tmp_path)
    assert stale == {report.signature: ["analysis/report.py"]}
    capsys.readouterr()
    status.main(["sweep=demo_cifar", f"results={tmp_path}"])
    status_out = capsys.readouterr().out
    run(tmp_path, "epochs=2", "dry_run=true")
    for out in (status_out, capsys.readouterr().out):
        assert "stale: 1 done jobs ran other code" in out
        assert "code changed since it ran: analysis/report.py" in out
    from analysis.report import write_report

    index = write_report(tmp_path / "demo_cifar", tmp_path / "out")
    text = index.read_text()
    assert "Jobs computed by other code (1)" in text and "analysis/report.py" in text
