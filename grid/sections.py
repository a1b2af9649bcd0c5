"""The typed sections of the sweep settings: ``select``, ``fourier`` and ``gate``.

The settings dict (grid/settings.py) stays the layer that merges a sweep with the defaults
and the ``key=value`` overrides, and :data:`grid.settings.DECLARED` the one declaration of
each key, its default and meaning. After the overrides, each section is built once into a
frozen dataclass (:meth:`Select.of`, :meth:`Fourier.of`, :meth:`Gate.of`, all three:
:meth:`Sections.of`) from exactly the keys DECLARED declares for it, and checks itself in
``__post_init__``: a bad value is a one-line :class:`SettingsError` naming the key, the value
and what is valid. Expansion (grid/expand.py) reads these objects, not the dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from grid.settings import DECLARED, SettingsError
from grid.stage_table import SELECT_METHODS
from grid.suggest import unknown
from lcc.specs.fourier import check_settings as check_fourier_settings
from lcc.specs.weights import check_rule

T = TypeVar("T")


def checked_section(
    settings: Mapping[str, Any], name: str, kind: Callable[..., T], keys: Sequence[str]
) -> T:
    """Section ``name`` of resolved sweep ``settings`` as ``kind`` (a frozen settings dataclass
    that checks itself), built from its ``keys`` (the stage's config: ``enabled`` and the like
    are not); the ValueError ``kind`` raises becomes a one-line :class:`SettingsError`."""
    section = settings[name]
    try:
        return kind(**{key: section[key] for key in keys})
    except ValueError as err:
        raise SettingsError(str(err)) from None


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (``True`` and ``False`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_flag(key: str, value: Any) -> None:
    """One-line error unless ``value`` is true or false."""
    if not isinstance(value, bool):
        raise SettingsError(f"{key} must be true or false; got {value!r}")


def check_count(key: str, value: Any, nullable: bool = False) -> None:
    """One-line error unless ``value`` is an integer >= 1 (or null, where ``nullable``)."""
    if value is None and nullable:
        return
    if not is_int(value) or value < 1:
        expected = "an integer >= 1" + (" or null" if nullable else "")
        raise SettingsError(f"{key} must be {expected}; got {value!r}")


def _names(key: str, value: Any) -> tuple[Any, ...]:
    """``value`` as a tuple; one-line error unless it is a list."""
    if not isinstance(value, list | tuple):
        raise SettingsError(f"{key} must be a list (e.g. [a,b]); got {value!r}")
    return tuple(value)


def _declared(settings: Mapping[str, Any], section: str) -> dict[str, Any]:
    """The values of ``settings[section]`` of the keys :data:`DECLARED` declares for it."""
    return {key: settings[section][key] for key in DECLARED[section]}


@dataclass(frozen=True)
class Select:
    """``select``: the BDA selection stage and the joined training sets it feeds (thesis §4.3,
    §6.3). ``codecs``: each codec of the sweep -> its levels (setting ``codecs``), which the
    joined codecs are checked against."""

    methods: tuple[str, ...]  # subset of SELECT_METHODS; empty = no select stage
    top_k: int  # levels of each joined codec that are joined, >= 1
    joined: tuple[str, ...]  # codecs of the sweep, each with at least top_k levels
    weighting: tuple[str, ...]  # loss weighting rules of joined sets (lcc.specs.weights)
    codecs: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        methods = _names("select.methods", self.methods)
        for method in methods:
            if method not in SELECT_METHODS:
                raise unknown("selection method", method, SELECT_METHODS)
        check_count("select.top_k", self.top_k)
        joined = _names("select.joined", self.joined)
        for codec in joined:
            if codec not in self.codecs:
                raise unknown("joined codec", codec, self.codecs)
            levels = list(self.codecs[codec])
            if len(levels) < self.top_k:
                raise SettingsError(
                    f"select.top_k={self.top_k} needs at least {self.top_k} levels of joined "
                    f"codec {codec!r}, which has {levels}; valid top_k for it: 1..{len(levels)}"
                )
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "joined", joined)
        object.__setattr__(self, "weighting", _weighting(self.weighting))

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Select:
        """The ``select`` section of ``settings``, checked against its ``codecs``."""
        levels = {codec: tuple(levels) for codec, levels in settings["codecs"].items()}
        return cls(**_declared(settings, "select"), codecs=levels)

    @property
    def enabled(self) -> bool:
        """Whether the sweep has a select stage (at least one method)."""
        return bool(self.methods)


def _weighting(rules: Any) -> tuple[str, ...]:
    """``select.weighting`` checked (lcc.specs.weights); null means "none" (the command line
    reads ``none`` as null)."""
    if not isinstance(rules, list | tuple) or not rules:
        raise SettingsError(f"select.weighting must be a non-empty list of rules, got {rules!r}")
    try:
        return tuple(check_rule("none" if rule is None else rule) for rule in rules)
    except ValueError as err:
        raise SettingsError(str(err)) from None


@dataclass(frozen=True)
class Fourier:
    """``fourier``: Fourier heat maps of the trainings of 32x32 datasets (thesis §6.2,
    lcc.evaluate.fourier)."""

    enabled: bool
    norm: float  # l2 norm of one channel's perturbation, pixels on [0, 1]; > 0
    images: int  # the first N test images, >= 1
    batch_size: int  # images per forward pass, >= 1
    seed: int  # seed of the heat maps' image choice, >= 0

    def __post_init__(self) -> None:
        check_flag("fourier.enabled", self.enabled)
        try:
            check_fourier_settings(self.norm, self.images, self.batch_size)
        except ValueError as err:
            raise SettingsError(str(err)) from None
        if not is_int(self.seed) or self.seed < 0:
            raise SettingsError(f"fourier.seed must be an integer >= 0; got {self.seed!r}")

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Fourier:
        """The ``fourier`` section of ``settings``."""
        return cls(**_declared(settings, "fourier"))

    def config(self, precision: str) -> dict[str, Any]:
        """The config of a fourier job: this section's values and ``precision``
        (``eval.precision``)."""
        return {
            "norm": self.norm,
            "images": self.images,
            "seed": self.seed,
            "batch_size": self.batch_size,
            "precision": precision,
        }


@dataclass(frozen=True)
class Gate:
    """``gate``: the quality gate of fitted codecs against JPEG (stage check-codec)."""

    images: int | None  # first N test images (class-balanced), >= 1; None = all
    enforce: bool  # a codec that fails the gate gets no encodes

    def __post_init__(self) -> None:
        check_count("gate.images", self.images, nullable=True)
        check_flag("gate.enforce", self.enforce)

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Gate:
        """The ``gate`` section of ``settings``."""
        return cls(**_declared(settings, "gate"))


@dataclass(frozen=True)
class Sections:
    """The typed sections of one sweep part's settings."""

    select: Select
    fourier: Fourier
    gate: Gate

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Sections:
        """Every typed section of ``settings`` (each checked: one-line SettingsError)."""
        return cls(Select.of(settings), Fourier.of(settings), Gate.of(settings))
