"""The stages that read analysis: ``select`` and ``report``, registered in grid's stage registry.

Imported as a default plugin (:data:`grid.plugins.DEFAULT_PLUGINS`) by every job, under any
executor, so grid runs these stages without importing analysis: every import arrow points
down, lcc ← grid ← analysis (docs/ARCHITECTURE.md). Plans read their declarations only
(analysis/declared.py), without the plotting stack analysis.report imports.

- ``select``: best-of-seeds, then BDA/BDAD/BDADS rankings of one (arch, dataset), on the
  selection half of the test images (:mod:`lcc.evaluate.holdout`; version 2). Config
  ``{"methods": [...], "top_k": int, "joined": [codec...]}``; inputs ``{"evaluations":
  (evaluate sigs...)}``. Returns every method's full ranking (rank 1 = best); joined training
  reads the rows with method ``"bda"`` and ``rank <= top_k``. Incomplete or NaN cells raise
  (see :mod:`analysis.selections` for the rules and tie-breaking).
- ``report``: the sweep's report folder, ``results/<sweep>/report/index.md``. Config
  ``{"sweep": name}``; inputs: every other job of the sweep. It reads the sweep's view
  ``results/<sweep>/`` and its ``plan.json``; first it publishes into that view the rows of
  input jobs that ran under another sweep after this sweep was launched.
"""

from __future__ import annotations

import logging

import pandas as pd

import analysis.declared  # noqa: F401  (the declarations @stage checks these stages against)
from analysis.report import write_report
from analysis.selections import selection_rows
from grid.context import JobContext
from grid.stages.registry import stage
from grid.store.rows import is_published, publish

log = logging.getLogger("grid")


@stage("select")
def select(ctx: JobContext) -> dict[str, pd.DataFrame]:
    config = ctx.config
    evaluation = ctx.input_rows("evaluations", "evaluation")
    joined = tuple(config.get("joined", ()))
    rows = selection_rows(evaluation, list(config["methods"]), int(config["top_k"]), joined)
    return {"selection": rows}


@stage("report")
def report(ctx: JobContext) -> dict[str, pd.DataFrame]:
    sweep = ctx.config["sweep"]
    for job in ctx.input_jobs("all"):
        folder = ctx.folder_of(job)
        if not is_published(folder, sweep):
            publish(folder, sweep)
    results_dir = ctx.results_root / sweep
    index = write_report(results_dir, results_dir / "report")
    log.info("report of sweep %s: %s", sweep, index)
    return {}
