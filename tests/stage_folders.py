"""Job folders as the engine and the encode stage leave them, for testing stages alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from grid.context import job_dir
from grid.job import Job


def write_job(root: Path, job: Job, rows: dict[str, pd.DataFrame] | None = None) -> Path:
    """Create ``job``'s folder with job.json (and rows/<table>.parquet); return the folder."""
    folder = job_dir(root, job.stage, job.signature)
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps(job.to_dict()))
    for table, frame in (rows or {}).items():
        (folder / "rows").mkdir(exist_ok=True)
        frame.to_parquet(folder / "rows" / f"{table}.parquet")
    return folder


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
