"""Stage ``encode``: write one (dataset, split, codec, level) as a memory-mappable split plus
per-image rate-distortion rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.check_codec import require_passed
from grid.stages.fitted import fit_job_folder
from grid.stages.registry import stage
from grid.store.folder import JobFolder
from lcc.codecs import encode_split, get, is_learned, validate
from lcc.data import load


@stage("encode")
def encode(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Encode ``config.split`` of ``config.dataset`` with ``config.codec`` at ``config.level``,
    ``config.batch_size`` images at a time (a seeded codec, Gaussian noise, draws from
    ``config.seed``); writes images.npy, labels.npy and meta.json."""
    cfg = ctx.config
    name, level = cfg["codec"], cfg["level"]
    validate(name, level)
    for gate in ctx.input_jobs("gate"):  # present only with gate.enforce=true
        require_passed(ctx.folder_of(gate))
    weights = fit_job_folder(ctx) if is_learned(name) else None
    codec = get(name, level, weights=weights, device=ctx.device, seed=cfg.get("seed", 0))
    ref = cfg["dataset"]
    data = load(ref["name"], cfg["split"], root=ref.get("root"), limit=ref.get("limit"))

    out = JobFolder.at(ctx.workdir)  # ctx.workdir creates the folder
    columns = encode_split(codec, data.images, out.images, chunk=cfg["batch_size"])
    np.save(out.labels, data.labels)
    meta = {
        "dataset": data.name,
        "fingerprint": data.fingerprint,
        "split": data.split,
        "codec": name,
        "level": level,
        "n": len(data),
        "classes": list(data.classes),
    }
    out.meta.write_text(json.dumps(meta, indent=2))

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
