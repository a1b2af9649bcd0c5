"""The ``report`` stage: the sweep's report folder, ``results/<sweep>/report/index.md``.

Config ``{"sweep": name}``; inputs: every other job of the sweep. The report reads the
sweep's view ``results/<sweep>/`` and its ``plan.json``; first it publishes into that view
the rows of input jobs that ran under another sweep after this sweep was launched.
"""

from __future__ import annotations

import logging

import pandas as pd

from grid.context import JobContext
from grid.stages.registry import stage
from grid.store.rows import is_published, publish

log = logging.getLogger("grid")


@stage("report", version=1, resources="cpu", partial_inputs=True)
def report(ctx: JobContext) -> dict[str, pd.DataFrame]:
    # Imported here: analysis imports grid.store, whose package imports every stage, and
    # plotting libraries that other stages need not load.
    from analysis.report import write_report

    sweep = ctx.config["sweep"]
    for job in ctx.input_jobs("all"):
        folder = ctx.folder_of(job)
        if not is_published(folder, sweep):
            publish(folder, sweep)
    results_dir = ctx.results_root / sweep
    index = write_report(results_dir, results_dir / "report")
    log.info("report of sweep %s: %s", sweep, index)
    return {}
