"""Contrastive pretraining (thesis §6.3, future work, Fig 6.2) against plain training, from
``evaluation`` rows (stage evaluate of the probes, grid/expand_contrastive.py) and
``contrastive_curve`` rows (stage contrastive).

Per (dataset, arch) and pair, the probe (a classifier trained on the original split from the
pair's contrastive encoder) beside the same arch trained on the original data and on each
level of the pair: judged-half top-1 (:mod:`lcc.evaluate.holdout`) clean, on the compressed
test set its evaluation read (with ``test_on_compressed``; none for the probe, whose training
images are the original ones, and for the original it is the clean set) and on
CIFAR-10-C (mean over corruptions and severities), each the mean over seeds, and the
pretraining's last epoch (NT-Xent loss, positive-pick accuracy) on the probe's row.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.labels import set_label
from grid.expand_contrastive import PROBE_LABEL_PREFIX, probe_label

METRIC = "judge_top1"
COLUMNS = ["dataset", "arch", "pair", "model", "seeds", "clean", "compressed", "cifar10c",
           "pretrain_loss", "positive_top1"]  # fmt: skip


def accuracies(rows: pd.DataFrame) -> dict[str, float]:
    """Mean :data:`METRIC` per eval set over ``rows`` (one model's seeds); NaN where absent."""
    means = rows.groupby("eval_set")[METRIC].mean()
    return {name: float(means.get(name, math.nan)) for name in ("clean", "compressed", "cifar10c")}


def contrastive_table(evaluation: pd.DataFrame, curve: pd.DataFrame) -> pd.DataFrame:
    """:data:`COLUMNS`: per (dataset, arch, pair) of ``curve``, its probes' rows then the
    original's and each pair level's (those of them the sweep evaluated)."""
    if curve.empty or evaluation.empty:
        return pd.DataFrame(columns=COLUMNS)
    records = []
    last = curve.sort_values("epoch").groupby(["dataset", "arch", "pair"], sort=False).tail(1)
    for pretraining in last.itertuples():
        same = evaluation[(evaluation["dataset"] == pretraining.dataset)
                          & (evaluation["arch"] == pretraining.arch)]  # fmt: skip
        probes = same[same["train_set"].str.startswith(probe_label(pretraining.pair, ""))]
        arms = [(name, part) for name, part in probes.groupby("train_set")]
        arms.append(("Original", same[same["codec"] == "identity"]))
        for level in (pretraining.level_a, pretraining.level_b):
            part = same[(same["codec"] == pretraining.codec) & (same["level"] == level)
                        & ~same["joined"].astype(bool) & same["control_for"].isna()]  # fmt: skip
            arms.append((set_label(pretraining.codec, level), part))
        for name, part in arms:
            if part.empty:
                continue
            probe = name.startswith(PROBE_LABEL_PREFIX)
            records.append({
                "dataset": pretraining.dataset, "arch": pretraining.arch,
                "pair": pretraining.pair, "model": name, "seeds": part["seed"].nunique(),
                **accuracies(part),
                "pretrain_loss": pretraining.loss if probe else math.nan,
                "positive_top1": pretraining.positive_top1 if probe else math.nan,
            })  # fmt: skip
    return pd.DataFrame(records, columns=COLUMNS)
