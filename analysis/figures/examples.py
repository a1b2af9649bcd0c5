"""Figure 3.3: one image compressed by each codec, columns at approximately matched bit rates.

Per dataset the learned codec with the most encoded levels anchors the columns (one per
level, by increasing mean bpp); every other codec's row shows, in each column, its level whose
mean bpp is nearest to the anchor's (ties: the smaller level).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import new_figure, require_rows, save
from analysis.labels import codec_name, level_text, rate_codecs, thesis_learned_codecs

# The column rule of the module docstring, as the report states it (analysis/catalogue.py TIES).
NEAREST_LEVEL_RULE = (
    "Figure 3.3: a codec's level nearest in mean bpp to the anchor column; ties: smaller level."
)

COLUMNS = [
    "dataset",
    "row",
    "column",
    "codec",
    "level",
    "bpp",
    "anchor_bpp",
    "split",
    "image_index",
    "images_path",
]


def example_data(
    rate_distortion: pd.DataFrame, sets: pd.DataFrame, image_index: int = 0
) -> pd.DataFrame:
    """Which encoded set fills each cell of the figure (columns :data:`COLUMNS`).

    ``sets`` is :func:`analysis.images.image_sets`; the train split is preferred, the test
    split used when a dataset has no encoded train images with a bit rate.
    """
    rates = rate_distortion[rate_distortion["bpp"].notna()].astype(
        {"dataset": object, "codec": object, "split": object}
    )
    mean_bpp = rates.groupby(["dataset", "split", "codec", "level"])["bpp"].mean().reset_index()
    available = sets.merge(mean_bpp, on=["dataset", "split", "codec", "level"])
    available = available[available["codec"].isin(rate_codecs())]
    rows = []
    for dataset, part in available.groupby("dataset", sort=True):
        split = "train" if (part["split"] == "train").any() else "test"
        part = part[part["split"] == split]
        anchor = _anchor(part)
        if anchor is None:
            continue
        anchors = part[part["codec"] == anchor].sort_values("bpp")
        for codec in [anchor, *sorted(set(part["codec"]) - {anchor})]:
            levels = part[part["codec"] == codec]
            for column, target in enumerate(anchors["bpp"]):
                distance = (levels["bpp"] - target).abs()
                pick = levels.assign(_d=distance).sort_values(["_d", "level"]).iloc[0]
                rows.append(
                    {
                        "dataset": dataset,
                        "row": codec_name(codec),
                        "column": column,
                        "codec": codec,
                        "level": pick["level"],
                        "bpp": pick["bpp"],
                        "anchor_bpp": target,
                        "split": split,
                        "image_index": image_index,
                        "images_path": pick["images_path"],
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def _anchor(part: pd.DataFrame) -> str | None:
    learned = part[part["codec"].isin(thesis_learned_codecs())]
    if learned.empty or part["codec"].nunique() < 2:
        return None
    counts = learned.groupby("codec")["level"].nunique()
    return str(counts.sort_values(ascending=False, kind="stable").index[0])


def draw_examples(table: pd.DataFrame, out_dir: Path, name: str = "fig3_3") -> Path:
    """Rows (dataset, codec), columns matched bit rates; each cell titled with level and bpp."""
    require_rows(table, "3.3", "encoded images of a learned codec and JPEG with bit rates")
    rows = list(dict.fromkeys(zip(table["dataset"], table["row"], strict=True)))
    n_cols = int(table["column"].max()) + 1
    fig, axes = new_figure(len(rows), n_cols, width=1.9, height=2.1)
    for r, (dataset, row_name) in enumerate(rows):
        for c in range(n_cols):
            axes[r][c].axis("off")
        part = table[(table["dataset"] == dataset) & (table["row"] == row_name)]
        for cell in part.itertuples(index=False):
            images = np.load(cell.images_path, mmap_mode="r")
            ax = axes[r][int(cell.column)]
            ax.imshow(np.asarray(images[int(cell.image_index)]))
            caption = f"{row_name} {level_text(cell.codec, cell.level)}\n{cell.bpp:.2f} bpp"
            ax.set_title(caption, fontsize="x-small")
    return save(fig, table, out_dir, name)
