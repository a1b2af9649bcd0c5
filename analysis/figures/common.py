"""Shared plumbing of the figures: the Agg backend, saving PNG + CSV, refusing empty plots, and
the intervals the accuracy figures draw.

Accuracy figures (3.4, 3.5, 4.1–4.6) plot, per training set, the mean over seeds of the
accuracy of each model's best checkpoint on the *judged* half of the test images (the half no
epoch or level was chosen on; :mod:`lcc.evaluate.holdout`) with the two-sided 95 % interval of
:func:`analysis.stats.arm_interval` (seed and image noise; the image term alone with one seed)
as error bars or bands: :func:`interval` gives the columns, :func:`error_bars` and
:func:`band` draw them, :func:`caption` says so under the figure.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from analysis.stats import arm_interval

DPI = 110
CAPTION = "lcc-caption"  # gid of a figure's caption text (save() leaves room for it)
# What each plotted accuracy carries in a figure's CSV: the mean over seeds of the judged-half
# accuracy, the 95 % interval's ends, and the seeds and images it rests on.
INTERVAL_COLUMNS = ["mean", "low", "high", "n_seeds", "n_images"]


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
    captions = [t.get_text() for t in fig.texts if t.get_gid() == CAPTION]
    lines = sum(text.count("\n") + 1 for text in captions)
    bottom = 0.2 * lines / fig.get_size_inches()[1] if lines else 0
    fig.tight_layout(rect=(0, bottom, 1, 1))
    fig.savefig(png, dpi=DPI)
    plt.close(fig)
    return png


def facet_values(table: pd.DataFrame, column: str) -> list:
    """The distinct values of ``column`` in first-seen order (panel order)."""
    return list(dict.fromkeys(table[column].tolist()))


def interval(scores: np.ndarray) -> dict[str, float | int]:
    """:data:`INTERVAL_COLUMNS` of one arm's ``(k seeds, n images)`` per-image scores: the mean
    and :func:`analysis.stats.arm_interval`'s two-sided 95 % interval."""
    mean, low, high = arm_interval(scores)
    k, n = np.shape(scores)
    return {"mean": mean, "low": low, "high": high, "n_seeds": int(k), "n_images": int(n)}


def error_bars(ax, x, rows: pd.DataFrame, color=None, **kwargs) -> None:
    """Error bars from ``rows``' ``low`` to ``high`` around ``mean`` at ``x``, cut at the
    accuracy's range [0, 1] (the CSV keeps the interval as computed)."""
    low, high = _clipped(rows)
    mean = rows["mean"].to_numpy(dtype=float)
    x = np.asarray(x, dtype=float)
    yerr = np.vstack([mean - low, high - mean])
    ax.errorbar(x, mean, yerr=yerr, fmt="none", capsize=3, color=color, **kwargs)


def band(ax, x, rows: pd.DataFrame, color=None, alpha: float = 0.18) -> None:
    """A shaded band from ``rows``' ``low`` to ``high`` along ``x`` (cut at [0, 1])."""
    low, high = _clipped(rows)
    x = np.asarray(x, dtype=float)
    ax.fill_between(x, low, high, color=color, alpha=alpha, linewidth=0)


def clip_interval(low: float, high: float) -> tuple[float, float]:
    """One interval's ends cut at an accuracy's range [0, 1], for drawing."""
    return max(float(low), 0.0), min(float(high), 1.0)


def _clipped(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    low = np.clip(rows["low"].to_numpy(dtype=float), 0.0, 1.0)
    high = np.clip(rows["high"].to_numpy(dtype=float), 0.0, 1.0)
    return low, high


def caption(fig, table: pd.DataFrame, bars: str = "bars") -> None:
    """A line under the figure: what the points and ``bars`` show, on which images and how
    many seeds (flagging one-seed sets, whose interval lacks training noise)."""
    seeds = sorted({int(k) for k in table["n_seeds"]}) if "n_seeds" in table else []
    images = sorted({int(n) for n in table["n_images"]}) if "n_images" in table else []
    text = (
        "Mean over seeds of the accuracy on the judged half of the test images "
        f"({_span(images)} images, {_span(seeds)} seeds); {bars}: 95 % interval over seeds "
        "and images (cut at 0 and 1)."
    )
    if seeds and seeds[0] < 2:
        text += " With 1 seed: image noise only, training noise unmeasured."
    width = fig.get_size_inches()[0]
    lines = textwrap.wrap(text, width=max(40, int(width * 15)))
    text = "\n".join(lines)
    fig.text(0.5, 0.005, text, ha="center", va="bottom", fontsize="small", gid=CAPTION)
    fig.set_size_inches(width, fig.get_size_inches()[1] + 0.18 * len(lines))


def _span(values: list[int]) -> str:
    if not values:
        return "?"
    return str(values[0]) if values[0] == values[-1] else f"{values[0]}–{values[-1]}"
