"""Stage ``fourier``: a trained classifier's Fourier heat map (thesis §6.2, lcc.evaluate.fourier).

Inputs: ``model`` (a train job), ``test_clean`` (the identity encode of the test split).
Config: ``{"norm": l2 norm (pixels on [0, 1]), "images": first N test images, "seed",
"batch_size": images per forward pass (each perturbed along one frequency row)}``.
Writes ``heat_map.npy`` (float64 ``(H, W)``, centred error rates); rows: ``fourier_sensitivity``,
one per frequency. The job is short and deterministic (seeded signs, no state carried between
frequency rows), so resuming means rerunning it whole: a rerun after a kill gives the same rows.
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
from lcc.evaluate.fourier import check_settings, fourier_heat_map, frequencies

log = logging.getLogger("grid")


@stage("fourier")
def fourier_stage(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Error rate of the model input's ``best.pt`` per Fourier-basis perturbation frequency."""
    cfg = ctx.config
    check_settings(cfg["norm"], cfg["images"], cfg["batch_size"])
    (train_job,) = ctx.input_jobs("model")
    model, meta = trained_model(ctx.folder_of(train_job))
    images, labels = load_encoded(ctx.input_dirs("test_clean"), "test_clean")
    n = min(cfg["images"], len(labels))
    result = fourier_heat_map(
        model,
        images[:n],
        labels[:n],
        norm=cfg["norm"],
        normalization=meta["normalization"],
        batch_size=cfg["batch_size"],
        seed=cfg["seed"],
        precision=cfg["precision"],
        device=ctx.device,
    )
    np.save(JobFolder.at(ctx.workdir).heat_map, result.error)
    log.info(
        "fourier %s: %d images x %d frequencies in %.1f s, %.0f images/s",
        ctx.job.signature, n, result.error.size, result.seconds, result.images_per_s,
    )  # fmt: skip
    print(f"fourier {train_job.label}: {result.images_per_s:.0f} images/s", flush=True)
    height, width = result.error.shape
    fy, fx = np.meshgrid(frequencies(height), frequencies(width), indexing="ij")
    frame = pd.DataFrame(
        {
            "freq_y": fy.ravel().astype(np.int32),
            "freq_x": fx.ravel().astype(np.int32),
            "norm": result.norm,
            "n_images": np.int64(result.n_images),
            "error": result.error.ravel(),
            "clean_error": result.clean_error,
        }
    )
    for column, value in train_set_columns(train_job.config, meta["train_set"]).items():
        frame[column] = value
    return {"fourier_sensitivity": frame.astype({"seed": "int32", "n_images": "int64"})}
