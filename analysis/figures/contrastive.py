"""Contrastive pretraining curves (thesis §6.3, future work, Fig 6.2), from
``contrastive_curve`` rows (stage contrastive, :mod:`lcc.train.contrastive`).

One row of panels per (dataset, arch): the mean NT-Xent loss per epoch (left) and the share of
embeddings whose most similar other embedding in the batch is the other view of their image
(right; chance is 1 in 2B - 1 for B pairs a batch), one line per pair of levels in its codec's
colour.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.figures.common import new_figure, require_rows, save
from analysis.labels import codec_color

COLUMNS = ["dataset", "arch", "pair", "codec", "epoch", "loss", "positive_top1"]
PANELS = (("loss", "NT-Xent loss"), ("positive_top1", "positive picked (share)"))


def contrastive_data(rows: pd.DataFrame) -> pd.DataFrame:
    """The figure's rows (:data:`COLUMNS`), by dataset, arch, pair and epoch."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    table = rows.astype({"dataset": object, "arch": object, "pair": object, "codec": object})
    return table.sort_values(["dataset", "arch", "pair", "epoch"])[COLUMNS].reset_index(drop=True)


def draw_contrastive(table: pd.DataFrame, out_dir: Path, name: str = "contrastive_curves") -> Path:
    """A row of two panels per (dataset, arch); a line per pair."""
    require_rows(table, "contrastive pretraining curves",
                 "contrastive_curve rows (contrastive.enabled=true)")  # fmt: skip
    cells = list(dict.fromkeys(zip(table["dataset"], table["arch"], strict=True)))
    fig, axes = new_figure(len(cells), len(PANELS), width=3.2, height=2.6)
    for r, (dataset, arch) in enumerate(cells):
        part = table[(table["dataset"] == dataset) & (table["arch"] == arch)]
        for c, (column, label) in enumerate(PANELS):
            ax = axes[r][c]
            for pair, line in part.groupby("pair", sort=True):
                ax.plot(line["epoch"], line[column], marker="o", label=pair,
                        color=codec_color(line["codec"].iloc[0]))  # fmt: skip
            ax.set_title(f"{dataset} {arch}", fontsize="small")
            ax.set_xlabel("epoch", fontsize="x-small")
            ax.set_ylabel(label, fontsize="x-small")
            ax.tick_params(labelsize="x-small")
    axes[0][-1].legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return save(fig, table, out_dir, name)
