"""Figures 4.1–4.6: accuracy on corrupted test data of the sets BDA, BDAD and BDADS select.

What is plotted: per training set, the **mean over seeds** of the accuracy of each model's best
checkpoint on the **judged half** of the test images (:mod:`lcc.evaluate.holdout`; the levels
were chosen on the other half: ``ranked`` is :attr:`analysis.derived.Derived.ranked`), read
per image from the ``predictions`` table (:class:`analysis.evidence.Evidence`), with the
two-sided 95 % interval of :func:`analysis.stats.arm_interval` over seeds and images as a band
(curves) or error bars (bars, points). An image's score in a group of CIFAR-10-C cells (one
severity, one corruption, all cells) is its mean hit over those cells. Every figure shows the
model trained on the original data; BDA figures add the joined training sets.

- 4.1 / 4.4 / 4.5: accuracy per severity, mean over corruptions (BDA / BDAD / BDADS choices);
- 4.2 / 4.6: accuracy per corruption, mean over severities (BDA / BDAD choices);
- 4.3: clean vs mean corrupted accuracy (BDA choices and the joined sets): the joined-set
  comparison of claim C5. Each joined set's steps-matched controls (:mod:`analysis.arms`: one
  part trained for k times the epochs) are drawn beside it, in its colour with hollow squares
  and a dotted line to it (label e.g. ``BLS λ=0.1 ×2 epochs``). Controls are not single-level
  sets and never appear as one.

A BDAD set is one arm made of several models: per corruption, the model of the level ranked
first for it (BDADS: per corruption and severity), seed by seed; a seed counts only where
every model it needs has predictions (:meth:`analysis.evidence.Evidence.of`, ``arms``). The
figures' arms (:func:`figure_arms`) are read together, once per report, grouped by
:data:`GROUPINGS`.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from analysis.arms import controls, joined, single_level
from analysis.evidence import ARM_COLUMNS, Evidence
from analysis.figures.common import (
    INTERVAL_COLUMNS,
    band,
    caption,
    clip_interval,
    error_bars,
    facet_values,
    interval,
    new_figure,
    require_rows,
    save,
)
from analysis.labels import CODEC_ORDER, codec_name, set_label
from analysis.thesis_numbers import CORRUPTION_ABBREVIATIONS

SCOPE = ["arch", "dataset"]
RUN_COLUMNS = [*SCOPE, "train_set", "codec", "level", "joined", "control_for"]
# One row per (arm, model, cell filter): the arm's cells (ARM_COLUMNS) plus how it is shown.
SET_COLUMNS = [*ARM_COLUMNS, "set", "kind", "codec", "level", "control_for"]
# How the chapter-4 figures group the CIFAR-10-C cells (read at once: evidence_of's ``by``).
GROUPINGS = (("severity",), ("corruption",))
CORRUPTED = "cifar10c"


def _runs(best: pd.DataFrame) -> pd.DataFrame:
    """One row per run of ``best`` (:data:`RUN_COLUMNS`; control_for None where absent)."""
    frame = best if "control_for" in best else best.assign(control_for=None)
    runs = frame[RUN_COLUMNS].astype({c: object for c in (*SCOPE, "train_set", "codec")})
    runs = runs.astype({"control_for": object, "level": "float64"})
    runs = runs.drop_duplicates([*SCOPE, "train_set"])
    return runs.reset_index(drop=True)


def _whole(runs: pd.DataFrame, kind: str, labels: list[str]) -> pd.DataFrame:
    """Arms of one model each, all its cells (arm = train_set)."""
    return runs.assign(
        arm=runs["train_set"], corruption=None, severity=None, set=labels, kind=kind
    ).reindex(columns=SET_COLUMNS)


def _codec_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in :data:`~analysis.labels.CODEC_ORDER` (then by name), stably, so each
    panel lists, and colours, the codecs alike."""
    rank = {codec: i for i, codec in enumerate(CODEC_ORDER)}
    key = [(rank.get(c, len(rank)), str(c)) for c in frame["codec"]]
    order = sorted(range(len(frame)), key=lambda i: key[i])
    return frame.iloc[order].reset_index(drop=True)


def original_sets(best: pd.DataFrame) -> pd.DataFrame:
    """The arm of the model trained on the original data (per arch, dataset)."""
    runs = _runs(best)
    runs = runs[(runs["codec"] == "identity").to_numpy() & single_level(runs)]
    return _whole(runs, "original", ["Original"] * len(runs))


def bda_sets(best: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Arms (:data:`SET_COLUMNS`) of the original model, each codec's BDA rank-1 level and the
    joined sets; ``set`` is the display label. ``best`` names the runs (any rows with
    :data:`RUN_COLUMNS`, e.g. best-of-seeds evaluation rows), ``ranked`` the rankings."""
    runs = _runs(best)
    top = ranked[(ranked["method"] == "bda") & (ranked["rank"] == 1)]
    top = top[[*SCOPE, "codec", "level"]].astype({"arch": object, "dataset": object})
    chosen = _codec_order(runs[single_level(runs)].merge(top, on=[*SCOPE, "codec", "level"]))
    labels = [
        f"{set_label(c, lv)} (BDA)" for c, lv in zip(chosen["codec"], chosen["level"], strict=True)
    ]
    joins = runs[joined(runs)]
    joined_labels = [
        f"{codec_name(c)} joined {t}"
        for c, t in zip(joins["codec"], joins["train_set"], strict=True)
    ]
    parts = [
        original_sets(best),
        _whole(chosen, "bda", labels),
        _whole(joins, "joined", joined_labels),
    ]
    return pd.concat(parts, ignore_index=True)


def steps_factor(control_for: str) -> int | None:
    """k of a joined set's label ``<codec>:top<k>...``: its controls train for k x epochs."""
    match = re.search(r":top(\d+)", str(control_for))
    return int(match.group(1)) if match else None


def control_label(codec: str, level: float | None, control_for: str) -> str:
    """A steps-matched control's display label, e.g. ``BLS λ=0.1 ×2 epochs``."""
    k = steps_factor(control_for)
    steps = f"×{k} epochs" if k else "steps-matched"
    return f"{set_label(codec, level)} {steps}"


def control_sets(best: pd.DataFrame) -> pd.DataFrame:
    """Arms of the steps-matched controls (:func:`analysis.arms.controls`), labelled by
    :func:`control_label`; ``control_for`` names the joined set each controls."""
    runs = _runs(best)
    runs = runs[controls(runs)].sort_values([*SCOPE, "train_set"], kind="stable")
    labels = [
        control_label(c, lv, f)
        for c, lv, f in zip(runs["codec"], runs["level"], runs["control_for"], strict=True)
    ]
    return _whole(runs, "control", labels)


def chosen_cells(best: pd.DataFrame, ranked: pd.DataFrame, method: str) -> pd.DataFrame:
    """Arms of each codec's ``method`` choice (BDAD or BDADS), plus the original model.

    BDAD: per corruption, all severities of the level ranked first for that corruption;
    BDADS: per (corruption, severity), the level ranked first for that cell. One arm per codec
    (``arm`` ``bdad:<codec>``), one row per cell filter, each naming its level's model.
    """
    runs = _runs(best)
    keys = ["corruption"] if method == "bdad" else ["corruption", "severity"]
    top = ranked[(ranked["method"] == method) & (ranked["rank"] == 1)]
    top = top[[*SCOPE, "codec", *keys, "level"]].astype(
        {"arch": object, "dataset": object, "corruption": object}
    )
    chosen = runs[single_level(runs)].drop(columns=["control_for"])
    chosen = _codec_order(chosen.merge(top, on=[*SCOPE, "codec", "level"]))
    chosen = chosen.assign(
        arm=[f"{method}:{c}" for c in chosen["codec"]],
        set=[f"{codec_name(c)} ({method.upper()})" for c in chosen["codec"]],
        kind=method,
        level=np.nan,  # the arm's levels differ per cell: its rows' train_set name them
        control_for=None,
    )
    if "severity" not in chosen:
        chosen["severity"] = None
    return pd.concat([original_sets(best), chosen.reindex(columns=SET_COLUMNS)], ignore_index=True)


def figure_arms(best: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Every arm Figures 4.1–4.6 show (BDA sets, joined sets and their controls, BDAD and
    BDADS choices, the original), one frame: what the report reads the predictions of, once
    (:func:`analysis.evidence.evidence_of` with ``arms`` and :data:`GROUPINGS`)."""
    parts = [
        bda_sets(best, ranked),
        control_sets(best),
        chosen_cells(best, ranked, "bdad"),
        chosen_cells(best, ranked, "bdads"),
    ]
    frame = pd.concat(parts, ignore_index=True).astype({"corruption": object, "severity": object})
    return frame.drop_duplicates(ARM_COLUMNS).reset_index(drop=True)


def _arms(sets: pd.DataFrame) -> pd.DataFrame:
    """One row per arm of ``sets`` (first-seen order): scope, arm, set, kind."""
    return sets.drop_duplicates([*SCOPE, "arm"])[[*SCOPE, "arm", "set", "kind"]]


def _grouped(sets: pd.DataFrame, evidence: Evidence, column: str) -> pd.DataFrame:
    rows = []
    for arch, dataset, arm, name, kind in _arms(sets).itertuples(index=False):
        for group in evidence.groups(arch, dataset, arm, (column,)):
            paired = evidence.group_scores(arch, dataset, arm, (column,), group)
            if not (paired.n_seeds and paired.n_images):
                continue
            cells = evidence.group_cells(arch, dataset, arm, (column,), group)
            named = {"arch": arch, "dataset": dataset, "set": name, "kind": kind}
            rows.append({**named, column: group[0], **interval(paired.scores[0]), "n_cells": cells})
    columns = [*SCOPE, "set", "kind", column, *INTERVAL_COLUMNS, "n_cells"]
    return pd.DataFrame(rows, columns=columns).assign(part=evidence.part)


def by_severity(sets: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """Per (arch, dataset, set, severity): :data:`~analysis.figures.common.INTERVAL_COLUMNS` of
    the judged-half accuracy averaged over the set's cells of that severity (``n_cells``), and
    ``part``. ``sets``: arms (:func:`bda_sets`, :func:`chosen_cells`); ``evidence`` read with
    them and grouping ``("severity",)``."""
    return _grouped(sets, evidence, "severity")


def by_corruption(sets: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """As :func:`by_severity`, per corruption (mean over its severities)."""
    return _grouped(sets, evidence, "corruption")


def clean_vs_corrupt(sets: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """Per (arch, dataset, set) of one model each, and eval set (``clean``; ``cifar10c``: the
    mean over every corrupted cell): :data:`~analysis.figures.common.INTERVAL_COLUMNS` and
    ``part``; with ``kind``, ``train_set`` and ``control_for`` (the joined set a control
    controls). Sets lacking either eval set are left out."""
    rows = []
    whole = sets[sets["corruption"].isna() & sets["severity"].isna()]
    whole = whole.drop_duplicates([*SCOPE, "arm"])
    for arm in whole.itertuples(index=False):
        eval_sets = ("clean", CORRUPTED)
        if not all(evidence.has(arm.arch, arm.dataset, arm.train_set, e) for e in eval_sets):
            continue
        found = []
        for eval_set in eval_sets:
            paired = evidence.pair(arm.arch, arm.dataset, [arm.train_set], eval_set)
            if paired.n_seeds and paired.n_images:
                found.append({"eval_set": eval_set, **interval(paired.scores[0])})
        if len(found) == len(eval_sets):
            named = {c: getattr(arm, c) for c in (*SCOPE, "set", "kind", "train_set")}
            rows += [{**named, "control_for": arm.control_for, **f} for f in found]
    columns = [*SCOPE, "set", "kind", "train_set", "control_for", "eval_set", *INTERVAL_COLUMNS]
    return pd.DataFrame(rows, columns=columns).assign(part=evidence.part)


def _scopes(table: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(table["arch"], table["dataset"], strict=True)))


def draw_by_severity(table: pd.DataFrame, out_dir: Path, name: str, title: str) -> Path:
    """One panel per (arch, dataset): a line per set through its means vs severity, with its
    95 % band."""
    require_rows(table, name, "judged-half accuracy on corrupted test data (per-image predictions)")
    scopes = _scopes(table)
    fig, axes = new_figure(1, len(scopes), width=5.5)
    for c, (arch, dataset) in enumerate(scopes):
        ax = axes[0][c]
        part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
        for set_name in facet_values(part, "set"):
            curve = part[part["set"] == set_name].sort_values("severity")
            style = "--" if "joined" in set_name else "-"
            color = "black" if set_name == "Original" else None
            line = ax.plot(
                curve["severity"], curve["mean"], style, marker="o", label=set_name, color=color
            )
            band(ax, curve["severity"], curve, color=line[0].get_color())
        ax.set(title=f"{title} · {arch} · {dataset}", xlabel="severity", ylabel="accuracy")
        ax.set_xticks(sorted(part["severity"].unique()))
        ax.legend(fontsize="small")
    caption(fig, table, "bands")
    return save(fig, table, out_dir, name)


def draw_by_corruption(table: pd.DataFrame, out_dir: Path, name: str, title: str) -> Path:
    """One panel per (arch, dataset): grouped bars, corruption × set, each the mean over
    seeds with 95 % error bars."""
    require_rows(table, name, "judged-half accuracy on corrupted test data (per-image predictions)")
    scopes = _scopes(table)
    fig, axes = new_figure(len(scopes), 1, width=9.0, height=3.6)
    order = [c for c in CORRUPTION_ABBREVIATIONS if c in set(table["corruption"])]
    order += sorted(set(table["corruption"]) - set(order))
    position = {corruption: i for i, corruption in enumerate(order)}
    for r, (arch, dataset) in enumerate(scopes):
        ax = axes[r][0]
        part = table[(table["arch"] == arch) & (table["dataset"] == dataset)]
        names = facet_values(part, "set")
        width = 0.8 / max(len(names), 1)
        for j, set_name in enumerate(names):
            bars = part[part["set"] == set_name]
            x = bars["corruption"].map(position).to_numpy(dtype=float) - 0.4 + (j + 0.5) * width
            color = "black" if set_name == "Original" else None
            ax.bar(x, bars["mean"], width, label=set_name, color=color, alpha=0.85)
            error_bars(ax, x, bars, color="dimgray", linewidth=0.8)
        ax.set_xticks(range(len(order)), [CORRUPTION_ABBREVIATIONS.get(c, c) for c in order])
        ax.set(title=f"{title} · {arch} · {dataset}", xlabel="corruption", ylabel="accuracy")
        ax.legend(fontsize="small")
    caption(fig, table)
    return save(fig, table, out_dir, name)


def draw_clean_vs_corrupt(table: pd.DataFrame, out_dir: Path, name: str = "fig4_3") -> Path:
    """One panel per (arch, dataset): a point per set, clean (x) vs mean corrupted (y)
    accuracy, each with its 95 % intervals as error bars; each steps-matched control beside
    its joined set (its colour, a hollow square, a dotted line to it)."""
    require_rows(table, "4.3", "judged-half clean and corrupted accuracy of the BDA-selected "
                 "and joined sets (per-image predictions)")  # fmt: skip
    scopes = _scopes(table)
    fig, axes = new_figure(1, len(scopes), width=5.6, height=4.4)
    for c, (arch, dataset) in enumerate(scopes):
        ax = axes[0][c]
        points = _points(table[(table["arch"] == arch) & (table["dataset"] == dataset)])
        cycle = iter(_palette())
        colors: dict[str, str] = {}
        for point in points[points["kind"] != "control"].itertuples(index=False):
            color = "black" if point.kind == "original" else next(cycle)
            colors[str(point.train_set)] = color
            _point(ax, point, color, marker="o", filled=True)
        for point in points[points["kind"] == "control"].itertuples(index=False):
            color = colors.get(str(point.control_for)) or next(cycle)
            _point(ax, point, color, marker="s", filled=False)
            target = points[points["train_set"] == point.control_for]
            if len(target):
                ax.plot([point.clean_mean, target["clean_mean"].iloc[0]],
                        [point.corrupt_mean, target["corrupt_mean"].iloc[0]],
                        ":", color=color, linewidth=1)  # fmt: skip
        ax.set(
            title=f"BDA · {arch} · {dataset}",
            xlabel="clean accuracy",
            ylabel="mean corrupted accuracy",
        )
        ax.legend(fontsize="small")
    caption(fig, table)
    return save(fig, table, out_dir, name)


def _palette() -> list[str]:
    """The axes' colour cycle, repeated so that any number of sets gets a colour."""
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    return colors * 8


def _points(part: pd.DataFrame) -> pd.DataFrame:
    """``part`` (long, one row per set and eval set) as one row per set: ``clean_*`` and
    ``corrupt_*`` intervals beside set, kind, train_set and control_for (first-seen order)."""
    keys = ["set", "kind", "train_set", "control_for"]
    clean = part[part["eval_set"] == "clean"].drop_duplicates("set").set_index("set")
    corrupt = part[part["eval_set"] == CORRUPTED].drop_duplicates("set").set_index("set")
    names = [s for s in facet_values(part, "set") if s in clean.index and s in corrupt.index]
    rows = []
    for set_name in names:
        row = {"set": set_name, **{k: clean.loc[set_name, k] for k in keys[1:]}}
        for prefix, frame in (("clean", clean), ("corrupt", corrupt)):
            row |= {f"{prefix}_{k}": frame.loc[set_name, k] for k in ("mean", "low", "high")}
        rows.append(row)
    columns = [*keys, *(f"{p}_{k}" for p in ("clean", "corrupt") for k in ("mean", "low", "high"))]
    return pd.DataFrame(rows, columns=columns)


def _point(ax, point, color: str, marker: str, filled: bool) -> None:
    """One set's point with x and y 95 % error bars (cut at [0, 1])."""
    x, y = point.clean_mean, point.corrupt_mean
    (x_low, x_high), (y_low, y_high) = (
        clip_interval(point.clean_low, point.clean_high),
        clip_interval(point.corrupt_low, point.corrupt_high),
    )
    xerr, yerr = [[x - x_low], [x_high - x]], [[y - y_low], [y_high - y]]
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", capsize=3, color=color, alpha=0.6)
    face = color if filled else "none"
    ax.scatter(
        [x], [y], s=50, marker=marker, label=point.set, facecolors=face, edgecolors=color, zorder=3
    )
