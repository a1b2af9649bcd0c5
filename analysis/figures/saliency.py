"""Figure F3 (thesis §6.2, future work): where each training set's classifier looks in a few
fixed test images, clean and compressed, from ``saliency`` rows and each saliency job's
``saliency.npy`` (stage saliency, :mod:`lcc.evaluate.saliency`).

One row per training set (per arch and dataset; its lowest seed), two columns per image (the
first :data:`IMAGES` test images): the clean view, then the compressed view (the sweep's
``saliency.compressed``). Each cell shows the view in grey with its saliency map over it in
colour, scaled to the map's own largest value (so the panels compare where, not how much),
titled with the image's concentration ratio (mass on the clean image's HOG foreground over the
mask's area; > 1: on the object) and ✓ / ✗ for the model's prediction. A view whose
``images.npy`` the plan does not hold (analysis.images) shows the map alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import new_figure, require_rows, save
from analysis.figures.gabor import set_order
from analysis.images import find_image_set
from analysis.saliency_table import set_name
from grid.store.folder import JobFolder
from lcc.specs.saliency import VIEWS

IMAGES = 4  # test images drawn per training set
COLUMNS = ["dataset", "arch", "set", "train_set", "seed", "row", "column", "image_index",
           "view", "view_codec", "view_level", "ratio", "correct", "maps_path",
           "images_path"]  # fmt: skip


def saliency_data(rows: pd.DataFrame, results_root: Path, sets: pd.DataFrame) -> pd.DataFrame:
    """The figure's cells (:data:`COLUMNS`): for each training set's lowest seed, the first
    :data:`IMAGES` images in both views, with the job's ``saliency.npy`` path and the view's
    test ``images.npy`` path (None when the plan holds none; ``sets``:
    :func:`analysis.images.image_sets`)."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.astype({c: object for c in ("arch", "dataset", "train_set", "codec", "view")})
    rows = rows[rows["image_index"] < IMAGES]
    lowest = rows.groupby(["arch", "dataset", "train_set"])["seed"].transform("min")
    rows = rows[rows["seed"] == lowest].copy()
    rows["_order"] = rows["codec"].map(set_order)
    rows = rows.sort_values(["dataset", "arch", "_order", "level", "train_set", "image_index"],
                            kind="stable")  # fmt: skip
    records, row_of = [], {}
    for cell in rows.itertuples(index=False):
        key = (cell.dataset, cell.arch, cell.train_set)
        row_of.setdefault(key, len(row_of))
        level = None if pd.isna(cell.view_level) else float(cell.view_level)
        records.append({
            "dataset": cell.dataset, "arch": cell.arch, "set": set_name(pd.Series(cell._asdict())),
            "train_set": cell.train_set, "seed": int(cell.seed), "row": row_of[key],
            "column": 2 * int(cell.image_index) + VIEWS.index(cell.view),
            "image_index": int(cell.image_index), "view": cell.view,
            "view_codec": cell.view_codec, "view_level": level, "ratio": cell.ratio,
            "correct": bool(cell.correct),
            "maps_path": str(JobFolder(results_root, "saliency", cell.signature).saliency),
            "images_path": find_image_set(sets, cell.dataset, cell.view_codec, level, "test"),
        })  # fmt: skip
    return pd.DataFrame(records, columns=COLUMNS)


def draw_saliency(table: pd.DataFrame, out_dir: Path, name: str = "saliency_maps") -> Path:
    """A row per training set, a clean and a compressed column per image (module docstring)."""
    require_rows(table, "F3", "saliency rows (saliency.enabled=true)")
    n_rows, n_cols = int(table["row"].max()) + 1, int(table["column"].max()) + 1
    fig, axes = new_figure(n_rows, n_cols, width=1.5, height=1.7)
    for ax in axes.ravel():
        ax.axis("off")
    for cell in table.itertuples(index=False):
        ax = axes[int(cell.row)][int(cell.column)]
        saliency = np.load(cell.maps_path, mmap_mode="r")[VIEWS.index(cell.view), cell.image_index]
        peak = float(saliency.max())
        if isinstance(cell.images_path, str):
            image = np.load(cell.images_path, mmap_mode="r")[cell.image_index]
            ax.imshow(np.asarray(image).mean(axis=-1), cmap="gray", vmin=0, vmax=255)
        ax.imshow(saliency / peak if peak > 0 else saliency, cmap="inferno", vmin=0, vmax=1,
                  alpha=0.6 if isinstance(cell.images_path, str) else 1.0)  # fmt: skip
        view = "clean" if cell.view == "clean" else f"{cell.view_codec}:{cell.view_level:g}"
        mark = "✓" if cell.correct else "✗"
        ax.set_title(f"#{cell.image_index} {view} {mark}\nratio {cell.ratio:.2f}",
                     fontsize="xx-small")  # fmt: skip
        if cell.column == 0:
            ax.text(-0.1, 0.5, f"{cell.set}\n{cell.arch} s{cell.seed}", transform=ax.transAxes,
                    rotation=90, ha="right", va="center", fontsize="xx-small")  # fmt: skip
    return save(fig, table, out_dir, name)
