"""How far each training set's Gabor response histograms lie from the original data's (thesis
§6.2, future work), from ``gabor_response`` rows (stage gabor).

Per training set and filter, the distance between its histogram and the original data's of
the same dataset, over the same bins (:mod:`lcc.evaluate.gabor_distance`: total variation and
Jensen–Shannon distance, both in [0, 1], 0 for identical histograms); the table gives, per
set, the mean and the largest over the bank's filters and which filter is largest. A dataset
without the original's histograms has no rows here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.figures.gabor import set_order
from analysis.labels import set_label
from lcc.evaluate.gabor_distance import jensen_shannon, total_variation

FILTER = ["dataset", "frequency", "orientation", "bandwidth"]
COLUMNS = ["dataset", "set", "codec", "level", "filters", "tv_mean", "tv_max", "tv_max_filter",
           "js_mean", "js_max"]  # fmt: skip


def filter_distances(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (training set, filter): ``tv`` and ``js`` to the original's histogram of
    that filter and dataset over the same bins (the original itself included, at 0); a set
    whose filter the original lacks, or binned otherwise, has no row."""
    rows = rows.astype({"dataset": object, "codec": object}).sort_values("bin", kind="stable")
    keys = [*FILTER, "codec", "level"]
    groups = rows.groupby(keys, dropna=False, sort=False)
    originals = {
        key[: len(FILTER)]: part[["bin_low", "fraction"]].to_numpy(dtype=np.float64)
        for key, part in groups
        if key[len(FILTER)] == "identity"
    }
    records = []
    for key, part in groups:
        original = originals.get(key[: len(FILTER)])
        own = part[["bin_low", "fraction"]].to_numpy(dtype=np.float64)
        if original is None or original.shape != own.shape or (original[:, 0] != own[:, 0]).any():
            continue
        p, q = own[:, 1], original[:, 1]
        records.append({**dict(zip(keys, key, strict=True)), "tv": float(total_variation(p, q)),
                        "js": float(jensen_shannon(p, q))})  # fmt: skip
    return pd.DataFrame(records, columns=[*keys, "tv", "js"])


def gabor_distance_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, training set): :data:`COLUMNS`, the original first, then the codecs by
    level; ``tv_max_filter`` names the filter of ``tv_max`` (``<frequency> c/px <angle>°``)."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    per_filter = filter_distances(rows)
    pairs = zip(per_filter["frequency"], per_filter["orientation"], strict=True)
    per_filter["filter"] = [f"{f:g} c/px {o:g}°" for f, o in pairs]
    records = []
    for (dataset, codec, level), part in per_filter.groupby(
        ["dataset", "codec", "level"], dropna=False, sort=False
    ):
        worst = part.loc[part["tv"].idxmax()]
        records.append({
            "dataset": dataset, "set": set_label(codec, level), "codec": codec, "level": level,
            "filters": len(part), "tv_mean": part["tv"].mean(), "tv_max": worst["tv"],
            "tv_max_filter": worst["filter"], "js_mean": part["js"].mean(),
            "js_max": part["js"].max(),
        })  # fmt: skip
    table = pd.DataFrame(records, columns=COLUMNS)
    table["_order"] = table["codec"].map(set_order)
    table = table.sort_values(["dataset", "_order", "level"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)
