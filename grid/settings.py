"""Sweep settings: defaults, ``key=value`` overrides, and validation before anything runs.

A sweep file declares only what differs from :data:`DEFAULTS`; the command line overrides
either. Every key must already exist in :data:`DEFAULTS` (except ``codecs.<name>``, whose
name must be a registered codec, and ``pack.<stage>``, checked with the cluster profile), so a
typo is an error that lists the valid keys.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from grid.cli import DEFAULT_RESULTS, SettingsError
from lcc.specs.fit_recipe import FIT_KEYS
from lcc.specs.fourier import DEFAULT_NORM
from lcc.specs.train_recipe import DEFAULT_PRESET, PRESETS, RECIPE_KEYS

ALL_SEVERITIES = [1, 2, 3, 4, 5]

DEFAULTS: dict[str, Any] = {
    "datasets": ["cifar10"],
    "archs": ["vgg11"],
    # An int n means seeds 0..n-1; a list names the seeds.
    "seeds": 3,
    # codec name -> levels. "original" (the identity codec) is controlled by `original`.
    "codecs": {},
    # Learned codecs are fitted on, and applied to, these datasets only (thesis ch.3).
    "codec_datasets": {
        "bls": ["cifar10", "synthetic"],
        "bmhj": ["tinyimagenet", "synthetic-tiny"],
        "bls-ssim": ["cifar10", "synthetic"],
        "bls-task": ["cifar10", "synthetic"],
        "mbt-mean": ["cifar10", "synthetic"],
    },
    "original": True,
    # Also test on the test split compressed the same way (parameter-reduction study).
    "test_on_compressed": False,
    # Evaluate on CIFAR-10-C (32x32 datasets only).
    "cifar10c": False,
    "corruptions": [],  # empty = the ten corruptions the thesis uses
    "severities": ALL_SEVERITIES,
    "select": {
        "methods": [],  # subset of bda, bdad, bdads; empty = no select stage
        "top_k": 2,
        "joined": [],  # codecs whose top_k BDA levels are joined into one training set
        # Loss weighting rules of the joined sets, one joined training each (lcc.train.weights:
        # none | rank | psnr; thesis §6.3); "none" is the unweighted join.
        "weighting": ["none"],
    },
    # Fourier heat maps (stage fourier, lcc.evaluate.fourier; thesis §6.2): one job per
    # training of a 32x32 dataset, on the first `images` test images.
    "fourier": {
        "enabled": False,
        "norm": DEFAULT_NORM,  # l2 norm of one channel's perturbation, pixels on [0, 1]
        "images": 1000,
        "batch_size": 64,  # images per forward pass, each perturbed at one frequency row
        "seed": 0,
    },
    "data": {
        "cifar10": None,  # root of cifar-10-batches-py/ or an image-folder layout
        "tinyimagenet": None,  # root of tiny-imagenet-200/
        "cifar10c": None,  # a CIFAR-10-C release folder; generated when null
        "train_limit": None,  # keep the first N training images (class-balanced)
        "test_limit": None,
    },
    # Codec fitting: a preset of lcc.specs.fit_recipe (fast | thesis); any key set here
    # overrides the preset's value (null = the preset's). task_beta: β of the task-aware
    # codecs' objective (lcc.codecs.objectives; null = its default, 1.0).
    "fit": {"recipe": "fast", "task_beta": None, **dict.fromkeys(FIT_KEYS)},
    # The codec quality gate (stage check-codec): each fitted codec against JPEG at its rate.
    "gate": {
        "images": 1000,  # first N test images (class-balanced); null = the whole test split
        "enforce": False,  # true: a codec that fails the gate gets no encodes, so no training
    },
    # Classifier training: a preset of lcc.specs.train_recipe (thesis | author); any key set here
    # overrides the recipe's value (null = the recipe's, e.g. the thesis batch for the
    # dataset and architecture). Resolved by lcc at plan time into each train job's config.
    "train": {"recipe": DEFAULT_PRESET, **dict.fromkeys(RECIPE_KEYS)},
    "encode": {"batch_size": 256, "seed": 0},  # seed: of seeded codecs (Gaussian noise)
    # Evaluation of trained classifiers: images per forward pass, precision policy
    # (lcc.evaluate.PRECISIONS: bf16 autocast on CUDA, or fp32).
    "eval": {"batch_size": 1000, "precision": "bf16"},
    "executor": "auto",  # auto | slurm | local | fake
    "cluster": "default",  # a profile in slurm/profiles/
    "results": DEFAULT_RESULTS,
    "dry_run": False,
    # Slurm, with the cluster profile's max_submit_jobs: the launcher submits the first wave
    # that fits the queue and exits (relaunch for the next); follow=true keeps it polling
    # squeue every poll_s seconds and submitting each wave as room frees
    # (grid/executors/waves.py).
    "follow": False,
    "poll_s": 60,
    # The launcher's disk estimate (grid/disk.py) exceeding the space left: warn | strict
    # (strict stops the launch with exit 2 before anything is written).
    "disk_check": "warn",
    "max_parallel": None,  # local executor: concurrent jobs (null = cores // 2, at least 1)
    # Slurm: stage -> jobs run one after another in one array task (pack.evaluate=16); a
    # stage not named here takes the cluster profile's [pack] value (grid/profiles.py).
    "pack": {},
    "fake": {"fail": [], "preempt": [], "pdb": False},
    "retries": 0,  # a failing job is run again at once, up to this many times (grid/runner.py)
    # Modules imported before planning and in every job, e.g. to register extra stages.
    "plugins": [],
}

# One-word overrides: `epochs=2` means `train.epochs=2`; `recipe=author` picks the training
# preset of lcc.specs.train_recipe.PRESETS (the author's notebooks' lr 0.1, FACTS.md §2).
ALIASES = {"epochs": "train.epochs", "lr": "train.lr", "recipe": "train.recipe"}
RECIPES = tuple(PRESETS)


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into a copy of ``base`` (dicts merge, everything else replaces)."""
    out = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) and key != "codecs":
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_value(text: str) -> Any:
    """Parse an override value: ``[a,b]`` lists, ints, floats, true/false, null, else a string."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [parse_value(part) for part in inner.split(",")] if inner else []
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def parse_overrides(args: Sequence[str]) -> dict[str, Any]:
    """``["a.b=1", "c=[x,y]"]`` -> ``{"a.b": 1, "c": ["x", "y"]}``; aliases expanded."""
    flat: dict[str, Any] = {}
    for arg in args:
        if "=" not in arg:
            raise SettingsError(f"argument {arg!r} is not key=value (e.g. epochs=2)")
        key, text = arg.split("=", 1)
        key = key.strip()
        value = parse_value(text)
        if key == "recipe" and value not in RECIPES:
            raise SettingsError(f"unknown recipe {value!r}; valid recipes: {', '.join(RECIPES)}")
        flat[ALIASES.get(key, key)] = value
    return flat


def valid_keys(tree: Mapping[str, Any] = DEFAULTS, prefix: str = "") -> list[str]:
    """Every settable dotted key of ``tree``."""
    keys = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        keys.append(dotted)
        if isinstance(value, Mapping) and key not in ("codecs",):
            keys.extend(valid_keys(value, dotted + "."))
    return keys


def apply_overrides(settings: Mapping[str, Any], flat: Mapping[str, Any]) -> dict[str, Any]:
    """Set each dotted key of ``flat`` in a copy of ``settings``; unknown keys are errors."""
    out = copy.deepcopy(dict(settings))
    known = set(valid_keys())
    for dotted, value in flat.items():
        parts = dotted.split(".")
        is_open = parts[0] in ("codecs", "pack") and len(parts) == 2  # codecs.<name>, pack.<stage>
        if dotted not in known and not is_open:
            raise SettingsError(
                f"unknown key {dotted!r}; valid keys: {', '.join(sorted(known))}, codecs.<name>, "
                "pack.<stage>"
            )
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def seeds_of(settings: Mapping[str, Any]) -> list[int]:
    """The seeds to train: ``seeds=n`` means 0..n-1."""
    seeds = settings["seeds"]
    return list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
