"""Checks of resolved settings against the registries, run before anything is submitted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from grid.expand import fit_settings
from grid.settings import SettingsError
from lcc.codecs.fit_recipe import FitRecipeError

EXECUTORS = ("auto", "slurm", "local", "fake")
SELECT_METHODS = ("bda", "bdad", "bdads")


def _check_choices(what: str, values: Iterable[Any], valid: Iterable[Any]) -> None:
    valid = list(valid)
    for value in values:
        if value not in valid:
            raise SettingsError(
                f"unknown {what} {value!r}; valid {what}s: {', '.join(map(str, valid))}"
            )


def validate(settings: Mapping[str, Any], clusters: Iterable[str]) -> None:
    """Raise :class:`SettingsError` (one line) for the first bad value in ``settings``."""
    import lcc.codecs
    import lcc.data
    import lcc.models

    _check_choices("dataset", settings["datasets"], lcc.data.DATASETS)
    _check_choices("architecture", settings["archs"], lcc.models.MODELS)
    codecs = [c for c in lcc.codecs.CODECS if c != "identity"]
    _check_choices("codec", settings["codecs"], codecs)
    for codec, levels in settings["codecs"].items():
        if not isinstance(levels, list):
            raise SettingsError(f"codecs.{codec} must be a list of levels, got {levels!r}")
        for level in levels:
            try:
                lcc.codecs.validate(codec, level)
            except ValueError as err:
                raise SettingsError(str(err)) from None
    _check_choices("corruption", settings["corruptions"], lcc.data.CORRUPTIONS)
    _check_choices("severity", settings["severities"], range(1, 6))
    _check_choices("selection method", settings["select"]["methods"], SELECT_METHODS)
    _check_choices("joined codec", settings["select"]["joined"], settings["codecs"])
    top_k = settings["select"]["top_k"]
    for codec in settings["select"]["joined"]:
        if len(settings["codecs"][codec]) < top_k:
            levels = settings["codecs"][codec]
            raise SettingsError(
                f"select.top_k={top_k} needs at least {top_k} levels of joined codec {codec!r}, "
                f"which has {levels}; valid top_k for it: 1..{len(levels)}"
            )
    _check_choices("executor", [settings["executor"]], EXECUTORS)
    cluster = settings["cluster"]
    if not (str(cluster).endswith(".toml") and Path(cluster).is_file()):
        _check_choices("cluster", [cluster], clusters)
    seeds = settings["seeds"]
    if (isinstance(seeds, int) and seeds < 1) or (isinstance(seeds, list) and not seeds):
        raise SettingsError(f"seeds must be a positive count or a non-empty list, got {seeds!r}")
    for name in settings["datasets"]:
        image_size = lcc.data.dataset_info(name).image_size
        _check_image_size(name, settings["archs"], image_size)
        try:
            fit_settings(settings, image_size)
        except FitRecipeError as err:
            raise SettingsError(str(err)) from None


def _check_image_size(dataset: str, archs: Iterable[str], image_size: int) -> None:
    """Build each architecture on the meta device (no memory) to see it takes the images."""
    import torch

    import lcc.data
    import lcc.models

    num_classes = lcc.data.dataset_info(dataset).num_classes
    for arch in archs:
        try:
            with torch.device("meta"):
                lcc.models.build(arch, num_classes, image_size)
        except ValueError as err:
            raise SettingsError(f"{err} (dataset {dataset!r})") from None
