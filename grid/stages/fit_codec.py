"""Stage ``fit-codec``: train a learned codec at one λ on a dataset's train split.

A codec whose objective is ``task`` (``bls-task``, thesis §6.1) also reads input role
``classifier``: the train job of a classifier on the original data, frozen during the fit.
"""

from __future__ import annotations

import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.evaluate import trained_model
from grid.stages.registry import stage
from lcc.codecs import fit, objective_of
from lcc.codecs.objectives import FrozenClassifier
from lcc.data import load
from lcc.specs.fit_recipe import FitRecipe


def frozen_classifier(ctx: JobContext) -> FrozenClassifier:
    """The best-epoch classifier of the train job filling role ``classifier``."""
    folders = [ctx.folder_of(job) for job in ctx.input_jobs("classifier")]
    if len(folders) != 1:
        raise ValueError(
            f"fit-codec of {ctx.config['codec']!r} needs exactly one 'classifier' input (a "
            f"train job on the original data), got {len(folders)}"
        )
    model, meta = trained_model(folders[0])
    return FrozenClassifier(model, meta["normalization"])


@stage("fit-codec")
def fit_codec(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Fit ``config.codec`` at ``config.level``; writes model.pt, checkpoint.pt and meta.json
    into the job folder (resuming from checkpoint.pt) and returns one codec_fit row per epoch.
    ``config.fit`` is a :class:`FitRecipe` as a dict (:meth:`FitRecipe.from_config`: the plateau
    settings only for schedule ``plateau``, so fits of the other schedules kept their
    signatures)."""
    cfg = ctx.config
    task = objective_of(cfg["codec"]) == "task"  # one-line error listing the learned codecs
    recipe = FitRecipe.from_config(cfg["fit"])
    classifier = frozen_classifier(ctx) if task else None
    ref = cfg["dataset"]
    data = load(ref["name"], "train", root=ref.get("root"), limit=ref.get("limit"))
    rows = fit(
        cfg["codec"],
        cfg["level"],
        data.images,
        recipe,
        workdir=ctx.workdir,
        on_epoch=ctx.epoch_done,
        device=ctx.device,
        labels=data.labels if task else None,
        classifier=classifier,
        objective=cfg.get("objective"),
    )
    table = pd.DataFrame(rows)
    table.insert(2, "dataset", ref["name"])
    return {"codec_fit": table.astype({"epoch": "int32", "steps": "int64"})}
