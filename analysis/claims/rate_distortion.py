"""C1 (thesis §3.3, Fig 3.2; §5): the learned codecs compress with higher fidelity than JPEG.

Tested for both learned codecs of the thesis (:func:`analysis.labels.thesis_learned_codecs`, BLS and
BMHJ), per dataset and λ: the codec's PSNR and SSIM minus JPEG's *at the same coded rate*.

Evidence, best first, chosen per (dataset, codec):

1. **Per image, paired** (decided). The ``rate_distortion`` rows of the *test* split, one per
   image (``image_index``, ``bits_actual``, ``pixels``, ``psnr``, ``ssim``), of the codec at λ
   and of JPEG at every quality the sweep encoded. A set's coded rate is the mean over its
   images of ``bits_actual / pixels`` (the learned codec's coded string; JPEG's content bits,
   start of scan to end of file). JPEG at the codec's rate is, per image, the linear
   interpolation between the two JPEG qualities whose mean coded rates bracket it, with the
   weights of those mean rates (:func:`analysis.claims.accuracy_at_rate.bracket`, as C3 does):
   ``d_i = codec_i − (w · jpeg_low_i + (1 − w) · jpeg_high_i)`` over the images all three sets
   have, for PSNR (dB) and SSIM. Each mean ``d`` is tested with a percentile bootstrap over
   the images (:func:`analysis.stats.bootstrap_comparison`): there are no seeds, since each
   codec at λ is one fit and JPEG is deterministic, so the interval covers test-image
   sampling, not fit-to-fit variation. A λ whose rate lies outside JPEG's range of rates is
   listed, not compared (no extrapolation).
2. **Otherwise** (the sweep did not encode the test split with the codec and JPEG, e.g.
   ``test_on_compressed`` off): the codec gate's candidate rows (``codec_gate``, role
   ``candidate``: mean PSNR and SSIM margins against JPEG at the coded rate, JPEG
   extrapolated beyond its rates where flagged) are listed; they cannot decide anything, as
   the gate keeps the mean margins only, not the per-image distortions.
3. Neither: not testable.

The claim ("higher fidelity at lower bit rates") holds when every compared (dataset, codec,
λ, PSNR/SSIM) comparison holds (intersection–union); a λ known from the gate alone keeps it
undecided at best. The row's headline is in dB (the weakest PSNR comparison) unless an SSIM
comparison alone decides the verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.claims.accuracy_at_rate import Bracket, bracket
from analysis.claims.base import (
    HOLDS,
    UNDECIDED,
    Claim,
    Inputs,
    Outcome,
    comparison_text,
    undecided_note,
)
from analysis.claims.common import objects, on_own_test_images, skipped_text
from analysis.labels import codec_name, set_label, thesis_learned_codecs
from analysis.stats import Comparison, bootstrap_comparison, decide

# The distortions compared, with the unit each is shown in (analysis.claims.base.UNIT_SCALE).
METRICS = (("psnr", "PSNR", "dB"), ("ssim", "SSIM", "SSIM"))
GATE_REASON = "the gate stores mean margins only: per-image distortions were not kept"


def test_rows(rate_distortion: pd.DataFrame | None) -> pd.DataFrame:
    """Per-image test-split rows of the learned codecs and JPEG with a coded rate.

    Columns: dataset, codec, level, image_index, coded_bpp, psnr, ssim; one row per (dataset,
    codec, level, image_index) (the first where a set was written twice).
    """
    columns = ["dataset", "codec", "level", "image_index", "coded_bpp", "psnr", "ssim"]
    if rate_distortion is None or rate_distortion.empty:
        return pd.DataFrame(columns=columns)
    rows = objects(rate_distortion, ["dataset", "codec", "split"])
    rows = rows[(rows["split"] == "test") & rows["codec"].isin((*thesis_learned_codecs(), "jpeg"))]
    rows = rows[rows["bits_actual"].notna() & (rows["pixels"] > 0) & rows["level"].notna()]
    rows = rows.assign(coded_bpp=rows["bits_actual"] / rows["pixels"])
    rows = rows.drop_duplicates(["dataset", "codec", "level", "image_index"])
    return rows[columns].reset_index(drop=True)


def gate_candidates(codec_gate: pd.DataFrame | None) -> pd.DataFrame:
    """The gate's candidate rows of the learned codecs on the test images (reference ``test``
    or none; the ``tiny-2x`` set is not the images C1 is about), sorted by dataset, codec,
    level."""
    if codec_gate is None or codec_gate.empty:
        return pd.DataFrame(columns=["dataset", "codec", "level"])
    rows = objects(codec_gate, ["dataset", "codec", "role"])
    rows = rows[
        (rows["role"] == "candidate")
        & rows["codec"].isin(thesis_learned_codecs())
        & on_own_test_images(rows)
    ]
    return rows.sort_values(["dataset", "codec", "level"], kind="stable").reset_index(drop=True)


def _by_image(rows: pd.DataFrame) -> pd.DataFrame:
    """One set's rows indexed by image."""
    return rows.set_index("image_index")[["psnr", "ssim"]]


def compare_level(
    dataset: str, codec: str, level: float, ours: pd.DataFrame, jpeg: dict[float, pd.DataFrame],
    rate: float, where: Bracket,
) -> tuple[list[tuple[Comparison, str]], list[str]]:  # fmt: skip
    """PSNR and SSIM comparisons of ``codec`` at ``level`` with JPEG interpolated at ``rate``
    (``where``), over the images the three sets share, as ``(comparison, unit)`` pairs, and
    notes on images left out."""
    low, high = _by_image(jpeg[where.low]), _by_image(jpeg[where.high])
    mine = _by_image(ours)
    common = mine.index.intersection(low.index).intersection(high.index).sort_values()
    quality = f"q={where.low:g}" if where.low == where.high else f"q={where.low:g}–{where.high:g}"
    label = f"{dataset} {set_label(codec, level)} ({rate:.2f} bpp)"
    found, notes = [], []
    for column, metric, unit in METRICS:
        diff = mine.loc[common, column].to_numpy(float) - (
            where.w * low.loc[common, column].to_numpy(float)
            + (1.0 - where.w) * high.loc[common, column].to_numpy(float)
        )
        finite = np.isfinite(diff)
        if not finite.all():
            notes.append(
                f"{label} {metric}: {int((~finite).sum())} image(s) without a finite value left out"
            )
        diff = diff[finite]
        if len(diff) == 0:
            notes.append(f"{label} {metric}: no image common to it and JPEG {quality}")
            continue
        name = f"{label} {metric} − JPEG {quality} at that rate"
        found.append((bootstrap_comparison(_mean_of(diff), len(diff), name), unit))
    return found, notes


def _mean_of(diff: np.ndarray):
    """The bootstrap statistic: the mean of ``diff`` over resampled image indices."""
    return lambda index: float(diff[index].mean())


def per_image_comparisons(
    rows: pd.DataFrame, dataset: str, codec: str
) -> tuple[list[tuple[Comparison, str]], list[str], list[str]]:
    """Every λ of ``codec`` in ``dataset`` inside JPEG's range of coded rates, compared per
    image: ``(comparison, unit)`` pairs, the λ left out (outside the range) and notes."""
    mine = rows[rows["dataset"] == dataset]
    jpeg_rows = mine[mine["codec"] == "jpeg"]
    jpeg = {float(q): part for q, part in jpeg_rows.groupby("level")}
    rates = jpeg_rows.groupby("level", as_index=False)["coded_bpp"].mean()
    low, high = rates["coded_bpp"].min(), rates["coded_bpp"].max()
    found, outside, notes = [], [], []
    for level, ours in mine[mine["codec"] == codec].groupby("level"):
        level, rate = float(level), float(ours["coded_bpp"].mean())
        where = bracket(rate, rates, "coded_bpp")
        if where is None:
            outside.append(
                f"{dataset} {set_label(codec, level)} at {rate:.2f} bpp "
                f"(JPEG {low:.2f}–{high:.2f} bpp)"
            )
            continue
        comparisons, more = compare_level(dataset, codec, level, ours, jpeg, rate, where)
        found += comparisons
        notes += more
    return found, outside, notes


def gate_text(rows: pd.DataFrame) -> list[str]:
    """The gate's mean margins of ``rows`` (candidate rows), one text per λ."""
    texts = []
    for row in rows.itertuples(index=False):
        flag = " (JPEG extrapolated beyond its rates)" if _flag(row.extrapolated) else ""
        n = f", {int(row.n_images):,} images" if _known(getattr(row, "n_images", None)) else ""
        texts.append(
            f"{row.dataset} {set_label(str(row.codec), float(row.level))} (gate{n}): "
            f"PSNR {row.psnr_margin:+.2f} dB, SSIM {row.ssim_margin:+.4f}{flag}"
        )
    return texts


def _flag(value) -> bool:
    return bool(value) if _known(value) else False


def _known(value) -> bool:
    return value is not None and bool(pd.notna(value))


def check(inputs: Inputs) -> Outcome:
    """C1: per-image paired margins where the test split was encoded, the gate's otherwise."""
    tables = inputs.results.tables
    rows = test_rows(tables.get("rate_distortion"))
    gate = gate_candidates(tables.get("codec_gate"))
    found, outside, notes, gate_only, skipped = [], [], [], [], []
    datasets = sorted(set(rows["dataset"]) | set(gate["dataset"]))
    for dataset in datasets:
        mine = rows[rows["dataset"] == dataset]
        has_jpeg = (mine["codec"] == "jpeg").any()
        for codec in thesis_learned_codecs():
            name = f"{dataset} {codec_name(codec)}"
            if has_jpeg and (mine["codec"] == codec).any():
                more, left, extra = per_image_comparisons(mine, dataset, codec)
                found += more
                outside += left
                notes += extra
                continue
            candidates = gate[(gate["dataset"] == dataset) & (gate["codec"] == codec)]
            if len(candidates):
                gate_only.append(candidates)
            elif (mine["codec"] == codec).any():
                skipped.append(f"{name}: no JPEG test-split rows and no gate rows")
    gated = pd.concat(gate_only, ignore_index=True) if gate_only else gate.iloc[0:0]
    if not found and gated.empty:
        reason = "; ".join(skipped + outside) or (
            "no per-image test-split rows of BLS/BMHJ and JPEG, and no codec_gate candidate rows"
        )
        return Outcome.untestable(f"nothing to compare: {reason}")
    comparisons = tuple(c for c, _ in found)
    units = tuple(u for _, u in found)
    verdict = decide(comparisons) if comparisons else UNDECIDED
    if verdict == HOLDS and not gated.empty:
        verdict = UNDECIDED
    measured = [comparison_text(c, u) for c, u in found] + gate_text(gated)
    detail = []
    if comparisons:
        held = sum(c.verdict == HOLDS for c in comparisons)
        detail.append(
            f"{held} of {len(comparisons)} comparisons hold (per test image, JPEG interpolated "
            "at the codec's coded rate; no seeds: each codec at λ is one fit, so the bootstrap "
            "over images measures image sampling only)"
        )
        if decide(comparisons) == UNDECIDED:
            detail.append(undecided_note(Outcome(UNDECIDED, comparisons)))
    if not gated.empty:
        levels = ", ".join(
            f"{d} {set_label(str(c), float(lv))}"
            for d, c, lv in zip(gated["dataset"], gated["codec"], gated["level"], strict=True)
        )
        detail.append(f"{GATE_REASON} ({levels}: undecided)")
        flagged = [t.split(" (gate")[0] for t in gate_text(gated) if "extrapolated" in t]
        if flagged:
            detail.append(f"JPEG extrapolated beyond its rates at {', '.join(flagged)}")
    if outside:
        detail.append("outside JPEG's range of coded rates, not compared: " + "; ".join(outside))
    detail += notes
    text = "; ".join(detail) + skipped_text(skipped)
    return Outcome(verdict, comparisons, "; ".join(measured), text, "dB", units)


CLAIM = Claim(
    id="C1",
    sentence=(
        "we show that learned compression enables higher fidelity image compression at lower "
        "bit rates compared to JPEG"
    ),
    place="thesis §3.3 Fig 3.2; §5",
    test=(
        "per dataset, BLS and BMHJ at every λ inside JPEG's range of coded test-set rates: mean "
        "per-image PSNR (dB) and SSIM minus JPEG interpolated per image at the same coded rate "
        "> 0 (one-sided 95 % bootstrap bounds over test images; no seeds: one fit per λ); "
        "every λ and both metrics must hold; gate means alone leave it undecided"
    ),
    check=check,
)

__all__ = ["CLAIM", "check", "gate_candidates", "test_rows"]
