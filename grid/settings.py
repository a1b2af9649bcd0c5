"""Sweep settings: defaults, ``key=value`` overrides, and validation before anything runs.

Every setting is declared once in :data:`DECLARED` (its default and a one-line meaning, which
``--help`` prints: grid/help.py); :data:`DEFAULTS` is its defaults. A sweep file declares only
what differs from :data:`DEFAULTS`; the command line overrides either. Every key must already
exist in :data:`DEFAULTS` (except ``codecs.<name>``, whose name must be a registered codec, and
``pack.<stage>``, checked with the cluster profile), so a typo is a one-line error naming the
closest keys (grid/suggest.py).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from grid.cli import DEFAULT_RESULTS, SettingsError
from grid.suggest import unknown
from lcc.data import SEVERITIES
from lcc.specs.codecs import CODECS, fitted_datasets, learned_names
from lcc.specs.contrastive import PROBES, ContrastiveSettings
from lcc.specs.fit_recipe import DEFAULT_FIT_PRESET, FIT_KEYS, FIT_PRESETS
from lcc.specs.fourier import DEFAULT_NORM
from lcc.specs.gabor import GaborSettings
from lcc.specs.saliency import METHODS, SaliencySettings
from lcc.specs.train_recipe import DEFAULT_PRESET, PRESETS, RECIPE_KEYS, THESIS_RECIPE


@dataclass(frozen=True)
class Setting:
    """One sweep setting: its default and its meaning, one line (``--help`` prints both;
    grid/help.py). Dict defaults (``codecs``, ``pack``) are set per entry (``codecs.jpeg=…``)."""

    default: Any
    meaning: str

    def __post_init__(self) -> None:
        if not self.meaning or "\n" in self.meaning:
            raise ValueError(f"a setting's meaning is one non-empty line, got {self.meaning!r}")


def _recipe_settings(keys: Sequence[str], preset: str, values: Mapping[str, Any]) -> dict:
    """``Setting(None, …)`` for each recipe key: null means preset ``preset``'s value."""
    return {
        key: Setting(None, f"null = the recipe's ({preset}: {json.dumps(values.get(key))})")
        for key in keys
    }


# Every sweep setting, declared once: DEFAULTS, valid_keys() and --help are read from here.
DECLARED: dict[str, Any] = {
    "datasets": Setting(["cifar10"], "datasets to train on (lcc.data)"),
    "archs": Setting(["vgg11"], "classifier architectures (lcc.specs.models)"),
    "seeds": Setting(3, "an int n means seeds 0..n-1; a list names the seeds"),
    "codecs": Setting(
        {}, "codec name -> levels (codecs.jpeg=[10,20]); the identity codec is `original`"
    ),
    # Learned codecs are fitted on, and applied to, these only (thesis ch. 3); each default is
    # the codec's declaration (lcc.specs.codecs.CodecSpec.datasets).
    "codec_datasets": {
        name: Setting(list(fitted_datasets(name)), f"datasets {CODECS[name].label} is fitted on")
        for name in learned_names()
    },
    "original": Setting(True, "also train on the uncompressed data (the identity codec)"),
    "test_on_compressed": Setting(
        False, "also test on the test split compressed the same way (parameter reduction)"
    ),
    "cifar10c": Setting(False, "evaluate on CIFAR-10-C (32x32 datasets only)"),
    # Empty lists are filled at plan time (grid.planner.fill_defaults): job configs name them.
    "corruptions": Setting([], "CIFAR-10-C corruptions; empty = the ten the thesis uses"),
    "severities": Setting(list(SEVERITIES), "CIFAR-10-C severities, 1..5; empty = all five"),
    "select": {
        "methods": Setting([], "subset of bda, bdad, bdads; empty = no select stage"),
        "top_k": Setting(2, "levels of each joined codec that are joined"),
        "joined": Setting([], "codecs whose top_k BDA levels are joined into one training set"),
        # One joined training per rule (lcc.train.weights; thesis §6.3).
        "weighting": Setting(["none"], "loss weighting rules of joined sets: none | rank | psnr"),
    },
    # Fourier heat maps (stage fourier, lcc.evaluate.fourier; thesis §6.2).
    "fourier": {
        "enabled": Setting(False, "one heat map job per training of a 32x32 dataset"),
        "norm": Setting(DEFAULT_NORM, "l2 norm of one channel's perturbation, pixels on [0, 1]"),
        "images": Setting(1000, "the first N test images"),
        "batch_size": Setting(64, "images per forward pass, each perturbed at one frequency row"),
        "seed": Setting(0, "seed of the heat maps' image choice"),
    },
    # Gabor response histograms (stage gabor, lcc.evaluate.gabor; thesis §6.2 future work).
    "gabor": {
        "enabled": Setting(False, "one Gabor response histogram job per training set"),
        "images": Setting(GaborSettings.images, "the first N images of each training set"),
        "orientations": Setting(GaborSettings.orientations, "angles k*180/n degrees, k < n"),
        "frequencies": Setting(list(GaborSettings.frequencies), "carrier frequencies, cycles/px"),
        "bandwidth": Setting(GaborSettings.bandwidth, "frequency bandwidth, octaves"),
        "bins": Setting(GaborSettings.bins, "equal bins over [0, max_response]"),
        "max_response": Setting(GaborSettings.max_response, "top edge, |response|/kernel l1 norm"),
    },
    # Saliency maps (stage saliency, lcc.evaluate.saliency; thesis §6.2 future work).
    "saliency": {
        "enabled": Setting(False, "one saliency job per training of a 32x32 dataset"),
        "method": Setting(SaliencySettings.method, f"{' | '.join(METHODS)}"),
        "samples": Setting(SaliencySettings.samples, "smoothgrad's noisy copies; 1 for gradient"),
        "sigma": Setting(SaliencySettings.sigma, "smoothgrad's noise std, fraction of [0, 1]"),
        "images": Setting(SaliencySettings.images, "the first N test images"),
        "batch_size": Setting(SaliencySettings.batch_size, "images per forward/backward pass"),
        "seed": Setting(SaliencySettings.seed, "seed of smoothgrad's noise"),
        "compressed": Setting(SaliencySettings.compressed, "the compressed view, <codec>:<level>"),
    },
    # Contrastive pretraining on two compression levels, then a probe (stage contrastive,
    # lcc.train.contrastive; thesis §6.3 future work, Fig 6.2): grid/expand_contrastive.py.
    "contrastive": {
        "enabled": Setting(False, "one contrastive job per pair and arch, then its probe trains"),
        "pairs": Setting([], "pairs of levels <codec>:<a>+<b>, e.g. [bls:0.012+0.1]"),
        "epochs": Setting(ContrastiveSettings.epochs, "pretraining passes over the pair"),
        "batch_size": Setting(ContrastiveSettings.batch_size, "image pairs per step"),
        "temperature": Setting(ContrastiveSettings.temperature, "NT-Xent temperature tau"),
        "projection_dim": Setting(ContrastiveSettings.projection_dim, "projection head output"),
        "lr": Setting(ContrastiveSettings.lr, "Adam's learning rate"),
        "seed": Setting(ContrastiveSettings.seed, "the encoder's initialisation and shuffles"),
        "probe": Setting(
            ContrastiveSettings.probe, f"classifier on the encoder: {' | '.join(PROBES)}"
        ),
    },
    "data": {
        "cifar10": Setting(None, "root of cifar-10-batches-py/ or an image-folder layout"),
        "tinyimagenet": Setting(None, "root of tiny-imagenet-200/"),
        "cifar10c": Setting(None, "a CIFAR-10-C release folder; generated when null"),
        "train_limit": Setting(None, "keep the first N training images (class-balanced)"),
        "test_limit": Setting(None, "keep the first N test images"),
        # Thesis §6.3 future work: CIFAR-10H's cifar10h-probs.npy (grid/expand_soft_labels.py).
        "soft_labels": Setting(None, "per-test-image class distributions (.npy, N x classes)"),
    },
    # Codec fitting: a preset of lcc.specs.fit_recipe; any key set overrides the preset's value.
    "fit": {
        "recipe": Setting(DEFAULT_FIT_PRESET, f"fit preset: {' | '.join(FIT_PRESETS)}"),
        "task_beta": Setting(None, "β of task-aware codecs' objective; null = 1.0"),
        **_recipe_settings(FIT_KEYS, DEFAULT_FIT_PRESET, FIT_PRESETS[DEFAULT_FIT_PRESET]),
    },
    # The codec quality gate (stage check-codec): each fitted codec against JPEG at its rate.
    "gate": {
        "images": Setting(1000, "first N test images (class-balanced); null = all"),
        "enforce": Setting(False, "true: a codec that fails the gate gets no encodes"),
    },
    # Classifier training: a preset of lcc.specs.train_recipe; any key set overrides the
    # recipe's value. Resolved by lcc at plan time into each train job's config.
    "train": {
        "recipe": Setting(DEFAULT_PRESET, f"training preset: {' | '.join(PRESETS)}"),
        **_recipe_settings(RECIPE_KEYS, DEFAULT_PRESET, THESIS_RECIPE),
    },
    "encode": {
        "batch_size": Setting(256, "images per encode batch"),
        "seed": Setting(0, "seed of seeded codecs (Gaussian noise)"),
    },
    "eval": {
        "batch_size": Setting(1000, "images per forward pass of an evaluation"),
        "precision": Setting("bf16", "bf16 (autocast on CUDA) | fp32 (lcc.evaluate)"),
    },
    "executor": Setting("auto", "auto | slurm | local | fake (auto: slurm when sbatch is on PATH)"),
    "cluster": Setting("default", "a profile in slurm/profiles/, or a .toml path"),
    "results": Setting(DEFAULT_RESULTS, "the results folder"),
    "dry_run": Setting(False, "print the plan (and Slurm arrays) without running anything"),
    # With the cluster profile's max_submit_jobs (grid/executors/waves.py).
    "follow": Setting(False, "Slurm waves: keep polling and submit each wave as room frees"),
    "poll_s": Setting(60, "seconds between squeue polls of follow=true"),
    # The launcher's disk estimate (grid/disk.py) exceeding the space left.
    "disk_check": Setting("warn", "disk estimate above the space left: warn | strict (exit 2)"),
    "max_parallel": Setting(None, "local executor: jobs at a time; null = cores // 2, at least 1"),
    # A stage not named takes the cluster profile's [pack] value (grid/profiles.py).
    "pack": Setting({}, "Slurm: stage -> jobs run one after another in one array task"),
    "fake": {
        "fail": Setting([], "fake executor: signatures of jobs that fail"),
        "preempt": Setting([], "fake executor: signatures of jobs preempted once"),
        "pdb": Setting(False, "fake executor: a debugger on a failing job"),
    },
    "retries": Setting(0, "a failing job is run again at once, up to this many times"),
    "plugins": Setting([], "modules imported before planning and in every job (extra stages)"),
}


def _defaults(tree: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults of a :data:`DECLARED` tree, as nested plain dicts."""
    return {
        key: copy.deepcopy(node.default) if isinstance(node, Setting) else _defaults(node)
        for key, node in tree.items()
    }


def _meanings(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Dotted key -> meaning of every :class:`Setting` in a :data:`DECLARED` tree."""
    out = {}
    for key, node in tree.items():
        if isinstance(node, Setting):
            out[prefix + key] = node.meaning
        else:
            out |= _meanings(node, f"{prefix}{key}.")
    return out


DEFAULTS: dict[str, Any] = _defaults(DECLARED)
MEANINGS: dict[str, str] = _meanings(DECLARED)

# One-word overrides: `epochs=2` means `train.epochs=2`; `recipe=author` picks the training
# preset of lcc.specs.train_recipe.PRESETS (the author's notebooks' lr 0.1, docs/FACTS.md §2).
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
            raise unknown("recipe", value, RECIPES)
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
            raise unknown("key", dotted, [*known, *ALIASES, "codecs.<name>", "pack.<stage>"])
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def seeds_of(settings: Mapping[str, Any]) -> list[int]:
    """The seeds to train: ``seeds=n`` means 0..n-1."""
    seeds = settings["seeds"]
    return list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
