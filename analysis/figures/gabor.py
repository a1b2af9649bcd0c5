"""Gabor response histograms (thesis §6.2, future work: "A histogram of Gabor filter responses
may highlight the differences between augmentation strategies"), from ``gabor_response``
rows (stage gabor, :mod:`lcc.evaluate.gabor`).

One panel per filter (rows: dataset and frequency; columns: orientation), one line per
training set: the share of the filter's responses in each bin against the bin's centre, the
original data in black, every codec level in its codec's colour (one line style per level).
The y axis is logarithmic (the responses of natural images are heavy-tailed), so an empty bin
leaves a gap. A set whose histogram lies left of the original's (more mass at small responses)
has less energy in that filter's band: blur and strong compression move it left, noise right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.labels import CODEC_ORDER, codec_color, set_label

FILTER = ["dataset", "frequency", "orientation"]
SET = ["codec", "level"]
COLUMNS = [*FILTER, "set", *SET, "bin", "centre", "fraction"]
STYLES = ("-", "--", ":", "-.")  # one per level of a codec, in level order


def gabor_data(rows: pd.DataFrame) -> pd.DataFrame:
    """The figure's rows (:data:`COLUMNS`): one per (filter, training set, bin), ``set`` the
    display label, ``centre`` the bin's centre; sets ordered original first, then the codecs
    of :data:`~analysis.labels.CODEC_ORDER` by level."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.astype({"dataset": object, "codec": object})
    table = rows.assign(centre=(rows["bin_low"] + rows["bin_high"]) / 2)
    table["set"] = [set_label(c, lv) for c, lv in zip(table["codec"], table["level"], strict=True)]
    table["_order"] = table["codec"].map(set_order)
    table = table.sort_values([*FILTER, "_order", "level", "bin"], kind="stable")
    return table[COLUMNS].reset_index(drop=True)


def set_order(codec: str) -> int:
    """Where a training set of ``codec`` goes: the original first, then :data:`CODEC_ORDER`,
    then any other codec."""
    order = ("identity", *CODEC_ORDER)
    return order.index(codec) if codec in order else len(order)


def draw_gabor(table: pd.DataFrame, out_dir: Path, name: str = "gabor_histograms") -> Path:
    """One panel per (dataset, frequency) row and orientation column; a line per set."""
    require_rows(table, "Gabor response histograms", "gabor_response rows (gabor.enabled=true)")
    panel_rows = list(dict.fromkeys(zip(table["dataset"], table["frequency"], strict=True)))
    orientations = facet_values(table, "orientation")
    fig, axes = new_figure(len(panel_rows), len(orientations), width=3.0, height=2.6)
    for r, (dataset, frequency) in enumerate(panel_rows):
        for c, orientation in enumerate(orientations):
            ax = axes[r][c]
            cells = table[(table["dataset"] == dataset) & (table["frequency"] == frequency)
                          & (table["orientation"] == orientation)]  # fmt: skip
            seen: dict[str, int] = {}  # levels drawn per codec: the next one's line style
            for set_name in facet_values(cells, "set"):
                line = cells[cells["set"] == set_name]
                codec = line["codec"].iloc[0]
                style = STYLES[seen.get(codec, 0) % len(STYLES)]
                seen[codec] = seen.get(codec, 0) + 1
                original = codec == "identity"
                fraction = line["fraction"].to_numpy(dtype=np.float64)
                ax.plot(line["centre"], np.where(fraction > 0, fraction, np.nan), label=set_name,
                        color="black" if original else codec_color(codec), linestyle=style,
                        linewidth=2.0 if original else 1.0)  # fmt: skip
            ax.set_yscale("log")
            ax.set_title(f"{dataset}: {frequency:g} cycles/px, {orientation:g}°", fontsize="small")
            ax.set_xlabel("|response| / kernel l1 norm", fontsize="x-small")
            ax.set_ylabel("share of responses", fontsize="x-small")
            ax.tick_params(labelsize="x-small")
    axes[0][-1].legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return save(fig, table, out_dir, name)
