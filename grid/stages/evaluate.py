"""Stage ``evaluate``: a training job's best checkpoint on clean, compressed and corrupted data.

Inputs: ``model`` (a train job), ``test_clean``, optionally ``test_compressed`` and
``cifar10c`` (a prepare-cifar10c job; or config ``cifar10c_path`` names a release folder).
Rows: ``evaluation``, one per cell (eval set, corruption, severity), accuracies over all
images and over each part of the held-out split (:mod:`lcc.evaluate.holdout`); and
``predictions``, one per (cell, test image) in that order, images by index. The model's
columns (level, control_for) are those its train job resolved (its ``meta.json``'s
``train_set``, :func:`grid.stages.train.resolved_train_set`).

Size of the predictions on disk, measured through the store's writer
(:func:`grid.store.files.atomic_write_parquet`, :data:`grid.store.schemas.PARQUET_OPTIONS`;
tests/test_predictions_stage.py): 510,000 rows (10,000 images x 51 cells: clean and
CIFAR-10-C's 50) of 10 classes, accuracy 90 % to 40 %, take 352,125 bytes (1.27 MB with
pyarrow's default writer); one copy lies in the job folder and one in each sweep's view.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
import lcc.data
from grid.context import JobContext
from grid.stages.registry import stage
from grid.stages.train import EVAL_ROLES, eval_folders, load_encoded, train_set_columns
from grid.store.folder import JobFolder
from lcc.evaluate import SCORE_KEYS, Normalization, Predictions, predict
from lcc.models import build
from lcc.train import ImageSet, checkpoint

EVAL_SETS = (*EVAL_ROLES, "cifar10c")


def trained_model(folder: JobFolder):
    """The best-epoch classifier of a train job folder and its ``meta.json``, whose
    ``normalization`` (``{name, mean, std}``, the recipe's) becomes a :class:`Normalization`."""
    for path in (folder.meta, folder.best):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (did the train job finish?)")
    meta = json.loads(folder.meta.read_text())
    model = build(meta["arch"], meta["num_classes"], meta["image_size"])
    model.load_state_dict(checkpoint.load(folder.best))
    meta["normalization"] = Normalization(**meta["normalization"])
    return model, meta


def cifar10c_root(ctx: JobContext) -> Path:
    """The CIFAR-10-C release folder: the ``cifar10c`` input's, else ``config.cifar10c_path``."""
    jobs = ctx.input_jobs("cifar10c")
    root = ctx.folder_of(jobs[0]).cifar10c if jobs else ctx.config.get("cifar10c_path")
    if root is None:
        raise ValueError("eval set 'cifar10c' needs a 'cifar10c' input or config cifar10c_path")
    if not Path(root).is_dir():
        raise FileNotFoundError(f"CIFAR-10-C folder {root} does not exist")
    return Path(root)


def eval_cells(ctx: JobContext) -> Iterator[tuple[dict, ImageSet]]:
    """Every evaluation cell of the config, in row order: its key columns (``eval_set``,
    ``corruption``, ``severity``) and its uint8 ``(N, H, W, 3)`` images with their labels.
    A missing input or folder raises before the first cell is read."""
    cfg = ctx.config
    folders = eval_folders(ctx, [s for s in cfg["eval_sets"] if s in EVAL_ROLES])
    root = cifar10c_root(ctx) if "cifar10c" in cfg["eval_sets"] else None
    for name, folder in folders.items():
        yield {"eval_set": name}, load_encoded([folder], EVAL_ROLES[name])
    if root is None:
        return
    for corruption in cfg["corruptions"]:
        for severity in cfg["severities"]:
            key = {"eval_set": "cifar10c", "corruption": corruption, "severity": severity}
            yield key, lcc.data.load_cifar10c(root, corruption, severity)


def prediction_rows(key: dict, predictions: Predictions) -> pd.DataFrame:
    """One ``predictions`` row per image of one cell (without the model's columns), in index
    order; ``key`` is the cell's ``eval_set``, ``corruption``, ``severity``."""
    n = predictions.n_images
    return pd.DataFrame(
        {
            "eval_set": key["eval_set"],
            "corruption": key.get("corruption"),
            "severity": pd.array([key.get("severity")] * n, dtype="Int32"),
            "image_index": np.arange(n, dtype=np.int32),
            "predicted": predictions.predicted.astype(np.int16),
            "top1": predictions.top1,
            "top5": predictions.top5,
        }
    )


def with_model(frame: pd.DataFrame, columns: dict, best_epoch: int | None = None) -> pd.DataFrame:
    """``frame`` with the model's constant columns (:func:`train_set_columns`) and, when
    given, ``best_epoch``; integer columns cast to their schema types."""
    frame = frame.assign(**columns)
    types = {"seed": "int32", "severity": "Int32", "control_for": "object"}
    if best_epoch is not None:
        frame["best_epoch"] = np.int32(best_epoch)
        types |= {"best_epoch": "int32", "n_images": "int64"}
    return frame.astype(types)


@stage("evaluate")
def evaluate_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Top-1/top-5/loss of the model input's ``best.pt`` on every configured eval set, over
    all images and each part of the held-out split, and every image's prediction."""
    cfg = ctx.config
    unknown = sorted(set(cfg["eval_sets"]) - set(EVAL_SETS))
    if unknown:
        raise ValueError(f"unknown eval sets {unknown}; valid: {', '.join(EVAL_SETS)}")
    (train_job,) = ctx.input_jobs("model")
    model, meta = trained_model(ctx.folder_of(train_job))
    settings = {
        "batch_size": cfg["batch_size"],
        "device": ctx.device,
        "normalization": meta["normalization"],
        "precision": cfg["precision"],
    }
    rows, predictions = [], []
    for key, (images, labels) in eval_cells(ctx):
        result = predict(model, images, labels, **settings)
        rows.append(key | result.scores())
        predictions.append(prediction_rows(key, result))
    evaluation = pd.DataFrame(rows, columns=["eval_set", "corruption", "severity", *SCORE_KEYS])
    columns = train_set_columns(train_job.config, meta["train_set"])
    return {
        "evaluation": with_model(evaluation, columns, meta["best_epoch"]),
        "predictions": with_model(pd.concat(predictions, ignore_index=True), columns),
    }
