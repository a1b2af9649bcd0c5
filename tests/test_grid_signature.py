"""Signatures: stable across runs and processes, changed only by what a job reads."""

import json
import subprocess
import sys

import numpy as np
import pytest

import grid
import lcc.codecs as lcc_codecs
from grid import settings as grid_settings
from grid import stage_table
from grid.stages import registry
from lcc.data.corruptions import params as corruption_params
from lcc.specs import train_recipe as lcc_recipe


def signatures(sweep: str = "demo") -> dict[str, str]:
    return {job.label + "|" + job.stage: job.signature for job in grid.plan(sweep).jobs}


def test_same_config_same_signature_across_processes() -> None:
    code = (
        "import json, grid; "
        "print(json.dumps({j.label + '|' + j.stage: j.signature for j in grid.plan('demo').jobs}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == signatures()


def test_signature_is_short_hex() -> None:
    for sig in signatures().values():
        assert len(sig) == 12 and int(sig, 16) >= 0


def test_training_default_does_not_rehash_encodes(monkeypatch) -> None:
    before = grid.plan("demo").jobs
    monkeypatch.setitem(
        grid_settings.DEFAULTS, "train", {**grid_settings.DEFAULTS["train"], "momentum": 0.5}
    )
    after = grid.plan("demo").jobs
    # demo parts do not set momentum, so only train and what reads it rehash (a task-aware
    # codec's fit reads a trained classifier, so it and its encodes are downstream of train)
    upstream = {"fit-codec", "encode", "prepare-cifar10c"}
    reads_train = {j.signature for j in before if j.stage == "train"}
    for job in before:  # upstream first
        if set(job.dependencies) & reads_train:
            reads_train.add(job.signature)
    same = {j.signature for j in before} & {j.signature for j in after}
    kept = {j.signature for j in before if j.stage in upstream} - reads_train
    assert kept and kept <= same
    assert not reads_train & same
    assert not any(j.signature in same for j in before if j.stage in {"train", "evaluate"})


def downstream_of(jobs, direct) -> set[str]:
    """Keys (label|stage) of the jobs selected by ``direct`` and of every job reading them."""
    hit: set[str] = set()
    for job in jobs:  # upstream first
        if direct(job) or any(d in hit for d in job.dependencies):
            hit.add(job.signature)
    return {job.label + "|" + job.stage for job in jobs if job.signature in hit}


def changed_keys(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {key for key in before if before[key] != after[key]}


def test_recipe_default_rehashes_every_training_and_its_downstream_only(monkeypatch) -> None:
    before_jobs = grid.plan("demo").jobs
    before = signatures()
    monkeypatch.setitem(lcc_recipe.THESIS_RECIPE, "crop_padding", 2)
    after_jobs = grid.plan("demo").jobs
    expected = downstream_of(before_jobs, lambda job: job.stage == "train")
    assert changed_keys(before, signatures()) == expected
    stages = {key.split("|")[1] for key in expected}
    codec_side = {"fit-codec", "check-codec", "encode"}  # of bls-task only: it reads a classifier
    assert stages == {"train", "evaluate", "fourier", "select", "report", *codec_side}
    trains = [job for job in after_jobs if job.stage == "train"]
    assert {job.config["recipe"]["crop_padding"] for job in trains} == {2}
    upstream = [key for key in expected if key.split("|")[1] in codec_side]
    assert upstream and all("bls-task" in key for key in upstream)
    assert not any(key.split("|")[1] == "prepare-cifar10c" for key in expected)


def test_large_image_default_rehashes_only_the_64px_trainings(monkeypatch) -> None:
    before_jobs = grid.plan("demo").jobs
    before = signatures()
    changes = {**lcc_recipe.LARGE_IMAGE_CHANGES, "rotation_degrees": 10.0}
    monkeypatch.setattr(lcc_recipe, "LARGE_IMAGE_CHANGES", changes)
    tiny = lambda job: job.stage == "train" and job.config["dataset"]["image_size"] == 64  # noqa: E731
    expected = downstream_of(before_jobs, tiny)
    assert changed_keys(before, signatures()) == expected
    assert {key.split("|")[1] for key in expected} == {"train", "evaluate", "report"}
    assert all(key.startswith("synthetic-tiny ") for key in expected if "report" not in key)


def test_stage_version_bump_rehashes_its_jobs_and_downstream_only(monkeypatch) -> None:
    before_jobs = grid.plan("demo").jobs
    before = signatures()
    monkeypatch.setitem(stage_table.STAGE_VERSIONS, "encode", 2)
    expected = downstream_of(before_jobs, lambda job: job.stage == "encode")
    assert changed_keys(before, signatures()) == expected
    assert {key.split("|")[1] for key in expected} == {
        "encode", "train", "evaluate", "fourier", "select", "report", "fit-codec", "check-codec"
    }  # fmt: skip
    fits = [key for key in expected if key.split("|")[1] in ("fit-codec", "check-codec")]
    assert all("bls-task" in key for key in fits)  # the one fit that reads a classifier


def test_stage_decorator_checks_the_declared_version_and_tables(monkeypatch) -> None:
    monkeypatch.setattr(registry, "STAGES", {})
    with pytest.raises(ValueError, match=r"'encode' says version=3 but its version is .*\(1\)"):
        registry.stage("encode", version=3)
    with pytest.raises(ValueError, match="'encode' says tables=\\('codec_fit',\\)"):
        registry.stage("encode", tables=("codec_fit",))
    assert registry.stage("encode")(lambda ctx: {}) is not None
    assert registry.STAGES["encode"].tables == ("rate_distortion",)
    assert registry.STAGES["encode"].version == 1
    for name in ("STAGE_VERSIONS", "STAGE_TABLES"):  # copies, so the plugin leaves no trace
        table = dict(getattr(stage_table, name))
        monkeypatch.setattr(stage_table, name, table)
        monkeypatch.setattr(registry, name, table)
    with pytest.raises(ValueError, match="version must be an integer >= 1"):
        registry.stage("plugin-stage", version=0, tables=("evaluation",))
    with pytest.raises(ValueError, match="'plugin-stage' is not in tables"):
        registry.stage("plugin-stage", version=4)
    assert "plugin-stage" not in stage_table.STAGE_VERSIONS  # a refused stage enters nothing
    registry.stage("plugin-stage", version=4, tables=("evaluation",))(lambda ctx: {})
    assert stage_table.stage_version("plugin-stage") == 4
    with pytest.raises(KeyError, match="'no-such-stage' has no version"):
        stage_table.stage_version("no-such-stage")


def test_corruption_parameter_rehashes_cifar10c_generation_and_downstream_only(
    monkeypatch,
) -> None:
    before_jobs = grid.plan("demo").jobs
    before = signatures()
    fog = ((0.3, 3), *corruption_params.CIFAR_PARAMS["fog"][1:])
    monkeypatch.setitem(corruption_params.CIFAR_PARAMS, "fog", fog)
    expected = downstream_of(before_jobs, lambda job: job.stage == "prepare-cifar10c")
    assert changed_keys(before, signatures()) == expected
    stages = {key.split("|")[1] for key in expected}
    assert stages == {"prepare-cifar10c", "evaluate", "select", "train", "fourier", "report"}
    # the only trainings (and their heat maps) rehashed are the joined sets from the selection
    assert not any(k.split("|")[1] == "train" and "top" not in k for k in expected)


def test_the_noise_seed_is_in_the_noise_encodes_config_only_and_changes_their_images() -> None:
    jobs = grid.plan("demo_cifar", ["encode.seed=7"]).jobs
    encodes = [job for job in jobs if job.stage == "encode"]
    noisy = [job for job in encodes if job.config["codec"] == "noise"]
    assert noisy and all(job.config["seed"] == 7 for job in noisy)
    assert all("seed" not in job.config for job in encodes if job.config["codec"] != "noise")
    images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    draws = [lcc_codecs.get("noise", 0.1, seed=s).encode(images).reconstructions for s in (0, 7)]
    assert not np.array_equal(*draws)
    assert np.array_equal(
        draws[1], lcc_codecs.get("noise", 0.1, seed=7).encode(images).reconstructions
    )
