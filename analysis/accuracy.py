"""Which accuracy the thesis reports per dataset, and a column holding it.

The thesis reports top-1 accuracy on CIFAR-10 and top-5 on Tiny ImageNet (200 classes). The
synthetic stand-ins follow the dataset they imitate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRIC_BY_DATASET: dict[str, str] = {
    "cifar10": "top1",
    "synthetic": "top1",
    "tinyimagenet": "top5",
    "synthetic-tiny": "top5",
}


def accuracy_metric(dataset: str) -> str:
    """``"top1"`` or ``"top5"``: the column the thesis reports for ``dataset``."""
    if dataset not in METRIC_BY_DATASET:
        valid = ", ".join(sorted(METRIC_BY_DATASET))
        raise KeyError(f"unknown dataset {dataset!r}; valid datasets: {valid}")
    return METRIC_BY_DATASET[dataset]


def with_accuracy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with an ``accuracy`` column (fraction in [0, 1]).

    ``accuracy`` is ``top1`` or ``top5`` per row, chosen by the row's ``dataset``.
    """
    out = frame.copy()
    if out.empty:
        out["accuracy"] = pd.Series(dtype="float64")
        return out
    datasets = out["dataset"].astype(str)
    metric = datasets.map(lambda name: accuracy_metric(name))
    out["accuracy"] = np.where(metric == "top5", out["top5"], out["top1"]).astype("float64")
    return out
