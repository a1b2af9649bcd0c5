"""The codec fit objectives by name and the settings of each that change the fitted weights
(torch-free: planning reads them; the criteria themselves are :mod:`lcc.codecs.objectives`)."""

from __future__ import annotations

from numbers import Real
from typing import Any

from lcc.specs.fit_recipe import FitRecipeError

OBJECTIVES = ("mse", "ssim", "task")
DEFAULT_TASK_BETA = 1.0


def check_task_beta(beta: object) -> float:
    """β of the ``task`` objective: a finite number >= 0; a one-line FitRecipeError otherwise."""
    if isinstance(beta, bool) or not isinstance(beta, Real) or not 0 <= beta < float("inf"):
        raise FitRecipeError(f"fit.task_beta must be a number >= 0 (e.g. 1.0); got {beta!r}")
    return float(beta)


def objective_settings(objective: str, task_beta: object = None) -> dict[str, Any]:
    """The settings of ``objective`` that change the fitted weights (part of the fit job's
    config): ``{"task_beta": β}`` for ``task`` (None = the default), none for the others."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    if objective != "task":
        return {}
    return {"task_beta": check_task_beta(DEFAULT_TASK_BETA if task_beta is None else task_beta)}
