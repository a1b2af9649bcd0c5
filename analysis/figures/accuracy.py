"""Figures 3.4 (accuracy vs bit rate) and 3.5 (accuracy vs PSNR / SSIM of the training data).

Each point is one single-level training set (:func:`analysis.arms.single_level`: no joined
set, no steps-matched control) of a rate codec, or the original data: the **mean over seeds**
of the clean accuracy of each model's best checkpoint (its epoch chosen on the selection half)
on the **judged half** of the test images (:mod:`lcc.evaluate.holdout`; top-1 on CIFAR-10,
top-5 on Tiny ImageNet), read per image from the ``predictions`` table
(:class:`analysis.evidence.Evidence`). Error bars (the original: a band) are the two-sided
95 % interval of :func:`analysis.stats.arm_interval` over seeds and images; with one seed it
holds the image term only, which the caption says. The thesis plotted the best seed's maximum
over epochs on all test images, a number chosen on the images that measure it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.accuracy import accuracy_metric
from analysis.arms import single_level
from analysis.evidence import Evidence
from analysis.figures.common import (
    INTERVAL_COLUMNS,
    caption,
    clip_interval,
    error_bars,
    facet_values,
    interval,
    new_figure,
    require_rows,
    save,
)
from analysis.labels import codec_color, codec_name, rate_codecs

FULL_ARCHS = ("vgg11", "resnet18")
RUN_COLUMNS = ["arch", "dataset", "train_set", "codec", "level"]


def training_quality(rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Mean bpp, PSNR and SSIM of each training set (train split): dataset, codec, level, ..."""
    rows = rate_distortion[rate_distortion["split"] == "train"]
    rows = rows.astype({"dataset": object, "codec": object})
    stats = rows.groupby(["dataset", "codec", "level"])[["bpp", "psnr", "ssim"]].mean()
    return stats.reset_index()


def accuracy_data(runs: pd.DataFrame, evidence: Evidence, quality: pd.DataFrame) -> pd.DataFrame:
    """Clean accuracy of each single-level training set of the full-size classifiers (of every
    classifier when the sweep trained no full-size one, e.g. a reduced reproduction), with its
    data quality.

    ``runs`` names the runs to show, one row or more each (e.g.
    :attr:`analysis.derived.Derived.best_eval`: the runs the report summarises; columns arch,
    dataset, train_set, codec, level, joined and, when present, control_for); ``evidence`` their
    per-image scores (:func:`analysis.evidence.evidence_of`); ``quality``
    :func:`training_quality`. Columns: arch, dataset, metric, part (the test-image part the
    scores are on), codec, level, train_set, :data:`~analysis.figures.common.INTERVAL_COLUMNS`
    (mean over seeds and its 95 % interval), bpp, psnr, ssim. Original-data rows have codec
    ``identity`` and no bpp. A run without clean predictions is left out.
    """
    archs = FULL_ARCHS if runs["arch"].isin(FULL_ARCHS).any() else tuple(runs["arch"].unique())
    keep = runs["arch"].isin(archs).to_numpy() & single_level(runs)
    keep &= runs["codec"].isin((*rate_codecs(), "identity")).to_numpy()
    chosen = runs[keep][RUN_COLUMNS].astype({c: object for c in RUN_COLUMNS[:4]})
    rows = []
    for run in chosen.drop_duplicates(RUN_COLUMNS[:3]).itertuples(index=False):
        if not evidence.has(run.arch, run.dataset, run.train_set, "clean"):
            continue
        paired = evidence.pair(run.arch, run.dataset, [run.train_set], "clean")
        if paired.n_seeds and paired.n_images:
            rows.append({**run._asdict(), **interval(paired.scores[0])})
    table = pd.DataFrame(rows, columns=[*RUN_COLUMNS, *INTERVAL_COLUMNS])
    table = table.merge(quality, on=["dataset", "codec", "level"], how="left")
    table["metric"] = [accuracy_metric(d) for d in table["dataset"]]
    table["part"] = evidence.part
    order = ["arch", "dataset", "metric", "part", "codec", "level", "train_set"]
    table = table.reindex(columns=[*order, *INTERVAL_COLUMNS, "bpp", "psnr", "ssim"])
    return table.sort_values(["arch", "dataset", "codec", "level"], kind="stable").reset_index(
        drop=True
    )


def draw_accuracy_vs_rate(table: pd.DataFrame, out_dir: Path, name: str = "fig3_4") -> Path:
    """Rows architectures, columns datasets; a curve per codec vs bpp with 95 % error bars,
    the original as a black line with its 95 % band."""
    compressed = table[table["codec"] != "identity"].dropna(subset=["bpp"])
    require_rows(compressed, "3.4", "judged-half clean accuracy of classifiers trained on "
                 "compressed data (per-image predictions)")  # fmt: skip
    archs, datasets = facet_values(table, "arch"), facet_values(table, "dataset")
    fig, axes = new_figure(len(archs), len(datasets))
    for r, arch in enumerate(archs):
        for c, dataset in enumerate(datasets):
            ax = axes[r][c]
            part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
            _curves(ax, part[part["codec"] != "identity"], "bpp")
            original = part[part["codec"] == "identity"]
            if len(original):
                ax.axhline(original["mean"].iloc[0], color="black", label="Original")
                low, high = clip_interval(original["low"].iloc[0], original["high"].iloc[0])
                ax.axhspan(low, high, color="black", alpha=0.1)
            metric = part["metric"].iloc[0] if len(part) else "top1"
            ax.set(title=f"{arch} · {dataset}", xlabel="bits per pixel", ylabel=f"{metric} acc.")
            ax.legend()
    caption(fig, table, "bars and band")
    return save(fig, table, out_dir, name)


def draw_accuracy_vs_distortion(table: pd.DataFrame, out_dir: Path, name: str = "fig3_5") -> Path:
    """Rows datasets, columns PSNR then SSIM; a curve per (codec, architecture) with 95 %
    error bars."""
    compressed = table[table["codec"] != "identity"].dropna(subset=["psnr", "ssim"])
    require_rows(compressed, "3.5", "judged-half clean accuracy and PSNR/SSIM of compressed "
                 "training sets (per-image predictions)")  # fmt: skip
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
    caption(fig, compressed)
    return save(fig, compressed, out_dir, name)


def _curves(ax, part: pd.DataFrame, x: str, suffix: str = "") -> None:
    """A line through each codec's means in ``part`` against ``x``, with 95 % error bars."""
    for codec, curve in part.groupby("codec", sort=True):
        curve = curve.sort_values(x)
        # A codec's own colour, except for per-architecture curves (a suffix), which need
        # the axes' cycle to tell the architectures apart.
        color = None if suffix else codec_color(codec)
        label = codec_name(codec) + suffix
        line = ax.plot(curve[x], curve["mean"], marker="o", label=label, color=color)
        error_bars(ax, curve[x], curve, color=line[0].get_color(), alpha=0.7)
