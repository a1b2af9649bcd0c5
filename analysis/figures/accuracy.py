"""Figures 3.4 (accuracy vs bit rate) and 3.5 (accuracy vs PSNR / SSIM of the training data).

Accuracy is the maximum test accuracy over epochs on the original (clean) test set, top-1 on
CIFAR-10 and top-5 on Tiny ImageNet; the line is the best seed by clean accuracy (the thesis'
rule), the error bars mean ± std over seeds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.accuracy import accuracy_metric
from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.labels import RATE_CODECS, codec_color, codec_name

FULL_ARCHS = ("vgg11", "resnet18")


def training_quality(rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Mean bpp, PSNR and SSIM of each training set (train split): dataset, codec, level, ..."""
    rows = rate_distortion[rate_distortion["split"] == "train"]
    rows = rows.astype({"dataset": object, "codec": object})
    stats = rows.groupby(["dataset", "codec", "level"])[["bpp", "psnr", "ssim"]].mean()
    return stats.reset_index()


def accuracy_data(best: pd.DataFrame, summary: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Clean accuracy of each training set of the full-size classifiers (of every classifier
    when the sweep trained no full-size one, e.g. a reduced reproduction), with its data quality.

    ``best`` is best-of-seeds :func:`analysis.seeds.best_epoch` rows, ``summary`` their
    :func:`analysis.seeds.seed_summary`, ``quality`` :func:`training_quality`. Columns: arch,
    dataset, metric, codec, level, train_set, accuracy (best seed), mean, std, n_seeds, bpp,
    psnr, ssim. Original-data rows have codec ``identity`` and no bpp.
    """
    archs = FULL_ARCHS if best["arch"].isin(FULL_ARCHS).any() else tuple(best["arch"].unique())
    keep = (best["eval_set"] == "clean") & best["arch"].isin(archs)
    keep &= ~best["joined"].astype(bool) & best["codec"].isin((*RATE_CODECS, "identity"))
    columns = ["arch", "dataset", "train_set", "codec", "level", "accuracy"]
    rows = best[keep.to_numpy()][columns].astype({c: object for c in columns[:4]})
    stats = summary[summary["eval_set"] == "clean"][
        ["arch", "dataset", "train_set", "mean", "std", "n_seeds"]
    ].astype({"arch": object, "dataset": object, "train_set": object})
    table = rows.merge(stats, on=["arch", "dataset", "train_set"], how="left")
    table = table.merge(quality, on=["dataset", "codec", "level"], how="left")
    table["metric"] = [accuracy_metric(d) for d in table["dataset"]]
    order = ["arch", "dataset", "metric", "codec", "level", "train_set", "accuracy"]
    table = table[[*order, "mean", "std", "n_seeds", "bpp", "psnr", "ssim"]]
    return table.sort_values(["arch", "dataset", "codec", "level"], kind="stable").reset_index(
        drop=True
    )


def draw_accuracy_vs_rate(table: pd.DataFrame, out_dir: Path, name: str = "fig3_4") -> Path:
    """Rows architectures, columns datasets; a curve per codec vs bpp, a black original line."""
    compressed = table[table["codec"] != "identity"].dropna(subset=["bpp"])
    require_rows(compressed, "3.4", "clean accuracy of classifiers trained on compressed data")
    archs, datasets = facet_values(table, "arch"), facet_values(table, "dataset")
    fig, axes = new_figure(len(archs), len(datasets))
    for r, arch in enumerate(archs):
        for c, dataset in enumerate(datasets):
            ax = axes[r][c]
            part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
            _curves(ax, part[part["codec"] != "identity"], "bpp")
            original = part[part["codec"] == "identity"]
            if len(original):
                ax.axhline(original["accuracy"].iloc[0], color="black", label="Original")
            metric = part["metric"].iloc[0] if len(part) else "top1"
            ax.set(title=f"{arch} · {dataset}", xlabel="bits per pixel", ylabel=f"{metric} acc.")
            ax.legend()
    return save(fig, table, out_dir, name)


def draw_accuracy_vs_distortion(table: pd.DataFrame, out_dir: Path, name: str = "fig3_5") -> Path:
    """Rows datasets, columns PSNR then SSIM; a curve per (codec, architecture)."""
    compressed = table[table["codec"] != "identity"].dropna(subset=["psnr", "ssim"])
    require_rows(compressed, "3.5", "clean accuracy and PSNR/SSIM of compressed training sets")
    datasets = facet_values(compressed, "dataset")
    fig, axes = new_figure(len(datasets), 2)
    for r, dataset in enumerate(datasets):
        part = compressed[compressed["dataset"] == dataset]
        for c, (column, label) in enumerate((("psnr", "PSNR (dB)"), ("ssim", "SSIM"))):
            ax = axes[r][c]
            for arch, arch_part in part.groupby("arch", sort=True):
                _curves(ax, arch_part, column, suffix=f" {arch}")
            ax.set(title=dataset, xlabel=f"{label} of the training data", ylabel="accuracy")
            ax.legend(fontsize="small")
    return save(fig, compressed, out_dir, name)


def _curves(ax, part: pd.DataFrame, x: str, suffix: str = "") -> None:
    """Best-seed line and mean ± std error bars of each codec in ``part`` against ``x``."""
    for codec, curve in part.groupby("codec", sort=True):
        curve = curve.sort_values(x)
        # A codec's own colour, except for per-architecture curves (a suffix), which need
        # the axes' cycle to tell the architectures apart.
        color = None if suffix else codec_color(codec)
        label = codec_name(codec) + suffix
        line = ax.plot(curve[x], curve["accuracy"], marker="o", label=label, color=color)
        ax.errorbar(
            curve[x],
            curve["mean"],
            yerr=curve["std"].fillna(0),
            fmt="none",
            capsize=3,
            alpha=0.5,
            color=line[0].get_color(),
        )
