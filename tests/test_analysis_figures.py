"""Every figure function writes its PNG and CSV from a small table, and refuses empty ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.figures.accuracy import draw_accuracy_vs_distortion, draw_accuracy_vs_rate
from analysis.figures.common import NoDataError
from analysis.figures.examples import draw_examples
from analysis.figures.parameters import draw_parameters
from analysis.figures.rate_distortion import draw_rate_distortion, rate_distortion_data
from analysis.figures.robustness import (
    draw_by_corruption,
    draw_by_severity,
    draw_clean_vs_corrupt,
)
from analysis.figures.spectra import draw_spectra, mean_log_spectrum


def _written(png, tmp_path, rows: int) -> None:
    assert png.exists() and png.stat().st_size > 5_000
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert len(pd.read_csv(tmp_path / f"{png.stem}.csv")) == rows


def test_rate_distortion_data_and_figure(tmp_path):
    rd = pd.DataFrame(
        {
            "dataset": "cifar10",
            "split": "train",
            "codec": ["jpeg"] * 4 + ["bls"] * 2 + ["noise"],
            "level": [10.0, 10.0, 60.0, 60.0, 0.1, 0.1, 0.05],
            "bpp": [0.5, 0.7, 1.5, 1.7, 1.0, 1.2, np.nan],
            "psnr": [25.0, 27.0, 30.0, 32.0, 31.0, 33.0, 20.0],
            "ssim": [0.7, 0.8, 0.9, 0.92, 0.93, 0.95, 0.5],
        }
    )
    table = rate_distortion_data(rd)
    jpeg10 = table[
        (table["codec"] == "jpeg") & (table["level"] == 10) & (table["metric"] == "psnr")
    ]
    assert jpeg10.iloc[0]["value_mean"] == 26.0 and jpeg10.iloc[0]["bpp_mean"] == 0.6
    assert "noise" not in set(table["codec"])  # no bit rate, not on a rate-distortion curve
    _written(draw_rate_distortion(table, tmp_path), tmp_path, len(table))


def _with_interval(frame: pd.DataFrame, half: float = 0.03) -> pd.DataFrame:
    """``frame`` (with ``mean``) plus a 95 % interval of half-width ``half``, 2 seeds, 50
    judged images: the columns every accuracy figure's table carries."""
    return frame.assign(low=frame["mean"] - half, high=frame["mean"] + half, n_seeds=2,
                        n_images=50)  # fmt: skip


def _accuracy_table() -> pd.DataFrame:
    return _with_interval(
        pd.DataFrame(
            {
                "arch": "vgg11",
                "dataset": "cifar10",
                "metric": "top1",
                "part": "judge",
                "codec": ["jpeg", "jpeg", "bls", "bls", "identity"],
                "level": [10.0, 60.0, 0.012, 0.1, np.nan],
                "train_set": ["jpeg:10", "jpeg:60", "bls:0.012", "bls:0.1", "original"],
                "mean": [0.58, 0.79, 0.69, 0.84, 0.89],
                "bpp": [0.7, 1.9, 1.0, 1.9, np.nan],
                "psnr": [25.0, 31.0, 28.0, 33.0, np.nan],
                "ssim": [0.7, 0.9, 0.85, 0.95, np.nan],
            }
        )
    )


def test_accuracy_figures(tmp_path):
    _written(draw_accuracy_vs_rate(_accuracy_table(), tmp_path), tmp_path, 5)
    _written(draw_accuracy_vs_distortion(_accuracy_table(), tmp_path), tmp_path, 4)
    csv = pd.read_csv(tmp_path / "fig3_4.csv")
    assert {"mean", "low", "high", "n_seeds", "n_images"} <= set(csv.columns)


def test_parameter_figure(tmp_path):
    table = pd.DataFrame(
        {
            "family": "VGG11",
            "arch": ["vgg11", "vgg11-5", "vgg11", "vgg11-5"],
            "params": [9_231_114, 48_426, 9_231_114, 48_426],
            "dataset": "cifar10",
            "train_set": ["original", "original", "bls:0.1", "bls:0.1"],
            "codec": ["identity", "identity", "bls", "bls"],
            "level": [np.nan, np.nan, 0.1, 0.1],
            "accuracy": [0.9, 0.8, 0.88, 0.84],
            "pct_change": [0.0, -11.1, 0.0, -4.5],
        }
    )
    _written(draw_parameters(table, tmp_path), tmp_path, 4)


def _severity_table() -> pd.DataFrame:
    rows = [
        ("vgg11", "cifar10", name, kind, s, 0.9 - 0.1 * s - offset)
        for name, kind, offset in (("Original", "original", 0.1), ("BLS λ=0.012 (BDA)", "bda", 0.0))
        for s in (1, 2, 3)
    ]
    columns = ["arch", "dataset", "set", "kind", "severity", "mean"]
    return _with_interval(pd.DataFrame(rows, columns=columns))


def test_robustness_figures(tmp_path):
    _written(draw_by_severity(_severity_table(), tmp_path, "fig4_1", "BDA"), tmp_path, 6)
    per_corruption = pd.DataFrame(
        {
            "arch": "vgg11",
            "dataset": "cifar10",
            "set": ["Original", "Original", "JPEG (BDAD)", "JPEG (BDAD)"],
            "kind": ["original", "original", "bdad", "bdad"],
            "corruption": ["fog", "gaussian_noise", "fog", "gaussian_noise"],
            "mean": [0.5, 0.4, 0.6, 0.55],
        }
    )
    _written(
        draw_by_corruption(_with_interval(per_corruption), tmp_path, "fig4_6", "BDAD"),
        tmp_path,
        4,
    )
    sets = [  # set, kind, train_set, control_for, clean, corrupt
        ("Original", "original", "original", None, 0.9, 0.6),
        ("BLS joined bls:top2", "joined", "bls:top2", None, 0.88, 0.72),
        ("BLS λ=0.1 ×2 epochs", "control", "bls:top2:part1", "bls:top2", 0.87, 0.7),
    ]
    clean = pd.DataFrame(
        [
            {"arch": "vgg11", "dataset": "cifar10", "set": name, "kind": kind,
             "train_set": train_set, "control_for": control, "eval_set": eval_set, "mean": mean}
            for name, kind, train_set, control, *means in sets
            for eval_set, mean in zip(("clean", "cifar10c"), means, strict=True)
        ]
    )  # fmt: skip
    _written(draw_clean_vs_corrupt(_with_interval(clean), tmp_path), tmp_path, 6)


def test_image_figures(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "images.npy"
    np.save(path, rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8))
    examples = pd.DataFrame(
        {
            "dataset": "cifar10",
            "row": ["BLS", "BLS", "JPEG", "JPEG"],
            "column": [0, 1, 0, 1],
            "codec": ["bls", "bls", "jpeg", "jpeg"],
            "level": [0.012, 0.1, 10.0, 60.0],
            "bpp": [1.0, 1.9, 0.75, 1.91],
            "anchor_bpp": [1.0, 1.9, 1.0, 1.9],
            "split": "train",
            "image_index": 2,
            "images_path": str(path),
        }
    )
    _written(draw_examples(examples, tmp_path / "figs"), tmp_path / "figs", 4)
    spectrum = mean_log_spectrum(np.load(path))
    fy, fx = np.meshgrid(np.arange(32) - 16, np.arange(32) - 16, indexing="ij")
    spectra = pd.DataFrame(
        {
            "dataset": "cifar10",
            "set": "Original",
            "fy": fy.ravel(),
            "fx": fx.ravel(),
            "magnitude": spectrum.ravel(),
            "n_images": 3,
        }
    )
    _written(draw_spectra(spectra, tmp_path / "figs"), tmp_path / "figs", 32 * 32)


def test_mean_log_spectrum_centres_dc_and_normalises():
    flat = np.full((2, 8, 8, 3), 200, dtype=np.uint8)
    spectrum = mean_log_spectrum(flat)
    assert spectrum.shape == (8, 8)
    assert spectrum[4, 4] == 1.0 and np.allclose(np.delete(spectrum.ravel(), 4 * 8 + 4), 0)


def test_empty_tables_are_refused_not_drawn(tmp_path):
    with pytest.raises(NoDataError, match=r"figure 3\.2"):
        draw_rate_distortion(
            rate_distortion_data(
                pd.DataFrame(columns=["dataset", "split", "codec", "level", "bpp", "psnr", "ssim"])
            ),
            tmp_path,
        )
    with pytest.raises(NoDataError, match="fig4_4"):
        draw_by_severity(_severity_table().iloc[:0], tmp_path, "fig4_4", "BDAD")
    assert not list(tmp_path.glob("*.png"))
