"""analysis.load reads exactly the done jobs of the sweep's launched plan, superseded rows only
on request (flagged), and refuses a corrupt file with one line naming it, its job and the rerun.

Files are written as a launch leaves them: the synthetic sweep's jobs are done with their rows in
the view; an earlier launch's job gets its folder, rows and done marker (JobFolder) and is
published to the view (grid.store.rows.publish); the last test relaunches demo_cifar on the
fake executor with the toy stages.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.bad_files import BadResultFile
from analysis.load import load
from analysis.one_launch import MixedLaunchesError
from analysis.plan import read_plan
from analysis.seeds import best_epoch
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid import launch
from grid.job import Job
from grid.store.files import atomic_write_parquet
from grid.store.folder import JobFolder
from grid.store.rows import SUPERSEDED, publish, superseded_path, view_path
from tests import grid_toy_stages as toy

TABLE_OF = {"train": "train_curve", "evaluate": "evaluation"}
SMALL = ["sweep=demo_cifar", "executor=fake", *toy.SMALL_DEMO]


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    return write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1))


def planned(sweep: Path, stage: str) -> list[Job]:
    return read_plan(sweep).jobs_of(stage)


def earlier_launch_of(sweep: Path, job: Job) -> Job:
    """A done job like planned ``job`` but of another config (a launch with other settings),
    with ``job``'s rows under its own signature, published to the sweep's view."""
    root, table = sweep.parent, TABLE_OF[job.stage]
    old = Job(job.stage, {**job.config, "epochs": 2}, job.inputs, label=job.label)
    rows = pq.read_table(view_path(root, sweep.name, table, job.stage, job.signature))
    signature = pa.array([old.signature] * rows.num_rows, pa.string())
    rows = rows.set_column(rows.schema.get_field_index("signature"), "signature", signature)
    folder = JobFolder.of(root, old)
    folder.write_spec(old.to_dict())
    atomic_write_parquet(folder.rows_path(table), rows)
    folder.mark_done({table: rows.num_rows})
    publish(folder, sweep.name)
    return old


def move_to_superseded(sweep: Path, job: Job) -> None:
    """What a relaunch does to the view file of a job its plan no longer holds."""
    key = (sweep.parent, sweep.name, TABLE_OF[job.stage], job.stage, job.signature)
    superseded_path(*key).parent.mkdir(parents=True, exist_ok=True)
    os.replace(view_path(*key), superseded_path(*key))


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_load_leaves_out_the_view_file_of_a_job_not_in_the_launched_plan(sweep: Path) -> None:
    trainings = {job.signature for job in planned(sweep, "train")}
    old = earlier_launch_of(sweep, planned(sweep, "train")[0])
    view = pd.read_parquet(sweep / "train_curve")
    assert set(view["signature"]) == trainings | {old.signature}  # the view holds both launches
    results = load(sweep)
    assert set(results.train_curve["signature"]) == trainings
    assert "superseded" not in results.train_curve.columns
    assert results.missing.empty


def test_include_superseded_adds_stale_and_moved_rows_flagged_superseded(sweep: Path) -> None:
    stale = earlier_launch_of(sweep, planned(sweep, "train")[0])  # left in the view
    moved = earlier_launch_of(sweep, planned(sweep, "evaluate")[0])
    move_to_superseded(sweep, moved)
    current = load(sweep)
    results = load(sweep, include_superseded=True)
    for table, old in (("train_curve", stale), ("evaluation", moved)):
        frame = results.tables[table]
        assert frame.columns[-1] == "superseded" and frame["superseded"].dtype == bool
        flagged = frame.groupby("signature", observed=True)["superseded"].agg(["all", "any"])
        assert flagged.loc[old.signature, "all"]
        assert not flagged.drop(old.signature)["any"].any()
        assert len(frame[~frame["superseded"]]) == len(current.tables[table])
    assert results.include_superseded and results.missing.empty
    assert results.rate_distortion["superseded"].eq(False).all()


def test_a_view_file_whose_job_is_not_done_is_left_out_and_the_job_listed_missing(
    sweep: Path,
) -> None:
    job = planned(sweep, "evaluate")[0]
    shutil.rmtree(JobFolder.of(sweep.parent, job).path)  # how a job is rerun: rows stay in view
    assert view_path(sweep.parent, "s", "evaluation", "evaluate", job.signature).exists()
    results = load(sweep)
    assert job.signature not in set(results.evaluation["signature"])
    missing = results.missing.set_index("signature")
    assert missing.loc[job.signature, "reason"] == "not run"


def test_a_truncated_view_file_is_one_line_naming_it_its_job_and_the_rerun(sweep: Path) -> None:
    job = planned(sweep, "evaluate")[1]
    path = view_path(sweep.parent, "s", "evaluation", "evaluate", job.signature)
    truncate(path)
    with pytest.raises(BadResultFile) as error:
        load(sweep)
    message = str(error.value)
    folder = JobFolder.of(sweep.parent, job)
    assert isinstance(error.value, ValueError) and len(message.splitlines()) == 1
    assert message.startswith(f"{path}: unreadable (")
    assert f"written by evaluate job {job.signature} ({job.label})" in message
    assert message.endswith(
        f"delete {folder.path} and relaunch: python -m grid.launch sweep=s results={sweep.parent}"
    )


def test_a_truncated_file_of_a_job_that_is_not_done_does_not_count(sweep: Path) -> None:
    job = planned(sweep, "train")[0]
    truncate(view_path(sweep.parent, "s", "train_curve", "train", job.signature))
    shutil.rmtree(JobFolder.of(sweep.parent, job).path)
    results = load(sweep)
    assert job.signature not in set(results.train_curve["signature"])
    assert job.signature in set(results.missing["signature"])


def test_a_truncated_superseded_file_says_to_load_without_superseded_rows(sweep: Path) -> None:
    old = earlier_launch_of(sweep, planned(sweep, "evaluate")[0])
    move_to_superseded(sweep, old)
    path = superseded_path(sweep.parent, "s", "evaluation", "evaluate", old.signature)
    truncate(path)
    assert len(load(sweep).evaluation)  # not read without include_superseded
    with pytest.raises(BadResultFile) as error:
        load(sweep, include_superseded=True)
    message = str(error.value)
    assert len(message.splitlines()) == 1 and message.startswith(f"{path}: unreadable (")
    assert "load without include_superseded=True, or delete the file" in message


def test_without_plan_json_every_view_file_of_a_done_job_counts(sweep: Path) -> None:
    trainings = {job.signature for job in planned(sweep, "train")}
    old = earlier_launch_of(sweep, planned(sweep, "train")[0])
    not_done = planned(sweep, "train")[1]
    shutil.rmtree(JobFolder.of(sweep.parent, not_done).path)
    (sweep / "plan.json").unlink()
    results = load(sweep)
    expected = trainings - {not_done.signature} | {old.signature}
    assert set(results.train_curve["signature"]) == expected
    assert results.plan is None and results.missing.empty


def test_a_sweep_folder_copied_without_job_folders_loads_its_plan_s_view(
    sweep: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / "s"
    shutil.copytree(sweep, copy)
    assert not JobFolder.of(copy.parent, planned(sweep, "train")[0]).exists()
    results, original = load(copy), load(sweep)
    for table, frame in original.tables.items():
        assert len(results.tables[table]) == len(frame), table


def test_after_a_relaunch_with_other_epochs_load_reads_the_new_launch_only(
    tmp_path: Path, monkeypatch
) -> None:
    """The fake executor on the toy stages: demo_cifar with epochs=2, then epochs=3."""
    toy.install(monkeypatch, launch)
    for epochs in (2, 3):
        launch.launch([*SMALL, f"results={tmp_path}", f"epochs={epochs}"])
    sweep = tmp_path / "demo_cifar"
    results = load(sweep)
    trainings = {job.signature for job in results.plan.jobs_of("train")}
    assert set(results.train_curve["signature"]) == trainings
    assert sorted(results.train_curve["epoch"].unique()) == [1, 2, 3]
    assert len(best_epoch(results.train_curve))
    both = load(sweep, include_superseded=True).train_curve
    assert both["signature"].nunique() == 2 * len(trainings)
    assert set(both.loc[~both["superseded"], "signature"]) == trainings
    with pytest.raises(MixedLaunchesError):
        best_epoch(both)
    for path in (sweep / SUPERSEDED).rglob("*.parquet"):  # a view an older launcher left
        os.replace(path, sweep / path.relative_to(sweep / SUPERSEDED))
    assert pd.read_parquet(sweep / "train_curve")["signature"].nunique() == 2 * len(trainings)
    assert set(load(sweep).train_curve["signature"]) == trainings
