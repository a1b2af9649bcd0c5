"""Stage ``encode``: write one (dataset, split, codec, level) as a memory-mappable split plus
per-image rate-distortion rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from grid.context import JobContext
from grid.stages.registry import stage
from lcc.codecs import encode_split, get, is_learned, validate
from lcc.data import load


def fit_job_folder(ctx: JobContext) -> Path:
    """The folder of the fit-codec job filling role ``model``, checked to hold ``model.pt``."""
    folders = ctx.input_dirs("model")
    if len(folders) != 1:
        raise ValueError(
            f"encode with learned codec {ctx.config['codec']!r} needs exactly one 'model' input "
            f"(a fit-codec job), got {len(folders)}"
        )
    if not (folders[0] / "model.pt").is_file():
        raise FileNotFoundError(
            f"fit-codec output {folders[0] / 'model.pt'} is missing (did the fit job finish?)"
        )
    return folders[0]


@stage("encode", tables=("rate_distortion",), resources="gpu")
def encode(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Encode ``config.split`` of ``config.dataset`` with ``config.codec`` at ``config.level``,
    ``config.batch_size`` images at a time; writes images.npy, labels.npy and meta.json."""
    cfg = ctx.config
    name, level = cfg["codec"], cfg["level"]
    validate(name, level)
    weights = fit_job_folder(ctx) if is_learned(name) else None
    codec = get(name, level, weights=weights, device=ctx.device)
    ref = cfg["dataset"]
    data = load(ref["name"], cfg["split"], root=ref.get("root"), limit=ref.get("limit"))

    out = ctx.workdir
    columns = encode_split(codec, data.images, out / "images.npy", chunk=cfg["batch_size"])
    np.save(out / "labels.npy", data.labels)
    meta = {
        "dataset": data.name,
        "fingerprint": data.fingerprint,
        "split": data.split,
        "codec": name,
        "level": level,
        "n": len(data),
        "classes": list(data.classes),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2))

    height, width = data.images.shape[1:3]
    rows = pd.DataFrame(
        {
            "dataset": data.name,
            "dataset_fingerprint": data.fingerprint,
            "split": data.split,
            "codec": name,
            "level": np.nan if level is None else float(level),
            "image_index": np.arange(len(data), dtype=np.int64),
            "label": data.labels.astype(np.int32),
            "pixels": np.int64(height * width),
            **columns,
        }
    )
    return {"rate_distortion": rows}
