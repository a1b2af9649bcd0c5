"""Fit recipes for learned codecs: every setting that changes the fitted weights, and presets.

Three presets (docs/CODEC_FIT.md has the convergence curves behind them):

- ``thesis``: the author's setup (docs/FACTS.md §2): batch 8, Adam 1e-4 at a constant rate, the
  auxiliary (entropy-model quantile) loss at 1e-3; full passes over the training images.
- ``fast``: the default. Batch 32, Adam 1e-3 after a linear warm-up, cosine decay to 1 % of
  the peak over a fixed step budget; 500 training images held out to track a validation
  loss. On 2 CPU cores it reaches and passes JPEG at middle rates in minutes, where the
  thesis recipe needs hours (measured in ``benchmarks/bench_fit_convergence.py``).
- ``converge``: ``fast``'s batch, peak rate and warm-up, then a budget that follows the
  held-out curve instead of a fixed total (schedule ``plateau``): the rate stays constant
  and is multiplied by ``decay_factor`` whenever the held-out loss has not fallen by a
  fraction ``min_delta`` of its best for ``decay_patience`` epochs; the fit stops when the
  ``stop_window`` epochs after a decay cut the held-out loss by less than a fraction
  ``stop_delta`` ("plateau"), when a decay is due at the rate floor ``lr_floor`` ("floor"),
  or after ``epochs`` epochs (the cap, "cap"). So a high λ gets the steps it needs.

The plateau settings (:data:`PLATEAU_KEYS`) only exist for schedule ``plateau``: other
schedules resolve without them, so adding them changed no other fit job's signature.

A recipe is resolved once, at plan time, into the fit job's config, so every value here is
part of the job's signature: changing a preset changes exactly the fit jobs that use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

SCHEDULES = ("constant", "cosine", "plateau")
# The settings of schedule "plateau" (None, and absent from the resolved recipe, otherwise).
PLATEAU_KEYS = ("decay_factor", "decay_patience", "stop_window", "stop_delta")

# Every fit setting, in the order the fit-codec config lists them. None where the value is
# decided elsewhere (crop: the dataset's image size; max_steps_per_epoch: a full pass).
FIT_KEYS = (
    "epochs",
    "max_steps_per_epoch",
    "batch_size",
    "crop",
    "lr",
    "aux_lr",
    "schedule",
    "warmup_steps",
    "lr_floor",
    "held_out",
    "patience",
    "min_delta",
    "seed",
    *PLATEAU_KEYS,
)

_THESIS: dict[str, Any] = {
    "epochs": 10,
    "max_steps_per_epoch": None,
    "batch_size": 8,
    "crop": None,
    "lr": 1e-4,
    "aux_lr": 1e-3,
    "schedule": "constant",
    "warmup_steps": 0,
    "lr_floor": 1.0,
    "held_out": 0,
    "patience": None,
    "min_delta": 0.0,
    "seed": 0,
    **dict.fromkeys(PLATEAU_KEYS),
}

FIT_PRESETS: dict[str, dict[str, Any]] = {
    "thesis": _THESIS,
    "fast": {
        **_THESIS,
        "epochs": 16,
        "max_steps_per_epoch": 400,
        "batch_size": 32,
        "lr": 1e-3,
        "schedule": "cosine",
        "warmup_steps": 200,
        "lr_floor": 0.01,
        "held_out": 500,
        "min_delta": 0.002,
    },
}
FIT_PRESETS["converge"] = {
    **FIT_PRESETS["fast"],
    "epochs": 60,  # the cap: 60 x 400 = 24,000 steps, 3.75 x fast's budget
    "schedule": "plateau",
    "decay_factor": 0.3,
    "decay_patience": 2,
    "stop_window": 2,
    "stop_delta": 0.005,
}
DEFAULT_FIT_PRESET = "fast"
# The settings every schedule has (FIT_KEYS without the plateau ones).
BASE_KEYS = tuple(k for k in FIT_KEYS if k not in PLATEAU_KEYS)


class FitRecipeError(ValueError):
    """A bad fit setting; the message is one line naming the setting and what was expected."""


def resolve_fit_recipe(
    preset: str, overrides: Mapping[str, Any] | None = None, image_size: int | None = None
) -> dict[str, Any]:
    """The full fit settings: preset ``preset`` with the non-None ``overrides`` applied.

    ``crop`` None becomes ``image_size``. Raises :class:`FitRecipeError` (one line) for an
    unknown preset or key or an out-of-range value.
    """
    if preset not in FIT_PRESETS:
        raise FitRecipeError(
            f"unknown fit recipe {preset!r}; valid fit recipes: {', '.join(FIT_PRESETS)}"
        )
    recipe = dict(FIT_PRESETS[preset])
    for key, value in (overrides or {}).items():
        if key not in recipe:
            raise FitRecipeError(f"unknown fit setting {key!r}; valid: {', '.join(FIT_KEYS)}")
        if value is not None:
            recipe[key] = value
    if recipe["crop"] is None:
        recipe["crop"] = image_size
    if recipe["schedule"] == "plateau":  # unset plateau settings: the converge preset's
        for key in PLATEAU_KEYS:
            if recipe[key] is None:
                recipe[key] = FIT_PRESETS["converge"][key]
    else:
        given = [k for k in PLATEAU_KEYS if (overrides or {}).get(k) is not None]
        if given:
            raise FitRecipeError(
                f"fit.{given[0]} only applies to fit.schedule plateau; got schedule "
                f"{recipe['schedule']!r}"
            )
    check_fit_recipe(recipe)
    keys = FIT_KEYS if recipe["schedule"] == "plateau" else BASE_KEYS
    return {key: recipe[key] for key in keys}


def check_fit_recipe(recipe: Mapping[str, Any]) -> None:
    """One-line :class:`FitRecipeError` unless every value of ``recipe`` is in range."""
    positive_ints = ("epochs", "batch_size")
    for key in positive_ints:
        if not isinstance(recipe[key], int) or recipe[key] < 1:
            raise FitRecipeError(f"fit.{key} must be an integer >= 1; got {recipe[key]!r}")
    steps = recipe["max_steps_per_epoch"]
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise FitRecipeError(f"fit.max_steps_per_epoch must be null or >= 1; got {steps!r}")
    for key in ("lr", "aux_lr"):
        if not recipe[key] > 0:
            raise FitRecipeError(f"fit.{key} must be > 0; got {recipe[key]!r}")
    if recipe["schedule"] not in SCHEDULES:
        raise FitRecipeError(
            f"unknown fit.schedule {recipe['schedule']!r}; valid: {', '.join(SCHEDULES)}"
        )
    if not 0 < recipe["lr_floor"] <= 1:
        raise FitRecipeError(f"fit.lr_floor must be in (0, 1]; got {recipe['lr_floor']!r}")
    for key in ("warmup_steps", "held_out"):
        if not isinstance(recipe[key], int) or recipe[key] < 0:
            raise FitRecipeError(f"fit.{key} must be an integer >= 0; got {recipe[key]!r}")
    patience = recipe["patience"]
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise FitRecipeError(f"fit.patience must be null or an integer >= 1; got {patience!r}")
    if patience is not None and recipe["held_out"] == 0:
        raise FitRecipeError("fit.patience needs held-out images to watch; set fit.held_out > 0")
    if recipe["min_delta"] < 0:
        raise FitRecipeError(f"fit.min_delta must be >= 0; got {recipe['min_delta']!r}")
    if recipe["schedule"] == "plateau":
        check_plateau(recipe)


def check_plateau(recipe: Mapping[str, Any]) -> None:
    """One-line :class:`FitRecipeError` unless the plateau settings of ``recipe`` are valid."""
    if recipe["held_out"] == 0:
        raise FitRecipeError("fit.schedule plateau needs held-out images; set fit.held_out > 0")
    factor = recipe.get("decay_factor")
    if not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise FitRecipeError(f"fit.decay_factor must be in (0, 1); got {factor!r}")
    for key in ("decay_patience", "stop_window"):
        value = recipe.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise FitRecipeError(f"fit.{key} must be an integer >= 1; got {value!r}")
    delta = recipe.get("stop_delta")
    if not isinstance(delta, (int, float)) or not 0 <= delta <= 1:
        raise FitRecipeError(f"fit.stop_delta must be in [0, 1]; got {delta!r}")


def learning_rate(
    step: int,
    total_steps: int,
    lr: float,
    schedule: str,
    warmup_steps: int,
    lr_floor: float,
    scale: float = 1.0,
) -> float:
    """The network's learning rate at optimizer step ``step`` (0-based) of ``total_steps``.

    Linear warm-up from ``lr / warmup_steps`` to ``lr`` over the first ``warmup_steps``
    steps, then ``lr`` (constant), ``lr * scale`` (plateau: ``scale`` is the product of the
    decays so far, kept in the fit's checkpoint) or a cosine from ``lr`` down to
    ``lr * lr_floor`` at the last step. A pure function of the step (and, for plateau, the
    scale), so a resumed fit follows the same schedule.
    """
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    if schedule == "constant":
        return lr
    if schedule == "plateau":
        return lr * scale
    span = max(1, total_steps - 1 - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    floor = lr * lr_floor
    return floor + (lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
