"""Expansion of one sweep part's settings into the DAG of jobs.

fit-codec → gate-reference (JPEG's curve, shared) → check-codec (quality gate) → encode
→ prepare-cifar10c → train → evaluate → select → train/evaluate of joined sets and of their
steps-matched controls → report. Each job's config holds only what its stage reads, so jobs
that are the same work get the same signature and are shared between cells and sweeps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grid.expand_contrastive import add_contrastive
from grid.expand_gabor import add_gabor
from grid.expand_saliency import add_saliency
from grid.job import Job
from grid.sections import Fourier, Gate, Sections, Select
from grid.settings import seeds_of
from lcc.data.corruptions import generation_settings
from lcc.specs.codecs import fitted_datasets, is_gated, is_learned, is_seeded, objective_of
from lcc.specs.fit_recipe import resolve_fit_recipe
from lcc.specs.gate import GATE_JPEG_QUALITIES
from lcc.specs.objectives import check_task_beta, objective_settings
from lcc.specs.train_recipe import resolve_recipe

log = logging.getLogger(__name__)

# Settings of `fit` that are no part of the fit recipe: objective settings (lcc.codecs.objectives).
OBJECTIVE_KEYS = ("task_beta",)


@dataclass
class TrainSet:
    """A version of a dataset's training split: a codec at a level, a joined set, or the
    steps-matched control of one part of a joined set (:func:`add_steps_controls`)."""

    label: str
    codec: str
    level: float | None
    encode: Job | None  # None for joined sets (resolved at run time from the selection)
    test_encode: Job | None = None  # the test split compressed the same way
    fit: Job | None = None  # the learned codec's fit job
    gate: Job | None = None  # the learned codec's quality gate (check-codec)
    weighting: str | None = None  # a joined set's loss weighting rule (lcc.train.weights)
    rank: int | None = None  # a control's BDA rank: it trains on the level of that rank alone
    control_for: str | None = None  # a control's joined set, by label (``bls:top2``)
    epochs_factor: int = 1  # a control's recipe.epochs is this times the joined set's
    top_k: int | None = None  # a joined set's (and its controls') select.top_k
    pretrained: dict | None = None  # a contrastive probe's pair and probe (expand_contrastive)

    @classmethod
    def joined_set(cls, codec: str, top_k: int, rule: str) -> TrainSet:
        """The joined set of ``codec``'s ``top_k`` BDA levels, loss-weighted by ``rule``
        (lcc.specs.weights); a rule other than "none" is in its label (``bls:top2:w=rank``)
        and train config (thesis §6.3)."""
        label = f"{codec}:top{top_k}" + ("" if rule == "none" else f":w={rule}")
        weighting = None if rule == "none" else rule
        return cls(label, codec, None, None, weighting=weighting, top_k=top_k)

    @property
    def joined(self) -> bool:
        """Whether this is a joined set (levels chosen at run time, concatenated)."""
        return self.encode is None and self.rank is None


@dataclass
class DatasetJobs:
    """Jobs of one dataset: its data versions and what every training of it reads."""

    name: str
    train_sets: list[TrainSet] = field(default_factory=list)
    test_clean: Job | None = None
    cifar10c: Job | None = None
    gate_references: list[Job] = field(default_factory=list)  # JPEG's gate curves (shared)


@dataclass(frozen=True)
class Trainings:
    """Where the trainings of one (dataset, architecture) and their evaluations go: the sweep
    part's ``settings``, the dataset's jobs ``data`` and ``info`` (``num_classes``,
    ``image_size``), the architecture ``arch``, and ``add``, which puts a job in the plan
    once and returns it."""

    settings: Mapping[str, Any]
    data: DatasetJobs
    info: Any
    arch: str
    add: Callable[[Job], Job]

    def train(self, tset: TrainSet, seed: int, inputs: Mapping[str, tuple[str, ...]]) -> Job:
        """The train job of ``tset`` with ``seed``, reading ``inputs``, added."""
        job = _train(self.settings, self.data, self.info, self.arch, tset=tset, seed=seed,
                     inputs=dict(inputs))  # fmt: skip
        return self.add(job)

    def evaluate(self, train: Job, test_compressed: Job | None = None) -> Job:
        """The evaluate job of ``train`` (and of ``test_compressed`` when given), added."""
        return self.add(_evaluate(self.settings, self.data, train, test_compressed))


def data_ref(settings: Mapping[str, Any], name: str, split: str) -> dict[str, Any]:
    """The dataset reference of an encode/prepare job: name, root and the split's limit."""
    root = settings["data"].get(name)
    return {"name": name, "root": root, "limit": settings["data"][f"{split}_limit"]}


def evaluates_cifar10c(settings: Mapping[str, Any], image_size: int) -> bool:
    """Whether a dataset of ``image_size`` x ``image_size`` images is evaluated on CIFAR-10-C:
    with ``cifar10c=true``, the 32x32 datasets only (CIFAR-10-C's images are 32x32; thesis
    §3.3). The one statement of this rule: expansion and the disk checks ask it."""
    return bool(settings["cifar10c"]) and image_size == 32


def _level_label(codec: str, level: float | None) -> str:
    if level is None:
        return "original"
    return f"{codec}:{int(level) if float(level).is_integer() else level}"


def _encode(
    settings: Mapping[str, Any],
    dataset: str,
    split: str,
    *,
    codec: str = "identity",
    level: float | None = None,
    fit: Job | None = None,
    gate: Job | None = None,
) -> Job:
    """The encode job of ``dataset``'s ``split`` with ``codec`` at ``level`` (the defaults:
    the original data); ``fit``: a learned codec's fit job; ``gate``: the check-codec job
    whose pass it waits on (``gate.enforce``), else None."""
    config = {
        "codec": codec,
        "level": level,
        "dataset": data_ref(settings, dataset, split),
        "split": split,
        "batch_size": settings["encode"]["batch_size"],
    }
    if is_seeded(codec):  # Gaussian noise: the seed changes the images
        config["seed"] = settings["encode"]["seed"]
    inputs = {"model": (fit.signature,)} if fit is not None else {}
    if gate is not None:
        inputs["gate"] = (gate.signature,)
    label = f"{dataset} {split} {_level_label(codec, level)}"
    return Job("encode", config, inputs, label=label)


def _fit(settings, dataset: str, image_size: int, codec: str, level, classifier) -> Job:
    fit = fit_settings(settings, image_size)
    config = {
        "codec": codec,
        "level": level,
        "dataset": data_ref(settings, dataset, "train"),
        "fit": fit,
    }
    objective = objective_settings(objective_of(codec), settings["fit"]["task_beta"])
    if objective:  # only codecs whose objective has settings: the others keep their signatures
        config["objective"] = objective
    inputs = {}
    if objective_of(codec) == "task":
        if classifier is None:
            raise ValueError(f"fit of {codec!r} on {dataset!r} needs its classifier job")
        inputs["classifier"] = (classifier.signature,)
    return Job("fit-codec", config, inputs, label=f"{dataset} {codec}:{level}")


def gate_references(
    settings: Mapping[str, Any], gate: Gate, dataset: str, image_size: int
) -> list[Job]:
    """JPEG's gate curves for ``dataset``'s check-codec jobs, one gate-reference job per image
    set, shared by every codec and λ (and by datasets with the same images): the first
    ``gate.images`` test images (their own limit, not ``data.test_limit``: the gate measures
    the codec, not a classifier), and for 32x32 datasets the first ``gate.images`` Tiny ImageNet
    validation images downsampled 2x (``tiny-2x``), planned only where ``data.tinyimagenet``
    is set: without it that reference is skipped with a one-line log note."""
    common = {
        "jpeg_qualities": list(GATE_JPEG_QUALITIES),
        "batch_size": settings["encode"]["batch_size"],
    }
    ref = data_ref(settings, dataset, "test")
    ref["limit"] = gate.images
    jobs = [
        Job("gate-reference", {"reference": "test", "dataset": ref, **common},
            label=f"{dataset} gate JPEG reference")
    ]  # fmt: skip
    if image_size != 32:
        return jobs
    root = settings["data"].get("tinyimagenet")
    if root is None:
        log.info("gate: no data.tinyimagenet, so no tiny-2x reference for %s", dataset)
        return jobs
    tiny = {"name": "tinyimagenet", "root": root, "limit": gate.images}
    jobs.append(
        Job("gate-reference", {"reference": "tiny-2x", "dataset": tiny, **common},
            label="tiny-2x gate JPEG reference")
    )  # fmt: skip
    return jobs


def _check(
    settings: Mapping[str, Any],
    gate: Gate,
    dataset: str,
    codec: str,
    level,
    fit: Job | None,
    references: list[Job],
) -> Job:
    """The quality gate of one codec (a learned codec's ``fit``; None for a ``gated`` one,
    lcc.specs.codecs) against JPEG's curves of ``references`` (:func:`gate_references`), on
    their images."""
    ref = data_ref(settings, dataset, "test")
    ref["limit"] = gate.images
    config = {
        "codec": codec,
        "level": level,
        "dataset": ref,
        "batch_size": settings["encode"]["batch_size"],
    }
    inputs = {"model": (fit.signature,)} if fit is not None else {}
    inputs["reference"] = tuple(j.signature for j in references)
    return Job("check-codec", config, inputs, label=f"{dataset} {codec}:{level} gate")


def fit_settings(settings: Mapping[str, Any], image_size: int) -> dict[str, Any]:
    """The fully resolved fit recipe (every setting that changes the weights) for a dataset;
    checks the objective settings too (one-line FitRecipeError)."""
    if settings["fit"]["task_beta"] is not None:
        check_task_beta(settings["fit"]["task_beta"])
    skip = ("recipe", *OBJECTIVE_KEYS)
    overrides = {k: v for k, v in settings["fit"].items() if k not in skip}
    return resolve_fit_recipe(settings["fit"]["recipe"], overrides, image_size).as_config()


def _fitted_on(settings: Mapping[str, Any], codec: str, dataset: str) -> bool:
    """Whether learned codec ``codec`` is fitted on ``dataset``: setting
    ``codec_datasets.<codec>``, else the codec's declared datasets (one registered after
    grid.settings was imported, e.g. by a plugin, has no setting yet)."""
    return dataset in settings["codec_datasets"].get(codec, fitted_datasets(codec))


def task_classifier(settings: Mapping[str, Any], dataset: str, info) -> list[Job]:
    """The frozen classifier that task-aware codecs' fits read (thesis §6.1), after the
    identity encodes it trains on: the training on the original data of the sweep's first
    architecture with seed 0 (the sweep's own job when it trains that one). Empty when no
    task-aware codec is fitted on ``dataset``."""
    wanted = [
        codec
        for codec, levels in settings["codecs"].items()
        if levels and is_learned(codec) and objective_of(codec) == "task"
    ]
    if not any(_fitted_on(settings, codec, dataset) for codec in wanted):
        return []
    data = DatasetJobs(dataset)
    data.test_clean = _encode(settings, dataset, "test")
    train = _encode(settings, dataset, "train")
    tset = TrainSet("original", "identity", None, train, data.test_clean)
    arch = settings["archs"][0]
    job = _train(settings, data, info, arch, tset=tset, seed=0, inputs=_train_inputs(data, tset))
    return [data.test_clean, train, job]


def dataset_jobs(
    settings: Mapping[str, Any],
    gate: Gate,
    dataset: str,
    image_size: int,
    classifier: Job | None = None,
) -> DatasetJobs:
    """The fit/encode/prepare jobs of one dataset and the training sets they define;
    ``gate``: the sweep's quality gate; ``classifier`` is the train job task-aware codecs'
    fits read (:func:`task_classifier`)."""
    out = DatasetJobs(dataset)
    out.test_clean = _encode(settings, dataset, "test")
    if settings["original"]:
        train = _encode(settings, dataset, "train")
        out.train_sets.append(TrainSet("original", "identity", None, train, out.test_clean))
    for codec, levels in settings["codecs"].items():
        learned = is_learned(codec)
        if learned and not _fitted_on(settings, codec, dataset):
            continue
        for level in levels:
            fit = _fit(settings, dataset, image_size, codec, level, classifier) if learned else None
            gated = is_gated(codec)
            if gated and not out.gate_references:
                out.gate_references = gate_references(settings, gate, dataset, image_size)
            check = (
                _check(settings, gate, dataset, codec, level, fit, out.gate_references)
                if gated
                else None
            )
            enforced = check if gate.enforce and learned else None  # a learned codec's gate
            train = _encode(settings, dataset, "train", codec=codec, level=level, fit=fit,
                            gate=enforced)  # fmt: skip
            test = None
            if settings["test_on_compressed"]:
                test = _encode(settings, dataset, "test", codec=codec, level=level, fit=fit,
                               gate=enforced)  # fmt: skip
            label = _level_label(codec, level)
            out.train_sets.append(TrainSet(label, codec, level, train, test, fit, check))
    if evaluates_cifar10c(settings, image_size) and settings["data"]["cifar10c"] is None:
        corruptions, severities = list(settings["corruptions"]), list(settings["severities"])
        config = {
            "dataset": data_ref(settings, dataset, "test"),
            "corruptions": corruptions,
            "severities": severities,
            "seed": 0,
            # every parameter of the corruption functions (lcc.data.corruptions)
            "generation": generation_settings(corruptions, severities),
        }
        out.cifar10c = Job("prepare-cifar10c", config, label=f"{dataset} CIFAR-10-C")
    return out


def train_recipe(settings: Mapping[str, Any], dataset: str, image_size: int, arch: str) -> dict:
    """The fully resolved training recipe (every value lcc's training reads) of one training."""
    overrides = {k: v for k, v in settings["train"].items() if k != "recipe"}
    return resolve_recipe(dataset, image_size, arch, settings["train"]["recipe"], overrides)


def _train(
    settings: Mapping[str, Any],
    data: DatasetJobs,
    info,
    arch: str,
    *,
    tset: TrainSet,
    seed: int,
    inputs: Mapping[str, tuple[str, ...]],
) -> Job:
    """The train job of ``arch`` on ``tset`` with ``seed``, reading ``inputs``."""
    recipe = train_recipe(settings, data.name, info.image_size, arch)
    if tset.epochs_factor != 1:  # a steps-matched control; every other config is unchanged
        recipe = {**recipe, "epochs": recipe["epochs"] * tset.epochs_factor}
    config = {
        "arch": arch,
        "dataset": {
            "name": data.name,
            "num_classes": info.num_classes,
            "image_size": info.image_size,
        },
        "seed": seed,
        "train_set": _train_set_config(tset),
        "recipe": recipe,
        # The best epoch is chosen on the clean test set alone (its selection part), so a
        # training is one job whichever test sets its evaluations read: the compressed test
        # set is the evaluate stage's (thesis §3.3), not an input of the training.
        "eval_sets": ["clean"],
    }
    label = f"{data.name} {arch} {tset.label} seed {seed}"
    return Job("train", config, inputs, label=label)


def _train_set_config(tset: TrainSet) -> dict[str, Any]:
    """``config.train_set`` of a training on ``tset``: a control adds ``rank`` and
    ``control_for``, a loss-weighted join ``weighting``; other sets have neither key, so their
    signatures do not depend on these options."""
    config = {
        "label": tset.label,
        "codec": tset.codec,
        "level": tset.level,
        "joined": tset.joined,
        "top_k": tset.top_k if tset.joined else None,
    }
    if tset.rank is not None:
        config.update(rank=tset.rank, control_for=tset.control_for)
    if tset.weighting:
        config["weighting"] = tset.weighting
    if tset.pretrained:
        config["pretrained"] = tset.pretrained
    return config


def _train_inputs(data: DatasetJobs, tset: TrainSet) -> dict[str, tuple[str, ...]]:
    """The inputs of a training on the encoded set ``tset`` (not a joined set)."""
    return {
        "train_data": (tset.encode.signature,),
        "test_clean": (data.test_clean.signature,),
    }


def _evaluate(settings, data: DatasetJobs, train: Job, test_compressed: Job | None = None) -> Job:
    """The evaluation of ``train``'s best checkpoint on the clean test set, on
    ``test_compressed`` (the test split compressed like the training set, thesis §3.3) when
    given, and on CIFAR-10-C for 32x32 data when the sweep asks for it."""
    eval_sets = list(train.config["eval_sets"])
    inputs: dict[str, tuple[str, ...]] = {"model": (train.signature,)}
    inputs["test_clean"] = train.inputs["test_clean"]
    if test_compressed is not None:
        eval_sets.append("compressed")
        inputs["test_compressed"] = (test_compressed.signature,)
    cifar10c_path = None
    if evaluates_cifar10c(settings, train.config["dataset"]["image_size"]):
        eval_sets.append("cifar10c")
        cifar10c_path = settings["data"]["cifar10c"]
        if data.cifar10c is not None:
            inputs["cifar10c"] = (data.cifar10c.signature,)
    config = {
        "eval_sets": eval_sets,
        "cifar10c_path": cifar10c_path,
        "corruptions": list(settings["corruptions"]),
        "severities": list(settings["severities"]),
        "batch_size": settings["eval"]["batch_size"],
        "precision": settings["eval"]["precision"],
    }
    return Job("evaluate", config, inputs, label=train.label)


def expand(settings: Mapping[str, Any], dataset_info) -> list[Job]:
    """Every job of one sweep part, upstream first, without duplicates.

    ``dataset_info(name)`` returns an object with ``num_classes`` and ``image_size``.
    """
    sections = Sections.of(settings)
    jobs: dict[str, Job] = {}

    def add(job: Job | None) -> Job | None:
        if job is not None:
            jobs.setdefault(job.signature, job)
        return job

    for dataset in settings["datasets"]:
        info = dataset_info(dataset)
        classifier = [add(job) for job in task_classifier(settings, dataset, info)]
        classifier_job = (classifier or [None])[-1]
        data = dataset_jobs(settings, sections.gate, dataset, info.image_size, classifier_job)
        add(data.test_clean)
        add(data.cifar10c)
        for job in data.gate_references:
            add(job)
        cells = [Trainings(settings, data, info, arch, add) for arch in settings["archs"]]
        evaluations: dict[str, list[Job]] = {arch: [] for arch in settings["archs"]}
        for tset in data.train_sets:
            add(tset.fit)
            add(tset.gate)
            add(tset.encode)
            add(tset.test_encode)
            for cell in cells:
                for seed in seeds_of(settings):
                    train = cell.train(tset, seed, _train_inputs(data, tset))
                    evaluations[cell.arch].append(cell.evaluate(train, tset.test_encode))
        for cell in cells:
            _add_selection(cell, sections.select, evaluations[cell.arch])
            add_contrastive(cell)  # thesis §6.3: grid/expand_contrastive.py
    _add_fourier(sections.fourier, settings["eval"]["precision"], jobs)
    add_gabor(settings, jobs)  # thesis §6.2: grid/expand_gabor.py
    add_saliency(settings, jobs)  # thesis §6.2: grid/expand_saliency.py
    return list(jobs.values())


def _add_selection(cell: Trainings, select: Select, evaluations: list[Job]) -> None:
    """The select job over one (dataset, arch)'s evaluations and the joined sets it feeds."""
    if not select.enabled or not evaluations:
        return
    config = {
        "methods": list(select.methods),
        "top_k": select.top_k,
        "joined": list(select.joined),
    }
    inputs = {"evaluations": tuple(job.signature for job in evaluations)}
    label = f"{cell.data.name} {cell.arch} selection"
    selection = cell.add(Job("select", config, inputs, label=label))
    for codec in select.joined:
        train_sets = cell.data.train_sets
        candidates = tuple(t.encode.signature for t in train_sets if t.codec == codec)
        if not candidates:
            continue
        joined_inputs = {
            "selection": (selection.signature,),
            "candidates": candidates,
            "test_clean": (cell.data.test_clean.signature,),
        }
        for rule in select.weighting:
            _add_joined(cell, TrainSet.joined_set(codec, select.top_k, rule), joined_inputs)


def _add_joined(cell: Trainings, joined: TrainSet, inputs: Mapping[str, tuple[str, ...]]) -> None:
    """Train and evaluate jobs of joined set ``joined`` (:meth:`TrainSet.joined_set`) reading
    ``inputs`` (its selection, candidate encodes and clean test set). The unweighted join also
    gets its steps-matched controls (:func:`add_steps_controls`)."""
    for seed in seeds_of(cell.settings):
        cell.evaluate(cell.train(joined, seed, inputs))
    if joined.weighting is None:
        add_steps_controls(cell, joined, inputs)


def add_steps_controls(
    cell: Trainings, joined: TrainSet, inputs: Mapping[str, tuple[str, ...]]
) -> None:
    """The steps-matched control arm of unweighted joined set ``joined`` (thesis §4.3, claim
    C5: the join "boosts both corrupt and clean accuracy" over its parts).

    The joined set concatenates its k = ``select.top_k`` parts and keeps ``recipe.epochs``, so
    it takes k times the optimiser steps of a training on one part. For every seed and every
    BDA rank r = 1..k this adds a train job (label ``<codec>:top<k>:part<r>``, ``train_set``
    with ``rank`` r and ``control_for`` the joined label, not joined) on the part of rank r
    alone for k × ``recipe.epochs``, everything else in the recipe unchanged, with the joined
    set's ``inputs`` (the train stage resolves rank r's level from the selection at run time),
    and its evaluate job; ``fourier.enabled`` gives it a fourier job like every training.

    Why k × epochs rather than a subsample of the joined set: each arm keeps its own data and
    only the number of steps is equalised. The recipe has no learning-rate schedule (a
    constant SGD rate, :data:`lcc.specs.train_recipe.THESIS_RECIPE`), so both arms take the same
    rates over the same number of steps, exactly up to each epoch's last partial batch: the
    parts are one split at k levels, N images each, so a joined epoch takes ceil(kN/B) steps
    and its k control epochs k·ceil(N/B), at most k − 1 more. The control is evaluated k
    times per joined epoch, so its best epoch is picked from k times as many candidates: a
    bias toward the control, i.e. against the claim.

    With top_k = 1 the joined set is its single part for the same epochs, so it is its own
    control and none is added (``select.top_k`` >= 1 is checked by :class:`grid.sections.Select`).
    """
    k = joined.top_k
    if k < 2:
        return
    for rank in range(1, k + 1):
        tset = TrainSet(
            f"{joined.label}:part{rank}",
            joined.codec,
            None,
            None,
            rank=rank,
            control_for=joined.label,
            epochs_factor=k,
            top_k=k,
        )
        for seed in seeds_of(cell.settings):
            cell.evaluate(cell.train(tset, seed, inputs))


def _add_fourier(fourier: Fourier, precision: str, jobs: dict[str, Job]) -> None:
    """With ``fourier.enabled``, one fourier job per training of a 32x32 dataset in ``jobs``
    (thesis §6.2); ``precision``: ``eval.precision``."""
    if not fourier.enabled:
        return
    config = fourier.config(precision)
    trains = [j for j in jobs.values() if j.stage == "train"]
    for train in trains:
        if train.config["dataset"]["image_size"] != 32:
            continue
        inputs = {"model": (train.signature,), "test_clean": train.inputs["test_clean"]}
        job = Job("fourier", config, inputs, label=f"{train.label} fourier")
        jobs.setdefault(job.signature, job)
