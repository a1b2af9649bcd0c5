"""Figures 4.1–4.6: accuracy on corrupted test data of the sets BDA, BDAD and BDADS select.

Inputs are best-of-seeds evaluation rows (``best``, with ``accuracy``) and the rankings of
:func:`analysis.selections.select_levels` (``ranked``). Every figure also shows the model
trained on the original data; BDA figures add the joined training sets.

- 4.1 / 4.4 / 4.5: mean accuracy over corruptions vs severity (BDA / BDAD / BDADS choices);
- 4.2 / 4.6: mean accuracy over severities per corruption (BDA / BDAD choices);
- 4.3: clean accuracy vs mean corrupted accuracy (BDA choices).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import seaborn as sns

from analysis.figures.common import facet_values, new_figure, require_rows, save
from analysis.labels import codec_name, set_label
from analysis.thesis_numbers import CORRUPTION_ABBREVIATIONS

SCOPE = ["arch", "dataset"]
CELL_COLUMNS = [*SCOPE, "set", "eval_set", "corruption", "severity", "accuracy"]


def _cells(best: pd.DataFrame) -> pd.DataFrame:
    return best.astype({c: object for c in ("arch", "dataset", "train_set", "codec", "eval_set")})


def _original(best: pd.DataFrame) -> pd.DataFrame:
    rows = best[(best["codec"] == "identity") & ~best["joined"].astype(bool)]
    return rows.assign(set="Original")


def bda_sets(best: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Rows of the original model, each codec's BDA rank-1 level and the joined sets.

    Returns best-of-seeds rows (all eval sets) with a ``set`` display label.
    """
    best = _cells(best)
    top = ranked[(ranked["method"] == "bda") & (ranked["rank"] == 1)]
    top = top[[*SCOPE, "codec", "level"]].astype({"arch": object, "dataset": object})
    chosen = best[~best["joined"].astype(bool)].merge(top, on=[*SCOPE, "codec", "level"])
    chosen = chosen.assign(
        set=[
            f"{set_label(c, lv)} (BDA)"
            for c, lv in zip(chosen["codec"], chosen["level"], strict=True)
        ]
    )
    joined = best[best["joined"].astype(bool)]
    joined = joined.assign(
        set=[
            f"{codec_name(c)} joined {t}"
            for c, t in zip(joined["codec"], joined["train_set"], strict=True)
        ]
    )
    return pd.concat([_original(best), chosen, joined], ignore_index=True)[CELL_COLUMNS]


def chosen_cells(best: pd.DataFrame, ranked: pd.DataFrame, method: str) -> pd.DataFrame:
    """Corrupted cells answered by each codec's ``method`` choice (BDAD or BDADS), plus original.

    BDAD: per corruption, all severities of the level ranked first for that corruption;
    BDADS: per (corruption, severity), the level ranked first for that cell.
    """
    best = _cells(best)
    keys = ["corruption"] if method == "bdad" else ["corruption", "severity"]
    top = ranked[(ranked["method"] == method) & (ranked["rank"] == 1)]
    top = top[[*SCOPE, "codec", *keys, "level"]].astype(
        {"arch": object, "dataset": object, "corruption": object}
    )
    corrupted = best[(best["eval_set"] == "cifar10c") & ~best["joined"].astype(bool)]
    chosen = corrupted.merge(top, on=[*SCOPE, "codec", *keys, "level"])
    chosen = chosen.assign(set=[f"{codec_name(c)} ({method.upper()})" for c in chosen["codec"]])
    original = _original(corrupted)
    return pd.concat([original, chosen], ignore_index=True)[CELL_COLUMNS]


def by_severity(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy over corruptions per (arch, dataset, set, severity); also ``n_cells``."""
    rows = cells[cells["eval_set"] == "cifar10c"]
    stats = rows.groupby([*SCOPE, "set", "severity"], sort=False)["accuracy"].agg(
        accuracy="mean", n_cells="size"
    )
    return stats.reset_index()


def by_corruption(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy over severities per (arch, dataset, set, corruption); also ``n_cells``."""
    rows = cells[cells["eval_set"] == "cifar10c"]
    stats = rows.groupby([*SCOPE, "set", "corruption"], sort=False)["accuracy"].agg(
        accuracy="mean", n_cells="size"
    )
    return stats.reset_index()


def clean_vs_corrupt(cells: pd.DataFrame) -> pd.DataFrame:
    """Per (arch, dataset, set): clean accuracy and mean accuracy over all corrupted cells."""
    clean = cells[cells["eval_set"] == "clean"].groupby([*SCOPE, "set"], sort=False)["accuracy"]
    corrupt = cells[cells["eval_set"] == "cifar10c"].groupby([*SCOPE, "set"], sort=False)
    table = pd.concat(
        [clean.mean().rename("clean"), corrupt["accuracy"].mean().rename("corrupt")], axis=1
    )
    return table.dropna().reset_index()


def _scopes(table: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(table["arch"], table["dataset"], strict=True)))


def draw_by_severity(table: pd.DataFrame, out_dir: Path, name: str, title: str) -> Path:
    """One panel per (arch, dataset): a line per set, mean accuracy vs severity."""
    require_rows(table, name, "best-of-seeds accuracy on corrupted test data")
    scopes = _scopes(table)
    fig, axes = new_figure(1, len(scopes), width=5.5)
    for c, (arch, dataset) in enumerate(scopes):
        ax = axes[0][c]
        part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
        for set_name in facet_values(part, "set"):
            curve = part[part["set"] == set_name].sort_values("severity")
            style = "--" if "joined" in set_name else "-"
            color = "black" if set_name == "Original" else None
            ax.plot(
                curve["severity"], curve["accuracy"], style, marker="o", label=set_name, color=color
            )
        ax.set(title=f"{title} · {arch} · {dataset}", xlabel="severity", ylabel="accuracy")
        ax.set_xticks(sorted(part["severity"].unique()))
        ax.legend(fontsize="small")
    return save(fig, table, out_dir, name)


def draw_by_corruption(table: pd.DataFrame, out_dir: Path, name: str, title: str) -> Path:
    """One panel per (arch, dataset): grouped bars, corruption × set, mean over severities."""
    require_rows(table, name, "best-of-seeds accuracy on corrupted test data")
    scopes = _scopes(table)
    fig, axes = new_figure(len(scopes), 1, width=9.0, height=3.6)
    order = [c for c in CORRUPTION_ABBREVIATIONS if c in set(table["corruption"])]
    order += sorted(set(table["corruption"]) - set(order))
    for r, (arch, dataset) in enumerate(scopes):
        ax = axes[r][0]
        part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
        sns.barplot(
            part, x="corruption", y="accuracy", hue="set", order=order, errorbar=None, ax=ax
        )
        ax.set_xticks(range(len(order)), [CORRUPTION_ABBREVIATIONS.get(c, c) for c in order])
        ax.set(title=f"{title} · {arch} · {dataset}", xlabel="corruption", ylabel="accuracy")
        ax.legend(fontsize="small")
    return save(fig, table, out_dir, name)


def draw_clean_vs_corrupt(table: pd.DataFrame, out_dir: Path, name: str = "fig4_3") -> Path:
    """One panel per (arch, dataset): a point per set, clean (x) vs corrupted (y) accuracy."""
    require_rows(table, "4.3", "clean and corrupted accuracy of the BDA-selected models")
    scopes = _scopes(table)
    fig, axes = new_figure(1, len(scopes), width=5.0, height=4.0)
    for c, (arch, dataset) in enumerate(scopes):
        ax = axes[0][c]
        part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
        for row in part.itertuples(index=False):
            ax.scatter(row.clean, row.corrupt, s=50, label=row.set)
        ax.set(
            title=f"BDA · {arch} · {dataset}",
            xlabel="clean accuracy",
            ylabel="mean corrupted accuracy",
        )
        ax.legend(fontsize="small")
    return save(fig, table, out_dir, name)
