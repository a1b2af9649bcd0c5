"""Everything the report derives from a loaded sweep, computed once.

Incomplete runs and groups are dropped here and kept in ``refused_*`` so the report can list
them; nothing is averaged over what happens to be there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.completeness import unavailable_runs
from analysis.load import Results
from analysis.seeds import best_epoch, best_of_seeds, choose_seeds, refused_runs, seed_summary
from analysis.selections import METHODS, select_levels
from lcc.evaluate.holdout import SELECT


@dataclass
class Derived:
    """Per-model best epochs, best-of-seeds rows, seed summaries, rankings and refusals.

    ``epochs``: :func:`~analysis.seeds.best_epoch` rows of ``train_curve``;
    ``best_epochs`` / ``best_eval``: best-of-seeds (clean accuracy) of those and of
    ``evaluation``; ``epoch_summary``: mean ± std over seeds; ``chosen_seeds``: the seed chosen
    per run; ``ranked``: BDA/BDAD/BDADS rows (with arch, dataset) chosen on the selection half
    of the test images (what the select stage, the claims and the figures use);
    ``ranked_in_sample``: the same on all test images (the thesis' own choice, shown beside);
    ``refused_runs`` / ``refused_groups``: what was left out and why.
    """

    epochs: pd.DataFrame
    unavailable_train: pd.DataFrame
    best_epochs: pd.DataFrame
    epoch_summary: pd.DataFrame
    chosen_seeds: pd.DataFrame
    best_eval: pd.DataFrame
    ranked: pd.DataFrame
    ranked_in_sample: pd.DataFrame
    refused_runs: pd.DataFrame
    refused_groups: pd.DataFrame

    @classmethod
    def of(cls, results: Results) -> Derived:
        """Derive everything from ``results`` (incomplete cells dropped and recorded)."""
        epochs = best_epoch(results.train_curve)
        unavailable_train = unavailable_runs(results.missing, "train_curve")
        unavailable_eval = unavailable_runs(results.missing, "evaluation")
        refused_train = refused_runs(epochs, "clean", unavailable_train)
        refused_eval = refused_runs(results.evaluation, "clean", unavailable_eval)
        ranked, refused_groups = select_levels(
            results.evaluation, METHODS, results.missing, on_incomplete="drop", part=SELECT
        )
        in_sample, _ = select_levels(
            results.evaluation, METHODS, results.missing, on_incomplete="drop", part=None
        )
        refused = pd.concat(
            [refused_train.assign(table="train_curve"), refused_eval.assign(table="evaluation")],
            ignore_index=True,
        )
        return cls(
            epochs=epochs,
            unavailable_train=unavailable_train,
            best_epochs=best_of_seeds(epochs, "clean", refused_train, on_incomplete="drop"),
            epoch_summary=seed_summary(epochs, refused_train, on_incomplete="drop"),
            chosen_seeds=choose_seeds(epochs, "clean", refused_train, on_incomplete="drop"),
            best_eval=best_of_seeds(
                results.evaluation, "clean", refused_eval, on_incomplete="drop"
            ),
            ranked=ranked,
            ranked_in_sample=in_sample,
            refused_runs=refused,
            refused_groups=refused_groups,
        )
