"""Figure 3.2: rate-distortion curves (SSIM and PSNR vs bpp, ±1 std) per codec and dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.labels import codec_color, codec_name

METRICS = {"ssim": "SSIM", "psnr": "PSNR (dB)"}


def rate_distortion_data(rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, codec, level) of the train split: mean ± std of bpp and of each metric.

    Only codecs with a bit rate (learned codecs and JPEG). Columns: dataset, codec, level,
    metric (``ssim``/``psnr``), bpp_mean, bpp_std, value_mean, value_std, n_images.
    """
    rows = rate_distortion[(rate_distortion["split"] == "train") & rate_distortion["bpp"].notna()]
    rows = rows.astype({"dataset": object, "codec": object})
    keys = ["dataset", "codec", "level"]
    parts = []
    for metric in METRICS:
        stats = rows.groupby(keys).agg(
            bpp_mean=("bpp", "mean"),
            bpp_std=("bpp", "std"),
            value_mean=(metric, "mean"),
            value_std=(metric, "std"),
            n_images=(metric, "size"),
        )
        parts.append(stats.reset_index().assign(metric=metric))
    if not parts or all(p.empty for p in parts):
        return pd.DataFrame(columns=[*keys, "metric", "bpp_mean", "bpp_std", "value_mean"])
    table = pd.concat(parts, ignore_index=True).sort_values([*keys, "metric"], kind="stable")
    return table.reset_index(drop=True)


def draw_rate_distortion(table: pd.DataFrame, out_dir: Path, name: str = "fig3_2") -> Path:
    """Rows SSIM then PSNR, columns datasets; one error-bar curve per codec (x: mean bpp)."""
    require_rows(table, "3.2", "rate_distortion rows with a bit rate")
    datasets = facet_values(table, "dataset")
    fig, axes = new_figure(len(METRICS), len(datasets))
    for row, (metric, label) in enumerate(METRICS.items()):
        for col, dataset in enumerate(datasets):
            ax = axes[row][col]
            part = table[(table["metric"] == metric) & (table["dataset"] == dataset)]
            for codec, curve in part.groupby("codec", sort=True):
                curve = curve.sort_values("bpp_mean")
                ax.errorbar(
                    curve["bpp_mean"],
                    curve["value_mean"],
                    yerr=curve["value_std"].fillna(0),
                    marker="o",
                    capsize=3,
                    label=codec_name(codec),
                    color=codec_color(codec),
                )
            ax.set(title=f"{dataset}", xlabel="bits per pixel", ylabel=label)
            ax.legend()
    return save(fig, table, out_dir, name)
