"""Job folders as the engine and the encode stage leave them, for testing stages alone."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from grid.job import Job
from grid.store.folder import JobFolder
from lcc.evaluate import get_normalization


def write_job(root: Path, job: Job, rows: dict[str, pd.DataFrame] | None = None) -> Path:
    """Create ``job``'s folder with job.json (and rows/<table>.parquet); return the folder."""
    owner = JobFolder.of(root, job)
    owner.path.mkdir(parents=True)
    owner.write_spec(job.to_dict())
    for table, frame in (rows or {}).items():
        owner.rows_path(table).parent.mkdir(exist_ok=True)
        frame.to_parquet(owner.rows_path(table))
    return owner.path


def write_encoded(root: Path, images, labels, codec="identity", level=None, split="train") -> Job:
    """An encode job folder with images.npy, labels.npy and meta.json, as `encode` writes."""
    job = Job("encode", {"codec": codec, "level": level, "split": split, "n": len(labels)})
    folder = write_job(root, job)
    np.save(folder / "images.npy", np.ascontiguousarray(images))
    np.save(folder / "labels.npy", np.asarray(labels, dtype=np.int64))
    meta = {
        "dataset": "synthetic",
        "fingerprint": "test-split",
        "split": split,
        "codec": codec,
        "level": level,
        "n": len(labels),
        "classes": [str(c) for c in range(int(np.max(labels)) + 1)],
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    return job


def write_trained(
    root: Path, model: nn.Module, codec="bls", level=0.1, seed=2, best_epoch=4, label=""
) -> Job:
    """A train job folder for synthetic VGG11-5 holding ``model`` as its best checkpoint,
    with meta.json, as the train stage writes them (trained on ``codec:level``)."""
    train_set = {"label": f"{codec}:{level}", "codec": codec, "level": level, "joined": False,
                 "top_k": None}  # fmt: skip
    config = {
        "arch": "vgg11-5",
        "dataset": {"name": "synthetic", "num_classes": 10, "image_size": 32},
        "seed": seed,
        "train_set": train_set,
    }
    job = Job("train", config, label=label)
    folder = write_job(root, job)
    torch.save(model.state_dict(), folder / "best.pt")
    meta = {"arch": "vgg11-5", "num_classes": 10, "image_size": 32, "best_epoch": best_epoch,
            "normalization": asdict(get_normalization("synthetic")),
            "train_set": train_set}  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta))
    return job
