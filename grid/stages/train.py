"""Stage ``train``: a classifier trained on one encoded training split (or a joined set).

Inputs: ``train_data`` (encode jobs; several are concatenated into one joined set) or, for a
set chosen by BDA, ``selection`` (a select job) + ``candidates`` (encode jobs of the codec's
levels); ``test_clean`` and optionally ``test_compressed`` (encode jobs of the test split).
A steps-matched control (``train_set.rank`` r and ``control_for``, the joined set's label;
grid.expand.add_steps_controls) has a BDA joined set's inputs and trains on the level of rank
r alone; its level, known only at run time, is in its rows and its ``meta.json``.
A training with ``config.soft_labels`` (thesis §6.3, grid/expand_soft_labels.py) trains its
``train_data`` images against their soft labels (grid/stages/soft_labels.py).
A contrastive probe (grid/expand_contrastive.py; thesis §6.3) adds ``init`` (a contrastive
job): it trains on the original split (``train_data``) starting from that job's encoder, as
``train_set.pretrained.probe`` says (:func:`lcc.train.contrastive.probe_init`).
Writes ``best.pt`` (the epoch best on the selection part of the first eval set,
:mod:`lcc.train.loop`), ``last.pt``, ``checkpoint.pt`` and ``meta.json``; rows:
``train_curve``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.registry import stage
from grid.stages.soft_labels import with_soft_labels
from grid.store.folder import JobFolder
from grid.store.schemas import PART_ACCURACIES
from lcc.codecs import join_encoded
from lcc.codecs import load_encoded as read_encoded
from lcc.evaluate.normalization import of_recipe
from lcc.models import validate
from lcc.train import EpochRecord, Recipe, checkpoint, train
from lcc.train.contrastive import probe_init
from lcc.train.loop import ImageSet
from lcc.train.weights import level_weights, sample_weights

EVAL_ROLES = {"clean": "test_clean", "compressed": "test_compressed"}
# The accuracies over each part of the held-out split (grid.store.schemas.PART_ACCURACIES).
PART_COLUMNS = tuple(name for name, _ in PART_ACCURACIES)


def load_encoded(folders: Sequence[Path], role: str) -> ImageSet:
    """The encoded split(s) in ``folders``: memory-mapped for one, joined for several."""
    if not folders:
        raise ValueError(f"input {role!r} names no encode job")
    try:
        data = read_encoded(folders[0]) if len(folders) == 1 else join_encoded(list(folders))
    except FileNotFoundError as err:
        raise FileNotFoundError(f"input {role!r}: {err} (did its encode job finish?)") from None
    return data.images, data.labels


def bda_levels(ctx: JobContext, codec: str, top_k: int) -> list[float]:
    """The ``top_k`` levels of ``codec`` that BDA ranked best, in rank order (the ``selection``
    input's rows): a joined set's ``top_k``, or a control's rank r (it takes the r-th)."""
    rows = ctx.input_rows("selection", "selection")
    if rows.empty:
        raise ValueError("input 'selection' holds no selection rows")
    rows = rows[(rows["method"] == "bda") & (rows["codec"] == codec) & (rows["rank"] <= top_k)]
    levels = rows.sort_values("rank")["level"].tolist()
    if len(levels) < top_k:
        raise ValueError(f"BDA ranks only {len(levels)} levels of {codec!r}; need {top_k}")
    return levels


def candidate_folder(ctx: JobContext, codec: str, level: float) -> Path:
    """The folder of the ``candidates`` encode job of ``codec`` at ``level``."""
    candidates = ctx.input_jobs("candidates")
    matches = [j for j in candidates if j.config["level"] is not None
               and math.isclose(j.config["level"], level)]  # fmt: skip
    if not matches:
        available = sorted(j.config["level"] for j in candidates if j.config["level"] is not None)
        raise ValueError(f"BDA chose {codec} level {level}, not among the candidates {available}")
    return ctx.dir_of(matches[0])


def bda_folders(ctx: JobContext, codec: str, top_k: int) -> list[Path]:
    """Encode folders of the ``top_k`` levels of ``codec`` that BDA ranked best (rank order)."""
    return [candidate_folder(ctx, codec, level) for level in bda_levels(ctx, codec, top_k)]


def control_rank(ctx: JobContext) -> int | None:
    """The BDA rank r of the one part a steps-matched control trains on (``train_set.rank``,
    an int >= 1, with a ``selection`` input), None for every other training."""
    rank = ctx.config["train_set"].get("rank")
    if rank is None:
        return None
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise ValueError(f"train_set.rank must be an integer >= 1; got {rank!r}")
    if not ctx.job.inputs.get("selection"):
        raise ValueError(f"train_set.rank {rank} needs a 'selection' input; the job has none")
    return rank


def training_folders(ctx: JobContext) -> list[Path]:
    """The encode folders whose splits form the training set: a steps-matched control's one
    part (the level of BDA rank r), a BDA joined set's ``top_k`` levels, else ``train_data``."""
    train_set = ctx.config["train_set"]
    rank = control_rank(ctx)
    if rank is not None:
        return [bda_folders(ctx, train_set["codec"], rank)[rank - 1]]
    if ctx.job.inputs.get("selection"):
        return bda_folders(ctx, train_set["codec"], train_set["top_k"])
    return ctx.input_dirs("train_data")


def resolved_train_set(ctx: JobContext) -> dict:
    """``config.train_set`` with what is known only at run time filled in: a steps-matched
    control's ``level`` is that of its BDA rank (:func:`control_rank`). The train stage writes
    it to its rows and its ``meta.json`` (key ``train_set``), where the stages reading the
    model take it (:func:`train_set_columns`)."""
    train_set = dict(ctx.config["train_set"])
    rank = control_rank(ctx)
    if rank is not None:
        train_set["level"] = bda_levels(ctx, train_set["codec"], rank)[rank - 1]
    return train_set


def join_weights(train_set: dict, folders: Sequence[Path]) -> np.ndarray | None:
    """Per-image loss weights of a weighted joined set (``train_set.weighting``, thesis §6.3),
    from each level's rank (the folders' order) and mean PSNR (its encode job's rows); None
    for an unweighted set."""
    rule = train_set.get("weighting")
    if rule is None:
        return None
    psnr = [
        float(JobFolder.at(folder).read_rows("rate_distortion")["psnr"].mean())
        for folder in folders
    ]
    sizes = [len(read_encoded(folder).labels) for folder in folders]
    return sample_weights(level_weights(rule, psnr), sizes)


def encoder_init(ctx: JobContext) -> Callable | None:
    """A contrastive probe's start (``init`` of :func:`lcc.train.train`) from its ``init``
    input's ``encoder.pt`` and ``train_set.pretrained.probe``; None for every other training."""
    if not ctx.job.inputs.get("init"):
        return None
    (job,) = ctx.input_jobs("init")
    encoder = checkpoint.load(ctx.folder_of(job).encoder)
    return probe_init(encoder, ctx.config["train_set"]["pretrained"]["probe"])


def eval_folders(ctx: JobContext, eval_sets: Sequence[str]) -> dict[str, Path]:
    """Eval set name -> the folder of the encode job filling its role."""
    folders = {}
    for name in eval_sets:
        if name not in EVAL_ROLES:
            raise ValueError(f"unknown eval set {name!r}; valid: {', '.join(EVAL_ROLES)}")
        dirs = ctx.input_dirs(EVAL_ROLES[name])
        if len(dirs) != 1:
            raise ValueError(
                f"eval set {name!r} needs one {EVAL_ROLES[name]!r} input; got {len(dirs)}"
            )
        folders[name] = dirs[0]
    return folders


def train_set_columns(config: dict, train_set: dict | None = None) -> dict:
    """The columns naming the model (arch, dataset, training set, seed, control_for;
    :data:`grid.store.schemas.TRAINED_MODEL`) of a train job's ``config``. ``train_set``: the
    resolved one (:func:`resolved_train_set`, a train job's ``meta.json``), which names a
    control's level; default ``config.train_set``."""
    train_set = config["train_set"] if train_set is None else train_set
    level = None if train_set["joined"] or train_set["level"] is None else train_set["level"]
    return {
        "arch": config["arch"],
        "dataset": config["dataset"]["name"],
        "train_set": train_set["label"],
        "codec": train_set["codec"],
        "level": np.nan if level is None else float(level),
        "joined": bool(train_set["joined"]),
        "seed": np.int32(config["seed"]),
        "control_for": train_set.get("control_for"),
    }


def curve_rows(
    config: dict, history: Sequence[EpochRecord], train_set: dict | None = None
) -> pd.DataFrame:
    """One ``train_curve`` row per (epoch, eval set); ``train_set`` as in
    :func:`train_set_columns`."""
    rows = [
        {
            **train_set_columns(config, train_set),
            "epoch": record.epoch,
            "train_loss": record.train_loss,
            "train_top1": record.train_top1,
            "eval_set": name,
            "loss": scores["loss"],
            "top1": scores["top1"],
            "top5": scores["top5"],
            **{key: scores[key] for key in PART_COLUMNS},
            "lr": record.lr,
            "seconds": record.seconds,
            "images_per_s": record.images_per_s,
        }
        for record in history
        for name, scores in record.evals.items()
    ]
    frame = pd.DataFrame(rows)
    return frame.astype(
        {"seed": "int32", "epoch": "int32", "level": "float64", "joined": bool,
         "control_for": "object"}
    )  # fmt: skip


@stage("train")
def train_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Train ``config.arch`` with ``config.recipe`` (every setting, resolved at plan time by
    :func:`lcc.train.resolve_recipe`) and checkpoint each epoch; resumes from
    ``checkpoint.pt`` when run again."""
    cfg = ctx.config
    dataset, arch = cfg["dataset"], cfg["arch"]
    validate(arch, dataset["num_classes"], dataset["image_size"])
    recipe = Recipe.from_config(cfg["recipe"])
    train_dirs = training_folders(ctx)
    train_set_config = resolved_train_set(ctx)
    evals = eval_folders(ctx, cfg.get("eval_sets", ["clean"]))
    eval_sets = {name: load_encoded([folder], EVAL_ROLES[name]) for name, folder in evals.items()}
    train_set = with_soft_labels(ctx, load_encoded(train_dirs, "train_data"))
    result = train(
        arch,
        train_set,
        eval_sets,
        recipe,
        num_classes=dataset["num_classes"],
        seed=cfg["seed"],
        device=ctx.device,
        workdir=ctx.workdir,
        on_epoch=ctx.epoch_done,
        weights=join_weights(cfg["train_set"], train_dirs),
        init=encoder_init(ctx),
    )
    meta = {
        "arch": arch,
        "num_classes": dataset["num_classes"],
        "image_size": dataset["image_size"],
        "best_epoch": result.best_epoch,
        "normalization": asdict(of_recipe(recipe)),
        "recipe": recipe.to_config(),
        "train_folders": [str(f) for f in train_dirs],
        "n_train": len(train_set[1]),
        "train_set": train_set_config,
    }
    JobFolder.at(ctx.workdir).meta.write_text(json.dumps(meta, indent=2))
    return {"train_curve": curve_rows(cfg, result.history, train_set_config)}
