"""Job folders as the engine and the encode stage leave them, for testing stages alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from grid.job import Job
from grid.store.folder import JobFolder


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
