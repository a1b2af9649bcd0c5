"""Plugin module (``plugins=[tests.grid_failure_plugin]``): the test-only stages of
:mod:`tests.grid_toy_stages`, whose training also says where each run started and may run
out of memory, for the real-Slurm failure tests (tests/test_slurm_failure_classes.py).
Importing it replaces the registered stages, so tests read ``started.txt`` with
:func:`tests.grid_toy_stages.started_epochs` and never import this module.

- Every training run appends ``<SLURM_RESTART_COUNT or 0> <epoch of the checkpoint it found,
  0 if none>`` to ``started.txt`` in its folder, before it trains.
- ``TOY_HOG_LABEL`` / ``TOY_HOG_MB``: a matching training first fills that many MB and holds
  them for a minute (Slurm kills it if that is over its memory limit).
"""

from __future__ import annotations

import os
import time

import pandas as pd
import torch

from grid.context import JobContext
from grid.stages.registry import STAGES, Stage
from tests.grid_toy_stages import STARTED, toy_stages, train


def train_recorded(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """The toy training, after writing where this run starts (and hogging memory if asked)."""
    checkpoint = ctx.workdir / "checkpoint.pt"
    epoch = torch.load(checkpoint, weights_only=False)["epoch"] if checkpoint.exists() else 0
    with open(ctx.workdir / STARTED, "a") as out:
        out.write(f"{os.environ.get('SLURM_RESTART_COUNT', '0')} {epoch}\n")
    label = os.environ.get("TOY_HOG_LABEL")
    if label and label in ctx.job.label:
        held = b"\1" * (int(os.environ.get("TOY_HOG_MB", "2048")) << 20)  # every page touched
        time.sleep(60)
        del held
    return train(ctx)


STAGES.update(toy_stages())
STAGES["train"] = Stage("train", train_recorded, ("train_curve",), "cpu")
