"""The launcher with the fake executor and test-only stages: skip/resume, failure isolation,
preemption, bad input, dry runs, concurrent launchers, the results layout."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

import grid
from grid import launch, status
from grid.store.folder import JobFolder
from tests import grid_toy_stages as toy

SMALL = ["sweep=demo_cifar", "executor=fake", *toy.SMALL_DEMO, "epochs=3"]


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    toy.install(monkeypatch, launch)


def run(tmp_path: Path, *extra: str):
    return launch.launch([*SMALL, f"results={tmp_path}", *extra])


def plan_of(tmp_path: Path, *extra: str) -> grid.Plan:
    return grid.plan("demo_cifar", [a for a in [*SMALL, *extra] if not a.startswith("sweep=")])


def test_second_launch_submits_nothing(tmp_path: Path) -> None:
    first = run(tmp_path)
    the_plan = plan_of(tmp_path)
    assert set(first.ids) == {j.signature for j in the_plan.jobs} and not first.failed
    again = run(tmp_path)
    assert again.ids == {} and sum(toy.RUNS.values()) == len(the_plan.jobs)


def test_deleting_one_job_reruns_exactly_it(tmp_path: Path) -> None:
    run(tmp_path)
    victim = next(j for j in plan_of(tmp_path).jobs if j.stage == "train")
    import shutil

    shutil.rmtree(JobFolder(tmp_path, victim.stage, victim.signature).path)
    outcome = run(tmp_path)
    assert list(outcome.ids) == [victim.signature]


def test_failure_is_isolated_named_and_rerun_alone(tmp_path: Path, capsys) -> None:
    the_plan = plan_of(tmp_path)
    victim = next(j for j in the_plan.jobs if j.label == "synthetic train jpeg:10")
    outcome = run(tmp_path, f"fake.fail=[{victim.signature}]")
    dependents = {j.signature for j in the_plan.jobs if victim.signature in j.dependencies}
    assert victim.signature in outcome.failed
    assert dependents <= set(outcome.failed)
    siblings = [
        j for j in the_plan.jobs if j.stage == "train" and j.signature not in outcome.failed
    ]
    assert siblings and all(JobFolder(tmp_path, j.stage, j.signature).is_done() for j in siblings)
    status.main([*SMALL, f"results={tmp_path}"])
    printed = capsys.readouterr().out
    assert f"FAILED encode {victim.signature}" in printed and "injected failure" in printed
    toy.RUNS.clear()
    rerun = run(tmp_path)
    assert set(rerun.ids) == set(outcome.failed) and not rerun.failed


def test_preempted_training_resumes_to_the_same_rows(tmp_path: Path) -> None:
    run(tmp_path / "plain")
    victim = next(j for j in plan_of(tmp_path).jobs if j.stage == "train")
    toy.RUNS.clear()
    run(tmp_path / "preempted", f"fake.preempt=[{victim.signature}]")
    assert toy.RUNS[victim.signature] == 2  # interrupted once, resumed once

    def curve(root: Path) -> pd.DataFrame:
        rows = pd.read_parquet(
            JobFolder(root, "train", victim.signature).path / "rows/train_curve.parquet"
        )
        return rows.drop(columns=["started_at", "finished_at", "host", "slurm_job_id"])

    pd.testing.assert_frame_equal(curve(tmp_path / "plain"), curve(tmp_path / "preempted"))


def test_rows_land_hive_partitioned_with_provenance(tmp_path: Path) -> None:
    run(tmp_path)
    table = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert set(table["stage"].astype(str)) == {"train"}
    assert {"signature", "sweep", "git_commit", "host", "device", "started_at"} <= set(table)
    assert set(table["sweep"]) == {"demo_cifar"} and len(table) == 3 * table["signature"].nunique()
    assert (tmp_path / "demo_cifar" / "plan.json").exists()


def test_shared_jobs_are_published_to_another_sweep(tmp_path: Path) -> None:
    run(tmp_path)
    first = {j.signature for j in plan_of(tmp_path).jobs}
    toy.RUNS.clear()
    # demo = demo_cifar + demo_tiny: with the same overrides, demo_cifar's jobs are shared
    overrides = [a for a in SMALL if not a.startswith("sweep=")]
    outcome = launch.launch(["sweep=demo", *overrides, f"results={tmp_path}"])
    second = grid.plan("demo", overrides)
    new = {j.signature for j in second.jobs} - first
    shared_trainings = {j.signature for j in second.jobs if j.stage == "train"} & first
    assert outcome is not None and not outcome.failed
    assert new and shared_trainings
    assert set(toy.RUNS) == new and set(toy.RUNS.values()) == {1}  # only new jobs ran
    view = pd.read_parquet(tmp_path / "demo" / "train_curve")
    published = view[view["signature"].isin(shared_trainings)]
    assert set(published["signature"]) == shared_trainings
    assert set(view["sweep"]) == {"demo"}
    assert len(published) == 3 * len(shared_trainings)  # every epoch's row, epochs=3
    own = pd.read_parquet(tmp_path / "demo_cifar" / "train_curve")
    assert set(own["sweep"]) == {"demo_cifar"}  # the first sweep's view is untouched


@pytest.mark.parametrize(
    ("arg", "needle"),
    [
        ("sweep=nope", "unknown sweep 'nope'"),
        ("codecs.jpeg=[200]", "200"),
        ("archs=[vgg99]", "unknown architecture 'vgg99'"),
        ("datasets=[imagenet]", "unknown dataset 'imagenet'"),
        ("executor=pbs", "unknown executor 'pbs'"),
        ("cluster=nope", "unknown cluster 'nope'"),
        ("epoch=2", "unknown key 'epoch'"),
        ("codecs.webp=[1]", "unknown codec 'webp'"),
        ("severities=[6]", "unknown severity 6"),
        ("select.top_k=2", "select.top_k=2 needs at least"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_submitted(tmp_path, capsys, arg, needle) -> None:
    args = [a for a in SMALL if not (arg.startswith("sweep=") and a.startswith("sweep="))]
    code = launch.main([*args, f"results={tmp_path}", arg])
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and "valid" in err and len(err.splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["archs=[vgg11-5]", "datasets=[synthetic-tiny]"],
            "vgg11-5 is defined for 32x32 inputs only (5 max-pools must end at 1x1); got 64 "
            "(dataset 'synthetic-tiny')",
        ),
        (["cluster=nope"], "unknown cluster 'nope'; valid clusters: default, "),
        (["cluster={tmp}/absent.toml"], "unknown cluster '{tmp}/absent.toml'; valid clusters:"),
        (["cluster={tmp}/typo.toml"],
         "unknown profile typo.toml key 'partitoin'; did you mean partition? valid keys:"),
        (
            ["plugins=[tests.no_such_plugin]"],
            "plugin 'tests.no_such_plugin' cannot be imported: No module named "
            "'tests.no_such_plugin'",
        ),
        (
            ["plugins=[broken_plugin_for_test]"],
            "plugin 'broken_plugin_for_test' cannot be imported: cannot import name "
            "'no_such_name' from 'grid'",
        ),
        (["epochs"], "argument 'epochs' is not key=value (e.g. epochs=2)"),
        (["epochs:2"], "argument 'epochs:2' is not key=value (e.g. epochs=2)"),
    ],
    ids=["image-size", "cluster", "cluster-path", "profile-key", "plugin", "plugin-import",
         "no-equals", "colon"],
)  # fmt: skip
def test_plan_time_errors_are_one_line_exit_2_nothing_written(
    tmp_path, capsys, monkeypatch, args, needle
) -> None:
    (tmp_path / "typo.toml").write_text('description = "typo"\npartitoin = "gpu"\n')
    (tmp_path / "broken_plugin_for_test.py").write_text("from grid import no_such_name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    results = tmp_path / "results"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = launch.main([*SMALL, f"results={results}", *args])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("error: " + needle.replace("{tmp}", str(tmp_path)))
    assert not results.exists() and not toy.RUNS


def test_dry_run_submits_nothing(tmp_path: Path, capsys) -> None:
    assert run(tmp_path, "dry_run=true") is None
    assert not (tmp_path / "_jobs").exists() and not toy.RUNS
    assert "dry run" in capsys.readouterr().out


def test_two_launchers_together_run_each_job_once(tmp_path: Path) -> None:
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(run(tmp_path))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert toy.RUNS and max(toy.RUNS.values()) == 1
    assert len(toy.RUNS) == len(plan_of(tmp_path).jobs)


def test_report_publishes_rows_that_finished_under_another_sweep(tmp_path, monkeypatch) -> None:
    import shutil

    import analysis.stages
    from analysis.stages import report
    from grid.context import JobContext

    run(tmp_path)
    view = tmp_path / "demo_cifar" / "train_curve"
    expected = sorted(p.name for p in view.rglob("*.parquet"))
    shutil.rmtree(view)  # as if the trainings ran under another sweep after this one launched
    monkeypatch.setattr(analysis.stages, "write_report", lambda results, out: out / "index.md")
    the_plan = plan_of(tmp_path)
    report(JobContext(the_plan.jobs[-1], tmp_path, "demo_cifar", _jobs=the_plan.by_signature))
    assert sorted(p.name for p in view.rglob("*.parquet")) == expected
