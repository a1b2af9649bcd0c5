"""The thesis' tables from our rows, each with the published values in an adjacent column.

Every function returns a tidy DataFrame; rows the thesis has and we lack (or the reverse)
appear with blanks on the missing side (outer joins), so nothing is silently left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.labels import level_text
from analysis.selections import corruption_rows
from analysis.thesis_numbers import (
    CORRUPTION_ABBREVIATIONS,
    TABLE_3_1,
    TABLE_4_1,
    TABLE_4_2,
    TABLE_4_3,
)
from lcc.specs.bd import bd_psnr, bd_rate, local_reference
from lcc.specs.models import get_spec, thesis_param_table

SCOPE = ["arch", "dataset"]
# How the ranking tables compare rankings (:func:`_agreement`), as the report states it
# (analysis/catalogue.py TIES).
AGREEMENT_RULE = (
    "Tables 4.2 / 4.3: `agrees` compares only levels both this sweep and the thesis ranked "
    "(Table 4.2 compares the two rankings cut to their common levels, `thesis_level_common`); "
    "it is blank where that comparison does not exist. `not ranked`: no level of ours there. "
    "`moved`: the held-out and in-sample choices differ (blank where one side has no level)."
)


def table_3_1(rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std bit rate (bpp) of each compressed training set beside Table 3.1.

    Columns: dataset, codec, level, setting (e.g. ``q=20``), bpp_mean, bpp_std, n_images,
    thesis_bpp. Only rows with a bit rate (learned codecs and JPEG) of the train split count.
    """
    rows = rate_distortion[(rate_distortion["split"] == "train") & rate_distortion["bpp"].notna()]
    rows = rows.astype({"dataset": object, "codec": object})
    ours = rows.groupby(["dataset", "codec", "level"])["bpp"].agg(
        bpp_mean="mean", bpp_std="std", n_images="size"
    )
    thesis = pd.DataFrame(
        [(d, c, lv, bpp) for (d, c, lv), bpp in TABLE_3_1.items()],
        columns=["dataset", "codec", "level", "thesis_bpp"],
    )
    table = ours.reset_index().merge(thesis, on=["dataset", "codec", "level"], how="outer")
    table["setting"] = [
        level_text(c, lv) for c, lv in zip(table["codec"], table["level"], strict=True)
    ]
    table = table.sort_values(["dataset", "codec", "level"], kind="stable")
    columns = ["dataset", "codec", "level", "setting", "bpp_mean", "bpp_std", "n_images"]
    return table[[*columns, "thesis_bpp"]].reset_index(drop=True)


def table_model_sizes() -> pd.DataFrame:
    """Tables 3.2 (VGG11 family) and 3.3 (ResNet18 family): our parameter counts and the thesis'.

    Columns: table (``3.2``/``3.3``), model, architecture, params, thesis_params, difference,
    note (the stated discrepancy where the counts differ).
    """
    rows = []
    for row in thesis_param_table():
        rows.append(
            {
                "table": "3.2" if get_spec(row.model).family == "vgg" else "3.3",
                "model": row.model,
                "architecture": row.architecture,
                "params": row.count,
                "thesis_params": row.thesis_count,
                "difference": row.count - row.thesis_count,
                "note": row.note,
            }
        )
    return pd.DataFrame(rows)


def _levels_text(codec: str, levels) -> str:
    return ", ".join(level_text(codec, float(lv)) for lv in levels)


def table_4_1(best: pd.DataFrame) -> pd.DataFrame:
    """Augmentation levels evaluated on corrupted data beside Table 4.1.

    ``best`` is best-of-seeds evaluation rows. Columns: codec, levels, thesis_levels, same.
    """
    rows = corruption_rows(best) if len(best) else pd.DataFrame(columns=["codec", "level"])
    ours = {c: sorted(set(part["level"])) for c, part in rows.groupby("codec")}
    codecs = list(TABLE_4_1) + sorted(set(ours) - set(TABLE_4_1))
    table = []
    for codec in codecs:
        thesis = sorted(TABLE_4_1.get(codec, ()))
        mine = ours.get(codec, [])
        table.append(
            {
                "codec": codec,
                "levels": _levels_text(codec, mine),
                "thesis_levels": _levels_text(codec, thesis),
                "same": [float(x) for x in mine] == [float(x) for x in thesis],
            }
        )
    return pd.DataFrame(table)


def _with_scopes(ranked: pd.DataFrame, thesis: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """Outer-join ``thesis`` to ``ranked`` on ``on`` within each (arch, dataset) of ``ranked``.

    Without ranked rows the thesis rows come back alone, with ``ranked``'s columns blank.
    """
    if ranked.empty:
        columns = list(dict.fromkeys([*ranked.columns, *thesis.columns]))
        return thesis.reindex(columns=columns).astype({c: object for c in SCOPE})
    parts = []
    for (arch, dataset), part in ranked.groupby(SCOPE, sort=True):
        merged = part.drop(columns=SCOPE).merge(thesis, on=on, how="outer")
        parts.append(merged.assign(arch=arch, dataset=dataset))
    return pd.concat(parts, ignore_index=True)


def _common_order(ours: list[float], thesis: tuple[float, ...]) -> dict[float, float]:
    """Our level -> the thesis' level at its position, both rankings cut to their common levels.

    ``ours`` and ``thesis`` are levels best first; levels only one side ranked are left out.
    """
    common = {float(lv) for lv in ours} & {float(lv) for lv in thesis}
    ours_common = [float(lv) for lv in ours if float(lv) in common]
    thesis_common = [float(lv) for lv in thesis if float(lv) in common]
    return dict(zip(ours_common, thesis_common, strict=True))


def _thesis_level_common(bda: pd.DataFrame) -> pd.Series:
    """Per BDA row, :func:`_common_order` of its (arch, dataset, codec) ranking (NaN: none)."""
    values = pd.Series(float("nan"), index=bda.index)
    for (_, _, codec), part in bda.groupby([*SCOPE, "codec"], sort=False):
        part = part.sort_values("rank")
        order = _common_order(part["level"].tolist(), TABLE_4_2.get(codec, ()))
        values[part.index] = [order.get(float(lv), float("nan")) for lv in part["level"]]
    return values


def table_4_2(ranked: pd.DataFrame, in_sample: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our BDA ranking beside Table 4.2, one row per (arch, dataset, codec, rank).

    ``ranked`` is :func:`analysis.selections.select_levels` rows, chosen on the selection part
    of the test images (:attr:`analysis.derived.Derived.ranked`). Columns: arch, dataset,
    codec, rank, level, setting, score, thesis_level, thesis_setting, thesis_level_common,
    agrees. Every rank of the thesis is listed; ``setting`` says ``not ranked`` where we have
    no level at that rank. A sweep may run a subset of Table 4.1's levels, so ranks are
    compared on the levels both sides ranked: ``thesis_level_common`` is the thesis' level at
    our level's position once both rankings keep only those levels, and ``agrees`` is
    ``level == thesis_level_common``, NA where the thesis did not rank our level.

    With ``in_sample`` (the same rankings on all test images, the thesis' own way of choosing:
    :attr:`~analysis.derived.Derived.ranked_in_sample`), the columns :data:`IN_SAMPLE_COLUMNS`
    follow ``score``: the in-sample level at each rank, its setting and score, and ``moved``
    (True where the two choices differ at that rank; NA where one side has no level there).
    """
    keys = [*SCOPE, "codec", "rank"]
    bda = _bda(ranked)
    bda["thesis_level_common"] = _thesis_level_common(bda)
    if in_sample is not None:
        bda = _beside_in_sample(bda, _bda(in_sample), keys)
    thesis = pd.DataFrame(
        [(c, r, float(lv)) for c, lvs in TABLE_4_2.items() for r, lv in enumerate(lvs, 1)],
        columns=["codec", "rank", "thesis_level"],
    )
    table = _with_scopes(bda, thesis, ["codec", "rank"])
    table["agrees"] = _agreement(table["level"], table["thesis_level_common"])
    return _finish(table, ["codec", "rank"], ("thesis_level_common",), in_sample is not None)


def _bda(ranked: pd.DataFrame) -> pd.DataFrame:
    """The BDA rows of ``ranked``: scope, codec, rank, level, score."""
    bda = ranked[ranked["method"] == "bda"][[*SCOPE, "codec", "rank", "level", "score"]]
    bda = bda.astype({"rank": "int64", "codec": object, **{c: object for c in SCOPE}})
    return bda.reset_index(drop=True)


IN_SAMPLE_COLUMNS = ["in_sample_level", "in_sample_setting", "in_sample_score", "moved"]


def _beside_in_sample(ours: pd.DataFrame, in_sample: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``ours`` outer-joined on ``keys`` with ``in_sample``'s level and score (renamed
    ``in_sample_level``, ``in_sample_score``), plus ``moved``: whether the levels differ
    (nullable boolean, NA where either side lacks a level)."""
    theirs = in_sample[[*keys, "level", "score"]].rename(
        columns={"level": "in_sample_level", "score": "in_sample_score"}
    )
    merged = ours.merge(theirs, on=keys, how="outer")
    merged["moved"] = ~_agreement(merged["level"], merged["in_sample_level"])
    return merged


def table_4_3(ranked: pd.DataFrame, in_sample: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our BDAD choices (rank 1 per codec and corruption) beside Table 4.3.

    ``ranked`` is chosen on the selection part of the test images, like :func:`table_4_2`.
    Columns: arch, dataset, codec, corruption, abbreviation, level, setting, score,
    thesis_level, thesis_setting, agrees. Every (codec, corruption) of the thesis is listed;
    ``setting`` says ``not ranked`` where we have no choice. ``agrees`` is
    ``level == thesis_level`` only where both sides ranked both levels (we ranked the thesis'
    choice for that corruption and our choice is one of the thesis' levels, Table 4.1), else NA.
    With ``in_sample`` (rankings on all test images), :data:`IN_SAMPLE_COLUMNS` follow
    ``score``: the in-sample choice, its setting and score, and whether the choice ``moved``.
    """
    keys = [*SCOPE, "codec", "corruption"]
    ranked_levels, top = _bdad_top(ranked)
    top = top.merge(ranked_levels.rename("ours_ranked").reset_index(), on=keys, how="left")
    if in_sample is not None:
        top = _beside_in_sample(top, _bdad_top(in_sample)[1], keys)
    thesis = pd.DataFrame(
        [(c, corruption, lv) for (c, corruption), lv in TABLE_4_3.items()],
        columns=["codec", "corruption", "thesis_level"],
    )
    table = _with_scopes(top, thesis, ["codec", "corruption"])
    comparable = [
        isinstance(ours, set) and thesis_level in ours and level in _thesis_levels(codec)
        for codec, level, thesis_level, ours in zip(
            table["codec"], table["level"], table["thesis_level"], table["ours_ranked"], strict=True
        )
    ]
    table["agrees"] = _agreement(table["level"], table["thesis_level"].where(comparable))
    table["abbreviation"] = table["corruption"].map(CORRUPTION_ABBREVIATIONS)
    order = {name: i for i, name in enumerate(CORRUPTION_ABBREVIATIONS)}
    table["order"] = table["corruption"].map(order)
    keys = ["codec", "order", "corruption", "abbreviation"]
    return _finish(table, keys, (), in_sample is not None).drop(columns="order")


def _bdad_top(ranked: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Of the BDAD rows of ``ranked``: the set of levels ranked per (scope, codec,
    corruption), and the rank-1 rows (scope, codec, corruption, level, score)."""
    bdad = ranked[ranked["method"] == "bdad"]
    bdad = bdad.astype({"codec": object, "corruption": object, **{c: object for c in SCOPE}})
    keys = [*SCOPE, "codec", "corruption"]
    ranked_levels = bdad.groupby(keys, sort=False)["level"].agg(lambda s: {float(x) for x in s})
    top = bdad[bdad["rank"] == 1][[*keys, "level", "score"]]
    return ranked_levels, top


def rankings_table(ranked: pd.DataFrame, in_sample: pd.DataFrame) -> pd.DataFrame:
    """Every BDA / BDAD / BDADS ranking, held-out beside in-sample, one row per (group, level).

    ``ranked`` (chosen on the selection part of the test images) and ``in_sample`` (on all
    of them, as the thesis did) are :func:`analysis.selections.select_levels` rows. Columns:
    arch, dataset, method, codec, corruption, severity, level, rank, score, in_sample_rank,
    in_sample_score, moved (``rank != in_sample_rank``; NA where one side did not rank the
    level), n_cells. A level ranked on one side only has blanks on the other.
    """
    keys = [*SCOPE, "method", "codec", "corruption", "severity", "level"]
    typed = {c: object for c in (*SCOPE, "method", "codec", "corruption")}
    theirs = in_sample[[*keys, "rank", "score", "n_cells"]].astype(typed)
    theirs = theirs.rename(
        columns={"rank": "in_sample_rank", "score": "in_sample_score", "n_cells": "_n_cells"}
    )
    table = ranked[[*keys, "rank", "score", "n_cells"]].astype(typed)
    table = table.merge(theirs, on=keys, how="outer")
    table["n_cells"] = table["n_cells"].fillna(table["_n_cells"])
    for column in ("rank", "in_sample_rank", "n_cells"):
        table[column] = table[column].astype("Int32")
    table["moved"] = ~_agreement(table["rank"], table["in_sample_rank"])
    order = [*keys[:-1], "rank", "in_sample_rank", "level"]
    table = table.sort_values(order, kind="stable", na_position="last")
    columns = [*keys, "rank", "score", "in_sample_rank", "in_sample_score", "moved", "n_cells"]
    return table[columns].reset_index(drop=True)


def _thesis_levels(codec: str) -> set[float]:
    """The levels of ``codec`` the thesis' robustness study trained on (Table 4.1)."""
    return {float(lv) for lv in TABLE_4_1.get(codec, ())}


def _agreement(ours: pd.Series, theirs: pd.Series) -> pd.Series:
    """``ours == theirs`` as a nullable boolean, NA where either side is NaN."""
    both = ours.notna() & theirs.notna()
    return (ours == theirs).astype("boolean").where(both, pd.NA)


def _finish(
    table: pd.DataFrame, keys: list[str], extra: tuple[str, ...] = (), in_sample: bool = False
) -> pd.DataFrame:
    """Settings as the thesis writes them (``not ranked`` / ``not in thesis`` where absent),
    rows sorted by scope then ``keys``, columns in the documented order (the in-sample
    columns after ``score`` when ``in_sample``)."""
    table["setting"] = _settings(table["codec"], table["level"], "not ranked")
    table["thesis_setting"] = _settings(table["codec"], table["thesis_level"], "not in thesis")
    beside: list[str] = []
    if in_sample:
        table["in_sample_setting"] = _settings(
            table["codec"], table["in_sample_level"], "not ranked"
        )
        beside = IN_SAMPLE_COLUMNS
    table = table.sort_values([*SCOPE, *keys], kind="stable", na_position="last")
    columns = [
        *SCOPE,
        *keys,
        "level",
        "setting",
        "score",
        *beside,
        "thesis_level",
        "thesis_setting",
    ]
    return table[[*columns, *extra, "agrees"]].reset_index(drop=True)


def _settings(codecs: pd.Series, levels: pd.Series, absent: str) -> list[str]:
    """Each level as the thesis writes it (:func:`~analysis.labels.level_text`), else ``absent``."""
    return [
        absent if pd.isna(lv) else level_text(c, lv) for c, lv in zip(codecs, levels, strict=True)
    ]


GATE_COLUMNS = [
    "dataset",
    "codec",
    "level",
    "reference",
    "n_images",
    "bpp",
    "bpp_coded",
    "bpp_no_header",
    "psnr",
    "jpeg_psnr",
    "psnr_margin",
    "psnr_margin_no_header",
    "ssim",
    "jpeg_ssim",
    "ssim_margin",
    "extrapolated",
    "passes",
]
BD_COLUMNS = ["bd_psnr", "bd_rate", "bd_psnr_no_header", "bd_rate_no_header"]


def gate_table(codec_gate: pd.DataFrame, codec_fit: pd.DataFrame) -> pd.DataFrame:
    """The codec quality gate, one row per gated codec, λ and gate image set (the ``candidate``
    rows of table ``codec_gate``; ``reference``: ``test`` or ``tiny-2x``): estimated, coded and
    header-free bpp, PSNR (dB) and SSIM beside JPEG's at the coded rate, margins (codec minus
    JPEG; PSNR also with both rates header-free), whether JPEG was extrapolated, the verdict,
    the codec's Bjøntegaard deltas against JPEG over all its λ (:func:`gate_bd`, the same on
    each of its rows), and the fit's optimizer steps and wall time in minutes (``codec_fit``)."""
    gate = _with_reference(codec_gate)
    candidates = gate[gate["role"] == "candidate"][GATE_COLUMNS]
    keys = ["dataset", "codec", "level"]
    fits = codec_fit.astype({"dataset": object, "codec": object}).groupby(keys, as_index=False)
    fits = fits.agg(fit_steps=("steps", "max"), fit_minutes=("seconds", "sum"))
    fits["fit_minutes"] = fits["fit_minutes"] / 60
    table = candidates.merge(fits, on=keys, how="left")
    table = table.merge(gate_bd(gate), on=["dataset", "codec", "reference"], how="left")
    table = table.sort_values(["dataset", "codec", "reference", "level"]).reset_index(drop=True)
    return table.round(
        {
            "bpp": 3,
            "bpp_coded": 3,
            "bpp_no_header": 3,
            "psnr": 2,
            "jpeg_psnr": 2,
            "psnr_margin": 2,
            "psnr_margin_no_header": 2,
            "ssim": 4,
            "jpeg_ssim": 4,
            "ssim_margin": 4,
            "bd_psnr": 2,
            "bd_rate": 1,
            "bd_psnr_no_header": 2,
            "bd_rate_no_header": 1,
            "fit_minutes": 1,
        }
    )


def _with_reference(codec_gate: pd.DataFrame) -> pd.DataFrame:
    """``codec_gate`` with object-typed keys and every gate column present, ``reference``
    filled (rows without one: the test images, the only gate set before the column existed)."""
    gate = codec_gate.astype({"dataset": object, "codec": object, "role": object})
    for column in ("reference", "bpp_no_header", "psnr_margin_no_header"):
        if column not in gate:
            gate[column] = np.nan
    reference = gate["reference"].astype(object)
    gate["reference"] = reference.where(reference.notna(), "test")
    return gate


def gate_bd(codec_gate: pd.DataFrame) -> pd.DataFrame:
    """Bjøntegaard deltas (lcc.specs.bd; VCEG-M33) of each gated codec's λ curve against
    JPEG's on the same gate images: one row per (dataset, codec, reference) with ``bd_psnr``
    (dB) and ``bd_rate`` (%, negative: fewer bits than JPEG) at the coded rates, and the same
    with both rates header-free. JPEG's curve is that of the reference rows of the same image
    set and image count (for ``test`` also the same dataset), over the codec's rates and one
    point beyond each end (:func:`lcc.specs.bd.local_reference`). NaN where the codec has
    fewer than two λ or the curves do not overlap."""
    gate = _with_reference(codec_gate)
    jpeg = gate[gate["role"] == "reference"]
    rows = []
    candidates = gate[gate["role"] == "candidate"]
    for (dataset, codec, reference), group in candidates.groupby(
        ["dataset", "codec", "reference"], sort=True
    ):
        curve = jpeg[(jpeg["reference"] == reference) & jpeg["n_images"].isin(group["n_images"])]
        if reference == "test":
            curve = curve[curve["dataset"] == dataset]
        curve = curve.drop_duplicates("level")
        row = {"dataset": dataset, "codec": codec, "reference": reference}
        for suffix, rate in (("", "bpp_coded"), ("_no_header", "bpp_no_header")):
            row[f"bd_psnr{suffix}"], row[f"bd_rate{suffix}"] = _bd(curve, group, rate)
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "codec", "reference", *BD_COLUMNS])


def _bd(jpeg: pd.DataFrame, codec: pd.DataFrame, rate: str) -> tuple[float, float]:
    """(BD-PSNR, BD-rate) of one codec's rows against JPEG's rows at column ``rate``."""
    ours = codec.dropna(subset=[rate, "psnr"]).sort_values(rate)
    theirs = jpeg.dropna(subset=[rate, "psnr"])
    if len(ours) < 2 or len(theirs) < 2 or (ours[rate] <= 0).any() or (theirs[rate] <= 0).any():
        return np.nan, np.nan
    r, p = local_reference(theirs[rate], theirs["psnr"], ours[rate])
    return bd_psnr(r, p, ours[rate], ours["psnr"]), bd_rate(r, p, ours[rate], ours["psnr"])
