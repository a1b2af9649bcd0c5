"""Stage ``prepare-cifar10c``: write the corrupted test split once, in the release layout.

Config: ``{"dataset": {"name", "root", "limit"}, "corruptions": [...], "severities": [...],
"seed", "generation": {"chunk", "params"}}``: both lists explicit (the planner fills them,
:func:`grid.planner.fill_defaults`) and every corruption parameter
(:func:`lcc.data.corruptions.generation_settings`). Artifacts:
``CIFAR-10-C/<corruption>.npy``, ``CIFAR-10-C/labels.npy`` and ``CIFAR-10-C/meta.json``
(source dataset, its fingerprint, and whether it is synthetic). No result rows.
"""

from __future__ import annotations

import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
import lcc.data
from grid.context import JobContext
from grid.stages.registry import stage
from grid.store.folder import JobFolder


@stage("prepare-cifar10c")
def prepare_cifar10c(ctx: JobContext) -> dict[str, pd.DataFrame]:
    cfg = ctx.config
    ref = cfg["dataset"]
    test = lcc.data.load(ref["name"], "test", root=ref.get("root"), limit=ref.get("limit"))
    meta = {
        "dataset": test.name,
        "synthetic": lcc.data.dataset_info(test.name).is_synthetic,
        "fingerprint": test.fingerprint,
        "limit": ref.get("limit"),
    }
    lcc.data.generate_cifar10c(
        test.images,
        test.labels,
        JobFolder.at(ctx.workdir).cifar10c,
        corruptions=cfg["corruptions"],
        severities=cfg["severities"],
        seed=cfg["seed"],
        meta=meta,
        generation=cfg["generation"],
    )
    return {}
