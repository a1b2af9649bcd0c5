"""The thesis' claims table: does each headline claim hold on this sweep's rows?

One :class:`~analysis.claims.base.Claim` per module, each beside its rule: C1 rate–distortion
against JPEG (:mod:`.rate_distortion`), C2 Table 3.1's JPEG rates (:mod:`.jpeg_rates`), C3
accuracy against JPEG at equal rate (:mod:`.accuracy_at_rate`), C4 robustness of BLS
(:mod:`.robustness`), C5 the joined set against its parts (:mod:`.joined`), C6 the spectra of
the training images (:mod:`.spectra`). :mod:`.base` says what the verdicts mean and how a row
is built; :mod:`analysis.stats` decides each comparison.
"""

from __future__ import annotations

import pandas as pd

from analysis.claims import (
    accuracy_at_rate,
    joined,
    jpeg_rates,
    rate_distortion,
    robustness,
    spectra,
)
from analysis.claims.base import CLAIM_COLUMNS, Claim, Inputs, claim_row
from analysis.derived import Derived
from analysis.load import Results
from analysis.markdown import to_markdown

CLAIMS: tuple[Claim, ...] = (
    rate_distortion.CLAIM,
    jpeg_rates.CLAIM,
    accuracy_at_rate.CLAIM,
    robustness.CLAIM,
    joined.CLAIM,
    spectra.CLAIM,
)


def claims_table(results: Results, derived: Derived | None = None) -> pd.DataFrame:
    """One row per claim (columns :data:`CLAIM_COLUMNS`) for a loaded sweep.

    ``derived`` defaults to :meth:`Derived.of` of ``results``; the per-image evidence is read
    once, by the first claim that needs it.
    """
    inputs = Inputs(results, derived if derived is not None else Derived.of(results))
    rows = [claim_row(claim, claim.check(inputs)) for claim in CLAIMS]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS).astype({"seeds": "Int64", "images": "Int64"})


def claims_markdown(table: pd.DataFrame) -> str:
    """The claims table as a markdown pipe table."""
    return to_markdown(table[CLAIM_COLUMNS])


__all__ = ["CLAIMS", "CLAIM_COLUMNS", "claims_markdown", "claims_table"]
