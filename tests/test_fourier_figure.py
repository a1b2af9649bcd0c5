"""The Fourier heat-map figure: which training sets it shows, seed means, shared colour scale."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.figures.common import NoDataError
from analysis.figures.fourier import draw_fourier, fourier_data

SETS = [  # train_set, codec, level, joined
    ("original", "identity", np.nan, False),
    ("bls:0.1", "bls", 0.1, False),
    ("bls:0.01", "bls", 0.01, False),
    ("jpeg:10", "jpeg", 10.0, False),
    ("bls:top2", "bls", np.nan, True),
    ("bls:top2:w=psnr", "bls", np.nan, True),
]


def rows(n: int = 4, seeds=(0, 1)) -> pd.DataFrame:
    fy, fx = np.meshgrid(np.arange(n) - n // 2, np.arange(n) - n // 2, indexing="ij")
    parts = []
    for k, (train_set, codec, level, joined) in enumerate(SETS):
        for seed in seeds:
            parts.append(pd.DataFrame({
                "arch": "vgg11-5", "dataset": "synthetic", "train_set": train_set,
                "codec": codec, "level": level, "joined": joined, "seed": seed,
                "freq_y": fy.ravel(), "freq_x": fx.ravel(), "norm": 4.0, "n_images": 16,
                "error": (k + seed) / 10 + 0 * fy.ravel(), "clean_error": 0.1,
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def ranking() -> pd.DataFrame:
    return pd.DataFrame({"arch": ["vgg11-5"] * 2, "dataset": ["synthetic"] * 2,
                         "method": ["bda"] * 2, "codec": ["bls", "jpeg"], "level": [0.1, 10.0],
                         "rank": [1, 1]})  # fmt: skip


def test_shows_original_bda_choices_and_every_join_with_seed_means():
    table = fourier_data(rows(), ranking())
    assert list(dict.fromkeys(table["set"])) == [
        "Original", "BLS λ=0.1", "JPEG q=10", "BLS joined bls:top2",
        "BLS joined bls:top2:w=psnr",
    ]  # fmt: skip
    means = table.groupby("set")["error"].first()
    assert means["Original"] == pytest.approx(0.05)  # seeds 0 and 1: (0 + 0.1) / 2
    assert means["BLS joined bls:top2:w=psnr"] == pytest.approx(0.55)
    assert (table["n_seeds"] == 2).all() and len(table) == 5 * 16


def test_without_a_ranking_every_training_set_is_shown():
    assert fourier_data(rows(), pd.DataFrame())["train_set"].nunique() == len(SETS)


def test_panels_share_one_colour_scale_and_empty_rows_are_refused(tmp_path, monkeypatch):
    limits = []
    real_imshow = plt.Axes.imshow

    def imshow(self, *args, **kwargs):
        limits.append((kwargs["vmin"], kwargs["vmax"]))
        return real_imshow(self, *args, **kwargs)

    monkeypatch.setattr(plt.Axes, "imshow", imshow)
    png = draw_fourier(fourier_data(rows(), ranking()), tmp_path)
    assert png.exists() and (tmp_path / "fourier_heat_maps.csv").exists()
    assert limits == [(0.0, pytest.approx(0.55))] * 5  # the largest seed mean shown
    with pytest.raises(NoDataError, match="fourier_sensitivity rows"):
        draw_fourier(fourier_data(rows().iloc[:0], ranking()), tmp_path)
