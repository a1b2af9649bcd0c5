"""Table "Soft labels (§6.3)" (thesis §6.3, future work: human soft labels): the models
trained on the test images against their soft labels and against their hard labels
(grid/expand_soft_labels.py), compared on the original training images.

Per (architecture, dataset) with both arms evaluated: each arm's top-1 accuracy and the
difference soft − hard, paired per seed and image over the judged part of the training images
(:mod:`lcc.evaluate.holdout`; the best epoch of both was chosen on the other part), with the
one-sided 95 % bounds, MDE and verdict of :func:`analysis.stats.paired_difference` (the
claims' method: seed-to-seed and image-to-image variance), and each arm's mean cross-entropy
(nats) over all the training images (the evaluate stage's ``loss``; not paired, no interval).
"""

from __future__ import annotations

import pandas as pd

from analysis.evidence import Evidence
from analysis.stats import paired_difference
from lcc.specs.soft_labels import HARD_SET, SOFT_SET

EVAL_SET = "clean"  # the rows' eval set of these models: the training split's original images
COLUMNS = ["arch", "dataset", "soft_top1", "hard_top1", "difference", "lower", "upper", "mde",
           "verdict", "n_seeds", "n_images", "soft_loss", "hard_loss"]  # fmt: skip


def soft_label_scopes(evidence: Evidence) -> list[tuple[str, str]]:
    """``(arch, dataset)`` pairs where both arms have ``clean`` predictions, sorted."""
    return sorted(
        (arch, dataset)
        for arch, dataset in {(k[0], k[1]) for k in evidence.scores}
        if all(evidence.has(arch, dataset, arm, EVAL_SET) for arm in (SOFT_SET, HARD_SET))
    )


def soft_label_table(evidence: Evidence, evaluation: pd.DataFrame) -> pd.DataFrame:
    """One row per scope of :func:`soft_label_scopes` (columns :data:`COLUMNS`); accuracies,
    differences, bounds and MDE are fractions of images, losses nats."""
    rows = []
    for arch, dataset in soft_label_scopes(evidence):
        paired = evidence.pair(arch, dataset, [SOFT_SET, HARD_SET], EVAL_SET)
        soft, hard = paired.scores
        comparison = paired_difference(soft - hard, f"{arch}/{dataset} soft - hard labels")
        rows.append(
            {
                "arch": arch,
                "dataset": dataset,
                "soft_top1": float(soft.mean()),
                "hard_top1": float(hard.mean()),
                "difference": comparison.estimate,
                "lower": comparison.lower,
                "upper": comparison.upper,
                "mde": comparison.mde,
                "verdict": comparison.verdict,
                "n_seeds": comparison.n_seeds,
                "n_images": comparison.n_images,
                **{f"{name}_loss": _mean_loss(evaluation, arch, dataset, arm)
                   for name, arm in (("soft", SOFT_SET), ("hard", HARD_SET))},
            }
        )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def _mean_loss(evaluation: pd.DataFrame, arch: str, dataset: str, train_set: str) -> float:
    """The arm's ``loss`` on :data:`EVAL_SET` (all its images), averaged over seeds."""
    mine = evaluation[
        (evaluation["arch"] == arch)
        & (evaluation["dataset"] == dataset)
        & (evaluation["train_set"] == train_set)
        & (evaluation["eval_set"] == EVAL_SET)
    ]
    return float(mine["loss"].mean())
