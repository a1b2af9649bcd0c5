"""C5 (thesis §4.3, Figs 4.1, 4.3): the joined top-k BLS set beats its parts, clean and corrupt.

The joined set concatenates its k parts and trains for the same number of epochs, so it takes
k times the optimiser steps of each part. The thesis compared it with the parts trained as
usual; here each part is also trained for k times the epochs (the *steps-matched control*,
:mod:`analysis.arms`; grid/expand.py plans it), and the claim is decided against those: on
the judged test images, the joined set's clean accuracy and its mean CIFAR-10-C accuracy minus
each control's, every one > 0 (intersection–union over parts x {clean, corrupt}). The
comparison with the parts at equal epochs, the thesis' own, is shown beside. Loss-weighted
joins (``...:w=<rule>``, thesis §6.3) are no thesis claim and are left out.
"""

from __future__ import annotations

import pandas as pd

from analysis.arms import controls, joined
from analysis.claims.base import Claim, Inputs, Outcome, comparison_text, undecided_note
from analysis.claims.common import find_set, scope_text, single_level_sets
from analysis.labels import set_label
from analysis.stats import Comparison, paired_difference

EVAL_SETS = {"clean": "clean", "cifar10c": "corrupt"}


def joined_sets(models: pd.DataFrame) -> pd.DataFrame:
    """The unweighted joined BLS sets among ``models`` (:attr:`Evidence.models`):
    arch, dataset, train_set, one row each."""
    rows = models[joined(models) & (models["codec"].astype(str) == "bls").to_numpy()]
    rows = rows[~rows["train_set"].astype(str).str.contains(":w=", regex=False)]
    return rows[["arch", "dataset", "train_set"]].astype(str).drop_duplicates()


def control_arms(models: pd.DataFrame, arch: str, dataset: str, label: str) -> pd.DataFrame:
    """The steps-matched controls of joined set ``label``: train_set, level (the part's)."""
    rows = models[controls(models)]
    rows = rows[(rows["arch"] == arch) & (rows["dataset"] == dataset)]
    rows = rows[rows["control_for"].astype(str) == label]
    return rows[["train_set", "level"]].drop_duplicates("train_set").sort_values("train_set")


def _difference(evidence, arch, dataset, ours, theirs, eval_set, name) -> Comparison:
    paired = evidence.pair(arch, dataset, [ours, theirs], eval_set)
    return paired_difference(paired.scores[0] - paired.scores[1], name)


def part_levels(ranked: pd.DataFrame, arch: str, dataset: str, label: str) -> list[float]:
    """The levels of BDA rank 1..k of the joined set's codec (held-out ranking), k from its
    label ``<codec>:top<k>``; fewer when the ranking has fewer."""
    if ranked.empty:
        return []
    rows = ranked[(ranked["arch"] == arch) & (ranked["dataset"] == dataset)]
    rows = rows[(rows["method"] == "bda") & (rows["codec"] == "bls")]
    rows = rows[rows["rank"] <= int(_factor(label))].sort_values("rank")
    return [float(level) for level in rows["level"]]


def check(inputs: Inputs) -> Outcome:
    evidence = inputs.evidence
    found, beside, skipped = [], [], []
    for arch, dataset, label in joined_sets(evidence.models).itertuples(index=False):
        name = f"{scope_text(arch, dataset)} {label}"
        arms = control_arms(evidence.models, arch, dataset, label)
        sets = single_level_sets(evidence, arch, dataset)
        levels = [float(lv) for lv in arms["level"]]
        if arms.empty:
            skipped.append(f"{name}: no steps-matched control (a sweep planned before them)")
            levels = part_levels(inputs.derived.ranked, arch, dataset, label)
        controls_of = dict(zip(levels, arms["train_set"], strict=False)) if len(arms) else {}
        for level in levels:
            part = set_label("bls", level)
            single = find_set(sets, "bls", level)
            for eval_set, kind in EVAL_SETS.items():
                if not evidence.has(arch, dataset, label, eval_set):
                    skipped.append(f"{name}: no {eval_set} predictions")
                    continue
                control = controls_of.get(level)
                if control is not None and evidence.has(arch, dataset, control, eval_set):
                    found.append(_difference(
                        evidence, arch, dataset, label, control, eval_set,
                        f"{name} − {part} ×{_factor(label)} epochs, {kind}",
                    ))  # fmt: skip
                elif control is not None:
                    skipped.append(f"{name} vs {part} ×{_factor(label)}: no {eval_set} predictions")
                if single is not None and evidence.has(arch, dataset, single, eval_set):
                    beside.append(_difference(
                        evidence, arch, dataset, label, single, eval_set,
                        f"{name} − {part}, {kind}",
                    ))  # fmt: skip
    if not found:
        reason = "; ".join(skipped) or "no joined BLS training set with predictions"
        measured = "; ".join(comparison_text(c) for c in beside)
        return Outcome("not testable", measured=measured, detail=f"nothing to compare: {reason}")
    outcome = Outcome.decided(found, "; ".join(comparison_text(c) for c in found), "")
    notes = ["against each part trained for as many optimiser steps (k × epochs)"]
    if outcome.verdict == "undecided":
        notes.append(undecided_note(outcome))
    if beside:
        notes.append(
            "at equal epochs, as the thesis compared (not decided on): "
            + ", ".join(f"{c.name} {100 * c.estimate:+.2f} pp → {c.verdict}" for c in beside)
        )
    if skipped:
        notes.append("not compared: " + "; ".join(skipped))
    return Outcome(outcome.verdict, outcome.comparisons, outcome.measured, "; ".join(notes))


def _factor(label: str) -> str:
    """The k of ``<codec>:top<k>``."""
    return label.rsplit("top", 1)[-1]


CLAIM = Claim(
    id="C5",
    sentence=(
        "training on the top-2 BLS compressed data sets (λ = 0.012 and 0.1), boosts both "
        "corrupt and clean accuracy"
    ),
    place="thesis §4.3, Figs 4.1, 4.3",
    test=(
        "joined top-k BDA BLS set minus each of its parts trained for k × the epochs (as many "
        "optimiser steps), on judged clean accuracy and on judged mean CIFAR-10-C accuracy: "
        "every difference > 0 (one-sided 95 % bounds, seeds × images)"
    ),
    check=check,
)
