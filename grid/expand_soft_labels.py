"""The soft-label part of a sweep (thesis §6.3, future work: human soft labels): with
``data.soft_labels=PATH`` (CIFAR-10H's ``cifar10h-probs.npy``, :mod:`lcc.data.soft_labels`),
Peterson et al.'s set-up (ICCV 2019), the roles of the splits swapped.

For every dataset whose test split has the file's rows and classes, every architecture and
seed, two trainings on the original test images, with the recipe of every other training:

- :data:`~lcc.specs.soft_labels.SOFT_SET`: against the file's distributions (config
  ``soft_labels``: the path and the content's fingerprint, so a changed file reruns it);
- :data:`~lcc.specs.soft_labels.HARD_SET`: the control, against the same images' hard labels
  (the ordinary loss, which is the cross-entropy against one-hot targets);

each with an evaluate job on the original training images. Their ``test_clean`` input, which
the train stage's best epoch is chosen on and the evaluate stage judges, is the encode of the
training split: the best epoch is chosen on the selection part of the training images
(:mod:`lcc.evaluate.holdout`, by row of the training split) and the comparison is made on the
judged part, images neither model trained on nor was chosen on. Their rows say
``eval_set`` "clean" of images of the training split; the ``train_set`` label tells them apart.

Not evaluated on CIFAR-10-C: its images are corruptions of the test images these models train
on, so it would not be held out.

Without ``data.soft_labels`` (the default) nothing is read and no job is added, so every other
job's signature is what it was without this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grid.expand import DatasetJobs, Trainings, TrainSet, _encode
from grid.job import Job
from grid.settings import SettingsError, seeds_of
from lcc.data import split_size
from lcc.data.soft_labels import SoftLabelError, fingerprint, read_soft_labels
from lcc.specs.soft_labels import HARD_SET, SOFT_SET


@dataclass(frozen=True)
class SoftLabelSettings:
    """``data.soft_labels``: None, or the path of a ``.npy`` file of per-test-image class
    distributions (checked when read, :func:`lcc.data.soft_labels.read_soft_labels`)."""

    path: str | None = None

    def __post_init__(self) -> None:
        if self.path is not None and not isinstance(self.path, str | os.PathLike):
            raise SettingsError(f"data.soft_labels must be a .npy path or null; got {self.path!r}")


def soft_label_datasets(settings: Mapping[str, Any], dataset_info, rows: int, classes: int):
    """The sweep's datasets whose standard test split has ``rows`` images of ``classes``
    classes (:func:`lcc.data.split_size`), i.e. those a soft-label file of that shape covers."""
    return [
        name
        for name in settings["datasets"]
        if dataset_info(name).num_classes == classes and split_size(name, "test") == rows
    ]


def add_soft_labels(
    settings: Mapping[str, Any], dataset_info, add: Callable[[Job], Job | None]
) -> None:
    """With ``data.soft_labels``, read and check the file and ``add`` the jobs of the module
    docstring; one-line :class:`SettingsError` for a bad file or no dataset it covers."""
    path = SoftLabelSettings(settings["data"].get("soft_labels")).path
    if path is None:
        return
    path = str(Path(path).resolve())
    try:
        probs = read_soft_labels(path)
    except SoftLabelError as err:
        raise SettingsError(str(err)) from None
    datasets = soft_label_datasets(settings, dataset_info, *probs.shape)
    if not datasets:
        raise SettingsError(f"data.soft_labels {path}: {probs.shape[0]} rows x "
                            f"{probs.shape[1]} classes match no test split of "
                            f"{', '.join(settings['datasets'])}")  # fmt: skip
    spec = {"path": path, "fingerprint": fingerprint(probs)}
    for dataset in datasets:
        _add_dataset(settings, dataset_info(dataset), dataset, spec, add)


def _add_dataset(settings, info, dataset: str, spec: dict, add) -> None:
    """The soft-label and control trainings of ``dataset`` and their evaluations."""
    data = DatasetJobs(dataset)
    data.test_clean = add(_encode(settings, dataset, "train"))  # judged: the training images
    test_images = add(_encode(settings, dataset, "test"))  # trained on
    inputs = {"train_data": (test_images.signature,), "test_clean": (data.test_clean.signature,)}
    held_out = {**settings, "cifar10c": False}  # CIFAR-10-C corrupts the images trained on
    for arch in settings["archs"]:
        cell = Trainings(held_out, data, info, arch, add)
        for seed in seeds_of(settings):
            hard = cell.train(TrainSet(HARD_SET, "identity", None, test_images), seed, inputs)
            soft = TrainSet(SOFT_SET, "identity", None, test_images)
            for train in (add(_with_soft_labels(cell, soft, seed, inputs, spec)), hard):
                cell.evaluate(train)


def _with_soft_labels(cell: Trainings, tset: TrainSet, seed: int, inputs, spec: dict) -> Job:
    """The train job of ``tset`` with ``seed`` and ``config.soft_labels`` = ``spec``."""
    base = Trainings(cell.settings, cell.data, cell.info, cell.arch, lambda job: job)
    job = base.train(tset, seed, inputs)
    return Job("train", {**job.config, "soft_labels": spec}, job.inputs, label=job.label)
