"""Checks of resolved settings, run before anything is submitted.

:func:`validate` checks every value against the registries and its range (no disk access:
``grid.plan`` runs it, also for tools that only count jobs); :func:`check_disk` checks what
the launch will read and write on disk: the data roots the sweep uses, a CIFAR-10-C release
folder, the results folder. Both raise :class:`SettingsError` with one line naming the
setting and what was expected.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import lcc.data
import lcc.specs.codecs
import lcc.specs.models
from grid.disk import DISK_CHECKS
from grid.expand import evaluates_cifar10c, fit_settings, train_recipe
from grid.sections import Sections, check_count, check_flag, is_int
from grid.settings import SettingsError
from grid.suggest import unknown
from lcc.data.check import check_cifar10c, check_root
from lcc.specs.fit_recipe import FitRecipeError
from lcc.specs.precision import PRECISIONS
from lcc.specs.train_recipe import RecipeError

EXECUTORS = ("auto", "slurm", "local", "fake")
# Settings outside the typed sections (grid/sections.py: select, fourier, gate, which check
# themselves) that are true or false.
BOOLEAN_KEYS = (
    "original",
    "test_on_compressed",
    "cifar10c",
    "dry_run",
    "fake.pdb",
    "follow",
    "gabor.enabled",
)
# Settings outside the typed sections that are a count: an integer >= 1, or null where True.
COUNT_KEYS = {
    "encode.batch_size": False,
    "eval.batch_size": False,
    "max_parallel": True,
    "data.train_limit": True,
    "data.test_limit": True,
}
# Sweep settings that hold a filesystem path to read, by the dataset name that reads it.
DATA_ROOTS = ("cifar10", "tinyimagenet")
# What executor=slurm runs: sbatch submits the arrays, submitit's job script calls srun.
SLURM_COMMANDS = ("sbatch", "srun")


def _check_choices(
    what: str, values: Iterable[Any], valid: Iterable[Any], plural: str = ""
) -> None:
    """One-line error for the first of ``values`` not in ``valid`` (``plural``: the plural
    of ``what`` where it is not ``what + "s"``)."""
    valid = list(valid)
    for value in values:
        if value not in valid:
            raise unknown(what, value, valid, plural)


def get_key(settings: Mapping[str, Any], dotted: str) -> Any:
    """The value of dotted key ``dotted`` (e.g. ``"select.top_k"``) in ``settings``."""
    node: Any = settings
    for part in dotted.split("."):
        node = node[part]
    return node


def _check_types(settings: Mapping[str, Any]) -> None:
    """Booleans, counts and lists are of their kind and in range."""
    for key in BOOLEAN_KEYS:
        check_flag(key, get_key(settings, key))
    for key, nullable in COUNT_KEYS.items():
        check_count(key, get_key(settings, key), nullable)
    for key in ("datasets", "archs"):
        if not isinstance(settings[key], list) or not settings[key]:
            raise SettingsError(
                f"{key} must be a non-empty list (e.g. [a,b]); got {settings[key]!r}"
            )
    for key in ("corruptions", "severities", "plugins", "fake.fail", "fake.preempt"):
        if not isinstance(get_key(settings, key), list):
            raise SettingsError(
                f"{key} must be a list (e.g. [a,b]); got {get_key(settings, key)!r}"
            )
    seeds = settings["seeds"]
    if is_int(seeds):
        if seeds < 1:
            raise SettingsError(f"seeds must be a count >= 1 or a list of seeds; got {seeds!r}")
    elif not isinstance(seeds, list) or not seeds:
        raise SettingsError(f"seeds must be a count >= 1 or a non-empty list; got {seeds!r}")
    elif not all(is_int(s) and s >= 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise SettingsError(f"seeds must list distinct integers >= 0; got {seeds!r}")
    poll_s = settings["poll_s"]
    if isinstance(poll_s, bool) or not isinstance(poll_s, (int, float)) or not poll_s > 0:
        raise SettingsError(f"poll_s must be a number of seconds > 0 (e.g. 60); got {poll_s!r}")
    noise_seed = settings["encode"]["seed"]
    if not (is_int(noise_seed) and noise_seed >= 0):
        raise SettingsError(f"encode.seed must be an integer >= 0; got {noise_seed!r}")


def validate(settings: Mapping[str, Any]) -> None:
    """Raise :class:`SettingsError` (one line) for the first bad value in ``settings``."""
    _check_types(settings)
    _check_choices("dataset", settings["datasets"], lcc.data.DATASETS)
    _check_choices("architecture", settings["archs"], lcc.specs.models.MODELS)
    codecs = [c for c in lcc.specs.codecs.CODECS if c != "identity"]
    _check_choices("codec", settings["codecs"], codecs)
    for codec, levels in settings["codecs"].items():
        if not isinstance(levels, list):
            raise SettingsError(f"codecs.{codec} must be a list of levels, got {levels!r}")
        for level in levels:
            try:
                lcc.specs.codecs.validate(codec, level)
            except ValueError as err:
                raise SettingsError(f"codecs.{codec}: {err}") from None
    _check_choices("corruption", settings["corruptions"], lcc.data.CORRUPTIONS)
    _check_choices("severity", settings["severities"], range(1, 6), plural="severities")
    Sections.of(settings)  # select, fourier and gate check themselves (grid/sections.py)
    _check_choices("eval.precision", [settings["eval"]["precision"]], PRECISIONS)
    _check_choices("executor", [settings["executor"]], EXECUTORS)
    _check_choices("disk_check", [settings["disk_check"]], DISK_CHECKS, "disk_check values")
    for name in settings["datasets"]:
        image_size = lcc.data.dataset_info(name).image_size
        _check_image_size(name, settings["archs"], image_size)
        try:
            fit_settings(settings, image_size)
            for arch in settings["archs"]:
                train_recipe(settings, name, image_size, arch)
        except (FitRecipeError, RecipeError) as err:
            raise SettingsError(str(err)) from None


def _check_image_size(dataset: str, archs: Iterable[str], image_size: int) -> None:
    """Each architecture takes the dataset's images (the check :func:`lcc.models.build`
    makes, without building the network)."""
    num_classes = lcc.data.dataset_info(dataset).num_classes
    for arch in archs:
        try:
            lcc.specs.models.validate(arch, num_classes, image_size)
        except ValueError as err:
            raise SettingsError(f"{err} (dataset {dataset!r})") from None


def check_disk(settings: Mapping[str, Any], results: Path, dry_run: bool = False) -> dict[str, str]:
    """For planned settings (:func:`grid.planner.resolve`'s, the CIFAR-10-C lists filled):
    the data roots the sweep reads hold their datasets, a given CIFAR-10-C folder holds every
    needed corruption, and ``results`` can be created or written. Nothing is written.

    A dry run checks only ``results``: it returns the data settings it did not check
    (``{"data.cifar10": "/data/cifar"}``), so a plan can be inspected where the data is not."""
    used = set(settings["datasets"])
    release = settings["data"]["cifar10c"]
    reads_release = any(
        evaluates_cifar10c(settings, lcc.data.dataset_info(name).image_size) for name in used
    )
    if dry_run:
        _check_writable(results)
        roots = {f"data.{n}": settings["data"][n] for n in DATA_ROOTS if n in used}
        if release is not None and reads_release:
            roots["data.cifar10c"] = release
        return {key: str(value) for key, value in roots.items()}
    for name in DATA_ROOTS:
        root = settings["data"][name]
        if name in used:
            try:
                check_root(name, root)
            except ValueError as err:
                what = " is not set" if root is None else f"={root}"
                raise SettingsError(f"data.{name}{what}: {err}") from None
    if release is not None and reads_release:
        try:
            check_cifar10c(release, settings["corruptions"], settings["severities"])
        except ValueError as err:
            raise SettingsError(f"data.cifar10c={release}: {err}") from None
    _check_writable(results)
    return {}


def _check_writable(results: Path) -> None:
    """``results`` (or its nearest existing parent, where it would be created) is a writable
    folder."""
    existing = results
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise SettingsError(f"results={results}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SettingsError(f"results={results}: folder {existing} is not writable")


def check_slurm(executor: str, dry_run: bool) -> None:
    """``executor=slurm`` (not a dry run) needs Slurm's commands on ``PATH``
    (:data:`SLURM_COMMANDS`); raised before anything is written, so a machine without Slurm
    never gets a results folder from a launch that cannot submit."""
    missing = [name for name in SLURM_COMMANDS if shutil.which(name) is None]
    if executor == "slurm" and not dry_run and missing:
        raise SettingsError(
            f"executor=slurm: no {' or '.join(missing)} on PATH (no Slurm on this machine); "
            "use executor=local to run here, or dry_run=true to see the plan"
        )
