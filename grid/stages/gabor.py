"""Stage ``gabor``: a training set's histograms of Gabor response magnitudes (thesis §6.2,
future work; :mod:`lcc.evaluate.gabor`).

Input: ``images`` (the encode job of one training set: the train split, original or
compressed). Config: :class:`lcc.specs.gabor.GaborSettings` as a dict (``images``: the first
N images; ``orientations``; ``frequencies``, cycles per pixel; ``bandwidth``, octaves;
``bins`` over [0, ``max_response``]). Rows: ``gabor_response``, one per (filter, bin). No
artifact: the job is deterministic and takes seconds, so resuming means rerunning it whole.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.registry import stage
from lcc.evaluate.gabor import GaborHistograms, response_histograms
from lcc.specs.gabor import GaborSettings

log = logging.getLogger("grid")


@stage("gabor")
def gabor_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """The Gabor response histograms of the first ``config.images`` images of the input set."""
    settings = GaborSettings(**ctx.config)
    (encode,) = ctx.input_jobs("images")
    folder = ctx.folder_of(encode)
    try:
        images = np.load(folder.images, mmap_mode="r")
        meta = json.loads(folder.meta.read_text())
    except FileNotFoundError as err:
        raise FileNotFoundError(f"input 'images': {err} (did its encode job finish?)") from None
    result = response_histograms(np.asarray(images[: settings.images]), settings)
    log.info("gabor %s: %d images x %d filters in %.1f s", ctx.job.signature, result.n_images,
             len(result.filters), result.seconds)  # fmt: skip
    frame = histogram_rows(result, settings.bandwidth)
    frame.insert(0, "level", np.nan if meta["level"] is None else float(meta["level"]))
    frame.insert(0, "codec", meta["codec"])
    frame.insert(0, "dataset", meta["dataset"])
    return {"gabor_response": frame}


def histogram_rows(result: GaborHistograms, bandwidth: float) -> pd.DataFrame:
    """One row per (filter, bin) of ``result``: the ``gabor_response`` columns but dataset,
    codec and level."""
    n_filters, bins = result.fraction.shape
    low, high = result.edges[:-1], result.edges[1:]
    return pd.DataFrame(
        {
            "orientation": np.repeat([f.orientation for f in result.filters], bins),
            "frequency": np.repeat([f.frequency for f in result.filters], bins),
            "bandwidth": float(bandwidth),
            "bin": np.tile(np.arange(bins, dtype=np.int32), n_filters),
            "bin_low": np.tile(low, n_filters),
            "bin_high": np.tile(high, n_filters),
            "fraction": result.fraction.ravel(),
            "density": (result.fraction / (high - low)).ravel(),
            "overflow": np.repeat(result.overflow, bins),
            "n_images": np.int64(result.n_images),
        }
    )
