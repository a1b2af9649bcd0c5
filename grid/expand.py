"""Expansion of one sweep part's settings into the DAG of jobs.

fit-codec → check-codec (quality gate) → encode → prepare-cifar10c → train → evaluate → select
→ train/evaluate of joined sets → report. Each job's config holds only what its stage reads,
so jobs that are the same work get the same signature and are shared between cells and sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grid.job import Job
from grid.settings import SettingsError, seeds_of
from lcc.codecs import is_learned, is_seeded, objective_of
from lcc.codecs.fit_recipe import resolve_fit_recipe
from lcc.codecs.gate import GATE_JPEG_QUALITIES
from lcc.codecs.objectives import check_task_beta, objective_settings
from lcc.data.corruptions import SEVERITIES, generation_settings
from lcc.evaluate.fourier import check_settings as check_fourier_settings
from lcc.train.recipe import resolve_recipe
from lcc.train.weights import check_rule

# Settings of `fit` that are no part of the fit recipe: objective settings (lcc.codecs.objectives).
OBJECTIVE_KEYS = ("task_beta",)


@dataclass
class TrainSet:
    """A version of a dataset's training split: a codec at a level, or a joined set."""

    label: str
    codec: str
    level: float | None
    encode: Job | None  # None for joined sets (resolved at run time from the selection)
    test_encode: Job | None = None  # the test split compressed the same way
    fit: Job | None = None  # the learned codec's fit job
    gate: Job | None = None  # the learned codec's quality gate (check-codec)
    weighting: str | None = None  # a joined set's loss weighting rule (lcc.train.weights)


@dataclass
class DatasetJobs:
    """Jobs of one dataset: its data versions and what every training of it reads."""

    name: str
    train_sets: list[TrainSet] = field(default_factory=list)
    test_clean: Job | None = None
    cifar10c: Job | None = None


def data_ref(settings: Mapping[str, Any], name: str, split: str) -> dict[str, Any]:
    """The dataset reference of an encode/prepare job: name, root and the split's limit."""
    root = settings["data"].get(name)
    return {"name": name, "root": root, "limit": settings["data"][f"{split}_limit"]}


def _level_label(codec: str, level: float | None) -> str:
    if level is None:
        return "original"
    return f"{codec}:{int(level) if float(level).is_integer() else level}"


def _encode(settings: Mapping[str, Any], dataset: str, split: str, codec: str, level, fit, gate):
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
    if gate is not None and settings["gate"]["enforce"]:
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


def _check(settings: Mapping[str, Any], dataset: str, codec: str, level, fit: Job) -> Job:
    """The quality gate of one fitted codec on the first ``gate.images`` test images (its own
    limit, not ``data.test_limit``: the gate measures the codec, not a classifier)."""
    ref = data_ref(settings, dataset, "test")
    ref["limit"] = settings["gate"]["images"]
    config = {
        "codec": codec,
        "level": level,
        "dataset": ref,
        "jpeg_qualities": list(GATE_JPEG_QUALITIES),
        "batch_size": settings["encode"]["batch_size"],
    }
    inputs = {"model": (fit.signature,)}
    return Job("check-codec", config, inputs, label=f"{dataset} {codec}:{level} gate")


def fit_settings(settings: Mapping[str, Any], image_size: int) -> dict[str, Any]:
    """The fully resolved fit recipe (every setting that changes the weights) for a dataset;
    checks the objective settings too (one-line FitRecipeError)."""
    if settings["fit"]["task_beta"] is not None:
        check_task_beta(settings["fit"]["task_beta"])
    skip = ("recipe", *OBJECTIVE_KEYS)
    overrides = {k: v for k, v in settings["fit"].items() if k not in skip}
    return resolve_fit_recipe(settings["fit"]["recipe"], overrides, image_size)


def _fitted_on(settings: Mapping[str, Any], codec: str, dataset: str) -> bool:
    """Whether learned codec ``codec`` is fitted on ``dataset`` (setting codec_datasets)."""
    return dataset in settings["codec_datasets"].get(codec, [])


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
    data.test_clean = _encode(settings, dataset, "test", "identity", None, None, None)
    train = _encode(settings, dataset, "train", "identity", None, None, None)
    tset = TrainSet("original", "identity", None, train, data.test_clean)
    arch = settings["archs"][0]
    job = _train(settings, data, info, arch, 0, tset, _train_inputs(data, tset))
    return [data.test_clean, train, job]


def dataset_jobs(
    settings: Mapping[str, Any], dataset: str, image_size: int, classifier: Job | None = None
) -> DatasetJobs:
    """The fit/encode/prepare jobs of one dataset and the training sets they define;
    ``classifier`` is the train job task-aware codecs' fits read (:func:`task_classifier`)."""
    out = DatasetJobs(dataset)
    out.test_clean = _encode(settings, dataset, "test", "identity", None, None, None)
    if settings["original"]:
        train = _encode(settings, dataset, "train", "identity", None, None, None)
        out.train_sets.append(TrainSet("original", "identity", None, train, out.test_clean))
    for codec, levels in settings["codecs"].items():
        learned = is_learned(codec)
        if learned and not _fitted_on(settings, codec, dataset):
            continue
        for level in levels:
            fit = _fit(settings, dataset, image_size, codec, level, classifier) if learned else None
            gate = _check(settings, dataset, codec, level, fit) if learned else None
            train = _encode(settings, dataset, "train", codec, level, fit, gate)
            test = None
            if settings["test_on_compressed"]:
                test = _encode(settings, dataset, "test", codec, level, fit, gate)
            label = _level_label(codec, level)
            out.train_sets.append(TrainSet(label, codec, level, train, test, fit, gate))
    if settings["cifar10c"] and image_size == 32 and settings["data"]["cifar10c"] is None:
        severities = list(settings["severities"]) or list(SEVERITIES)
        config = {
            "dataset": data_ref(settings, dataset, "test"),
            "corruptions": list(settings["corruptions"]),
            "severities": list(settings["severities"]),
            "seed": 0,
            # every parameter of the corruption functions (lcc.data.corruptions)
            "generation": generation_settings(settings["corruptions"], severities),
        }
        out.cifar10c = Job("prepare-cifar10c", config, label=f"{dataset} CIFAR-10-C")
    return out


def train_recipe(settings: Mapping[str, Any], dataset: str, image_size: int, arch: str) -> dict:
    """The fully resolved training recipe (every value lcc's training reads) of one training."""
    overrides = {k: v for k, v in settings["train"].items() if k != "recipe"}
    return resolve_recipe(dataset, image_size, arch, settings["train"]["recipe"], overrides)


def _train(settings, data: DatasetJobs, info, arch: str, seed: int, tset: TrainSet, inputs):
    recipe = train_recipe(settings, data.name, info.image_size, arch)
    eval_sets = ["clean", "compressed"] if "test_compressed" in inputs else ["clean"]
    config = {
        "arch": arch,
        "dataset": {
            "name": data.name,
            "num_classes": info.num_classes,
            "image_size": info.image_size,
        },
        "seed": seed,
        "train_set": {
            "label": tset.label,
            "codec": tset.codec,
            "level": tset.level,
            "joined": tset.encode is None,
            "top_k": settings["select"]["top_k"] if tset.encode is None else None,
            **({"weighting": tset.weighting} if tset.weighting else {}),
        },
        "recipe": recipe,
        "eval_sets": eval_sets,
    }
    label = f"{data.name} {arch} {tset.label} seed {seed}"
    return Job("train", config, inputs, label=label)


def _train_inputs(data: DatasetJobs, tset: TrainSet) -> dict[str, tuple[str, ...]]:
    """The inputs of a training on the encoded set ``tset`` (not a joined set)."""
    inputs = {"train_data": (tset.encode.signature,)}
    inputs["test_clean"] = (data.test_clean.signature,)
    if tset.test_encode is not None:
        inputs["test_compressed"] = (tset.test_encode.signature,)
    return inputs


def _evaluate(settings, data: DatasetJobs, train: Job) -> Job:
    eval_sets = list(train.config["eval_sets"])
    inputs: dict[str, tuple[str, ...]] = {"model": (train.signature,)}
    inputs["test_clean"] = train.inputs["test_clean"]
    if "test_compressed" in train.inputs:
        inputs["test_compressed"] = train.inputs["test_compressed"]
    cifar10c_path = None
    if settings["cifar10c"] and train.config["dataset"]["image_size"] == 32:
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
    jobs: dict[str, Job] = {}

    def add(job: Job | None) -> Job | None:
        if job is not None:
            jobs.setdefault(job.signature, job)
        return job

    for dataset in settings["datasets"]:
        info = dataset_info(dataset)
        classifier = [add(job) for job in task_classifier(settings, dataset, info)]
        data = dataset_jobs(settings, dataset, info.image_size, (classifier or [None])[-1])
        add(data.test_clean)
        add(data.cifar10c)
        evaluations: dict[str, list[Job]] = {arch: [] for arch in settings["archs"]}
        for tset in data.train_sets:
            add(tset.fit)
            add(tset.gate)
            add(tset.encode)
            add(tset.test_encode)
            for arch in settings["archs"]:
                for seed in seeds_of(settings):
                    inputs = _train_inputs(data, tset)
                    train = add(_train(settings, data, info, arch, seed, tset, inputs))
                    evaluations[arch].append(add(_evaluate(settings, data, train)))
        for arch, arch_evaluations in evaluations.items():
            _add_selection(settings, data, info, arch, arch_evaluations, add)
    _add_future_work(settings, jobs)
    return list(jobs.values())


def _add_selection(settings, data: DatasetJobs, info, arch: str, evaluations: list[Job], add):
    """The select job over one (dataset, arch)'s evaluations and the joined sets it feeds."""
    select = settings["select"]
    if not select["methods"] or not evaluations:
        return
    config = {
        "methods": list(select["methods"]),
        "top_k": select["top_k"],
        "joined": list(select["joined"]),
    }
    inputs = {"evaluations": tuple(job.signature for job in evaluations)}
    selection = add(Job("select", config, inputs, label=f"{data.name} {arch} selection"))
    for codec in select["joined"]:
        candidates = tuple(t.encode.signature for t in data.train_sets if t.codec == codec)
        if not candidates:
            continue
        for rule in weighting_rules(settings):
            _add_joined(settings, data, info, arch, selection, codec, candidates, rule, add)


def _add_joined(settings, data, info, arch, selection, codec, candidates, rule, add):
    """Train and evaluate jobs of one joined set; a weighting rule other than "none" is in its
    label (``bls:top2:w=rank``) and train config (thesis §6.3)."""
    label = f"{codec}:top{settings['select']['top_k']}" + ("" if rule == "none" else f":w={rule}")
    tset = TrainSet(label, codec, None, None, weighting=None if rule == "none" else rule)
    for seed in seeds_of(settings):
        inputs = {
            "selection": (selection.signature,),
            "candidates": candidates,
            "test_clean": (data.test_clean.signature,),
        }
        train = add(_train(settings, data, info, arch, seed, tset, inputs))
        add(_evaluate(settings, data, train))


def weighting_rules(settings: Mapping[str, Any]) -> list[str]:
    """``select.weighting`` (a :class:`SettingsError` for an unknown rule); null means "none"
    (the command line reads ``none`` as null)."""
    rules = settings["select"]["weighting"]
    if not isinstance(rules, list) or not rules:
        raise SettingsError(f"select.weighting must be a non-empty list of rules, got {rules!r}")
    rules = ["none" if rule is None else rule for rule in rules]
    try:
        return [check_rule(rule) for rule in rules]
    except ValueError as err:
        raise SettingsError(str(err)) from None


def _add_future_work(settings: Mapping[str, Any], jobs: dict[str, Job]) -> None:
    """Check the future-work settings (``fourier``, ``select.weighting``) and, with
    ``fourier.enabled``, add one fourier job per training of a 32x32 dataset (thesis §6.2)."""
    weighting_rules(settings)
    fourier = settings["fourier"]
    try:
        check_fourier_settings(fourier["norm"], fourier["images"], fourier["batch_size"])
    except ValueError as err:
        raise SettingsError(str(err)) from None
    if not fourier["enabled"]:
        return
    config = {k: fourier[k] for k in ("norm", "images", "seed", "batch_size")}
    config["precision"] = settings["eval"]["precision"]
    trains = [j for j in jobs.values() if j.stage == "train"]
    for train in trains:
        if train.config["dataset"]["image_size"] != 32:
            continue
        inputs = {"model": (train.signature,), "test_clean": train.inputs["test_clean"]}
        job = Job("fourier", config, inputs, label=f"{train.label} fourier")
        jobs.setdefault(job.signature, job)
