"""The train stage adapter: inputs from encode folders, joined sets and their steps-matched
controls, rows, artifacts, resume."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from grid.context import JobContext, Preempted
from grid.job import Job
from grid.stages.evaluate import evaluate_stage
from grid.stages.train import train_stage
from grid.store import schemas
from grid.store.folder import JobFolder
from lcc.data import load
from lcc.evaluate.holdout import PARTS, part_mask
from lcc.train import resolve_recipe
from tests.stage_folders import write_encoded, write_job

DATASET = {"name": "synthetic", "num_classes": 10, "image_size": 32}
RECIPE = resolve_recipe("synthetic", 32, "vgg11-5", overrides={"lr": 0.02, "batch_size": 32})


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def synthetic():
    train_split = load("synthetic", "train", limit=600)
    test_split = load("synthetic", "test", limit=100)
    return (train_split.images, train_split.labels), (test_split.images, test_split.labels)


def train_job(inputs, eval_sets=("clean",), train_set=None, arch="vgg11-5", epochs=2) -> Job:
    config = {
        "arch": arch,
        "dataset": DATASET,
        "seed": 0,
        "train_set": train_set
        or {
            "label": "original",
            "codec": "identity",
            "level": None,
            "joined": False,
            "top_k": None,
        },
        "recipe": RECIPE | {"epochs": epochs},
        "eval_sets": list(eval_sets),
    }
    return Job("train", config, {k: tuple(j.signature for j in v) for k, v in inputs.items()})


def run(job: Job, root, on_epoch=None) -> tuple[dict[str, pd.DataFrame], JobContext]:
    ctx = JobContext(job=job, results_root=root, sweep="test", on_epoch=on_epoch)
    return train_stage(ctx), ctx


def test_train_stage_rows_artifacts_and_epoch_calls(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    train_data = write_encoded(tmp_path, x[:300], y[:300], "jpeg", 20.0)
    clean = write_encoded(tmp_path, xt, yt, split="test")
    compressed = write_encoded(tmp_path, xt // 64 * 64, yt, "jpeg", 20.0, split="test")
    job = train_job(
        {"train_data": [train_data], "test_clean": [clean], "test_compressed": [compressed]},
        eval_sets=("clean", "compressed"),
        train_set={"label": "jpeg:20", "codec": "jpeg", "level": 20.0, "joined": False,
                   "top_k": None},
    )  # fmt: skip
    epochs: list[int] = []
    rows, ctx = run(job, tmp_path, on_epoch=lambda _job, epoch: epochs.append(epoch))
    curve = rows["train_curve"]
    assert set(curve.columns) == set(schemas.TABLES["train_curve"].names)
    schema = schemas.TABLES["train_curve"]
    pa.Table.from_pandas(curve[schema.names], schema=schema, preserve_index=False)
    assert len(curve) == 4 and epochs == [1, 2]
    assert (
        curve.groupby("epoch")["eval_set"].apply(sorted).tolist() == [["clean", "compressed"]] * 2
    )
    assert (curve["level"] == 20.0).all() and (curve["train_set"] == "jpeg:20").all()
    assert curve["control_for"].isna().all()
    assert curve["top1"].between(0, 1).all() and (curve["top5"] >= curve["top1"]).all()
    for part in ("select", "judge"):
        assert curve[f"{part}_top1"].between(0, 1).all()
    shares = [part_mask(100, part).mean() for part in PARTS]  # the parts of the 100 test images
    whole = shares[0] * curve["select_top1"] + shares[1] * curve["judge_top1"]
    np.testing.assert_allclose(whole, curve["top1"])
    by_set = {name: part["loss"].to_numpy() for name, part in curve.groupby("eval_set")}
    assert not np.allclose(by_set["clean"], by_set["compressed"])  # really two test splits
    meta = json.loads((ctx.workdir / "meta.json").read_text())
    assert meta["arch"] == "vgg11-5" and meta["n_train"] == 300
    assert meta["normalization"]["name"] == "synthetic" and meta["best_epoch"] in (1, 2)
    for name in ("best.pt", "last.pt", "checkpoint.pt"):
        torch.load(ctx.workdir / name, weights_only=True)


def test_joined_train_data_consumes_both_parts(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    parts = [write_encoded(tmp_path, x[:200], y[:200], "bls", 0.1),
             write_encoded(tmp_path, x[200:450], y[200:450], "bls", 0.012)]  # fmt: skip
    clean = write_encoded(tmp_path, xt, yt, split="test")
    joined = {"label": "bls:0.1+bls:0.012", "codec": "bls", "level": None, "joined": True,
              "top_k": None}  # fmt: skip
    rows, ctx = run(train_job({"train_data": parts, "test_clean": [clean]}, train_set=joined,
                              epochs=1), tmp_path)  # fmt: skip
    meta = json.loads((ctx.workdir / "meta.json").read_text())
    assert meta["n_train"] == 450
    assert meta["train_folders"] == [str(ctx.dir_of(p)) for p in parts]
    assert (
        torch.load(ctx.workdir / "checkpoint.pt", weights_only=True)["identity"]["n_train"] == 450
    )
    curve = rows["train_curve"]
    assert curve["joined"].all() and curve["level"].isna().all()


def test_bda_joined_set_takes_the_top_k_ranked_levels(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    sizes = {5.0: 100, 20.0: 150, 80.0: 250}
    candidates = [
        write_encoded(tmp_path, x[:n], y[:n], "jpeg", level) for level, n in sizes.items()
    ]
    selection_rows = pd.DataFrame({
        "method": ["bda"] * 3 + ["bdad"], "codec": ["jpeg"] * 4, "corruption": [None] * 3 + ["fog"],
        "severity": [None] * 4, "rank": [2, 1, 3, 1], "level": [20.0, 80.0, 5.0, 5.0],
        "score": [0.5, 0.6, 0.4, 0.9], "n_cells": [3] * 4,
    })  # fmt: skip
    select_job = Job("select", {"methods": ["bda", "bdad"], "top_k": 2}, {})
    write_job(tmp_path, select_job, {"selection": selection_rows})
    clean = write_encoded(tmp_path, xt, yt, split="test")
    joined = {"label": "jpeg:top2", "codec": "jpeg", "level": None, "joined": True, "top_k": 2}
    job = train_job({"selection": [select_job], "candidates": candidates, "test_clean": [clean]},
                    train_set=joined, epochs=1)  # fmt: skip
    rows, ctx = run(job, tmp_path)
    meta = json.loads((ctx.workdir / "meta.json").read_text())
    assert meta["n_train"] == sizes[80.0] + sizes[20.0]
    assert meta["train_folders"] == [str(ctx.dir_of(candidates[i])) for i in (2, 1)]
    assert (rows["train_curve"]["train_set"] == "jpeg:top2").all()


def ranked_candidates(root, x, y, sizes: dict[float, int], ranks: list[int]):
    """Encode jobs of jpeg at the levels of ``sizes`` (that many training images each) and a
    select job whose BDA rows rank them ``ranks`` (in the order of ``sizes``)."""
    candidates = [write_encoded(root, x[:n], y[:n], "jpeg", level) for level, n in sizes.items()]
    n = len(sizes)
    selection_rows = pd.DataFrame({
        "method": ["bda"] * n, "codec": ["jpeg"] * n, "corruption": [None] * n,
        "severity": [None] * n, "rank": ranks, "level": list(sizes), "score": [0.5] * n,
        "n_cells": [3] * n,
    })  # fmt: skip
    select_job = Job("select", {"methods": ["bda"], "top_k": 2}, {})
    write_job(root, select_job, {"selection": selection_rows})
    return candidates, select_job


def control_set(rank) -> dict:
    return {"label": f"jpeg:top2:part{rank}", "codec": "jpeg", "level": None, "joined": False,
            "top_k": None, "rank": rank, "control_for": "jpeg:top2"}  # fmt: skip


def test_a_steps_control_trains_on_the_part_of_its_rank_and_names_its_level(synthetic, tmp_path):
    """The control of part 2 of jpeg:top2 trains on the level BDA ranked second alone; its
    rows, its meta.json and its evaluation's rows carry that level, not joined, and the
    joined set it controls."""
    (x, y), (xt, yt) = synthetic
    sizes = {5.0: 100, 20.0: 150, 80.0: 250}
    candidates, select_job = ranked_candidates(tmp_path, x, y, sizes, ranks=[3, 2, 1])
    clean = write_encoded(tmp_path, xt, yt, split="test")
    inputs = {"selection": [select_job], "candidates": candidates, "test_clean": [clean]}
    job = train_job(inputs, train_set=control_set(2), epochs=1)
    rows, ctx = run(job, tmp_path)
    meta = json.loads((ctx.workdir / "meta.json").read_text())
    assert meta["n_train"] == sizes[20.0]
    assert meta["train_folders"] == [str(ctx.dir_of(candidates[1]))]
    assert meta["train_set"] == control_set(2) | {"level": 20.0}
    assert job.config["train_set"]["level"] is None  # resolved at run time, not in the config
    JobFolder.of(tmp_path, job).write_spec(job.to_dict())  # as the engine leaves it
    evaluate = Job("evaluate", {"eval_sets": ["clean"], "cifar10c_path": None, "corruptions": [],
                                "severities": [], "batch_size": 50, "precision": "fp32"},
                   {"model": (job.signature,), "test_clean": (clean.signature,)})  # fmt: skip
    tables = evaluate_stage(JobContext(job=evaluate, results_root=tmp_path, sweep="test"))
    for frame in (rows["train_curve"], tables["evaluation"], tables["predictions"]):
        assert (frame["level"] == 20.0).all() and not frame["joined"].any()
        assert (frame["control_for"] == "jpeg:top2").all()
        assert (frame["train_set"] == "jpeg:top2:part2").all()


@pytest.mark.parametrize(
    ("rank", "selection", "message"),
    [
        (0, True, "train_set.rank must be an integer >= 1; got 0"),
        ("1", True, "train_set.rank must be an integer >= 1; got '1'"),
        (3, True, "BDA ranks only 2 levels of 'jpeg'; need 3"),
        (1, False, "train_set.rank 1 needs a 'selection' input; the job has none"),
    ],
)
def test_a_bad_steps_control_fails_before_training(synthetic, tmp_path, rank, selection, message):
    (x, y), (xt, yt) = synthetic
    candidates, select_job = ranked_candidates(tmp_path, x, y, {5.0: 50, 20.0: 50}, [2, 1])
    clean = write_encoded(tmp_path, xt, yt, split="test")
    inputs = {"candidates": candidates, "test_clean": [clean], "train_data": candidates[:1]}
    if selection:
        inputs["selection"] = [select_job]
    job = train_job(inputs, train_set=control_set(rank), epochs=1)
    with pytest.raises(ValueError, match=message) as error:
        run(job, tmp_path)
    assert len(str(error.value).splitlines()) == 1
    assert not (JobFolder(tmp_path, "train", job.signature).path / "checkpoint.pt").exists()


def test_preempted_stage_resumes_to_the_same_rows(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    curves = {}
    for name in ("whole", "preempted"):
        root = tmp_path / name
        inputs = {"train_data": [write_encoded(root, x[:200], y[:200])],
                  "test_clean": [write_encoded(root, xt, yt, split="test")]}  # fmt: skip
        job = train_job(inputs)
        if name == "preempted":

            def preempt_after_epoch_one(_job: Job, epoch: int) -> None:
                if epoch == 1:
                    raise Preempted

            with pytest.raises(Preempted):
                run(job, root, on_epoch=preempt_after_epoch_one)
        curves[name] = run(job, root)[0]["train_curve"].drop(columns=["seconds", "images_per_s"])
    pd.testing.assert_frame_equal(curves["whole"], curves["preempted"])


def test_missing_encoded_split_fails_before_training(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    train_data = write_encoded(tmp_path, x[:100], y[:100])
    clean = write_encoded(tmp_path, xt, yt, split="test")
    (JobFolder(tmp_path, "encode", clean.signature).path / "images.npy").unlink()
    job = train_job({"train_data": [train_data], "test_clean": [clean]})
    with pytest.raises(FileNotFoundError, match=r"'test_clean'.*images\.npy"):
        run(job, tmp_path)
    missing_role = train_job({"train_data": [train_data]})
    with pytest.raises(ValueError, match="'clean' needs one 'test_clean' input"):
        run(missing_role, tmp_path)
    assert not (JobFolder(tmp_path, "train", job.signature).path / "checkpoint.pt").exists()


def test_unknown_architecture_fails_before_reading_data(tmp_path):
    job = train_job({"train_data": [Job("encode", {"never": "written"})]}, arch="vgg13")
    with pytest.raises(KeyError, match="'vgg13'"):
        run(job, tmp_path)


@pytest.mark.parametrize(
    ("codec", "top_k", "ranked", "message"),
    [
        ("jpeg", 4, [20.0, 80.0, 5.0], "BDA ranks only 3 levels of 'jpeg'; need 4"),
        ("bls", 1, [20.0, 80.0, 5.0], "BDA ranks only 0 levels of 'bls'; need 1"),
        ("jpeg", 2, [], "input 'selection' holds no selection rows"),
        ("jpeg", 2, [20.0, 40.0], r"BDA chose jpeg level 40\.0, not among the candidates"),
    ],
)
def test_bda_joined_set_errors_name_the_problem_before_training(
    synthetic, tmp_path, codec, top_k, ranked, message
):
    (x, y), (xt, yt) = synthetic
    candidates = [write_encoded(tmp_path, x[:50], y[:50], "jpeg", lv) for lv in (5.0, 20.0, 80.0)]
    n = len(ranked)
    selection_rows = pd.DataFrame({
        "method": ["bda"] * n, "codec": ["jpeg"] * n, "corruption": [None] * n,
        "severity": [None] * n, "rank": list(range(1, n + 1)), "level": ranked,
        "score": [0.5] * n, "n_cells": [3] * n,
    })  # fmt: skip
    select_job = Job("select", {"methods": ["bda"], "top_k": top_k}, {})
    write_job(tmp_path, select_job, {"selection": selection_rows})
    clean = write_encoded(tmp_path, xt, yt, split="test")
    joined = {"label": f"{codec}:top{top_k}", "codec": codec, "level": None, "joined": True,
              "top_k": top_k}  # fmt: skip
    job = train_job({"selection": [select_job], "candidates": candidates, "test_clean": [clean]},
                    train_set=joined, epochs=1)  # fmt: skip
    with pytest.raises(ValueError, match=message) as error:
        run(job, tmp_path)
    assert len(str(error.value).splitlines()) == 1
    assert not (JobFolder(tmp_path, "train", job.signature).path / "checkpoint.pt").exists()


def test_joined_train_data_of_different_splits_is_refused(synthetic, tmp_path):
    (x, y), (xt, yt) = synthetic
    parts = [write_encoded(tmp_path, x[:100], y[:100], "bls", 0.1),
             write_encoded(tmp_path, xt, yt, "bls", 0.012, split="test")]  # fmt: skip
    clean = write_encoded(tmp_path, xt, yt, split="test")
    joined = {"label": "bls:0.1+bls:0.012", "codec": "bls", "level": None, "joined": True,
              "top_k": None}  # fmt: skip
    job = train_job({"train_data": parts, "test_clean": [clean]}, train_set=joined, epochs=1)
    with pytest.raises(ValueError, match="cannot join encodings of different splits"):
        run(job, tmp_path)


@pytest.mark.parametrize(
    "change",
    [{"crop_padding": 1}, {"flip_probability": 0.0}, {"mean": [0.4, 0.5, 0.6]},
     {"augment": "rotate-flip"}, {"momentum": 0.5}],
    ids=lambda change: next(iter(change)),
)  # fmt: skip
def test_the_config_recipe_is_what_trains(synthetic, tmp_path, change):
    """Each recipe value of the config reaches the training: changing it changes the curve,
    while the same config trains the same curve again."""
    (x, y), (xt, yt) = synthetic
    inputs = {"train_data": [write_encoded(tmp_path, x[:150], y[:150])],
              "test_clean": [write_encoded(tmp_path, xt[:50], yt[:50], split="test")]}  # fmt: skip
    base = train_job(inputs, epochs=1)
    changed = Job("train", {**base.config, "recipe": base.config["recipe"] | change}, base.inputs)

    def losses(job: Job) -> list[float]:
        ctx = JobContext(job=job, results_root=tmp_path, sweep="test")
        curve = train_stage(ctx)["train_curve"]
        shutil.rmtree(ctx.workdir)  # no checkpoint to resume: the next run trains afresh
        return [*curve["train_loss"], *curve["loss"]]

    first = losses(base)
    assert losses(base) == first
    assert losses(changed) != first
