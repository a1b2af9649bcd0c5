"""What a figure or table of the report is built from, and why a sweep's rows may lack it.

Thesis ch.3 needs bit rates and trained classifiers; ch.4 the evaluation on CIFAR-10-C and the
BDA/BDAD/BDADS selection. Each need's check returns why the sweep's rows lack it, or None;
:func:`absence` gives the first unmet need of an item (analysis/catalogue.py names each item's
needs), which the report lists instead of drawing the item empty.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.derived import Derived
from analysis.load import Results
from lcc.specs.soft_labels import SOFT_LABEL_SETS


def _lacks_bit_rates(r: Results, d: Derived) -> str | None:
    rows = r.rate_distortion
    if rows[(rows["split"] == "train") & rows["bpp"].notna()].empty:
        return "no training set with a bit rate (JPEG or a learned codec) in this sweep"
    return None


def _lacks_training(r: Results, d: Derived) -> str | None:
    return "no finished training in this sweep" if d.epochs.empty else None


def _lacks_cifar10c(r: Results, d: Derived) -> str | None:
    if (r.evaluation["eval_set"] == "cifar10c").any():
        return None
    return "no evaluation on CIFAR-10-C in this sweep"


def _lacks_gate(r: Results, d: Derived) -> str | None:
    if (r.codec_gate["role"] == "candidate").any():
        return None
    return "no fitted learned codec was gated in this sweep (no check-codec rows)"


def _lacks_selection(r: Results, d: Derived) -> str | None:
    if len(d.ranked):
        return None
    if _lacks_cifar10c(r, d):
        return "no selection in this sweep (nothing evaluated on CIFAR-10-C)"
    if len(d.refused_groups):
        return "no selection in this sweep (every ranking group was refused; see Refused summaries)"
    return "no selection in this sweep (no augmentation codec evaluated on CIFAR-10-C)"


def _lacks_fourier(r: Results, d: Derived) -> str | None:
    if len(r.fourier_sensitivity):
        return None
    return "no Fourier heat map in this sweep (fourier.enabled is false, or no 32x32 training)"


def _lacks_gabor(r: Results, d: Derived) -> str | None:
    if len(r.gabor_response):
        return None
    return "no Gabor response histogram in this sweep (gabor.enabled is false)"


def _lacks_gabor_original(r: Results, d: Derived) -> str | None:
    if (r.gabor_response["codec"] == "identity").any():
        return None
    return "no Gabor response histogram of the original data to compare with (original=false)"


def _lacks_soft_labels(r: Results, d: Derived) -> str | None:
    if set(SOFT_LABEL_SETS) <= set(r.evaluation["train_set"]):
        return None
    return "no evaluation of both soft-label comparison sets (data.soft_labels is null)"


def _lacks_saliency(r: Results, d: Derived) -> str | None:
    if len(r.saliency):
        return None
    return "no saliency map in this sweep (saliency.enabled is false, or no 32x32 training)"


def _lacks_contrastive(r: Results, d: Derived) -> str | None:
    if len(r.contrastive_curve):
        return None
    return "no contrastive pretraining in this sweep (contrastive.enabled is false)"


# Need -> why the sweep's rows lack it (None: they have it).
NEEDS: dict[str, Callable[[Results, Derived], str | None]] = {
    "bit_rates": _lacks_bit_rates,
    "training": _lacks_training,
    "cifar10c": _lacks_cifar10c,
    "selection": _lacks_selection,
    "gate": _lacks_gate,
    "fourier": _lacks_fourier,
    "gabor": _lacks_gabor,
    "gabor_original": _lacks_gabor_original,
    "soft_labels": _lacks_soft_labels,
    "saliency": _lacks_saliency,
    "contrastive": _lacks_contrastive,
}


def absence(needs: tuple[str, ...], results: Results, derived: Derived) -> str | None:
    """Why the sweep's rows cannot give an item needing ``needs`` (the first unmet), or None."""
    for need in needs:
        if need not in NEEDS:
            raise KeyError(f"unknown need {need!r}; valid needs: {', '.join(NEEDS)}")
        if reason := NEEDS[need](results, derived):
            return reason
    return None
