"""The contrastive jobs of a sweep (thesis §6.3, future work, Fig 6.2): with
``contrastive.enabled``, for each (dataset, arch) and each pair ``<codec>:<a>+<b>`` of
``contrastive.pairs`` (e.g. ``bls:0.012+0.1``, the pair's label), one contrastive job
reading the two encode jobs of the train split at the pair's levels (input ``views``), then
per seed one probe train job on the original train split (input ``init``: the contrastive
job; ``train_set.pretrained``: the pair and ``contrastive.probe``) and its evaluate job, made
as every training's (:meth:`grid.expand.Trainings.evaluate`); ``fourier.enabled`` gives the
probes fourier jobs like every training.

The probe's training set is the original one relabelled (label
``contrastive:<codec>:<a>+<b>:<probe>``, codec ``contrastive-<codec>``); its evaluation reads
the clean test split and, where the sweep asks, CIFAR-10-C, but no ``compressed`` set: the
original training's is the clean split itself, and a ``compressed`` row of a codec other
than the identity would read as a training on compressed data (Figure 3.6, thesis §3.3).
The pair's levels must be among the sweep's ``codecs.<codec>`` levels and ``original`` must
be true: the report compares the probe with the trainings on the original data and on each
level of its pair, the same jobs. The settings are checked whether or not the stage is
enabled (one-line :class:`~grid.settings.SettingsError`); with it disabled no job is added,
so every other job's signature is what it was without this module.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from grid.job import Job
from grid.sections import checked_section
from grid.settings import SettingsError, seeds_of
from lcc.specs.contrastive import PRETRAINING_KEYS, ContrastiveSettings

PROBE_CODEC_PREFIX = "contrastive-"  # a probe's train_set codec: contrastive-<pair codec>
PROBE_LABEL_PREFIX = "contrastive:"  # a probe's train_set label (:func:`probe_label`)


def contrastive_settings(settings: Mapping[str, Any]) -> ContrastiveSettings:
    """The checked ``contrastive`` section of resolved sweep ``settings`` (its pairs apart)."""
    return checked_section(
        settings, "contrastive", ContrastiveSettings, (*PRETRAINING_KEYS, "probe")
    )


def parse_pair(pair: Any) -> tuple[str, float, float]:
    """``"bls:0.012+0.1"`` -> ``("bls", 0.012, 0.1)``; anything else is a one-line
    SettingsError."""
    codec, _, levels = str(pair).partition(":")
    parts = levels.split("+")
    try:
        if not isinstance(pair, str) or not codec or len(parts) != 2:
            raise ValueError
        return codec, float(parts[0]), float(parts[1])
    except ValueError:
        raise SettingsError(f"invalid contrastive pair {pair!r}; valid: <codec>:<level a>+<level "
                            "b>, e.g. bls:0.012+0.1") from None  # fmt: skip


def checked_pairs(settings: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    """``contrastive.pairs`` (:func:`parse_pair`) as (codec, level a, level b), each level one
    of the sweep's ``codecs.<codec>`` levels; a bad pair is a one-line SettingsError."""
    pairs = []
    for pair in settings["contrastive"]["pairs"]:
        codec, a, b = parse_pair(pair)
        known = settings["codecs"].get(codec) or []
        for level in (a, b):
            if not any(_same(level, k) for k in known):
                raise SettingsError(f"contrastive pair {pair!r}: level {level:g} is not among "
                                    f"codecs.{codec} {list(known)}")  # fmt: skip
        if _same(a, b):
            raise SettingsError(f"contrastive pair {pair!r} repeats one level; valid: two levels")
        pairs.append((codec, a, b))
    return pairs


def pair_label(codec: str, levels: Sequence[float]) -> str:
    """``bls:0.012+0.1``: the pair's codec and levels (integers without a decimal point)."""
    return f"{codec}:" + "+".join(str(int(v)) if float(v).is_integer() else str(v) for v in levels)


def probe_label(pair: str, probe: str) -> str:
    """A probe's training set label: ``contrastive:bls:0.012+0.1:linear``."""
    return f"{PROBE_LABEL_PREFIX}{pair}:{probe}"


def add_contrastive(cell: Any) -> None:
    """Check the ``contrastive`` settings of ``cell`` (a :class:`grid.expand.Trainings`) and,
    with ``contrastive.enabled``, add its contrastive, probe train and evaluate jobs."""
    settings = cell.settings
    config = contrastive_settings(settings)
    pairs = checked_pairs(settings)
    if not settings["contrastive"]["enabled"] or not pairs:
        return
    original = next((t for t in cell.data.train_sets if t.label == "original"), None)
    if original is None:
        raise SettingsError("contrastive.enabled needs original=true: probes train on the "
                            "original split")  # fmt: skip
    for codec, a, b in pairs:
        views = [_train_set(cell, codec, level).encode for level in (a, b)]
        label = pair_label(codec, (a, b))
        pair = {"label": label, "codec": codec, "levels": [a, b]}
        probe = dataclasses.replace(
            original,
            label=probe_label(label, config.probe),
            codec=PROBE_CODEC_PREFIX + codec,
            pretrained={**pair, "probe": config.probe},
        )
        for seed in seeds_of(settings):
            baseline = cell.train(original, seed, _inputs(original, cell))
            job = cell.add(_contrastive_job(cell, pair, config, baseline, views))
            train = cell.train(probe, seed, {**baseline.inputs, "init": (job.signature,)})
            cell.evaluate(train)


def _contrastive_job(
    cell: Any, pair: dict, config: ContrastiveSettings, baseline: Job, views: list[Job]
) -> Job:
    """The contrastive job of ``pair`` for ``cell``'s arch, normalising its inputs as the
    ``baseline`` training's recipe does (so the probe sees the encoder's inputs)."""
    recipe = baseline.config["recipe"]
    job_config = {
        "arch": cell.arch,
        "dataset": dict(baseline.config["dataset"]),
        "pair": pair,
        "normalization": {key: recipe[key] for key in ("normalize", "mean", "std")},
        "settings": config.pretraining_config(),
    }
    inputs = {"views": tuple(view.signature for view in views)}
    label = f"{cell.data.name} {cell.arch} contrastive {pair['label']}"
    return Job("contrastive", job_config, inputs, label=label)


def _train_set(cell: Any, codec: str, level: float) -> Any:
    """The training set of ``codec`` at ``level`` among ``cell``'s (checked_pairs found it)."""
    return next(t for t in cell.data.train_sets if t.codec == codec and _same(t.level, level))


def _inputs(tset: Any, cell: Any) -> dict[str, tuple[str, ...]]:
    """A training's inputs on encoded set ``tset``: its encode and the clean test split."""
    return {"train_data": (tset.encode.signature,),
            "test_clean": (cell.data.test_clean.signature,)}  # fmt: skip


def _same(x: Any, y: Any) -> bool:
    return x is not None and y is not None and math.isclose(float(x), float(y))
