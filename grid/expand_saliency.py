"""The saliency jobs of a sweep (thesis §6.2, future work): with ``saliency.enabled``, one job
per train job of a 32x32 dataset (the HOG foreground mask's default cell, 4 pixels, is set
for 32x32 CIFAR-10: :mod:`lcc.codecs.foreground`), reading the model, the identity encode of
the test split (``test_clean``) and the test split compressed at ``saliency.compressed``
(``test_compressed``).

Why one fixed compressed view for every model rather than each model's own training level:
the rows then compare across training sets on the same images (does a model trained on
compressed data look at the object of a JPEG q10 image otherwise than the original model?),
and the original and joined sets, which have no level of their own, get the same view.
That view's encode job is the one ``test_on_compressed=true`` plans for the training set of
that codec and level (the train-split encode's config with the test split's dataset
reference, and its inputs: a learned codec's fit and gate), so the two settings share it;
a ``saliency.compressed`` that no training set of the dataset is encoded at is a one-line
:class:`~grid.settings.SettingsError` naming the levels the sweep encodes.

The settings are checked whether or not the stage is enabled; with it disabled no job is
added, so every other job's signature is what it was without this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grid.job import Job
from grid.sections import checked_section
from grid.settings import SettingsError
from lcc.specs.saliency import SaliencySettings

# Keys of the ``saliency`` settings section that are the stage's config (``enabled`` is not).
CONFIG_KEYS = ("method", "samples", "sigma", "images", "batch_size", "seed", "compressed")
SIDE = 32  # saliency jobs are planned for 32x32 datasets only


def saliency_settings(settings: Mapping[str, Any]) -> SaliencySettings:
    """The checked ``saliency`` section of resolved sweep ``settings``."""
    return checked_section(settings, "saliency", SaliencySettings, CONFIG_KEYS)


def compressed_test_encode(jobs: Mapping[str, Job], test_clean: Job, view: SaliencySettings) -> Job:
    """The encode job of ``test_clean``'s dataset's test split at ``view.compressed``, built
    from the train-split encode of that codec and level in ``jobs`` (module docstring)."""
    dataset = test_clean.config["dataset"]["name"]
    encodes = [j for j in jobs.values() if j.stage == "encode" and j.config["split"] == "train"
               and j.config["dataset"]["name"] == dataset]  # fmt: skip
    for encode in encodes:
        level = encode.config["level"]
        if encode.config["codec"] == view.codec and level is not None and level == view.level:
            config = {**encode.config, "split": "test", "dataset": test_clean.config["dataset"]}
            label = f"{dataset} test {view.compressed}"
            return Job("encode", config, dict(encode.inputs), label=label)
    valid = [f"{j.config['codec']}:{j.config['level']:g}" for j in encodes
             if j.config["level"] is not None]  # fmt: skip
    raise SettingsError(
        f"saliency.compressed {view.compressed!r}: no {dataset} training set is encoded so; "
        f"valid: {', '.join(valid) or 'none (the sweep has no codec level)'}"
    )


def add_saliency(settings: Mapping[str, Any], jobs: dict[str, Job]) -> None:
    """Check the ``saliency`` settings and, with ``saliency.enabled``, add to ``jobs``
    (signature -> job) one saliency job per train job of a 32x32 dataset already in it, and
    the compressed test encodes they read."""
    view = saliency_settings(settings)
    if not settings["saliency"]["enabled"]:
        return
    config = view.to_config()
    trains = [j for j in jobs.values() if j.stage == "train"]
    for train in trains:
        if train.config["dataset"]["image_size"] != SIDE:
            continue
        (clean_signature,) = train.inputs["test_clean"]
        compressed = compressed_test_encode(jobs, jobs[clean_signature], view)
        compressed = jobs.setdefault(compressed.signature, compressed)
        inputs = {
            "model": (train.signature,),
            "test_clean": (clean_signature,),
            "test_compressed": (compressed.signature,),
        }
        job = Job("saliency", config, inputs, label=f"{train.label} saliency")
        jobs.setdefault(job.signature, job)
