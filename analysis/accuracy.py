"""Which accuracy the thesis reports per dataset, and a column holding it.

The thesis reports top-1 accuracy on CIFAR-10 and top-5 on Tiny ImageNet (200 classes). The
synthetic stand-ins follow the dataset they imitate. ``train_curve`` and ``evaluation`` rows
hold it over all test images (``top1``, ``top5``: the thesis' in-sample figures) and over each
part of them (``select_top1``, ``judge_top1``, ...; :mod:`lcc.evaluate.holdout`): epochs and
levels are chosen on the selection part, claims judged on the other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lcc.evaluate.holdout import PARTS

# The held-out split of the docstring, as the report states it (analysis/catalogue.py TIES).
HOLDOUT_RULE = (
    "Held-out split: a fixed hash of each test image's row puts it in the selection half "
    "(epochs, seeds and levels are chosen there) or the judged half (the claims and the "
    "figures' accuracies are measured there)."
)

METRIC_BY_DATASET: dict[str, str] = {
    "cifar10": "top1",
    "synthetic": "top1",
    "tinyimagenet": "top5",
    "synthetic-tiny": "top5",
}

# The metric rule as the report states it (analysis/catalogue.py TIES), read from
# METRIC_BY_DATASET so the sentence follows the table.
ACCURACY_RULE = (
    "Accuracy, as in the thesis: "
    + "; ".join(
        f"{metric} on "
        + ", ".join(f"`{name}`" for name, m in METRIC_BY_DATASET.items() if m == metric)
        for metric in dict.fromkeys(METRIC_BY_DATASET.values())
    )
    + "."
)


def accuracy_metric(dataset: str) -> str:
    """``"top1"`` or ``"top5"``: the column the thesis reports for ``dataset``."""
    if dataset not in METRIC_BY_DATASET:
        valid = ", ".join(sorted(METRIC_BY_DATASET))
        raise KeyError(f"unknown dataset {dataset!r}; valid datasets: {valid}")
    return METRIC_BY_DATASET[dataset]


def accuracy_column(metric: str, part: str | None = None) -> str:
    """The column holding ``metric`` over all test images (``part`` None) or over one part of
    them (``"select"``, ``"judge"``: ``select_top1``, ...)."""
    if part is None:
        return metric
    if part not in PARTS:
        raise ValueError(f"unknown test-image part {part!r}; valid: {', '.join(PARTS)}")
    return f"{part}_{metric}"


def with_accuracy(frame: pd.DataFrame, part: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with an ``accuracy`` column (fraction in [0, 1]).

    ``accuracy`` is ``top1`` or ``top5`` per row, chosen by the row's ``dataset``, over all
    test images or over ``part`` of them (:func:`accuracy_column`).
    """
    out = frame.copy()
    if out.empty:
        out["accuracy"] = pd.Series(dtype="float64")
        return out
    datasets = out["dataset"].astype(str)
    metric = datasets.map(lambda name: accuracy_metric(name))
    top1, top5 = accuracy_column("top1", part), accuracy_column("top5", part)
    out["accuracy"] = np.where(metric == "top5", out[top5], out[top1]).astype("float64")
    return out
