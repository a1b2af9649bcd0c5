"""The "empty means all" defaults are filled once, at plan time (issue 23 item 2): every job
config carries explicit corruption and severity lists, and the 32x32 rule of CIFAR-10-C is
one function."""

from __future__ import annotations

import grid
from grid.expand import evaluates_cifar10c
from grid.planner import resolve

THE_TEN = ["gaussian_noise", "gaussian_blur", "speckle_noise", "contrast", "impulse_noise",
           "saturate", "brightness", "fog", "frost", "snow"]  # fmt: skip


def _signatures(sweep: str, overrides: list[str]) -> list[str]:
    return sorted(job.signature for job in grid.plan(sweep, overrides).jobs)


def test_resolved_settings_name_every_corruption_and_severity_when_left_empty() -> None:
    settings = resolve("demo_cifar", ["corruptions=[]", "severities=[]"])["demo_cifar"]
    assert settings["corruptions"] == THE_TEN
    assert settings["severities"] == [1, 2, 3, 4, 5]


def test_empty_severities_plan_the_same_jobs_as_the_default() -> None:
    assert _signatures("demo_cifar", ["severities=[]"]) == _signatures("demo_cifar", [])


def test_evaluate_and_prepare_configs_carry_explicit_lists() -> None:
    jobs = grid.plan("demo_cifar", ["severities=[]", "corruptions=[]"]).jobs
    corrupted = [j for j in jobs if j.stage == "prepare-cifar10c" or (
        j.stage == "evaluate" and "cifar10c" in j.config["eval_sets"])]  # fmt: skip
    assert corrupted
    for job in corrupted:
        assert job.config["corruptions"] == THE_TEN, job.label
        assert job.config["severities"] == [1, 2, 3, 4, 5], job.label


def test_a_chosen_subset_of_severities_is_kept_as_given() -> None:
    settings = resolve("demo_cifar", ["severities=[5,2]", "corruptions=[fog]"])["demo_cifar"]
    assert settings["severities"] == [5, 2] and settings["corruptions"] == ["fog"]


def test_only_32x32_datasets_are_evaluated_on_cifar10c() -> None:
    assert evaluates_cifar10c({"cifar10c": True}, 32) is True
    assert evaluates_cifar10c({"cifar10c": True}, 64) is False
    assert evaluates_cifar10c({"cifar10c": False}, 32) is False


def test_the_64x64_part_of_the_demo_gets_no_cifar10c_evaluation() -> None:
    jobs = grid.plan("demo", ["cifar10c=true"]).jobs
    sets = {
        j.label.split()[0]: "cifar10c" in j.config["eval_sets"]
        for j in jobs
        if j.stage == "evaluate"
    }
    assert sets == {"synthetic": True, "synthetic-tiny": False}
    prepared = [j.config["dataset"]["name"] for j in jobs if j.stage == "prepare-cifar10c"]
    assert prepared == ["synthetic"]
