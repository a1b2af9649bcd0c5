"""Stage ``fit-codec``: train a learned codec (bls, bmhj) at one λ on a dataset's train split."""

from __future__ import annotations

import pandas as pd

from grid.context import JobContext
from grid.stages.registry import stage
from lcc.codecs import fit, is_learned
from lcc.codecs.fit_recipe import FIT_KEYS
from lcc.data import load


@stage("fit-codec", version=1, resources="gpu")
def fit_codec(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Fit ``config.codec`` at ``config.level``; writes model.pt, checkpoint.pt and meta.json
    into the job folder (resuming from checkpoint.pt) and returns one codec_fit row per epoch."""
    cfg = ctx.config
    if not is_learned(cfg["codec"]):
        raise ValueError(f"fit-codec needs a learned codec (bls, bmhj), got {cfg['codec']!r}")
    missing = [k for k in FIT_KEYS if k not in cfg["fit"]]
    if missing:
        raise KeyError(f"fit-codec config.fit lacks {', '.join(missing)}")
    ref = cfg["dataset"]
    data = load(ref["name"], "train", root=ref.get("root"), limit=ref.get("limit"))
    rows = fit(
        cfg["codec"],
        cfg["level"],
        data.images,
        **{k: cfg["fit"][k] for k in FIT_KEYS},
        workdir=ctx.workdir,
        on_epoch=ctx.epoch_done,
        device=ctx.device,
    )
    table = pd.DataFrame(rows)
    table.insert(2, "dataset", ref["name"])
    return {"codec_fit": table.astype({"epoch": "int32", "steps": "int64"})}
