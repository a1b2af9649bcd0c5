"""Figure 3.6: accuracy and % change in accuracy as the classifier shrinks (Tables 3.2/3.3).

Models trained on compressed data are tested on test data compressed the same way; models
trained on the original data on the original test data. Accuracy is that of each model's best
checkpoint (its epoch chosen on the selection half of the clean test images) on the judged half
of the test images (:mod:`lcc.evaluate.holdout`); per run the best seed is chosen by it (the
thesis: the maximum over epochs of the test accuracy, chosen and measured on the same images).
Model sizes are the parameter counts of Tables 3.2/3.3 (32x32 inputs, 10 classes), so only
32x32 ten-class datasets are drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.accuracy import with_accuracy
from analysis.completeness import MODEL_KEYS
from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.seeds import choose_seeds
from analysis.tables import table_model_sizes
from lcc.evaluate.holdout import JUDGE

FAMILY_NAMES = {"3.2": "VGG11", "3.3": "ResNet18"}
FULL_MODEL = {"VGG11": "vgg11", "ResNet18": "resnet18"}
DATASETS_32 = ("cifar10", "synthetic")


def parameter_data(
    evaluation: pd.DataFrame, unavailable: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Accuracy of every (model, training set) with the model's size and % change vs full size.

    ``evaluation`` is the evaluation rows (accuracy: the judged half's). Columns: family, arch,
    params, dataset, train_set, codec, level, accuracy, pct_change (100 · (acc − full) / full, NaN
    when the full-size model of that training set is absent).
    """
    sizes = table_model_sizes().rename(columns={"model": "arch"})
    sizes = sizes.assign(family=sizes["table"].map(FAMILY_NAMES))[["arch", "params", "family"]]
    rows = with_accuracy(evaluation, JUDGE)
    rows = rows[rows["dataset"].isin(DATASETS_32) & rows["arch"].isin(sizes["arch"])]
    # Models trained on the original data are tested on it as their "compressed" test set
    # (grid/expand.py), so only a compressed training set shows a sweep tested compressed data.
    # Only the "compressed" rows count: a model's other evaluations (CIFAR-10-C, in another
    # part of the sweep) are other jobs, and their clean rows would be a second cell.
    rows = rows[(rows["eval_set"] == "compressed").to_numpy()]
    # Two parts of one sweep (classification, param_reduction) may each evaluate the same
    # trained model on compressed data, in evaluate jobs that differ elsewhere (CIFAR-10-C): the
    # same checkpoint on the same images, so one of them stands for the model.
    if "signature" in rows:
        rows = rows.sort_values("signature", kind="stable")
    rows = rows.drop_duplicates([*MODEL_KEYS, "eval_set"])
    tested = rows[(rows["codec"] != "identity").to_numpy()][["arch", "dataset"]]
    rows = rows.merge(tested.drop_duplicates().astype(object), on=["arch", "dataset"])
    rows = rows.assign(eval_set="matched")
    if rows.empty:
        return pd.DataFrame(columns=["family", "arch", "params", "train_set", "accuracy"])
    chosen = choose_seeds(rows, "matched", unavailable, on_incomplete="drop")
    table = chosen.merge(sizes, on="arch")
    full = table[table["arch"] == table["family"].map(FULL_MODEL)]
    full = full[["dataset", "train_set", "family", "accuracy"]].rename(columns={"accuracy": "full"})
    table = table.merge(full, on=["dataset", "train_set", "family"], how="left")
    table["pct_change"] = 100 * (table["accuracy"] - table["full"]) / table["full"]
    columns = ["family", "arch", "params", "dataset", "train_set", "codec", "level", "accuracy"]
    table = table[[*columns, "pct_change"]].astype({"pct_change": "float64"})
    return table.sort_values(["family", "dataset", "train_set", "params"]).reset_index(drop=True)


def draw_parameters(table: pd.DataFrame, out_dir: Path, name: str = "fig3_6") -> Path:
    """Columns model families; top row accuracy, bottom % change, vs parameters (log x)."""
    require_rows(table, "3.6", "classifiers of Tables 3.2/3.3 tested on compressed test data")
    families = facet_values(table, "family")
    panels = [("accuracy", "accuracy")]
    if np.isfinite(table["pct_change"].to_numpy(dtype=float)).any():
        panels.append(("pct_change", "% change vs the full-size model"))
    fig, axes = new_figure(len(panels), len(families))
    for c, family in enumerate(families):
        part = table[table["family"] == family]
        for r, (column, label) in enumerate(panels):
            ax = axes[r][c]
            for (dataset, train_set), curve in part.groupby(["dataset", "train_set"]):
                curve = curve.sort_values("params")
                label_text = f"{train_set} ({dataset})"
                ax.plot(curve["params"], curve[column], marker="o", label=label_text)
            ax.set_xscale("log")
            ax.set(title=family, xlabel="parameters", ylabel=label)
            ax.legend(fontsize="small")
    return save(fig, table, out_dir, name)
