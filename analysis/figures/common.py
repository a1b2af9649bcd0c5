"""Shared plumbing of the figures: the Agg backend, saving PNG + CSV, refusing empty plots."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

DPI = 110


class NoDataError(ValueError):
    """A figure was asked for without the rows it is drawn from."""


def require_rows(table: pd.DataFrame, figure: str, needs: str) -> None:
    """Raise :class:`NoDataError` (naming what the figure needs) when ``table`` is empty."""
    if table.empty:
        raise NoDataError(f"figure {figure}: no data ({needs})")


def new_figure(n_rows: int, n_cols: int, width: float = 4.6, height: float = 3.4):
    """A seaborn-styled grid of axes (always 2-D) of ``n_rows`` x ``n_cols`` panels."""
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(width * n_cols, height * n_rows), squeeze=False
    )
    return fig, axes


def save(fig, table: pd.DataFrame, out_dir: Path, name: str) -> Path:
    """Write ``name.png`` and the tidy ``name.csv`` behind it into ``out_dir``; close ``fig``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_dir / f"{name}.csv", index=False)
    png = out_dir / f"{name}.png"
    fig.tight_layout()
    fig.savefig(png, dpi=DPI)
    plt.close(fig)
    return png


def facet_values(table: pd.DataFrame, column: str) -> list:
    """The distinct values of ``column`` in first-seen order (panel order)."""
    return list(dict.fromkeys(table[column].tolist()))
