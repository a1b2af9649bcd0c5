"""Stage ``contrastive``: an encoder pretrained with NT-Xent on one training split at two
compression levels (thesis §6.3, future work, Fig 6.2; :mod:`lcc.train.contrastive`).

Input: ``views`` (two encode jobs of the train split, the pair's two levels, in the pair's
order: row i of each is the same image). Config: ``arch``; ``dataset`` (``name``,
``num_classes``, ``image_size``); ``pair`` (``label``, ``codec``, ``levels``); the input
``normalization`` of the probe's recipe (``normalize``, ``mean``, ``std``); ``settings``
(:meth:`lcc.specs.contrastive.ContrastiveSettings.pretraining_config`). Writes
``encoder.pt`` (``JobFolder.encoder``: the classifier's ``state_dict`` without its final
``Linear``, read by the probe's train job through its ``init`` input) and ``checkpoint.pt``,
rewritten every epoch and resumed when run again; rows: ``contrastive_curve``, one per epoch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.registry import stage
from grid.stages.train import load_encoded
from grid.store.folder import JobFolder
from lcc.evaluate.normalization import Normalization
from lcc.models import validate
from lcc.specs.contrastive import ContrastiveSettings
from lcc.train import checkpoint
from lcc.train.contrastive import ContrastiveRecord, pretrain


@stage("contrastive")
def contrastive_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Pretrain ``config.arch``'s encoder on the two ``views`` and write ``encoder.pt``."""
    cfg = ctx.config
    dataset, arch = cfg["dataset"], cfg["arch"]
    validate(arch, dataset["num_classes"], dataset["image_size"])
    settings = ContrastiveSettings(**cfg["settings"])
    folders = ctx.input_dirs("views")
    if len(folders) != 2:
        raise ValueError(f"input 'views' needs two encode jobs (the pair's levels); got "
                         f"{len(folders)}")  # fmt: skip
    (a, labels_a), (b, labels_b) = (load_encoded([f], "views") for f in folders)
    if not np.array_equal(labels_a, labels_b):
        raise ValueError("the two views' labels differ: they are not one split's images")
    norm = cfg["normalization"]
    normalization = Normalization(norm["normalize"], tuple(norm["mean"]), tuple(norm["std"]))
    result = pretrain(
        arch,
        (np.asarray(a), np.asarray(b)),
        settings,
        normalization,
        num_classes=dataset["num_classes"],
        device=ctx.device,
        workdir=ctx.workdir,
        on_epoch=ctx.epoch_done,
    )
    checkpoint.save_atomic(result.encoder, JobFolder.at(ctx.workdir).encoder)
    return {"contrastive_curve": curve_rows(cfg, result.history)}


def curve_rows(config: dict, history: list[ContrastiveRecord]) -> pd.DataFrame:
    """One ``contrastive_curve`` row per epoch of ``history``."""
    pair = config["pair"]
    frame = pd.DataFrame(
        [
            {
                "arch": config["arch"],
                "dataset": config["dataset"]["name"],
                "pair": pair["label"],
                "codec": pair["codec"],
                "level_a": float(pair["levels"][0]),
                "level_b": float(pair["levels"][1]),
                "seed": config["settings"]["seed"],
                "epoch": r.epoch,
                "loss": r.loss,
                "positive_top1": r.positive_top1,
                "alignment": r.alignment,
                "pairs": r.pairs,
                "seconds": r.seconds,
            }
            for r in history
        ]
    )
    return frame.astype({"seed": "int32", "epoch": "int32", "pairs": "int64"})
