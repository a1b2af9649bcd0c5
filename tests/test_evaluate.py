"""Evaluation: top-1/top-5/loss against a hand computation, and the evaluate stage."""

from __future__ import annotations

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
from lcc.evaluate import evaluate
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


@pytest.fixture
def evaluated_setup(tmp_path):
    test = load("synthetic", "test", limit=40)
    torch.manual_seed(0)
    model = build("vgg11-5", 10, 32).eval()
    with torch.no_grad():  # larger logits: different inputs give clearly different losses
        model.classifier.weight.mul_(20)
        model.classifier.bias.mul_(20)
    trained = write_trained(tmp_path, model)
    clean = write_encoded(tmp_path, test.images, test.labels)
    compressed = write_encoded(tmp_path, test.images // 32 * 32, test.labels, "bls", 0.1)
    return tmp_path, model, trained, clean, compressed, test


def test_evaluate_stage_writes_clean_compressed_and_50_cifar10c_rows(evaluated_setup):
    root, model, trained, clean, compressed, test = evaluated_setup
    release = root / "prepare" / "CIFAR-10-C"
    blocks = write_release(release, test.images[:20], test.labels[:20])
    config = {"eval_sets": ["clean", "compressed", "cifar10c"], "cifar10c_path": str(release),
              "corruptions": [], "severities": [1, 2, 3, 4, 5], "batch_size": 16,
              "precision": "bf16"}  # fmt: skip
    inputs = {"model": (trained.signature,), "test_clean": (clean.signature,),
              "test_compressed": (compressed.signature,)}  # fmt: skip
    ctx = JobContext(job=Job("evaluate", config, inputs), results_root=root, sweep="test")
    rows = evaluate_stage(ctx)["evaluation"]
    assert set(rows.columns) == set(schemas.TABLES["evaluation"].names)
    schema = schemas.TABLES["evaluation"]
    pa.Table.from_pandas(rows[schema.names], schema=schema, preserve_index=False)
    corrupted = rows[rows["eval_set"] == "cifar10c"]
    assert len(corrupted) == 50 and len(rows) == 52
    assert set(corrupted["corruption"]) == set(CORRUPTIONS)
    assert sorted(corrupted["severity"].unique()) == [1, 2, 3, 4, 5]
    assert (corrupted["n_images"] == 20).all() and rows["severity"].isna().sum() == 2
    assert (rows["best_epoch"] == 4).all() and (rows["seed"] == 2).all()
    assert (rows["train_set"] == "bls:0.1").all() and (rows["level"] == 0.1).all()
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
