"""The codec-fit convergence figure: held-out loss and PSNR per λ against steps, each fit's
end marked plateau (the held-out rule stopped it) or cap (it ran its whole budget)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.figures.codec_fit import codec_fit_data, draw_codec_fit
from analysis.figures.common import NoDataError


def _rows(level: float, epochs: int, stopped_last: bool) -> list[dict]:
    return [
        {
            "codec": "bls",
            "level": level,
            "dataset": "cifar10",
            "epoch": e,
            "steps": 100 * e,
            "loss": 2.0 / e,
            "mse": 0.01,
            "bpp": 1.0,
            "aux_loss": 1.0,
            "seconds": 1.0,
            "lr": 1e-3,
            "val_loss": 2.0 / e,
            "val_mse": 0.01 / e,
            "val_bpp": 1.0,
            "stopped": stopped_last and e == epochs,
        }
        for e in range(1, epochs + 1)
    ]


def test_every_fit_is_a_curve_with_its_end_marked(tmp_path) -> None:
    # as loaded: categorical names, and one frame per fit job (their indexes overlap)
    parts = [pd.DataFrame(_rows(0.1, 4, True)), pd.DataFrame(_rows(0.01, 3, False))]
    fits = pd.concat(parts).astype({"dataset": "category", "codec": "category"})
    table = codec_fit_data(fits)
    ends = table[table["end"] != ""].set_index("level")["end"].to_dict()
    assert ends == {0.1: "plateau", 0.01: "cap"}
    assert table.loc[table["level"] == 0.1, "val_psnr"].iloc[0] == pytest.approx(20.0)
    png = draw_codec_fit(table, tmp_path)
    assert png.is_file() and (tmp_path / "fig_codec_fit.csv").is_file()


def test_fits_without_held_out_images_draw_nothing(tmp_path) -> None:
    fits = pd.DataFrame(_rows(0.1, 2, stopped_last=False)).assign(val_loss=None, val_mse=None)
    with pytest.raises(NoDataError, match="codec_fit rows with held-out scores"):
        draw_codec_fit(codec_fit_data(fits), tmp_path)
