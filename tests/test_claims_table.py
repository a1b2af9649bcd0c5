"""The claims table of a whole loaded sweep: one row per claim, every column a reader needs,
never raising on what a sweep lacks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.claims import CLAIM_COLUMNS, CLAIMS, claims_markdown, claims_table
from analysis.load import load
from analysis.stats import UNTESTABLE, VERDICTS
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from lcc.evaluate.holdout import JUDGE, part_mask

SPEC = SweepSpec(
    codecs={"jpeg": [5.0, 60.0], "bls": [0.012, 0.05], "noise": [0.1], "blur": [3.0]},
    seeds=3,
    test_images=200,
    joined=("bls",),
)


def test_claims_table_of_a_synthetic_sweep_has_intervals_mde_and_sample_sizes(tmp_path):
    table = claims_table(load(write_synthetic_sweep(tmp_path, "s", SPEC)))
    assert list(table.columns) == CLAIM_COLUMNS
    assert table["claim"].tolist() == [claim.id for claim in CLAIMS] == [
        "C1", "C2", "C3", "C4", "C5", "C6"
    ]  # fmt: skip
    assert set(table["verdict"]) <= set(VERDICTS)
    rows = table.set_index("claim")
    for claim in ("C3", "C4", "C5"):  # decided on judged predictions, 3 seeds
        row = rows.loc[claim]
        assert row["verdict"] != UNTESTABLE, row["detail"]
        assert row["lower"] <= row["estimate"] <= row["upper"]
        assert np.isfinite(row["mde"]) and row["mde"] > 0 and row["unit"] == "pp"
        assert row["seeds"] == 3 and row["images"] == part_mask(SPEC.test_images, JUDGE).sum()
    assert rows.loc["C5", "measured"].count("×2 epochs") == 4  # 2 parts x {clean, corrupt}
    for claim in CLAIMS:
        assert claim.sentence in rows.loc[claim.id, "thesis"]
    markdown = claims_markdown(table)
    assert markdown.startswith("| claim | verdict | estimate | lower | upper | mde |")


def test_claims_table_of_an_empty_sweep_is_all_not_testable(tmp_path):
    (tmp_path / "empty").mkdir()
    table = claims_table(load(tmp_path / "empty"))
    assert (table["verdict"] == UNTESTABLE).all()
    assert table["detail"].str.len().gt(0).all()
    assert pd.isna(table["estimate"]).all()
