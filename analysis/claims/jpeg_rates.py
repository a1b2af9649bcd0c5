"""C2 (Table 3.1): the mean JPEG bit rates of our training sets against the thesis' table.

A measurement, not a comparison of training sets: the mean bpp of 10,000 or more images has a
standard error far below the tolerance, so the check is agreement within
:data:`RATE_TOLERANCE` and it has no interval column.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.claims.base import FAILS, HOLDS, Claim, Outcome
from analysis.claims.common import objects, on_own_test_images
from analysis.labels import level_text
from analysis.thesis_numbers import TABLE_3_1

# A JPEG quality's mean bpp agrees with Table 3.1 when within this fraction of it.
RATE_TOLERANCE = 0.25
Q75_NOTE = (
    "the shared CIFAR-10 copy is stored as JPEG q75, so re-encoding it gives lower JPEG rates "
    "than the lossless release"
)


def _thesis_jpeg_rates(dataset: str) -> dict[float, float]:
    return {lv: b for (d, c, lv), b in TABLE_3_1.items() if d == dataset and c == "jpeg"}


def jpeg_rates(rate_distortion: pd.DataFrame, codec_gate: pd.DataFrame | None) -> pd.DataFrame:
    """Mean JPEG bpp per (dataset, quality) of the datasets Table 3.1 covers.

    Per dataset: ``rate_distortion`` rows of the train split, else of the test split, else the
    ``codec_gate`` reference rows on the dataset's own test images (``bpp``: content bits, start
    of scan to end of file; the ``tiny-2x`` set is another dataset's images at another size).
    Columns: dataset, level, bpp, thesis_bpp, source.
    """
    thesis_datasets = {d for d, c, _ in TABLE_3_1 if c == "jpeg"}
    if rate_distortion.empty:
        rate_distortion = pd.DataFrame(columns=["dataset", "codec", "split", "level", "bpp"])
    rd = objects(rate_distortion, ["dataset", "codec", "split"])
    rd = rd[(rd["codec"] == "jpeg") & rd["bpp"].notna() & rd["dataset"].isin(thesis_datasets)]
    gate = pd.DataFrame(columns=["dataset", "codec", "role", "level", "bpp"])
    if codec_gate is not None and len(codec_gate):
        gate = objects(codec_gate, ["dataset", "codec", "role"])
        gate = gate[
            (gate["role"] == "reference") & (gate["codec"] == "jpeg") & on_own_test_images(gate)
        ]
        gate = gate[gate["bpp"].notna() & gate["dataset"].isin(thesis_datasets)]
    parts = []
    for dataset in sorted(thesis_datasets):
        options = [
            (rd[(rd["dataset"] == dataset) & (rd["split"] == s)], f"rate_distortion {s} split")
            for s in ("train", "test")
        ]
        options.append((gate[gate["dataset"] == dataset], "codec_gate reference rows"))
        rows, source = next(((r, s) for r, s in options if len(r)), (None, ""))
        if rows is None:
            continue
        means = rows.groupby("level")["bpp"].mean().reset_index()
        thesis = _thesis_jpeg_rates(dataset)
        means["thesis_bpp"] = [thesis.get(float(lv), math.nan) for lv in means["level"]]
        parts.append(means.assign(dataset=dataset, source=source))
    if not parts:
        return pd.DataFrame(columns=["dataset", "level", "bpp", "thesis_bpp", "source"])
    table = pd.concat(parts, ignore_index=True)
    return table[["dataset", "level", "bpp", "thesis_bpp", "source"]]


def check_jpeg_rates(
    rate_distortion: pd.DataFrame, codec_gate: pd.DataFrame | None = None
) -> Outcome:
    """C2 (Table 3.1): are our mean JPEG bit rates those of the thesis?

    Rates: :func:`jpeg_rates`. Holds iff every JPEG quality that both we and Table 3.1 have lies
    within :data:`RATE_TOLERANCE` (relative) of the thesis' bpp. Not testable when no JPEG
    rates of a Table 3.1 dataset (CIFAR-10, Tiny ImageNet) at a Table 3.1 quality exist.
    """
    rates = jpeg_rates(rate_distortion, codec_gate)
    rates = rates[rates["thesis_bpp"].notna()]
    if rates.empty:
        return Outcome.untestable(
            "no JPEG bit rates of CIFAR-10 or Tiny ImageNet at a Table 3.1 quality"
        )
    rates = rates.assign(error=rates["bpp"] / rates["thesis_bpp"] - 1)
    several = rates["dataset"].nunique() > 1
    texts, outside = [], []
    for row in rates.itertuples(index=False):
        name = (f"{row.dataset} " if several else "") + level_text("jpeg", float(row.level))
        texts.append(f"{name}: {row.bpp:.2f} ({100 * row.error:+.0f} %)")
        if not abs(row.error) <= RATE_TOLERANCE:
            outside.append(name)
    notes = [f"tolerance ±{100 * RATE_TOLERANCE:.0f} % of Table 3.1"]
    notes += [f"{d}: {s}" for d, s in rates[["dataset", "source"]].drop_duplicates().to_numpy()]
    for dataset in rates["dataset"].unique():
        absent = set(_thesis_jpeg_rates(dataset)) - set(
            rates.loc[rates["dataset"] == dataset, "level"]
        )
        if absent:
            listed = ", ".join(f"{float(lv):g}" for lv in sorted(absent))
            notes.append(f"{dataset} qualities not measured: {listed}")
    if "cifar10" in set(rates["dataset"]):
        notes.append(Q75_NOTE)
    if outside:
        notes.insert(0, f"outside tolerance: {', '.join(outside)}")
    verdict = FAILS if outside else HOLDS
    return Outcome(verdict, measured="; ".join(texts), detail="; ".join(notes), unit="%")


CLAIM = Claim(
    id="C2",
    sentence="The average bit rates for all compressed images can be found in Table 3.1.",
    place="thesis §3.2, Table 3.1",
    test=(
        f"mean JPEG bpp (content bits) of each Table 3.1 quality within ±"
        f"{100 * RATE_TOLERANCE:.0f} % of the table's (training split; else test split; else "
        "the codec gate's reference rows)"
    ),
    check=lambda inputs: check_jpeg_rates(
        inputs.results.rate_distortion, inputs.results.tables.get("codec_gate")
    ),
)
