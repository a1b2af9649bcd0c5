"""The ``select`` stage: best-of-seeds, then BDA/BDAD/BDADS rankings of one (arch, dataset).

Config ``{"methods": [...], "top_k": int}``; inputs ``{"evaluations": (evaluate sigs...)}``.
Returns every method's full ranking (rank 1 = best); joined training reads the rows with
method ``"bda"`` and ``rank <= top_k``. Incomplete or NaN cells raise (see
:mod:`analysis.selections` for the rules and tie-breaking).
"""

from __future__ import annotations

import pandas as pd

from grid.context import JobContext
from grid.stages.registry import stage


@stage("select", version=1, resources="cpu")
def select(ctx: JobContext) -> dict[str, pd.DataFrame]:
    # Imported here: analysis imports grid.store, whose package imports every stage.
    from analysis.selections import selection_rows

    config = ctx.config
    evaluation = ctx.input_rows("evaluations", "evaluation")
    joined = tuple(config.get("joined", ()))
    rows = selection_rows(evaluation, list(config["methods"]), int(config["top_k"]), joined)
    return {"selection": rows}
