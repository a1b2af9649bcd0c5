"""Evaluating classifiers: top-1/top-5/loss on uint8 image arrays, per image and per part of
the held-out split (:mod:`lcc.evaluate.holdout`), per-dataset normalisation.

The names below load their module (and torch) on first use, not on ``import lcc.evaluate``:
analysis reads :mod:`lcc.evaluate.holdout`, the one definition of the held-out split, and
loads no torch (docs/ARCHITECTURE.md, "Layering"; tests/test_holdout.py). This is no lazy
import around a cycle: every module here imports only downward.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module defining it.
_EXPORTS = {
    "PRECISIONS": "lcc.evaluate.device_images",
    "to_device_images": "lcc.evaluate.device_images",
    "to_device_labels": "lcc.evaluate.device_images",
    "Predictions": "lcc.evaluate.metrics",
    "SCORE_KEYS": "lcc.evaluate.metrics",
    "evaluate": "lcc.evaluate.metrics",
    "evaluate_tensors": "lcc.evaluate.metrics",
    "predict": "lcc.evaluate.metrics",
    "predict_tensors": "lcc.evaluate.metrics",
    "NORMALIZATIONS": "lcc.evaluate.normalization",
    "Normalization": "lcc.evaluate.normalization",
    "get_normalization": "lcc.evaluate.normalization",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """``lcc.evaluate.<name>`` of :data:`_EXPORTS`, imported from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'lcc.evaluate' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
