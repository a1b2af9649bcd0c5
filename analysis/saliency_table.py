"""How much each training set's classifiers look at the object (thesis §6.2, future work:
saliency maps "to visually compare what regions of compressed and original images are used
for classification"), from ``saliency`` rows (stage saliency, :mod:`lcc.evaluate.saliency`).

Per training set (arch, dataset, ``train_set``) and view (clean; compressed at the sweep's
``saliency.compressed``): the mean concentration ratio (the share of the saliency inside the
clean image's HOG foreground mask over the mask's share of the pixels; 1 = no more on the
object than a map spread evenly, > 1 = on the object) with
:func:`analysis.stats.arm_interval`'s two-sided 95 % interval over seeds and images (with one
seed, over images only: it cannot see the training noise). Images whose ratio is undefined
(an empty mask, a map of zero mass) in any model of the set are left out, so every seed
counts the same images; ``n_images`` says how many remain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.figures.gabor import set_order
from analysis.labels import set_label
from analysis.stats import arm_interval
from lcc.specs.saliency import VIEWS

MODEL = ["arch", "dataset", "train_set"]
COLUMNS = [*MODEL, "set", "codec", "level", "compressed_view",
           "clean_ratio", "clean_low", "clean_high",
           "compressed_ratio", "compressed_low", "compressed_high",
           "n_seeds", "n_images"]  # fmt: skip


def ratio_matrix(rows: pd.DataFrame) -> np.ndarray:
    """One view's ratios of one training set as ``(seeds, images)``, images with a NaN in
    any seed dropped; shape ``(seeds, 0)`` when none remain."""
    wide = rows.pivot_table(index="seed", columns="image_index", values="ratio", dropna=False)
    return wide.dropna(axis=1, how="any").to_numpy(dtype=np.float64)


def saliency_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per training set: :data:`COLUMNS`, the original first, then the codecs by level."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.astype({c: object for c in ("arch", "dataset", "train_set", "codec", "view")})
    records = []
    for key, part in rows.groupby(MODEL, sort=False):
        first = part.iloc[0]
        compressed = part[part["view"] == "compressed"]
        record = {**dict(zip(MODEL, key, strict=True)), "codec": first["codec"],
                  "level": first["level"], "set": set_name(first)}  # fmt: skip
        record["compressed_view"] = (
            f"{compressed['view_codec'].iloc[0]}:{compressed['view_level'].iloc[0]:g}"
            if len(compressed) else None
        )  # fmt: skip
        kept = None
        for view in VIEWS:
            matrix = ratio_matrix(part[part["view"] == view])
            if matrix.size == 0:
                record.update({f"{view}_{s}": np.nan for s in ("ratio", "low", "high")})
                continue
            mean, low, high = arm_interval(matrix)
            record.update({f"{view}_ratio": mean, f"{view}_low": low, f"{view}_high": high})
            kept = matrix.shape if kept is None else min(kept, matrix.shape)
        record["n_seeds"], record["n_images"] = kept if kept is not None else (0, 0)
        records.append(record)
    table = pd.DataFrame(records, columns=COLUMNS)
    table["_order"] = table["codec"].map(set_order)
    table = table.sort_values(["dataset", "arch", "_order", "level", "train_set"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def set_name(row: pd.Series) -> str:
    """A set's display label; a joined set or control keeps its ``train_set`` label."""
    if row["joined"] or (row["control_for"] is not None and not pd.isna(row["control_for"])):
        return str(row["train_set"])
    return set_label(row["codec"], None if pd.isna(row["level"]) else row["level"])
