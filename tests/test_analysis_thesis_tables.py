"""The thesis-table comparisons put each published number beside the matching cell of ours."""

from __future__ import annotations

import math

import pandas as pd

from analysis.seeds import best_of_seeds
from analysis.selections import select_levels
from analysis.tables import table_3_1, table_4_1, table_4_2, table_4_3, table_model_sizes
from tests.test_analysis_handmade import robustness_evaluation


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
    ranked, _ = select_levels(robustness_evaluation())
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
