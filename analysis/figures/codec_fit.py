"""Codec-fit convergence: every learned codec's held-out loss and PSNR against optimizer steps.

One curve per λ from the ``codec_fit`` rows (one row per epoch: the held-out images' loss,
MSE and bpp in eval mode). The last point of each fit is marked with why it ended: ``plateau``
when the held-out rule stopped it (the plateau schedule's stop, its rate floor, or early
stopping's patience: the row's ``stopped``), ``cap`` when it ran its whole epoch budget. A
curve still falling at a ``cap`` mark is a fit that ended before it converged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import new_figure, require_rows, save

PANELS = {"val_loss": "held-out loss (λ·255²·MSE + bpp)", "val_psnr": "held-out PSNR (dB)"}
END_MARKERS = {"plateau": ("X", "stopped by the held-out rule"), "cap": ("o", "ran to its cap")}
COLUMNS = ["dataset", "codec", "level", "epoch", "steps", "lr", "val_loss", "val_psnr"]


def codec_fit_data(codec_fit: pd.DataFrame) -> pd.DataFrame:
    """One row per fit epoch with held-out scores: :data:`COLUMNS`, ``val_bpp`` and ``end``
    (``plateau``/``cap`` on each fit's last epoch, empty elsewhere)."""
    rows = codec_fit[codec_fit["val_loss"].notna()] if len(codec_fit) else codec_fit
    if rows.empty:
        return pd.DataFrame(columns=[*COLUMNS, "val_bpp", "end"])
    rows = rows.astype({"dataset": object, "codec": object}).reset_index(drop=True)
    table = rows[["dataset", "codec", "level", "epoch", "steps", "lr", "val_loss", "val_bpp"]]
    table = table.assign(
        val_psnr=-10 * np.log10(rows["val_mse"].astype(float)),
        stopped=rows["stopped"].astype("boolean").fillna(False).astype(bool),
    )
    table = table.sort_values(["dataset", "codec", "level", "epoch"], kind="stable")
    last = ~table.duplicated(["dataset", "codec", "level"], keep="last")
    end = np.where(table["stopped"], "plateau", "cap")
    table = table.assign(end=np.where(last, end, ""))
    return table[[*COLUMNS, "val_bpp", "end"]].reset_index(drop=True)


def draw_codec_fit(table: pd.DataFrame, out_dir: Path, name: str = "fig_codec_fit") -> Path:
    """Rows: held-out loss (log scale) and PSNR; columns: (dataset, codec); x: steps; one
    curve per λ, its last point marked by why the fit ended."""
    require_rows(table, "codec fits", "codec_fit rows with held-out scores")
    fits = list(dict.fromkeys(zip(table["dataset"], table["codec"], strict=True)))
    fig, axes = new_figure(len(PANELS), len(fits))
    for col, (dataset, codec) in enumerate(fits):
        part = table[(table["dataset"] == dataset) & (table["codec"] == codec)]
        levels = sorted(part["level"].unique())
        colors = dict(zip(levels, _palette(len(levels)), strict=True))
        for row, (column, label) in enumerate(PANELS.items()):
            ax = axes[row][col]
            for level in levels:
                curve = part[part["level"] == level]
                ax.plot(curve["steps"], curve[column], color=colors[level], label=f"λ={level:g}")
                for end, (marker, _) in END_MARKERS.items():
                    done = curve[curve["end"] == end]
                    ax.scatter(
                        done["steps"],
                        done[column],
                        marker=marker,
                        s=40,
                        color=colors[level],
                        zorder=3,
                    )
            if column == "val_loss":
                ax.set_yscale("log")
            ax.set(title=f"{dataset} · {codec}", xlabel="optimizer steps", ylabel=label)
        handles, labels = axes[0][col].get_legend_handles_labels()
        for marker, text in END_MARKERS.values():
            handles.append(axes[0][col].scatter([], [], marker=marker, color="grey"))
            labels.append(text)
        axes[0][col].legend(handles, labels, fontsize="x-small", ncol=2)
    return save(fig, table, out_dir, name)


def _palette(n: int) -> list:
    import matplotlib.pyplot as plt

    return [plt.get_cmap("viridis")(x) for x in np.linspace(0.0, 0.9, max(n, 1))][:n]
