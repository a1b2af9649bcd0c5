"""Finding the images an encode job wrote: ``results/_jobs/encode/<signature>/images.npy``."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from analysis.plan import describe_job
from grid.plan import Plan
from grid.store.folder import JobFolder

IMAGE_SET_COLUMNS = ["dataset", "split", "codec", "level", "signature", "images_path"]


def _same_level(a: float | None, b: float | None) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and not (isinstance(b, float) and math.isnan(b)) and float(a) == float(b)


def image_sets(plan: Plan | None, results_root: Path) -> pd.DataFrame:
    """Every planned encode job whose ``images.npy`` exists.

    Columns :data:`IMAGE_SET_COLUMNS` (``level`` NaN for the identity codec).
    """
    rows = []
    for job in plan.jobs_of("encode") if plan else []:
        path = JobFolder.of(results_root, job).images
        if path.exists():
            cell = describe_job(plan, job)
            rows.append({**{k: cell[k] for k in IMAGE_SET_COLUMNS[:5]}, "images_path": str(path)})
    frame = pd.DataFrame(rows, columns=IMAGE_SET_COLUMNS)
    return frame.astype({"level": "float64"})


def find_image_set(
    sets: pd.DataFrame, dataset: str, codec: str, level: float | None, split: str = "train"
) -> str | None:
    """The ``images.npy`` path of (dataset, codec, level, split), or None when not encoded."""
    part = sets[(sets["dataset"] == dataset) & (sets["codec"] == codec) & (sets["split"] == split)]
    for row in part.itertuples(index=False):
        if _same_level(row.level, level):
            return row.images_path
    return None
