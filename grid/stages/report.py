"""The ``report`` stage: the sweep's report folder, ``results/<sweep>/report/index.md``.

Config ``{"sweep": name}``; inputs: every other job of the sweep (only their completion
matters: the report reads the sweep's view ``results/<sweep>/`` and its ``plan.json``).
"""

from __future__ import annotations

import logging

import pandas as pd

from grid.context import JobContext
from grid.stages.registry import stage

log = logging.getLogger("grid")


@stage("report", tables=(), resources="cpu")
def report(ctx: JobContext) -> dict[str, pd.DataFrame]:
    # Imported here: analysis imports grid.store, whose package imports every stage, and
    # plotting libraries that other stages need not load.
    from analysis.report import write_report

    sweep = ctx.config["sweep"]
    results_dir = ctx.results_root / sweep
    index = write_report(results_dir, results_dir / "report")
    log.info("report of sweep %s: %s", sweep, index)
    return {}
