"""Per-image predictions of the evaluate stage: one row per test image per evaluation cell,
agreeing with the evaluation rows; small on disk; read on demand by analysis."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch

import grid.stages.builtin  # noqa: F401  (registers the stages run_job runs)
from analysis.load import ON_DEMAND, load
from grid.job import Job
from grid.runner import run_job
from grid.stages.declared import MAX_TEST_IMAGES, PREDICTION_CELL_BYTES, evaluate_disk
from grid.stages.evaluate import prediction_rows, with_model
from grid.stages.train import train_set_columns
from grid.store.files import atomic_write_parquet
from grid.store.folder import JobFolder
from grid.store.provenance import provenance
from grid.store.rows import publish, to_table, view_path
from lcc.data import CORRUPTIONS, SEVERITIES
from lcc.data import load as load_split
from lcc.evaluate import Predictions
from lcc.evaluate.holdout import JUDGE, SELECT, in_part
from lcc.models import build
from tests.stage_folders import write_encoded, write_trained
from tests.test_evaluate import record_train_set, write_release

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CELL = ["eval_set", "corruption", "severity"]
SWEEP = "s"


@pytest.fixture
def evaluated(tmp_path):
    """An evaluate job run by the engine (rows written and published to sweep ``s``) on 40
    clean, 40 compressed and 2 x 2 CIFAR-10-C cells of 20 images; returns the results root,
    the job and its folder."""
    test = load_split("synthetic", "test", limit=40)
    torch.manual_seed(0)
    model = build("vgg11-5", 10, 32).eval()
    with torch.no_grad():  # a model far from chance: both hits and misses in every cell
        model.classifier.weight.mul_(20)
    trained = record_train_set(tmp_path, write_trained(tmp_path, model))
    clean = write_encoded(tmp_path, test.images, test.labels, split="test")
    compressed = write_encoded(tmp_path, test.images // 32 * 32, test.labels, "bls", 0.1, "test")
    release = tmp_path / "release"
    write_release(release, test.images[:20], test.labels[:20])
    config = {"eval_sets": ["clean", "compressed", "cifar10c"], "cifar10c_path": str(release),
              "corruptions": ["snow", "fog"], "severities": [1, 5], "batch_size": 16,
              "precision": "fp32"}  # fmt: skip
    inputs = {"model": (trained.signature,), "test_clean": (clean.signature,),
              "test_compressed": (compressed.signature,)}  # fmt: skip
    job = Job("evaluate", config, inputs, label="synthetic vgg11-5 bls:0.1 seed 2")
    upstream = {j.signature: j for j in (trained, clean, compressed)}
    for dependency in upstream.values():
        JobFolder.of(tmp_path, dependency).mark_done({})
    run_job(job, tmp_path, SWEEP, upstream)
    return tmp_path, job, JobFolder.of(tmp_path, job)


def test_predictions_hold_one_row_per_image_per_cell_agreeing_with_the_evaluation(evaluated):
    _, _, folder = evaluated
    evaluation = folder.read_rows("evaluation")
    predictions = folder.read_rows("predictions")
    assert len(evaluation) == 2 + 2 * 2
    assert len(predictions) == 40 + 40 + 4 * 20 == evaluation["n_images"].sum()
    cells = evaluation[CELL].astype(object).where(evaluation[CELL].notna(), None)
    order = predictions[CELL].drop_duplicates().astype(object)
    assert order.where(order.notna(), None).values.tolist() == cells.values.tolist()  # row order
    for row in evaluation.itertuples():
        same = (predictions["eval_set"] == row.eval_set) & (
            predictions["corruption"].isna()
            if pd.isna(row.corruption)
            else (predictions["corruption"] == row.corruption)
            & (predictions["severity"] == row.severity)
        )
        cell = predictions[same]
        assert cell["image_index"].tolist() == list(range(row.n_images))
        assert cell["top1"].mean() == pytest.approx(row.top1)
        assert cell["top5"].mean() == pytest.approx(row.top5)
        for part in (SELECT, JUDGE):
            mine = cell[in_part(cell["image_index"].to_numpy(), part)]
            assert mine["top1"].mean() == pytest.approx(getattr(row, f"{part}_top1"))
            assert mine["top5"].mean() == pytest.approx(getattr(row, f"{part}_top5"))
        assert cell["predicted"].between(0, 9).all()
    assert 0 < predictions["top1"].mean() < 1
    assert (predictions["train_set"] == "bls:0.1").all() and (predictions["seed"] == 2).all()
    assert predictions["control_for"].isna().all()
    assert predictions["severity"].isna().sum() == 80


def test_analysis_reads_predictions_on_demand_only(evaluated):
    root, _, _ = evaluated
    results = load(root / SWEEP)
    assert "predictions" in ON_DEMAND and "predictions" not in results.tables
    assert len(results.evaluation) == 6 and results.missing.empty
    columns = ["seed", "eval_set", "image_index", "top1"]
    clean = results.read("predictions", columns=columns, filters=pc.field("eval_set") == "clean")
    assert list(clean.columns) == columns and len(clean) == 40
    assert clean["top1"].mean() == pytest.approx(
        results.evaluation.query("eval_set == 'clean'")["top1"].item()
    )
    late = (pc.field("eval_set") == "cifar10c") & (pc.field("image_index") >= 15)
    corrupted = results.read("predictions", columns=["image_index"], filters=late)
    assert list(corrupted.columns) == ["image_index"]  # filtered on columns not read
    assert sorted(corrupted["image_index"]) == sorted(list(range(15, 20)) * 4)
    with pytest.raises(KeyError, match=r"table 'predictions' has no column\(s\) \['label'\]"):
        results.read("predictions", columns=["label"])
    with pytest.raises(ValueError, match=r"on table 'predictions': ArrowInvalid: No match") as err:
        results.read("predictions", filters=pc.field("label") == 3)
    assert len(str(err.value).splitlines()) == 1


def synthetic_predictions(n: int = MAX_TEST_IMAGES, classes: int = 10) -> pd.DataFrame:
    """The predictions rows of an evaluate job of a CIFAR-10 model on 51 cells (clean and
    CIFAR-10-C's 50) of ``n`` images, built as the stage builds them: accuracy
    from 90 % down to 40 %, a random wrong class otherwise, the label in the top five 95 % of
    the time."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, classes, n)
    keys = [{"eval_set": "clean"}] + [
        {"eval_set": "cifar10c", "corruption": c, "severity": s}
        for c in CORRUPTIONS
        for s in range(1, 6)
    ]
    frames = []
    for i, key in enumerate(keys):
        hit = rng.random(n) < 0.9 - 0.01 * i
        predicted = np.where(hit, labels, (labels + rng.integers(1, classes, n)) % classes)
        top5 = hit | (rng.random(n) < 0.95)
        per_image = Predictions(predicted, predicted == labels, top5, np.zeros(n, np.float32))
        frames.append(prediction_rows(key, per_image))
    config = {"arch": "resnet18", "dataset": {"name": "cifar10"}, "seed": 3,
              "train_set": {"label": "bls:0.0067", "codec": "bls", "level": 0.0067,
                            "joined": False, "top_k": None}}  # fmt: skip
    return with_model(pd.concat(frames, ignore_index=True), train_set_columns(config))


def test_predictions_of_10000_images_in_51_cells_stay_under_2_5_mb(tmp_path):
    frame = synthetic_predictions()
    assert len(frame) == 510_000
    job = Job("evaluate", {"size": "test"}, label="size")
    folder = JobFolder.of(tmp_path, job)
    folder.write_spec(job.to_dict())
    now = datetime.now(UTC)
    prov = provenance(job.signature, "s", "cpu", now, now, "0" * 40, "f" * 16)
    atomic_write_parquet(folder.rows_path("predictions"), to_table("predictions", frame, prov))
    publish(folder, "s")  # the view's copy, rewritten with the sweep's name
    sizes = {
        "job folder": os.path.getsize(folder.rows_path("predictions")),
        "view": os.path.getsize(view_path(tmp_path, "s", "predictions", "evaluate", job.signature)),
    }
    print(f"predictions of 510,000 rows: {json.dumps(sizes)} bytes")
    assert max(sizes.values()) <= 2_500_000
    assert max(sizes.values()) <= 51 * PREDICTION_CELL_BYTES  # the disk estimate covers it
    every_cell = {"corruptions": list(CORRUPTIONS), "severities": list(SEVERITIES)}
    config = {"eval_sets": ["clean", "cifar10c"], **every_cell}
    assert evaluate_disk(config) >= max(sizes.values())
    back = pq.read_table(folder.rows_path("predictions")).to_pandas()
    assert back["image_index"].tolist() == frame["image_index"].tolist()
    assert back["predicted"].tolist() == frame["predicted"].tolist()
