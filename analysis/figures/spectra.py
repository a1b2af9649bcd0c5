"""Figure 4.7: mean normalised log-magnitude Fourier spectrum of each BDA-selected training set.

Per image: grey level on [0, 1] (mean of R, G, B), 2-D DFT, shifted so the DC component is at
the centre, ``log(1 + |F|)``, scaled to [0, 1] by the image's own maximum. The figure shows the
mean over the first ``max_images`` images of the set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.images import find_image_set
from analysis.labels import set_label

MAX_IMAGES = 256


def mean_log_spectrum(images: np.ndarray) -> np.ndarray:
    """Mean normalised log-magnitude spectrum, shape (H, W), of uint8 images (N, H, W, 3)."""
    grey = np.asarray(images, dtype=np.float64).mean(axis=-1) / 255.0
    magnitude = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(grey), axes=(-2, -1))))
    peak = magnitude.reshape(len(magnitude), -1).max(axis=1)
    return (magnitude / np.maximum(peak, 1e-12)[:, None, None]).mean(axis=0)


def spectra_data(
    ranked: pd.DataFrame, sets: pd.DataFrame, max_images: int = MAX_IMAGES
) -> pd.DataFrame:
    """Spectra of the original training set and each codec's BDA rank-1 training set.

    ``ranked`` is :func:`analysis.selections.select_levels` rows, ``sets``
    :func:`analysis.images.image_sets`. Columns: dataset, set, fy, fx (frequency indices, DC
    at 0), magnitude, n_images. Sets whose images are not on disk are left out.
    """
    top = ranked[(ranked["method"] == "bda") & (ranked["rank"] == 1)]
    wanted = [(d, "identity", None) for d in dict.fromkeys(top["dataset"])]
    wanted += list(zip(top["dataset"], top["codec"], top["level"], strict=True))
    parts = []
    for dataset, codec, level in dict.fromkeys(wanted):
        path = find_image_set(sets, dataset, codec, level)
        if path is None:
            continue
        images = np.load(path, mmap_mode="r")[:max_images]
        spectrum = mean_log_spectrum(images)
        h, w = spectrum.shape
        fy, fx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
        parts.append(
            pd.DataFrame(
                {
                    "dataset": dataset,
                    "set": set_label(codec, level),
                    "fy": fy.ravel(),
                    "fx": fx.ravel(),
                    "magnitude": spectrum.ravel(),
                    "n_images": len(images),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["dataset", "set", "fy", "fx", "magnitude", "n_images"])
    return pd.concat(parts, ignore_index=True)


def draw_spectra(table: pd.DataFrame, out_dir: Path, name: str = "fig4_7") -> Path:
    """Rows datasets, one heat map per training set (DC at the centre)."""
    require_rows(table, "4.7", "images of the BDA-selected training sets")
    datasets = facet_values(table, "dataset")
    n_cols = max(len(facet_values(table[table["dataset"] == d], "set")) for d in datasets)
    fig, axes = new_figure(len(datasets), n_cols, width=2.8, height=2.8)
    for r, dataset in enumerate(datasets):
        part = table[table["dataset"] == dataset]
        for c in range(n_cols):
            axes[r][c].axis("off")
        for c, set_name in enumerate(facet_values(part, "set")):
            grid = part[part["set"] == set_name].pivot(index="fy", columns="fx", values="magnitude")
            ax = axes[r][c]
            ax.imshow(grid.to_numpy(), cmap="viridis", vmin=0, vmax=1)
            ax.set_title(f"{set_name}\n{dataset}", fontsize="small")
    return save(fig, table, out_dir, name)
