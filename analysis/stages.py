"""The stages that read analysis: ``select`` and ``report``, registered in grid's stage registry.

Imported as a default plugin (:data:`grid.runner.DEFAULT_PLUGINS`) by every plan and every
job, under any executor, so grid knows these stages without importing analysis: every
import arrow points down, lcc ← grid ← analysis (docs/ARCHITECTURE.md).

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

from analysis.report import write_report
from analysis.selections import selection_rows
from grid.context import JobContext
from grid.disk import ROWS_FILE
from grid.stages.registry import stage
from grid.store.rows import is_published, publish

log = logging.getLogger("grid")


# Bytes of a report folder, results/<sweep>/report/ (figures, tables, CSVs, index.md and
# index.html), measured: 1.2 MB for demo_cifar cut to one learned codec, 2.0 MB for
# demo_cifar, 3.3 MB for demo; it grows with the sweep's cells.
REPORT_BYTES = 2_000_000


def select_disk(config: dict) -> int:
    """Bytes one select job writes: its selection rows, one small Parquet file."""
    return ROWS_FILE


def report_disk(config: dict) -> int:
    """Bytes one report job writes: the report folder (:data:`REPORT_BYTES`, measured)."""
    return REPORT_BYTES


@stage("select", version=2, resources="cpu", disk=select_disk)
def select(ctx: JobContext) -> dict[str, pd.DataFrame]:
    config = ctx.config
    evaluation = ctx.input_rows("evaluations", "evaluation")
    joined = tuple(config.get("joined", ()))
    rows = selection_rows(evaluation, list(config["methods"]), int(config["top_k"]), joined)
    return {"selection": rows}


@stage("report", version=1, resources="cpu", partial_inputs=True, disk=report_disk)
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
