"""C3 (thesis §3.3, Fig 3.4): learned-codec training data beats JPEG at every level.

Per (arch, dataset, learned codec): each λ whose training set's coded bit rate lies inside the
range of the JPEG training sets' coded rates is compared with JPEG *at the same rate*: a linear
interpolation, per image and seed, between the two JPEG qualities whose rates bracket it
(a contrast of three arms, :func:`analysis.stats.contrast`). Accuracy is clean top-1 (top-5 on
Tiny ImageNet) of each model's held-out best epoch on the judged test images. The claim says
"at all levels", so it holds only when every such λ holds (intersection–union).

Rates: *coded* bits (the learned codec's coded string, JPEG's content bits from start of scan
to end of file; ``bits_actual``) per pixel, the mean over the training split. The thesis
plotted the learned codecs at their *estimated* rates (entropy-model bits); the same test at
those rates is shown beside, not decided on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.claims.base import Claim, Inputs, Outcome, comparison_text, undecided_note
from analysis.claims.common import (
    find_set,
    objects,
    scope_text,
    scopes,
    single_level_sets,
    skipped_text,
)
from analysis.evidence import Evidence
from analysis.labels import codec_name, level_text, thesis_learned_codecs
from analysis.stats import Comparison, contrast


@dataclass(frozen=True)
class Bracket:
    """JPEG at a rate: qualities ``low`` and ``high`` with weights ``w`` and ``1 - w``."""

    low: float
    high: float
    w: float


def training_rates(rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Mean coded and estimated bpp of each training set (train split).

    Columns: dataset, codec, level, coded_bpp (mean of ``bits_actual / pixels``), bpp (the
    thesis' rate: estimated for learned codecs, content bits for JPEG).
    """
    columns = ["dataset", "codec", "level", "coded_bpp", "bpp"]
    if rate_distortion.empty:
        return pd.DataFrame(columns=columns)
    rows = objects(rate_distortion, ["dataset", "codec", "split"])
    rows = rows[(rows["split"] == "train") & rows["bits_actual"].notna()]
    rows = rows.assign(coded_bpp=rows["bits_actual"] / rows["pixels"])
    means = rows.groupby(["dataset", "codec", "level"])[["coded_bpp", "bpp"]].mean()
    return means.reset_index()[columns]


def bracket(rate: float, jpeg: pd.DataFrame, column: str) -> Bracket | None:
    """JPEG qualities around ``rate`` in ``jpeg`` (rows of one dataset, ``level`` and
    ``column`` rates); None outside JPEG's range."""
    ordered = jpeg.sort_values(column)
    rates, levels = ordered[column].to_numpy(), ordered["level"].to_numpy()
    if len(rates) == 0 or not rates[0] <= rate <= rates[-1]:
        return None
    above = int(np.searchsorted(rates, rate, side="left"))
    if rates[above] == rate or above == 0:
        return Bracket(float(levels[above]), float(levels[above]), 1.0)
    lo, hi = above - 1, above
    w = (rates[hi] - rate) / (rates[hi] - rates[lo])
    return Bracket(float(levels[lo]), float(levels[hi]), float(w))


def compare_at(
    evidence: Evidence, scope: tuple[str, str], sets: dict, learned: str, level: float,
    rate: float, where: Bracket,
) -> Comparison:  # fmt: skip
    """Learned ``level`` minus JPEG interpolated at ``rate`` on the judged clean images."""
    arch, dataset = scope
    ours = find_set(sets, learned, level)
    low, high = find_set(sets, "jpeg", where.low), find_set(sets, "jpeg", where.high)
    paired = evidence.pair(arch, dataset, [ours, low, high], "clean")
    jpeg = f"q={where.low:g}" if where.low == where.high else f"q={where.low:g}–{where.high:g}"
    name = (
        f"{scope_text(arch, dataset)} {codec_name(learned)} {level_text(learned, level)} "
        f"({rate:.2f} bpp) − JPEG {jpeg} at that rate"
    )
    return contrast(paired.scores, [1.0, -where.w, -(1.0 - where.w)], name)


def comparisons_at(inputs: Inputs, rate_column: str) -> tuple[list[Comparison], list[str]]:
    """Every in-range λ's comparison at the rates of ``rate_column`` (``coded_bpp`` or
    ``bpp``), and the groups left out with why."""
    evidence = inputs.evidence
    rates = training_rates(inputs.results.rate_distortion)
    found, skipped = [], []
    for arch, dataset in scopes(evidence):
        sets = single_level_sets(evidence, arch, dataset)
        mine = rates[rates["dataset"] == dataset]
        jpeg = mine[mine["codec"] == "jpeg"]
        jpeg = jpeg[[find_set(sets, "jpeg", lv) is not None for lv in jpeg["level"]]]
        for learned in thesis_learned_codecs():
            levels = mine[mine["codec"] == learned]
            levels = levels[[find_set(sets, learned, lv) is not None for lv in levels["level"]]]
            if levels.empty:
                continue
            name = f"{scope_text(arch, dataset)} {codec_name(learned)}"
            if jpeg.empty:
                skipped.append(f"{name}: no JPEG-trained model with a bit rate")
                continue
            inside = 0
            for level, rate in zip(levels["level"], levels[rate_column], strict=True):
                where = bracket(float(rate), jpeg, rate_column)
                if where is None:
                    continue
                inside += 1
                found.append(
                    compare_at(evidence, (arch, dataset), sets, learned, level, rate, where)
                )
            if not inside:
                skipped.append(f"{name}: no λ inside JPEG's range of rates")
    return found, skipped


def check(inputs: Inputs) -> Outcome:
    """C3 at coded rates (decided) with the estimated-rate test beside (in ``detail``)."""
    coded, skipped = comparisons_at(inputs, "coded_bpp")
    if not coded:
        reason = "; ".join(skipped) or "no learned-codec and JPEG trainings with bit rates"
        return Outcome.untestable(f"nothing to compare: {reason}")
    estimated, _ = comparisons_at(inputs, "bpp")
    outcome = Outcome.decided(coded, "; ".join(comparison_text(c) for c in coded), "")
    held = sum(c.verdict == "holds" for c in coded)
    notes = [f"{held} of {len(coded)} λ hold at coded rates"]
    if outcome.verdict == "undecided":
        notes.append(undecided_note(outcome))
    beside = ", ".join(f"{_short(c.name)} {100 * c.estimate:+.2f} pp" for c in estimated)
    notes.append(f"at the thesis' estimated rates (not decided on): {beside or 'no λ in range'}")
    detail = "; ".join(notes) + skipped_text(skipped)
    return Outcome(outcome.verdict, outcome.comparisons, outcome.measured, detail)


def _short(name: str) -> str:
    """A comparison's name without the JPEG half (for the estimated-rate list)."""
    return name.split(" − ")[0]


CLAIM = Claim(
    id="C3",
    sentence=(
        "Training models on BLS and BMHJ-compressed data provides higher accuracy at all "
        "levels of compression for both data sets. At lower bit rates for compressed CIFAR-10 "
        "images there is a larger gap in performance"
    ),
    place="thesis §3.3, Fig 3.4",
    test=(
        "every λ of BLS/BMHJ inside JPEG's range of coded training-set rates: judged clean "
        "accuracy minus JPEG interpolated at the same coded rate > 0 (one-sided 95 % bound, "
        "seeds × images); all λ must hold; the gap's trend over rates is shown, not tested"
    ),
    check=check,
)
