"""Stage ``saliency``: where a trained classifier looks in clean and compressed test images
(thesis §6.2, future work; :mod:`lcc.evaluate.saliency`).

Inputs: ``model`` (a train job), ``test_clean`` (the identity encode of the test split) and
``test_compressed`` (the test split at ``config.compressed``, the same view for every model:
grid/expand_saliency.py says why). Config: :class:`lcc.specs.saliency.SaliencySettings` as a
dict. The first ``images`` test images are read in both views; each view's maps are judged
against the HOG foreground of the clean image. Writes ``saliency.npy`` (float32 ``(2, N, H,
W)``: view 0 clean, view 1 compressed; logit per unit pixel on [0, 1]); rows: ``saliency``, one
per (image, view). The mask's cell and quantile are :mod:`lcc.codecs.foreground`'s defaults,
not in the config: a change there needs this stage's version bumped (grid/stage_table.py).
Deterministic (seeded noise) and short, so resuming means rerunning it whole.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.evaluate import trained_model
from grid.stages.registry import stage
from grid.stages.train import load_encoded, train_set_columns
from grid.store.folder import JobFolder
from lcc.evaluate.saliency import Concentration, foreground_concentration, saliency_maps
from lcc.specs.saliency import VIEWS, SaliencySettings

log = logging.getLogger("grid")


@stage("saliency")
def saliency_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Saliency maps of the model input's ``best.pt`` on both views and their rows."""
    settings = SaliencySettings(**ctx.config)
    (train_job,) = ctx.input_jobs("model")
    model, meta = trained_model(ctx.folder_of(train_job))
    clean, labels = load_encoded(ctx.input_dirs("test_clean"), "test_clean")
    compressed, compressed_labels = load_encoded(
        ctx.input_dirs("test_compressed"), "test_compressed"
    )
    n = min(settings.images, len(labels))
    labels = np.asarray(labels[:n], dtype=np.int64)
    if not np.array_equal(labels, np.asarray(compressed_labels[:n], dtype=np.int64)):
        raise ValueError("inputs 'test_clean' and 'test_compressed' disagree on the labels")
    views = dict(zip(VIEWS, (np.asarray(clean[:n]), np.asarray(compressed[:n])), strict=True))
    maps, frames = [], []
    for view, images in views.items():
        result = saliency_maps(model, images, labels, settings,
                               normalization=meta["normalization"], device=ctx.device)  # fmt: skip
        log.info("saliency %s %s: %d images in %.1f s", ctx.job.signature, view, n, result.seconds)
        maps.append(result.maps)
        frames.append(view_rows(settings, view, labels, result.predicted,
                                foreground_concentration(result.maps, views["clean"])))  # fmt: skip
    np.save(JobFolder.at(ctx.workdir).saliency, np.stack(maps))
    frame = pd.concat(frames, ignore_index=True)
    for column, value in train_set_columns(train_job.config, meta["train_set"]).items():
        frame[column] = value
    return {"saliency": frame}


def view_rows(
    settings: SaliencySettings,
    view: str,
    labels: np.ndarray,
    predicted: np.ndarray,
    concentration: Concentration,
) -> pd.DataFrame:
    """One ``saliency`` row per image of one view (``labels``, ``predicted``: int64 ``(N,)``):
    every column but the model's."""
    clean = view == VIEWS[0]
    return pd.DataFrame(
        {
            "image_index": np.arange(len(labels), dtype=np.int64),
            "label": labels,
            "view": view,
            "view_codec": "identity" if clean else settings.codec,
            "view_level": np.nan if clean else settings.level,
            "method": settings.method,
            "samples": np.int32(settings.samples),
            "sigma": settings.sigma,
            "predicted": predicted,
            "correct": predicted == labels,
            "mass_fraction": concentration.mass,
            "area_fraction": concentration.area,
            "ratio": concentration.ratio,
            "n_images": np.int64(len(labels)),
        }
    )
