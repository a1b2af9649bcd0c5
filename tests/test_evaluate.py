"""Evaluation: top-1/top-5/loss against a hand computation, per image and per part of the
held-out split, and the evaluate stage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from torch import nn

from grid.context import JobContext
from grid.job import Job
from grid.stages.evaluate import evaluate_stage
from grid.store import schemas
from grid.store.folder import JobFolder
from lcc.data import CORRUPTIONS, load
from lcc.evaluate import SCORE_KEYS, evaluate, predict
from lcc.evaluate.holdout import JUDGE, SELECT, part_mask
from lcc.models import build
from tests.stage_folders import write_encoded, write_job, write_trained

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class LookupModel(nn.Module):
    """Returns row ``i`` of a fixed logit table for an image whose first pixel is ``i``."""

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("table", table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.table[torch.round(x[:, 0, 0, 0] * 255).long()]


def test_top1_top5_and_loss_on_200_classes():
    rng = np.random.default_rng(0)
    n, classes = 60, 200
    table = rng.normal(size=(n, classes)).astype(np.float32)
    order = np.argsort(-table, axis=1)
    rank_of_label = np.repeat([0, 1, 4, 5, 150], 12)  # hits top-1, top-5 (x2), misses (x2)
    labels = order[np.arange(n), rank_of_label]
    images = np.zeros((n, 8, 8, 3), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(n)
    scores = evaluate(LookupModel(torch.from_numpy(table)), images, labels, batch_size=7,
                      device="cpu", normalization="none", precision="fp32")  # fmt: skip
    log_softmax = table - np.log(np.exp(table).sum(axis=1, keepdims=True))
    assert scores["n_images"] == n
    assert scores["top1"] == pytest.approx(12 / 60)
    assert scores["top5"] == pytest.approx(36 / 60)
    assert scores["loss"] == pytest.approx(-log_softmax[np.arange(n), labels].mean(), rel=1e-5)


def lookup_case(n: int, classes: int, seed: int = 0):
    """A logit table, labels at varied ranks of it, and images whose first pixel indexes it."""
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(n, classes)).astype(np.float32)
    order = np.argsort(-table, axis=1)
    labels = order[np.arange(n), rng.integers(0, min(8, classes), n)]
    images = np.zeros((n, 8, 8, 3), dtype=np.uint8)
    images[:, 0, 0, 0] = np.arange(n)
    return table, labels, images


@pytest.mark.parametrize("classes", [200, 3])
def test_per_image_hits_agree_with_the_aggregate_and_the_parts(classes):
    n = 61  # odd: the selection part has one image more than the judged part
    table, labels, images = lookup_case(n, classes)
    settings = {"batch_size": 7, "device": "cpu", "normalization": "none", "precision": "fp32"}
    model = LookupModel(torch.from_numpy(table))
    result = predict(model, images, labels, **settings)
    scores = evaluate(model, images, labels, **settings)
    assert result.predicted.dtype == np.int64 and result.top1.dtype == result.top5.dtype == bool
    assert result.predicted.shape == result.top1.shape == result.loss.shape == (n,)
    assert (result.predicted == table.argmax(axis=1)).all()
    assert (result.top1 == (result.predicted == labels)).all()
    top5 = (np.argsort(-table, axis=1)[:, :5] == labels[:, None]).any(axis=1)
    assert (result.top5 == top5).all()
    assert result.top5.all() or classes >= 5  # with fewer than five classes all count
    log_softmax = table - np.log(np.exp(table).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(result.loss, -log_softmax[np.arange(n), labels], rtol=1e-5)
    assert tuple(scores) == SCORE_KEYS == tuple(result.scores())
    assert scores["top1"] == result.top1.mean() and scores["top5"] == result.top5.mean()
    assert scores["loss"] == pytest.approx(result.loss.mean(), rel=1e-6)
    for part in (SELECT, JUDGE):
        mask = part_mask(n, part)
        assert scores[f"{part}_top1"] == result.top1[mask].mean()
        assert scores[f"{part}_top5"] == result.top5[mask].mean()
    sizes = np.array([part_mask(n, p).sum() for p in (SELECT, JUDGE)])
    assert sizes.sum() == n
    weights = sizes / n  # the whole set's fraction is the parts' weighted mean
    parts = np.array([[scores[f"{p}_{m}"] for p in (SELECT, JUDGE)] for m in ("top1", "top5")])
    np.testing.assert_allclose(parts @ weights, [scores["top1"], scores["top5"]])


def test_a_single_image_leaves_one_part_empty():
    table, labels, images = lookup_case(1, 10)
    scores = evaluate(LookupModel(torch.from_numpy(table)), images, labels, batch_size=4,
                      device="cpu", normalization="none", precision="fp32")  # fmt: skip
    full, empty = (SELECT, JUDGE) if part_mask(1, SELECT)[0] else (JUDGE, SELECT)
    assert scores[f"{full}_top1"] == scores["top1"] and np.isnan(scores[f"{empty}_top1"])


def test_evaluate_restores_train_mode_and_rejects_bad_images():
    model = build("vgg11-5", 10, 32).train()
    images = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    evaluate(model, images, np.zeros(4, np.int64), batch_size=2, device="cpu",
             normalization="cifar10", precision="fp32")  # fmt: skip
    assert model.training
    with pytest.raises(ValueError, match="uint8"):
        evaluate(model, images.astype(np.float32), np.zeros(4, np.int64), batch_size=2,
                 device="cpu", normalization="cifar10", precision="fp32")  # fmt: skip


def write_release(folder, images: np.ndarray, labels: np.ndarray) -> dict:
    """A CIFAR-10-C release folder in which every (corruption, severity) block differs: the
    images plus a noise field seeded by both. Returns the blocks by (corruption, severity)."""
    folder.mkdir(parents=True)
    blocks = {}
    for index, corruption in enumerate(CORRUPTIONS):
        for s in range(1, 6):
            noise = np.random.default_rng(10 * index + s).integers(-80, 81, size=images.shape)
            blocks[corruption, s] = np.clip(images.astype(int) + noise, 0, 255).astype(np.uint8)
        stacked = np.concatenate([blocks[corruption, s] for s in range(1, 6)])
        np.save(folder / f"{corruption}.npy", stacked)
    np.save(folder / "labels.npy", np.tile(labels, 5).astype(np.uint8))
    return blocks


def assert_rows_match_their_blocks(rows: pd.DataFrame, model, blocks: dict, labels, settings):
    """Every cifar10c row scores exactly its own (corruption, severity) block, and no two
    blocks score alike, so a row computed from another block cannot pass."""
    corrupted = rows[rows["eval_set"] == "cifar10c"]
    expected = {key: evaluate(model, block, labels, **settings) for key, block in blocks.items()}
    losses = sorted(scores["loss"] for scores in expected.values())
    assert len(corrupted) == len(blocks) and min(np.diff(losses)) > 1e-6 * max(losses)
    for row in corrupted.itertuples():
        scores = expected[row.corruption, row.severity]
        assert row.loss == pytest.approx(scores["loss"], rel=1e-7), (row.corruption, row.severity)
        assert row.top1 == pytest.approx(scores["top1"]) and row.top5 == pytest.approx(
            scores["top5"]
        )


def record_train_set(root, trained: Job) -> Job:
    """Add to a train job folder's meta.json the resolved ``train_set`` the train stage
    records (grid.stages.train.resolved_train_set): here its config's."""
    meta_path = JobFolder.of(root, trained).path / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(meta | {"train_set": trained.config["train_set"]}))
    return trained


@pytest.fixture
def evaluated_setup(tmp_path):
    test = load("synthetic", "test", limit=40)
    torch.manual_seed(0)
    model = build("vgg11-5", 10, 32).eval()
    with torch.no_grad():  # larger logits: different inputs give clearly different losses
        model.classifier.weight.mul_(20)
        model.classifier.bias.mul_(20)
    trained = record_train_set(tmp_path, write_trained(tmp_path, model))
    clean = write_encoded(tmp_path, test.images, test.labels)
    compressed = write_encoded(tmp_path, test.images // 32 * 32, test.labels, "bls", 0.1)
    return tmp_path, model, trained, clean, compressed, test


def test_evaluate_stage_writes_clean_compressed_and_50_cifar10c_rows(evaluated_setup):
    root, model, trained, clean, compressed, test = evaluated_setup
    release = root / "prepare" / "CIFAR-10-C"
    blocks = write_release(release, test.images[:20], test.labels[:20])
    config = {"eval_sets": ["clean", "compressed", "cifar10c"], "cifar10c_path": str(release),
              "corruptions": list(CORRUPTIONS), "severities": [1, 2, 3, 4, 5], "batch_size": 16,
              "precision": "bf16"}  # fmt: skip
    inputs = {"model": (trained.signature,), "test_clean": (clean.signature,),
              "test_compressed": (compressed.signature,)}  # fmt: skip
    ctx = JobContext(job=Job("evaluate", config, inputs), results_root=root, sweep="test")
    tables = evaluate_stage(ctx)
    rows = tables["evaluation"]
    for name, frame in tables.items():
        schema = schemas.TABLES[name]
        assert set(frame.columns) == set(schema.names)
        pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    corrupted = rows[rows["eval_set"] == "cifar10c"]
    assert len(corrupted) == 50 and len(rows) == 52
    assert set(corrupted["corruption"]) == set(CORRUPTIONS)
    assert sorted(corrupted["severity"].unique()) == [1, 2, 3, 4, 5]
    assert (corrupted["n_images"] == 20).all() and rows["severity"].isna().sum() == 2
    assert (rows["best_epoch"] == 4).all() and (rows["seed"] == 2).all()
    assert (rows["train_set"] == "bls:0.1").all() and (rows["level"] == 0.1).all()
    assert rows["control_for"].isna().all()
    settings = {"batch_size": 16, "device": "cpu", "normalization": "synthetic",
                "precision": "fp32"}  # fmt: skip
    assert_rows_match_their_blocks(rows, model, blocks, test.labels[:20], settings)
    expected = evaluate(model, test.images // 32 * 32, test.labels, **settings)
    assert rows.loc[rows["eval_set"] == "compressed", "loss"].item() == pytest.approx(
        expected["loss"]
    )


def test_evaluate_stage_reads_cifar10c_from_the_prepare_job(evaluated_setup):
    root, model, trained, clean, _, test = evaluated_setup
    prepare = Job("prepare-cifar10c", {"seed": 0})
    blocks = write_release(
        write_job(root, prepare) / "CIFAR-10-C", test.images[:10], test.labels[:10]
    )
    config = {"eval_sets": ["clean", "cifar10c"], "cifar10c_path": None,
              "corruptions": ["snow", "fog"], "severities": [2, 5], "batch_size": 100,
              "precision": "bf16"}  # fmt: skip
    inputs = {"model": (trained.signature,), "test_clean": (clean.signature,),
              "cifar10c": (prepare.signature,)}  # fmt: skip
    ctx = JobContext(job=Job("evaluate", config, inputs), results_root=root, sweep="test")
    rows = evaluate_stage(ctx)["evaluation"]
    assert list(zip(rows["corruption"], rows["severity"], strict=True))[1:] == [
        ("snow", 2), ("snow", 5), ("fog", 2), ("fog", 5)
    ]  # fmt: skip
    assert rows.loc[0, "eval_set"] == "clean" and pd.isna(rows.loc[0, "corruption"])
    asked = {key: block for key, block in blocks.items() if key in {("snow", 2), ("snow", 5),
             ("fog", 2), ("fog", 5)}}  # fmt: skip
    settings = {"batch_size": 100, "device": "cpu", "normalization": "synthetic",
                "precision": "fp32"}  # fmt: skip
    assert_rows_match_their_blocks(rows, model, asked, test.labels[:10], settings)


def test_evaluate_stage_errors_name_what_is_missing(evaluated_setup):
    root, _, trained, clean, _, _ = evaluated_setup
    base = {"cifar10c_path": None, "corruptions": [], "severities": [1], "batch_size": 8,
            "precision": "bf16"}  # fmt: skip
    inputs = {"model": (trained.signature,), "test_clean": (clean.signature,)}
    cases = [
        ({"eval_sets": ["clean", "cifar10c"]}, ValueError, "cifar10c_path"),
        ({"eval_sets": ["clean", "compressed"]}, ValueError, "'test_compressed'"),
        ({"eval_sets": ["clean", "imagenet-c"]}, ValueError, "imagenet-c"),
    ]
    for extra, error, message in cases:
        ctx = JobContext(job=Job("evaluate", base | extra, inputs), results_root=root, sweep="t")
        with pytest.raises(error, match=message):
            evaluate_stage(ctx)
    (JobFolder(root, "train", trained.signature).path / "best.pt").unlink()
    ctx = JobContext(job=Job("evaluate", base | {"eval_sets": ["clean"]}, inputs),
                     results_root=root, sweep="t")  # fmt: skip
    with pytest.raises(FileNotFoundError, match=r"best\.pt"):
        evaluate_stage(ctx)
