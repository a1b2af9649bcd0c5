"""The gabor jobs of a sweep (thesis §6.2, future work): with ``gabor.enabled``, one job per
training set, i.e. per encode job of a train split (the original data and every codec
level; joined sets have no images of their own), reading that job's ``images.npy``.

The settings are checked whether or not the stage is enabled (one-line
:class:`~grid.settings.SettingsError`); with it disabled no job is added, so every other
job's signature is what it was without this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grid.job import Job
from grid.sections import checked_section
from lcc.specs.gabor import GaborSettings

# Keys of the ``gabor`` settings section that are the stage's config (``enabled`` is not).
CONFIG_KEYS = ("images", "orientations", "frequencies", "bandwidth", "bins", "max_response")


def gabor_settings(settings: Mapping[str, Any]) -> GaborSettings:
    """The checked ``gabor`` section of resolved sweep ``settings``."""
    return checked_section(settings, "gabor", GaborSettings, CONFIG_KEYS)


def add_gabor(settings: Mapping[str, Any], jobs: dict[str, Job]) -> None:
    """Check the ``gabor`` settings and, with ``gabor.enabled``, add to ``jobs`` (signature ->
    job) one gabor job per train-split encode job already in it."""
    config = gabor_settings(settings).to_config()
    if not settings["gabor"]["enabled"]:
        return
    encodes = [j for j in jobs.values() if j.stage == "encode" and j.config["split"] == "train"]
    for encode in encodes:
        job = Job("gabor", config, {"images": (encode.signature,)}, label=f"{encode.label} gabor")
        jobs.setdefault(job.signature, job)
