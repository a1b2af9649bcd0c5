"""Stage ``encode``: write one (dataset, split, codec, level) as a memory-mappable split plus
per-image rate-distortion rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from grid.context import JobContext
from grid.disk import ROWS_FILE
from grid.stages.check_codec import require_passed
from grid.stages.fitted import fit_job_folder
from grid.stages.registry import stage
from lcc.codecs import encode_split, get, is_learned, validate
from lcc.data import dataset_info, load, split_size

ROW_BYTES = 40  # bytes per image of rate_distortion rows in Parquet (30 to 35 measured)


def encode_disk(config: dict) -> int:
    """Bytes one encode job writes: images.npy (N x H x W x 3 uint8), labels.npy (N int64) and
    its rate_distortion rows (one per image), N being the split's images (``dataset.limit``
    when set, else the split's size, :func:`lcc.data.split_size`), H = W the dataset's side."""
    ref = config["dataset"]
    n = split_size(ref["name"], config["split"], ref.get("limit"))
    side = dataset_info(ref["name"]).image_size
    return n * side * side * 3 + n * 8 + ROWS_FILE + n * ROW_BYTES


def encode_resources(config: dict) -> str:
    """The resource class of one encode job: ``"gpu"`` for a learned codec (a network runs
    on every image), ``"cpu"`` for JPEG, noise, blur and the identity (no network: a GPU
    would sit idle). A config naming no codec asks for ``"cpu"`` (the stage itself refuses
    it with the valid codecs)."""
    return "gpu" if "codec" in config and is_learned(config["codec"]) else "cpu"


@stage("encode", version=1, resources=encode_resources, disk=encode_disk)
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
