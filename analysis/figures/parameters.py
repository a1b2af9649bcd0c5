"""Figure 3.6: accuracy and % change in accuracy as the classifier shrinks (Tables 3.2/3.3).

Models trained on compressed data are tested on test data compressed the same way; models
trained on the original data on the original test data. Per run the best seed is chosen by
that test accuracy (maximum over epochs). Model sizes are the parameter counts of Tables
3.2/3.3 (32x32 inputs, 10 classes), so only 32x32 ten-class datasets are drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.seeds import choose_seeds
from analysis.tables import table_model_sizes

FAMILY_NAMES = {"3.2": "VGG11", "3.3": "ResNet18"}
FULL_MODEL = {"VGG11": "vgg11", "ResNet18": "resnet18"}
DATASETS_32 = ("cifar10", "synthetic")


def parameter_data(epochs: pd.DataFrame, unavailable: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accuracy of every (model, training set) with the model's size and % change vs full size.

    ``epochs`` is :func:`analysis.seeds.best_epoch` rows. Columns: family, arch, params,
    dataset, train_set, codec, level, accuracy, pct_change (100 · (acc − full) / full, NaN
    when the full-size model of that training set is absent).
    """
    sizes = table_model_sizes().rename(columns={"model": "arch"})
    sizes = sizes.assign(family=sizes["table"].map(FAMILY_NAMES))[["arch", "params", "family"]]
    rows = epochs[epochs["dataset"].isin(DATASETS_32) & epochs["arch"].isin(sizes["arch"])]
    # Models trained on the original data are tested on it as their "compressed" test set
    # (grid/expand.py), so only a compressed training set shows a sweep tested compressed data.
    tested = (rows["eval_set"] == "compressed") & (rows["codec"] != "identity")
    compressed_runs = rows[tested.to_numpy()][["arch", "dataset"]].drop_duplicates()
    rows = rows.merge(compressed_runs.astype(object), on=["arch", "dataset"])
    matched = (rows["eval_set"] == "compressed") | (
        (rows["codec"] == "identity") & (rows["eval_set"] == "clean")
    )
    rows = rows[matched.to_numpy()].assign(eval_set="matched")
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
