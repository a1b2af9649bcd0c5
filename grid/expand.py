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
from grid.settings import seeds_of
from lcc.codecs import is_learned, objective_of
from lcc.codecs.fit_recipe import resolve_fit_recipe
from lcc.codecs.gate import GATE_JPEG_QUALITIES
from lcc.codecs.objectives import check_task_beta, objective_settings

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


def thesis_batch_size(dataset_image_size: int, arch: str) -> int:
    """Thesis batch: 128 on 32x32 data; on 64x64, 200 for ResNet18 and 300 for VGG11."""
    if dataset_image_size <= 32:
        return 128
    return 300 if arch.startswith("vgg") else 200


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
        config = {
            "dataset": data_ref(settings, dataset, "test"),
            "corruptions": list(settings["corruptions"]),
            "severities": list(settings["severities"]),
            "seed": 0,
        }
        out.cifar10c = Job("prepare-cifar10c", config, label=f"{dataset} CIFAR-10-C")
    return out


def _train(settings, data: DatasetJobs, info, arch: str, seed: int, tset: TrainSet, inputs):
    recipe = dict(settings["train"])
    if recipe["batch_size"] is None:
        recipe["batch_size"] = thesis_batch_size(info.image_size, arch)
    recipe["augment"] = "crop-flip" if info.image_size <= 32 else "rotate-flip"
    recipe["normalize"] = data.name
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
        tset = TrainSet(f"{codec}:top{select['top_k']}", codec, None, None)
        for seed in seeds_of(settings):
            inputs = {
                "selection": (selection.signature,),
                "candidates": candidates,
                "test_clean": (data.test_clean.signature,),
            }
            train = add(_train(settings, data, info, arch, seed, tset, inputs))
            add(_evaluate(settings, data, train))
