"""The steps-matched control arm of claim C5 (thesis §4.3; grid.expand.add_steps_controls):
every unweighted joined top-k set gets, per seed, k trainings on its single parts for k times
the epochs, each evaluated like any training; nothing else in a plan changes."""

from collections import Counter

import pytest

import grid
import grid.expand
from grid import sweeps
from grid.job import Job
from grid.plan import Plan

SWEEPS = sweeps.names()


def has_joined(the_plan: Plan) -> bool:
    """Whether a part of the sweep trains a joined set (a selection and a joined codec)."""
    return any(s["select"]["methods"] and s["select"]["joined"] for s in the_plan.settings.values())


def train_set(job: Job) -> dict:
    return job.config["train_set"]


def controls(the_plan: Plan) -> list[Job]:
    return [j for j in the_plan.jobs if j.stage == "train" and "control_for" in train_set(j)]


def readers(the_plan: Plan, stage: str, train: Job) -> list[Job]:
    """The jobs of ``stage`` that read ``train``'s model."""
    return [
        j for j in the_plan.jobs if j.stage == stage and j.inputs.get("model") == (train.signature,)
    ]


def cell(job: Job) -> tuple:
    return job.config["dataset"]["name"], job.config["arch"], job.config["seed"]


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: grid.plan(name) for name in SWEEPS}


def test_thesis_sweeps_with_a_joined_set_are_covered(plans: dict[str, Plan]) -> None:
    with_joined = {name for name, p in plans.items() if has_joined(p)}
    assert {"demo", "robustness", "reproduce", "future_work"} <= with_joined


@pytest.mark.parametrize("sweep", SWEEPS)
def test_each_unweighted_join_has_k_controls_per_seed(plans: dict[str, Plan], sweep: str) -> None:
    the_plan = plans[sweep]
    joined = [j for j in the_plan.jobs if j.stage == "train" and train_set(j)["joined"]]
    unweighted = [j for j in joined if "weighting" not in train_set(j)]
    if not has_joined(the_plan):
        assert not joined and not controls(the_plan)
        return
    assert unweighted, sweep
    by_target: dict[tuple, list[Job]] = {}
    for job in controls(the_plan):
        by_target.setdefault((*cell(job), train_set(job)["control_for"]), []).append(job)
    assert len(by_target) == len(unweighted)  # no control of a weighted join (§6.3)
    for join in unweighted:
        k, label = train_set(join)["top_k"], train_set(join)["label"]
        parts = by_target[(*cell(join), label)]
        assert sorted(train_set(p)["rank"] for p in parts) == list(range(1, k + 1))
        for part in parts:
            check_control(the_plan, join, part)


def check_control(the_plan: Plan, join: Job, part: Job) -> None:
    """``part`` is a control of ``join``: its config and inputs but for the train set and
    k times the epochs, and evaluated (and Fourier-analysed) as ``join`` is."""
    k, label, rank = train_set(join)["top_k"], train_set(join)["label"], train_set(part)["rank"]
    assert train_set(part) == {
        "label": f"{label}:part{rank}",
        "codec": train_set(join)["codec"],
        "level": None,
        "joined": False,
        "top_k": None,
        "rank": rank,
        "control_for": label,
    }
    epochs = k * join.config["recipe"]["epochs"]
    assert part.config["recipe"] == {**join.config["recipe"], "epochs": epochs}
    rest = {"train_set": None, "recipe": None}
    assert {**part.config, **rest} == {**join.config, **rest}
    assert part.inputs == join.inputs  # selection, candidates, test_clean
    dataset, arch, seed = cell(join)
    assert part.label == f"{dataset} {arch} {label}:part{rank} seed {seed}"
    (evaluate,) = readers(the_plan, "evaluate", part)
    assert evaluate.config == readers(the_plan, "evaluate", join)[0].config
    fourier = readers(the_plan, "fourier", part)
    assert len(fourier) == len(readers(the_plan, "fourier", join))


def test_demo_controls_read_as_parts_of_the_join(plans: dict[str, Plan]) -> None:
    labels = Counter(j.label for j in plans["demo"].jobs if j.stage in ("train", "evaluate"))
    assert labels["synthetic vgg11-5 bls:top2:part1 seed 0"] == 2  # its train and evaluate
    assert labels["synthetic vgg11-5 bls:top2:part2 seed 0"] == 2
    assert not [label for label in labels if ":w=psnr:part" in label]


def test_top_1_join_is_its_own_control() -> None:
    the_plan = grid.plan("demo_cifar", ["select.top_k=1"])
    assert [j for j in the_plan.jobs if j.stage == "train" and train_set(j)["joined"]]
    assert not controls(the_plan)


@pytest.mark.parametrize("sweep", SWEEPS)
def test_controls_leave_every_other_job_unchanged(
    plans: dict[str, Plan], sweep: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the control arm the plan is what it was before it existed: removing the controls
    (and their evaluate, fourier and saliency jobs) gives exactly the same signatures, the
    report's aside (it reads every job)."""
    monkeypatch.setattr(grid.expand, "add_steps_controls", lambda *args, **kwargs: None)
    before = {j.signature for j in grid.plan(sweep).jobs if j.stage != "report"}
    after = plans[sweep]
    added = {j.signature for j in controls(after)}
    added |= {r.signature for t in controls(after) for s in ("evaluate", "fourier", "saliency")
              for r in readers(after, s, t)}  # fmt: skip
    kept = {j.signature for j in after.jobs if j.stage != "report"} - added
    assert kept == before
    assert added <= set(after.jobs[-1].dependencies)  # the report reads the controls too
