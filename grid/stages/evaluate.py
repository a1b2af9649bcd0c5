"""Stage ``evaluate``: a training job's best checkpoint on clean, compressed and corrupted data.

Inputs: ``model`` (a train job), ``test_clean``, optionally ``test_compressed`` and
``cifar10c`` (a prepare-cifar10c job; or config ``cifar10c_path`` names a release folder).
Rows: ``evaluation``, one per (eval set, corruption, severity).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import lcc.data
from grid.context import JobContext
from grid.disk import ROWS_FILE
from grid.stages.registry import stage
from grid.stages.train import EVAL_ROLES, eval_folders, load_encoded, train_set_columns
from lcc.evaluate import Normalization, evaluate
from lcc.models import build
from lcc.train import checkpoint

EVAL_SETS = (*EVAL_ROLES, "cifar10c")


def trained_model(folder: Path):
    """The best-epoch classifier of a train job folder and its ``meta.json``, whose
    ``normalization`` (``{name, mean, std}``, the recipe's) becomes a :class:`Normalization`."""
    for name in ("meta.json", checkpoint.BEST):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing (did the train job finish?)")
    meta = json.loads((folder / "meta.json").read_text())
    model = build(meta["arch"], meta["num_classes"], meta["image_size"])
    model.load_state_dict(checkpoint.load(folder / checkpoint.BEST))
    meta["normalization"] = Normalization(**meta["normalization"])
    return model, meta


def cifar10c_root(ctx: JobContext) -> Path:
    """The CIFAR-10-C release folder: the ``cifar10c`` input's, else ``config.cifar10c_path``."""
    dirs = ctx.input_dirs("cifar10c")
    root = dirs[0] / "CIFAR-10-C" if dirs else ctx.config.get("cifar10c_path")
    if root is None:
        raise ValueError("eval set 'cifar10c' needs a 'cifar10c' input or config cifar10c_path")
    if not Path(root).is_dir():
        raise FileNotFoundError(f"CIFAR-10-C folder {root} does not exist")
    return Path(root)


def evaluate_disk(config: dict) -> int:
    """Bytes one evaluate job writes: its evaluation rows (one per eval set, corruption and
    severity), one small Parquet file."""
    return ROWS_FILE


@stage("evaluate", version=1, resources="gpu", disk=evaluate_disk)
def evaluate_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Top-1/top-5/loss of the model input's ``best.pt`` on every configured eval set."""
    cfg = ctx.config
    unknown = sorted(set(cfg["eval_sets"]) - set(EVAL_SETS))
    if unknown:
        raise ValueError(f"unknown eval sets {unknown}; valid: {', '.join(EVAL_SETS)}")
    (train_job,) = ctx.input_jobs("model")
    model, meta = trained_model(ctx.dir_of(train_job))
    folders = eval_folders(ctx, [s for s in cfg["eval_sets"] if s in EVAL_ROLES])
    root = cifar10c_root(ctx) if "cifar10c" in cfg["eval_sets"] else None
    settings = {
        "batch_size": cfg["batch_size"],
        "device": ctx.device,
        "normalization": meta["normalization"],
        "precision": cfg["precision"],
    }
    rows = []
    for name, folder in folders.items():
        images, labels = load_encoded([folder], EVAL_ROLES[name])
        rows.append({"eval_set": name, **evaluate(model, images, labels, **settings)})
    if root is not None:
        for corruption in cfg.get("corruptions") or lcc.data.CORRUPTIONS:
            for severity in cfg.get("severities") or range(1, 6):
                images, labels = lcc.data.load_cifar10c(root, corruption, severity)
                scores = evaluate(model, images, labels, **settings)
                rows.append(
                    {"eval_set": "cifar10c", "corruption": corruption, "severity": severity}
                    | scores
                )
    frame = pd.DataFrame(rows, columns=["eval_set", "corruption", "severity", "loss", "top1",
                                        "top5", "n_images"])  # fmt: skip
    for column, value in train_set_columns(train_job.config).items():
        frame[column] = value
    frame["best_epoch"] = np.int32(meta["best_epoch"])
    return {
        "evaluation": frame.astype(
            {"seed": "int32", "best_epoch": "int32", "severity": "Int32", "n_images": "int64"}
        )
    }
