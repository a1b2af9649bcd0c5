"""The v2 reproduction sweep and its GPU twin plan as their docstrings say (issue 21)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from grid.planner import plan


def _stages(the_plan) -> Counter:
    return Counter(job.stage for job in the_plan.jobs)


def _trains(the_plan) -> list:
    return [job for job in the_plan.jobs if job.stage == "train"]


@pytest.fixture(scope="module")
def v2():
    return plan("reproduce_v2", [])


@pytest.fixture(scope="module")
def gpu():
    return plan("reproduce_gpu", [])


def test_reproduce_v2_plans_all_test_images_three_seeds_and_the_fast_recipe(v2):
    settings = next(iter(v2.settings.values()))
    assert settings["data"]["test_limit"] is None  # all 10,000 test images: 5,000 judged
    assert settings["data"]["train_limit"] == 10_000
    assert settings["gate"]["images"] is None
    assert settings["severities"] == [1, 3, 5]
    trains = _trains(v2)
    assert {job.config["seed"] for job in trains} == {0, 1, 2}
    assert {job.config["arch"] for job in trains} == {"vgg11-4"}
    recipe = trains[0].config["recipe"]
    assert (recipe["schedule"], recipe["nesterov"], recipe["label_smoothing"]) == (
        "cosine",
        True,
        0.1,
    )
    # every arm has every seed: 19 levels and the original, the join and its 2 controls
    per_label = Counter(job.config["train_set"]["label"] for job in trains)
    assert len(per_label) == 23 and set(per_label.values()) == {3}
    controls = [job for job in trains if ":part" in job.config["train_set"]["label"]]
    assert {job.config["recipe"]["epochs"] for job in controls} == {16}
    # the counts the sweep's docstring states
    assert _stages(v2) == {
        "fit-codec": 7,
        "gate-reference": 1,
        "check-codec": 7,
        "encode": 40,
        "prepare-cifar10c": 1,
        "train": 69,
        "evaluate": 69,
        "select": 1,
        "report": 1,
    }


def test_reproduce_gpu_is_the_thesis_size_twin(gpu):
    settings = next(iter(gpu.settings.values()))
    assert settings["data"]["train_limit"] is None and settings["data"]["test_limit"] is None
    assert settings["severities"] == [1, 2, 3, 4, 5] and len(settings["corruptions"]) == 10
    trains = _trains(gpu)
    assert {job.config["arch"] for job in trains} == {"vgg11", "resnet18"}
    assert {job.config["seed"] for job in trains} == {0, 1, 2}
    singles = [job for job in trains if ":part" not in job.config["train_set"]["label"]]
    assert {job.config["recipe"]["epochs"] for job in singles} == {30}
    assert {job.config["recipe"]["lr"] for job in trains} == {0.01}  # the thesis recipe
    assert {job.config["recipe"]["schedule"] for job in trains} == {"constant"}
    assert _stages(gpu)["train"] == 168 and _stages(gpu)["evaluate"] == 168
    assert len(gpu.jobs) == 405


def test_the_gpu_projection_counts_the_sweeps_work(monkeypatch):
    path = Path(__file__).parents[1] / "benchmarks" / "gpu_train_projection.py"
    spec = importlib.util.spec_from_file_location("gpu_train_projection", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    work, stages = module.sweep_workload("reproduce_gpu")
    assert stages["train"] == 168
    vgg = work["vgg11"]
    # per seed: 25 single sets (24 levels, the original) x 30 epochs x 50,000, the join
    # (100,000 images) for 30 epochs, two controls (50,000 images) for 60
    assert vgg["train_images"] == 3 * (25 * 30 * 50_000 + 30 * 100_000 + 2 * 60 * 50_000)
    assert vgg["evaluate_jobs"] == 84
    # each evaluate job: clean, compressed (none for the original and the joined sets' arms
    # tested on clean only) and 50 CIFAR-10-C cells of 10,000 images
    assert vgg["evaluate_images"] >= 84 * 51 * 10_000
