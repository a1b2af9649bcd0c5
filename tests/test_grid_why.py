"""Why a launch runs each job (grid/why.py) and failures grouped by root cause
(grid/failures.py) in status and the launcher's report, with the fake executor and the toy
stages of tests/grid_toy_stages.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from grid import launch, status
from grid.job import Job
from grid.plan import Plan
from grid.status import classify
from grid.store.folder import JobFolder
from grid.why import RERUN_STATES, reasons
from tests import grid_toy_stages as toy


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    toy.install(monkeypatch, launch)


run, plan_of = toy.fake_launch, toy.fake_plan


def why_of(the_plan: Plan, root: Path) -> dict[str, str]:
    """The reasons of every job a launch of ``the_plan`` would run now."""
    states = classify(the_plan, root)
    return reasons(the_plan, states, root, {s for s, st in states.items() if st in RERUN_STATES})


def downstream(the_plan: Plan, sig: str) -> set[str]:
    """Every job that reads ``sig``, directly or through others."""
    found: set[str] = set()
    for job in the_plan.jobs:  # upstream first
        if sig in job.dependencies or found.intersection(job.dependencies):
            found.add(job.signature)
    return found


def test_more_epochs_names_the_old_and_new_value_and_the_training_that_reruns(
    tmp_path: Path, capsys
) -> None:
    run(tmp_path, "epochs=3")
    old = {(j.stage, j.label): j.signature for j in plan_of("epochs=3").jobs}
    capsys.readouterr()
    assert run(tmp_path, "epochs=4", "dry_run=true") is None
    printed = capsys.readouterr().out
    new_plan = plan_of("epochs=4")
    why = why_of(new_plan, tmp_path)
    trainings = [j for j in new_plan.jobs if j.stage == "train"]
    for job in trainings:
        assert why[job.signature] == (
            f"settings differ from {old[(job.stage, job.label)]}: recipe.epochs 3 → 4"
        )
    for job in new_plan.jobs:
        if job.stage == "evaluate":
            (model,) = job.inputs["model"]
            assert why[job.signature] == f"reads train {model}, which reruns"
    first = old[("train", trainings[0].label)]
    columns = [" ".join(line.split()) for line in printed.splitlines()]  # count, stage, reason
    assert (
        f"{len(trainings)} train settings differ from {first} (+{len(trainings) - 1}): "
        "recipe.epochs 3 → 4"
    ) in columns
    assert "which reruns" in printed and "dry run: nothing submitted" in printed


def test_a_failed_job_quotes_its_error_and_its_readers_name_it(tmp_path: Path) -> None:
    the_plan = plan_of()
    victim = next(j for j in the_plan.jobs if j.label == "synthetic train jpeg:10")
    run(tmp_path, f"fake.fail=[{victim.signature}]")
    why = why_of(the_plan, tmp_path)
    assert why[victim.signature] == (
        f"failed before: InjectedFailure: injected failure in encode {victim.signature}"
    )
    blocked = downstream(the_plan, victim.signature)
    assert blocked and set(why) == {victim.signature, *blocked}
    for sig in blocked:
        assert why[sig] == f"not run before: encode {victim.signature} failed"


def test_a_job_of_a_label_never_seen_is_new_and_its_readers_say_so(tmp_path: Path) -> None:
    run(tmp_path)
    the_plan = plan_of("codecs.jpeg=[10,20]")
    why = why_of(the_plan, tmp_path)
    jobs = the_plan.by_signature
    fresh = {s for s, j in jobs.items() if "jpeg:20" in j.label}
    assert fresh and all(why[s] == "new" for s in fresh)
    select = next(j for j in the_plan.jobs if j.stage == "select")
    first_new = next(s for s in select.inputs["evaluations"] if s in fresh)
    assert why[select.signature] == f"reads evaluate {first_new}, which is new"


def test_a_cancelled_job_says_cancelled(tmp_path: Path) -> None:
    the_plan = plan_of()
    victim = next(j for j in the_plan.jobs if j.stage == "train")
    run(tmp_path, f"fake.fail=[{victim.signature}]")
    JobFolder.of(tmp_path, victim).mark_cancelled(by="test")
    assert why_of(the_plan, tmp_path)[victim.signature] == "cancelled"


def test_the_same_settings_and_inputs_under_another_signature_is_a_stage_version_change(
    tmp_path: Path,
) -> None:
    job = Job("train", {"recipe": {"epochs": 3}}, {}, label="t")
    older = JobFolder(tmp_path, "train", "0123456789ab")  # as hashed by an older version
    older.write_spec({**job.to_dict(), "signature": older.signature})
    older.mark_done({})
    the_plan = Plan("s", {}, [job])
    assert why_of(the_plan, tmp_path) == {job.signature: "stage version changed since 0123456789ab"}


def test_settings_reasons_show_dotted_paths_values_as_written_and_cap_the_list(
    tmp_path: Path,
) -> None:
    before = {"recipe": {"lr": 0.01, "mean": [0.5, 0.5], "aug": "crop-flip", "gone": 1}}
    after = {"recipe": {"lr": 0.0005, "mean": [0.25, 0.5], "aug": "rotate-flip", "new": None}}
    old = Job("train", before, {}, label="t")
    folder = JobFolder.of(tmp_path, old)
    folder.write_spec(old.to_dict())
    job = Job("train", after, {}, label="t")
    why = why_of(Plan("s", {}, [job]), tmp_path)
    assert why[job.signature] == (
        f"settings differ from {old.signature}: recipe.lr 0.01 → 0.0005, "
        "recipe.mean [0.5,0.5] → [0.25,0.5], recipe.aug crop-flip → rotate-flip and 2 more"
    )
    two = Job("train", {"recipe": {**before["recipe"], "gone": None, "new": 2}}, {}, label="t")
    assert why_of(Plan("s", {}, [two]), tmp_path)[two.signature] == (
        f"settings differ from {old.signature}: recipe.gone 1 → null, recipe.new added (2)"
    )


def test_the_closest_done_job_is_named_among_equally_close_ones(tmp_path: Path) -> None:
    olds = [Job("train", {"epochs": n}, {}, label="t") for n in (2, 4)]
    for old in olds:
        JobFolder.of(tmp_path, old).write_spec(old.to_dict())
    JobFolder.of(tmp_path, olds[1]).mark_done({})
    job = Job("train", {"epochs": 3}, {}, label="t")
    assert why_of(Plan("s", {}, [job]), tmp_path)[job.signature] == (
        f"settings differ from {olds[1].signature}: epochs 4 → 3"
    )


def test_a_reason_given_by_the_caller_wins_and_its_readers_point_at_it(tmp_path: Path) -> None:
    old_fit = Job("fit-codec", {"level": 1}, {}, label="fit")
    old_encode = Job("encode", {"split": "train"}, {"model": (old_fit.signature,)}, label="enc")
    for old in (old_fit, old_encode):
        JobFolder.of(tmp_path, old).write_spec(old.to_dict())
        JobFolder.of(tmp_path, old).mark_done({})
    fit = Job("fit-codec", {"level": 2}, {}, label="fit")
    encode = Job("encode", {"split": "train"}, {"model": (fit.signature,)}, label="enc")
    the_plan = Plan("s", {}, [fit, encode])
    states = classify(the_plan, tmp_path)
    given = {fit.signature: "code changed: lcc/codecs/bls.py"}
    why = reasons(the_plan, states, tmp_path, {fit.signature, encode.signature}, given=given)
    assert why == {
        fit.signature: "code changed: lcc/codecs/bls.py",
        encode.signature: f"reads fit-codec {fit.signature}, which reruns",
    }


def test_status_shows_one_block_per_root_cause_and_counts_what_it_stopped(
    tmp_path: Path, capsys
) -> None:
    the_plan = plan_of()
    victim = next(j for j in the_plan.jobs if j.label == "synthetic vgg11-5 jpeg:10 seed 0")
    outcome = run(tmp_path, f"fake.fail=[{victim.signature}]")
    blocked = downstream(the_plan, victim.signature)
    assert set(outcome.failed) == {victim.signature, *blocked} and len(blocked) > 1
    report = capsys.readouterr().out
    not_run = f"    {len(blocked)} not run: they read {victim.signature}, which failed ("
    assert report.count("FAILED ") == 1 and not_run in report  # the launcher's own report
    status.main([*toy.FAKE_SMALL, f"results={tmp_path}"])
    printed = capsys.readouterr().out
    assert printed.count("FAILED ") == 1
    assert f"FAILED train {victim.signature} ({victim.label})" in printed
    assert not_run in printed and "injected failure" in printed
    assert f"a relaunch would run {len(blocked) + 1} jobs:" in printed
