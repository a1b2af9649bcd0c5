"""Fourier heat maps (thesis §6.2, after its ref. [46] Fig 1/2): error per perturbation frequency.

Inputs are ``fourier_sensitivity`` rows (stage fourier) and the BDA rankings of
:func:`analysis.selections.select_levels`. One heat map per training set, side by side with one
colour scale shared by every panel: the original data, each codec's BDA rank-1 level and the
joined sets (weighted ones included); without a ranking, every training set. Each panel is the
mean over the seeds trained; the DC component is at the centre, low frequencies in the middle.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.arms import single_level
from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.labels import CODEC_ORDER, codec_name, set_label

SCOPE = ["arch", "dataset"]
COLUMNS = [*SCOPE, "set", "train_set", "freq_y", "freq_x", "error", "n_seeds", "n_images"]


def _display(codec: str, level: float, joined: bool, train_set: str) -> str:
    return f"{codec_name(codec)} joined {train_set}" if joined else set_label(codec, level)


def fourier_data(rows: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Seed-mean error per (arch, dataset, training set, frequency) of the sets shown.

    Columns :data:`COLUMNS`; ``set`` is the display label. Sets are ordered original, the
    codecs of :data:`~analysis.labels.CODEC_ORDER`, then joined sets.
    """
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.astype({c: object for c in ("arch", "dataset", "train_set", "codec")})
    rows = rows.assign(joined=rows["joined"].astype(bool))
    top = ranked[(ranked["method"] == "bda") & (ranked["rank"] == 1)] if len(ranked) else ranked
    if len(top):
        top = top[[*SCOPE, "codec", "level"]].astype({"arch": object, "dataset": object})
        single = rows[single_level(rows)]
        chosen = single.merge(top, on=[*SCOPE, "codec", "level"])
        original = single[single["codec"] == "identity"]
        rows = pd.concat([original, chosen, rows[rows["joined"]]], ignore_index=True)
    keys = [*SCOPE, "train_set", "codec", "level", "joined", "freq_y", "freq_x"]
    table = (
        rows.groupby(keys, dropna=False, sort=False)
        .agg(error=("error", "mean"), n_seeds=("seed", "nunique"), n_images=("n_images", "min"))
        .reset_index()
    )
    order = {c: i for i, c in enumerate(("identity", *CODEC_ORDER))}
    table["_order"] = [
        (len(order) + 1 if j else order.get(c, len(order)), str(t))
        for c, j, t in zip(table["codec"], table["joined"], table["train_set"], strict=True)
    ]
    table["set"] = [
        _display(c, lv, j, t)
        for c, lv, j, t in zip(
            table["codec"], table["level"], table["joined"], table["train_set"], strict=True
        )
    ]
    table = table.sort_values(["_order", "freq_y", "freq_x"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def draw_fourier(table: pd.DataFrame, out_dir: Path, name: str = "fourier_heat_maps") -> Path:
    """Rows (arch, dataset), one heat map per training set, one shared colour scale."""
    require_rows(table, "Fourier heat maps", "fourier_sensitivity rows (fourier.enabled=true)")
    scopes = list(dict.fromkeys(zip(table["arch"], table["dataset"], strict=True)))
    per_scope = {
        s: table[(table["arch"] == s[0]) & (table["dataset"] == s[1])] for s in scopes
    }  # fmt: skip
    n_cols = max(len(facet_values(part, "set")) for part in per_scope.values())
    fig, axes = new_figure(len(scopes), n_cols, width=2.6, height=2.7)
    vmax = max(float(table["error"].max()), 1e-9)
    image = None
    for r, (arch, dataset) in enumerate(scopes):
        for c in range(n_cols):
            axes[r][c].axis("off")
        part = per_scope[(arch, dataset)]
        for c, set_name in enumerate(facet_values(part, "set")):
            cells = part[part["set"] == set_name]
            grid = cells.pivot(index="freq_y", columns="freq_x", values="error")
            fy, fx = grid.index.to_numpy(), grid.columns.to_numpy()
            ax = axes[r][c]
            ax.axis("on")
            ax.grid(False)
            image = ax.imshow(
                grid.to_numpy(dtype=np.float64),
                cmap="viridis",
                vmin=0.0,
                vmax=vmax,
                origin="upper",
                extent=(fx[0] - 0.5, fx[-1] + 0.5, fy[-1] + 0.5, fy[0] - 0.5),
            )
            seeds = int(cells["n_seeds"].iloc[0])
            ax.set_title(f"{set_name}\n{arch} {dataset}, {seeds} seed(s)", fontsize="small")
            ax.tick_params(labelsize="x-small")
    # One colour bar for every panel (the scale is shared), beside the top right one.
    fig.colorbar(image, ax=axes[0][n_cols - 1], label="error rate")
    return save(fig, table, out_dir, name)
