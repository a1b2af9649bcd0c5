"""The thesis-table comparisons put each published number beside the matching cell of ours."""

from __future__ import annotations

import math

import pandas as pd

from analysis.seeds import best_of_seeds
from analysis.selections import select_levels
from analysis.tables import (
    IN_SAMPLE_COLUMNS,
    rankings_table,
    table_3_1,
    table_4_1,
    table_4_2,
    table_4_3,
    table_model_sizes,
)
from analysis.thesis_numbers import TABLE_4_2, TABLE_4_3
from tests.test_analysis_handmade import robustness_evaluation
from tests.test_analysis_selections import held_out_differs, with_parts


def _rd(dataset: str, codec: str, level: float, bpps: list[float], split: str = "train"):
    return [
        dict(dataset=dataset, split=split, codec=codec, level=level, bpp=b, psnr=30.0, ssim=0.9)
        for b in bpps
    ]


def test_table_3_1_puts_the_published_bit_rate_beside_the_same_dataset_codec_and_level():
    rows = pd.DataFrame(
        _rd("cifar10", "jpeg", 20.0, [0.9, 1.1])
        + _rd("cifar10", "bls", 0.012, [1.0, 1.2])
        + _rd("tinyimagenet", "bmhj", 0.05, [2.0, 2.2])
        + _rd("cifar10", "jpeg", 20.0, [5.0], split="test")  # test split must not count
        + _rd("synthetic", "jpeg", 20.0, [0.5])
    )
    table = table_3_1(rows).set_index(["dataset", "codec", "level"])
    assert math.isclose(table.loc[("cifar10", "jpeg", 20.0), "bpp_mean"], 1.0)
    assert table.loc[("cifar10", "jpeg", 20.0), "thesis_bpp"] == 1.0
    assert table.loc[("cifar10", "bls", 0.012), "thesis_bpp"] == 1.08
    assert table.loc[("tinyimagenet", "bmhj", 0.05), "thesis_bpp"] == 2.18
    assert table.loc[("tinyimagenet", "jpeg", 60.0), "thesis_bpp"] == 2.77  # thesis only
    assert math.isnan(table.loc[("tinyimagenet", "jpeg", 60.0), "bpp_mean"])
    assert math.isnan(table.loc[("synthetic", "jpeg", 20.0), "thesis_bpp"])  # ours only
    assert table.loc[("cifar10", "jpeg", 20.0), "n_images"] == 2


def test_table_4_2_and_4_3_line_up_by_codec_rank_and_corruption():
    ranked, _ = select_levels(with_parts(robustness_evaluation()))
    t42 = table_4_2(ranked).set_index(["codec", "rank"])
    assert t42.loc[("bls", 1), "level"] == 0.012 and t42.loc[("bls", 1), "thesis_level"] == 0.012
    assert bool(t42.loc[("bls", 1), "agrees"])
    assert t42.loc[("bls", 2), "thesis_level"] == 0.1 and t42.loc[("bls", 2), "level"] == 0.1
    assert t42.loc[("jpeg", 1), "thesis_level"] == 80.0 and t42.loc[("jpeg", 1), "level"] == 20.0
    assert not bool(t42.loc[("jpeg", 1), "agrees"])
    assert t42.loc[("blur", 4), "thesis_setting"] == "9x9"
    t43 = table_4_3(ranked).set_index(["codec", "corruption"])
    assert t43.loc[("bls", "gaussian_noise"), "thesis_level"] == 0.05
    assert t43.loc[("bls", "gaussian_noise"), "level"] == 0.1
    assert t43.loc[("bls", "fog"), "thesis_level"] == 0.012 and t43.loc[("bls", "fog"), "agrees"]
    assert t43.loc[("jpeg", "contrast"), "thesis_level"] == 60.0
    assert t43.loc[("jpeg", "contrast"), "abbreviation"] == "C"
    assert t43.loc[("noise", "impulse_noise"), "thesis_level"] == 0.1


def test_table_4_1_and_model_sizes():
    t41 = table_4_1(best_of_seeds(robustness_evaluation())).set_index("codec")
    assert t41.loc["bls", "levels"] == "λ=0.012, λ=0.05, λ=0.1"
    assert t41.loc["noise", "thesis_levels"].startswith("σ=0.01")
    assert not t41.loc["bls", "same"]
    sizes = table_model_sizes().set_index("model")
    assert sizes.loc["vgg11", "params"] == sizes.loc["vgg11", "thesis_params"] == 9_231_114
    assert sizes.loc["vgg11-3", "difference"] == 299_274 - 300_554
    assert sizes.loc["res18-3", "note"] and sizes.loc["res18-3", "table"] == "3.3"


def _ranked(method: str, codec: str, levels: list[float], corruption: str | None = None):
    """Selection rows of one (vgg11, cifar10) group ranking ``levels`` best first."""
    return pd.DataFrame(
        {
            "arch": "vgg11",
            "dataset": "cifar10",
            "method": method,
            "codec": codec,
            "corruption": corruption,
            "severity": None,
            "rank": range(1, len(levels) + 1),
            "level": [float(lv) for lv in levels],
            "score": [0.9 - 0.1 * i for i in range(len(levels))],
            "n_cells": 10,
        }
    )


def _verdict(agrees) -> bool | None:
    """An ``agrees`` cell as True, False or None (NA)."""
    return None if agrees is pd.NA else bool(agrees)


def test_table_4_2_compares_ranks_on_the_levels_both_sides_ranked():
    # The thesis ranks bls 0.012 > 0.1 > 0.05; this sweep ran 0.1, 0.05 and 0.01 (not a thesis
    # level). Restricted to {0.1, 0.05} both orders are 0.1 > 0.05: they agree.
    t42 = table_4_2(_ranked("bda", "bls", [0.1, 0.01, 0.05])).set_index(["codec", "rank"])
    assert t42.loc[("bls", 1), "thesis_level"] == 0.012
    assert t42.loc[("bls", 1), "thesis_level_common"] == 0.1
    assert _verdict(t42.loc[("bls", 1), "agrees"]) is True
    assert _verdict(t42.loc[("bls", 2), "agrees"]) is None  # λ=0.01 was never ranked by the thesis
    assert t42.loc[("bls", 3), "thesis_level_common"] == 0.05
    assert _verdict(t42.loc[("bls", 3), "agrees"]) is True
    swapped = table_4_2(_ranked("bda", "bls", [0.05, 0.1])).set_index(["codec", "rank"])
    assert _verdict(swapped.loc[("bls", 1), "agrees"]) is False
    for rank in range(4, 8):  # thesis ranks without a level of ours
        assert t42.loc[("bls", rank), "setting"] == "not ranked"
        assert _verdict(t42.loc[("bls", rank), "agrees"]) is None
    assert set(t42.loc["jpeg", "setting"]) == {"not ranked"}  # a codec this sweep did not run
    assert t42.loc["jpeg", "agrees"].isna().all()


def test_table_4_3_agrees_only_where_both_sides_ranked_both_levels():
    ranked = pd.concat(
        [
            _ranked("bdad", "bls", [0.1, 0.05], "gaussian_noise"),  # thesis: 0.05, ranked here
            _ranked("bdad", "bls", [0.1, 0.05], "fog"),  # thesis: 0.012, not run here
            _ranked("bdad", "bls", [0.02, 0.1], "frost"),  # ours is not a thesis level
            _ranked("bdad", "jpeg", [20, 80], "contrast"),  # thesis: 60, not run here
            _ranked("bdad", "jpeg", [80, 20], "fog"),  # thesis: 80
        ],
        ignore_index=True,
    )
    t43 = table_4_3(ranked).set_index(["codec", "corruption"])
    assert _verdict(t43.loc[("bls", "gaussian_noise"), "agrees"]) is False
    assert _verdict(t43.loc[("bls", "fog"), "agrees"]) is None
    assert _verdict(t43.loc[("bls", "frost"), "agrees"]) is None
    assert _verdict(t43.loc[("jpeg", "contrast"), "agrees"]) is None
    assert _verdict(t43.loc[("jpeg", "fog"), "agrees"]) is True
    assert t43.loc[("bls", "snow"), "setting"] == "not ranked"
    assert _verdict(t43.loc[("bls", "snow"), "agrees"]) is None


def test_tables_4_2_and_4_3_without_rankings_list_every_thesis_level_as_not_ranked():
    empty = _ranked("bda", "bls", [])
    t42, t43 = table_4_2(empty), table_4_3(empty)
    assert len(t42) == sum(len(levels) for levels in TABLE_4_2.values())
    assert len(t43) == len(TABLE_4_3)
    for table in (t42, t43):
        assert set(table["setting"]) == {"not ranked"}
        assert table["agrees"].isna().all() and table["thesis_level"].notna().all()


def test_tables_4_2_4_3_and_rankings_show_the_held_out_choice_beside_the_in_sample_one():
    # held_out_differs: the selection half ranks BLS λ=0.05 first; all test images, last.
    ranked, _ = select_levels(held_out_differs())
    in_sample, _ = select_levels(held_out_differs(), part=None)
    t42 = table_4_2(ranked, in_sample).set_index(["codec", "rank"])
    first = t42.loc[("bls", 1)]
    assert first["level"] == 0.05 and first["in_sample_level"] == 0.012
    assert first["in_sample_setting"] == "λ=0.012" and math.isclose(first["score"], 0.65)
    assert math.isclose(first["in_sample_score"], 0.6)
    assert _verdict(first["moved"]) is True
    assert _verdict(first["agrees"]) is False  # the thesis put 0.012 first, as in-sample did
    assert _verdict(t42.loc[("bls", 3), "moved"]) is True  # 0.1 held-out, 0.05 in-sample
    assert _verdict(t42.loc[("jpeg", 1), "moved"]) is False
    assert _verdict(t42.loc[("bls", 4), "moved"]) is None  # a thesis rank neither side has
    assert t42.loc[("bls", 4), "in_sample_setting"] == "not ranked"
    columns = list(t42.reset_index().columns)
    assert columns[columns.index("score") + 1 : columns.index("thesis_level")] == IN_SAMPLE_COLUMNS
    assert not set(IN_SAMPLE_COLUMNS) & set(table_4_2(ranked).columns)  # only when asked

    t43 = table_4_3(ranked, in_sample).set_index(["codec", "corruption"])
    assert t43.loc[("bls", "fog"), "level"] == 0.05
    assert t43.loc[("bls", "fog"), "in_sample_level"] == 0.012
    assert _verdict(t43.loc[("bls", "fog"), "moved"]) is True
    assert _verdict(t43.loc[("bls", "gaussian_noise"), "moved"]) is False
    assert _verdict(t43.loc[("bls", "snow"), "moved"]) is None

    rankings = rankings_table(ranked, in_sample)
    assert len(rankings) == len(ranked) == len(in_sample)
    bda = rankings[(rankings["method"] == "bda")].set_index(["codec", "level"])
    assert bda.loc[("bls", 0.05), "rank"] == 1 and bda.loc[("bls", 0.05), "in_sample_rank"] == 3
    assert math.isclose(bda.loc[("bls", 0.05), "in_sample_score"], 0.4)
    assert _verdict(bda.loc[("bls", 0.05), "moved"]) is True
    assert not bda.loc["jpeg", "moved"].any()
    bdads = rankings[rankings["method"] == "bdads"]
    assert bdads["in_sample_rank"].notna().all()  # matched on corruption and severity


def test_a_level_ranked_on_one_side_only_has_blanks_on_the_other():
    held_out = _ranked("bda", "bls", [0.1, 0.05])
    in_sample = _ranked("bda", "bls", [0.05, 0.012])
    rankings = rankings_table(held_out, in_sample).set_index("level")
    assert rankings.loc[0.1, "rank"] == 1 and pd.isna(rankings.loc[0.1, "in_sample_rank"])
    assert _verdict(rankings.loc[0.1, "moved"]) is None
    assert pd.isna(rankings.loc[0.012, "rank"]) and rankings.loc[0.012, "in_sample_rank"] == 2
    assert rankings.loc[0.012, "n_cells"] == 10
    assert _verdict(rankings.loc[0.05, "moved"]) is True
    t42 = table_4_2(held_out, in_sample).set_index(["codec", "rank"])
    assert t42.loc[("bls", 2), "level"] == 0.05 and t42.loc[("bls", 2), "in_sample_level"] == 0.012
    assert _verdict(t42.loc[("bls", 2), "moved"]) is True
    empty = _ranked("bda", "bls", [])
    assert t42.index.equals(table_4_2(held_out, empty).set_index(["codec", "rank"]).index)
    assert set(table_4_2(empty, empty)["in_sample_setting"]) == {"not ranked"}
