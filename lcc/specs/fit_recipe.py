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

A recipe is resolved once, at plan time (:func:`resolve_fit_recipe`), into a
:class:`FitRecipe` whose :meth:`FitRecipe.as_config` is the fit job's ``config.fit``, so every
value here is part of the job's signature: changing a preset changes exactly the fit jobs that
use it. The fit-codec stage reads it back with :meth:`FitRecipe.from_config`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

SCHEDULES = ("constant", "cosine", "plateau")
_PLATEAU = {"plateau": True}  # field metadata: a setting of schedule "plateau" only


class FitRecipeError(ValueError):
    """A bad fit setting; the message is one line naming the setting and what was expected."""


@dataclass(frozen=True, kw_only=True)
class FitRecipe:
    """Every setting that changes a codec fit's weights (:func:`lcc.codecs.fit.fit`).

    The fields, in this order, are the fit settings (:data:`FIT_KEYS`) and the keys of the
    fit-codec job's ``config.fit``; their defaults are the ``thesis`` preset, except ``crop``
    (pixels; the dataset's image size at plan time). ``epochs``: passes (the cap for schedule
    plateau); ``max_steps_per_epoch``: optimizer steps per pass, None for a full pass;
    ``batch_size``: crops per step; ``lr``/``aux_lr``: Adam's peak rates of the network and of
    the entropy bottleneck's quantiles; ``schedule`` (:data:`SCHEDULES`), ``warmup_steps`` and
    ``lr_floor`` (a fraction of ``lr``): the rate by step (:func:`learning_rate`); ``held_out``:
    training images kept out for a validation loss; ``patience``: epochs without a relative
    improvement of ``min_delta`` before an early stop (None: never); ``seed``: crops, order and
    initial weights. The plateau settings (:data:`PLATEAU_KEYS`, module docstring) are set
    exactly when ``schedule`` is ``plateau``. Checks itself: one-line :class:`FitRecipeError`.
    """

    epochs: int = 10
    max_steps_per_epoch: int | None = None
    batch_size: int = 8
    crop: int
    lr: float = 1e-4
    aux_lr: float = 1e-3
    schedule: str = "constant"
    warmup_steps: int = 0
    lr_floor: float = 1.0
    held_out: int = 0
    patience: int | None = None
    min_delta: float = 0.0
    seed: int = 0
    decay_factor: float | None = field(default=None, metadata=_PLATEAU)
    decay_patience: int | None = field(default=None, metadata=_PLATEAU)
    stop_window: int | None = field(default=None, metadata=_PLATEAU)
    stop_delta: float | None = field(default=None, metadata=_PLATEAU)

    def __post_init__(self) -> None:
        if self.schedule != "plateau":
            given = [k for k in PLATEAU_KEYS if getattr(self, k) is not None]
            if given:
                raise FitRecipeError(
                    f"fit.{given[0]} only applies to fit.schedule plateau; got schedule "
                    f"{self.schedule!r}"
                )
        for key in ("epochs", "batch_size", "crop"):
            _integer(key, getattr(self, key), 1)
        for key in ("max_steps_per_epoch", "patience"):
            _integer(key, getattr(self, key), 1, null=True)
        for key in ("warmup_steps", "held_out", "seed"):
            _integer(key, getattr(self, key), 0)
        for key in ("lr", "aux_lr"):
            _number(key, getattr(self, key), "> 0", lambda v: v > 0)
        if self.schedule not in SCHEDULES:
            raise FitRecipeError(
                f"unknown fit.schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}"
            )
        _number("lr_floor", self.lr_floor, "in (0, 1]", lambda v: 0 < v <= 1)
        if self.patience is not None and self.held_out == 0:
            raise FitRecipeError(
                "fit.patience needs held-out images to watch; set fit.held_out > 0"
            )
        _number("min_delta", self.min_delta, ">= 0", lambda v: v >= 0)
        if self.schedule == "plateau":
            self._check_plateau()

    def _check_plateau(self) -> None:
        if self.held_out == 0:
            raise FitRecipeError("fit.schedule plateau needs held-out images; set fit.held_out > 0")
        _number("decay_factor", self.decay_factor, "in (0, 1)", lambda v: 0 < v < 1)
        for key in ("decay_patience", "stop_window"):
            _integer(key, getattr(self, key), 1)
        _number("stop_delta", self.stop_delta, "in [0, 1]", lambda v: 0 <= v <= 1)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FitRecipe:
        """The recipe of a fit-codec job's ``config.fit`` (:meth:`as_config`): every key of
        :data:`BASE_KEYS`, plus :data:`PLATEAU_KEYS` for schedule plateau; a missing or unknown
        key is a :class:`FitRecipeError`, so no setting falls back to a default hidden here."""
        missing = [k for k in BASE_KEYS if k not in config]
        unknown = sorted(set(config) - set(FIT_KEYS))
        if missing or unknown:
            raise FitRecipeError(
                f"fit config must hold {', '.join(BASE_KEYS)} (and for schedule plateau "
                f"{', '.join(PLATEAU_KEYS)}); missing {missing}, unknown {unknown}"
            )
        return cls(**config)

    def rate(self, step: int, total_steps: int, scale: float = 1.0) -> float:
        """The network's learning rate at optimizer step ``step`` (0-based) of ``total_steps``:
        :func:`learning_rate` with this recipe's schedule (``scale``: plateau's decays)."""
        return learning_rate(
            step, total_steps, self.lr, self.schedule, self.warmup_steps, self.lr_floor, scale
        )

    def as_config(self) -> dict[str, Any]:
        """The settings as the fit-codec job's ``config.fit``: :data:`FIT_KEYS` in order, the
        plateau ones only for schedule plateau (so the other fits kept their signatures)."""
        keys = FIT_KEYS if self.schedule == "plateau" else BASE_KEYS
        return {key: getattr(self, key) for key in keys}


def _integer(key: str, value: Any, least: int, null: bool = False) -> None:
    """One-line FitRecipeError unless ``value`` is an int >= ``least`` (a bool is not; None is
    where ``null``)."""
    if value is None and null:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        null_or = "null or " if null else ""
        raise FitRecipeError(f"fit.{key} must be {null_or}an integer >= {least}; got {value!r}")


def _number(key: str, value: Any, valid: str, within) -> None:
    """One-line FitRecipeError unless ``value`` is a finite number (not a bool) ``within``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
        or not within(value)
    ):
        raise FitRecipeError(f"fit.{key} must be {valid}; got {value!r}")


# Every fit setting, in the order the fit-codec config lists them: FitRecipe's fields.
FIT_KEYS = tuple(f.name for f in dataclasses.fields(FitRecipe))
# The settings of schedule "plateau" (None, and absent from the job config, otherwise).
PLATEAU_KEYS = tuple(f.name for f in dataclasses.fields(FitRecipe) if f.metadata.get("plateau"))
# The settings every schedule has (FIT_KEYS without the plateau ones).
BASE_KEYS = tuple(k for k in FIT_KEYS if k not in PLATEAU_KEYS)

# The presets as every setting's value; None where decided elsewhere (crop: the dataset's image
# size) or unset (the plateau settings of the other schedules).
_THESIS: dict[str, Any] = {
    f.name: None if f.default is dataclasses.MISSING else f.default
    for f in dataclasses.fields(FitRecipe)
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


def resolve_fit_recipe(
    preset: str, overrides: Mapping[str, Any] | None = None, image_size: int | None = None
) -> FitRecipe:
    """The full fit settings: preset ``preset`` with the non-None ``overrides`` applied.

    ``crop`` None becomes ``image_size``. With schedule plateau, unset plateau settings are the
    ``converge`` preset's; with another schedule they stay unset. Raises
    :class:`FitRecipeError` (one line) for an unknown preset or key or an out-of-range value.
    """
    if preset not in FIT_PRESETS:
        raise FitRecipeError(
            f"unknown fit recipe {preset!r}; valid fit recipes: {', '.join(FIT_PRESETS)}"
        )
    overrides = dict(overrides or {})
    for key in overrides:
        if key not in FIT_KEYS:
            raise FitRecipeError(f"unknown fit setting {key!r}; valid: {', '.join(FIT_KEYS)}")
    given = {k: v for k, v in overrides.items() if v is not None}
    values = {**FIT_PRESETS[preset], **given}
    if values["crop"] is None:
        values["crop"] = image_size
    for key in PLATEAU_KEYS:
        if values["schedule"] != "plateau":  # a given one is refused by FitRecipe
            values[key] = given.get(key)
        elif values[key] is None:
            values[key] = FIT_PRESETS["converge"][key]
    return FitRecipe(**values)


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
