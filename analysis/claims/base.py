"""A claim of the thesis as one object: its sentence, the test that decides it, the check.

:class:`Claim` holds the thesis' own sentence and where it stands, the test in words and the
``check`` function that runs it; the check returns an :class:`Outcome`: the verdict, the
comparisons it rests on (:class:`analysis.stats.Comparison`, each with its interval, minimum
detectable effect and sample sizes) and a line of measured numbers. Verdicts
(:data:`analysis.stats.VERDICTS`):

- **holds**: every comparison's one-sided 95 % bound clears the claim's margin (an
  intersection–union test: "at all levels", "above every rival");
- **does not hold**: some comparison's bound lies on the wrong side of it;
- **undecided**: neither; the row gives the minimum detectable effect (MDE) of the run;
- **not testable**: the rows the test needs are not there; ``detail`` says which.

Accuracies are compared on the *judged* half of the test images, with the best epochs and
levels chosen on the other half (:mod:`lcc.evaluate.holdout`); differences are shown in
percentage points (pp).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from analysis.derived import Derived
from analysis.evidence import Evidence, evidence_of
from analysis.load import Results
from analysis.stats import FAILS, HOLDS, UNDECIDED, UNTESTABLE, Comparison, claim_mde, decide

__all__ = ["FAILS", "HOLDS", "UNDECIDED", "UNTESTABLE"]

# Display units of a claim's numbers: accuracy differences in percentage points (fractions x
# 100), distortion margins in dB or SSIM units, spectral ratios as they are.
UNIT_SCALE = {"pp": 100.0, "dB": 1.0, "SSIM": 1.0, "ratio": 1.0, "%": 100.0}


@dataclass
class Inputs:
    """What a claim's check reads: the loaded sweep, what the report derives from it, and the
    per-image evidence of the judged test images (read from the sweep on first use, shared with
    the figures by :func:`analysis.evidence.evidence_of`, unless given, e.g. hand-made in a
    test)."""

    results: Results
    derived: Derived
    given_evidence: Evidence | None = None

    @cached_property
    def evidence(self) -> Evidence:
        if self.given_evidence is not None:
            return self.given_evidence
        return evidence_of(self.results)


@dataclass(frozen=True)
class Outcome:
    """A check's result: ``comparisons`` decide it (with ``verdict`` from
    :func:`analysis.stats.decide` unless given), ``measured`` lists the numbers, ``detail``
    says what was compared, skipped or why nothing could be; ``unit`` is the comparisons'
    display unit (:data:`UNIT_SCALE`). ``units``, when given, is one unit per comparison
    (claims whose comparisons differ in unit, e.g. PSNR in dB and SSIM); ``unit`` is then the
    one the row prefers for its headline (:func:`headline_unit`)."""

    verdict: str
    comparisons: tuple[Comparison, ...] = ()
    measured: str = ""
    detail: str = ""
    unit: str = "pp"
    units: tuple[str, ...] = ()

    def unit_of(self, index: int) -> str:
        """The display unit of ``comparisons[index]``."""
        return self.units[index] if self.units else self.unit

    @classmethod
    def decided(cls, comparisons, measured: str, detail: str, unit: str = "pp") -> Outcome:
        """The outcome of an intersection–union test over ``comparisons``."""
        comparisons = tuple(comparisons)
        return cls(decide(comparisons), comparisons, measured, detail, unit)

    @classmethod
    def untestable(cls, reason: str) -> Outcome:
        return cls(UNTESTABLE, detail=reason)


@dataclass(frozen=True)
class Claim:
    """One claim: ``id`` (C1..C6), the thesis' ``sentence`` and its ``place``, the ``test`` in
    words, and ``check(inputs) -> Outcome``."""

    id: str
    sentence: str
    place: str
    test: str
    check: Callable[[Inputs], Outcome] = field(repr=False)


CLAIM_COLUMNS = [
    "claim",
    "verdict",
    "estimate",
    "lower",
    "upper",
    "mde",
    "unit",
    "seeds",
    "images",
    "measured",
    "test",
    "thesis",
    "detail",
]


def headline_unit(outcome: Outcome) -> str:
    """The unit of the row's headline: ``outcome.unit``, unless the comparisons have units of
    their own (``units``) and none of those in ``outcome.unit`` shares the claim's verdict
    (e.g. only an SSIM comparison fails): then the unit of the first comparison that does."""
    if not outcome.units:
        return outcome.unit
    deciding = [
        u for c, u in zip(outcome.comparisons, outcome.units, strict=True)
        if c.verdict == outcome.verdict
    ]  # fmt: skip
    if not deciding or outcome.unit in deciding:
        return outcome.unit
    return deciding[0]


def in_unit(outcome: Outcome, unit: str) -> list[Comparison]:
    """The comparisons of ``outcome`` shown in ``unit``."""
    return [c for i, c in enumerate(outcome.comparisons) if outcome.unit_of(i) == unit]


def headline(outcome: Outcome) -> Comparison | None:
    """The comparison that decides the claim, among those in :func:`headline_unit`: for "does
    not hold" the one lying furthest on the wrong side (smallest upper bound minus margin),
    else the weakest one (smallest lower bound minus margin); None without comparisons."""
    candidates = in_unit(outcome, headline_unit(outcome))
    if not candidates:
        return None
    if outcome.verdict == FAILS:
        return min(candidates, key=lambda c: c.upper - c.margin)
    return min(candidates, key=lambda c: c.lower - c.margin)


def claim_row(claim: Claim, outcome: Outcome) -> dict:
    """A claims-table row (:data:`CLAIM_COLUMNS`): the headline comparison's estimate and its
    one-sided 95 % bounds (together a 90 % interval), the claim's MDE (the largest of its
    comparisons': each has to pass; with per-comparison ``units``, of those in the headline's
    unit), the fewest seeds and images any comparison used."""
    top = headline(outcome)
    unit = headline_unit(outcome)
    scale = UNIT_SCALE[unit]
    number = (lambda x: float(x) * scale) if top is not None else (lambda x: np.nan)
    comparisons = outcome.comparisons
    return {
        "claim": claim.id,
        "verdict": outcome.verdict,
        "estimate": number(top.estimate) if top else np.nan,
        "lower": number(top.lower) if top else np.nan,
        "upper": number(top.upper) if top else np.nan,
        "mde": number(claim_mde(in_unit(outcome, unit))) if top else np.nan,
        "unit": unit if top else "",
        "seeds": min(c.n_seeds for c in comparisons) if comparisons else None,
        "images": min(c.n_images for c in comparisons) if comparisons else None,
        "measured": outcome.measured,
        "test": claim.test,
        "thesis": f"“{claim.sentence}” ({claim.place})",
        "detail": outcome.detail,
    }


def comparison_text(comparison: Comparison, unit: str = "pp") -> str:
    """``name: +1.2 pp [−0.3, +2.7], MDE 2.1 pp, 3 seeds × 1,000 images → verdict``."""
    scale = UNIT_SCALE[unit]
    digits = 2 if unit in ("pp", "dB", "%") else 3
    sign = f"{{:+.{digits}f}}"
    text = (
        f"{comparison.name}: {sign.format(comparison.estimate * scale)} {unit} "
        f"[{sign.format(comparison.lower * scale)}, {sign.format(comparison.upper * scale)}], "
        f"MDE {comparison.mde * scale:.{digits}f} {unit}"
    )
    sizes = f"{comparison.n_images:,} images"
    if comparison.n_seeds:
        sizes = f"{comparison.n_seeds} seed{'s' if comparison.n_seeds > 1 else ''} × {sizes}"
    text += f", {sizes} → {comparison.verdict}"
    return text + (f" ({comparison.reason})" if comparison.reason else "")


def undecided_note(outcome: Outcome) -> str:
    """Why an undecided claim is undecided, for its detail: the undecidable comparisons'
    reasons, or how many comparisons hold and that the others' bounds straddle the margin."""
    reasons = sorted({c.reason for c in outcome.comparisons if c.reason})
    if reasons:
        return "; ".join(reasons)
    held = sum(c.verdict == HOLDS for c in outcome.comparisons)
    return (
        f"{held} of {len(outcome.comparisons)} comparisons hold; the others' bounds straddle "
        "the margin: their differences are below what this run can detect (MDE)"
    )


__all__ += ["CLAIM_COLUMNS", "Claim", "Inputs", "Outcome", "claim_row", "comparison_text"]
