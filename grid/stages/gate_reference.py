"""Stage ``gate-reference``: JPEG's rate–distortion curve on one gate image set, once.

Every check-codec job of a dataset used to code the same gate images with JPEG at the same
qualities. This job does it once per (reference, image set, qualities) and writes the
``codec_gate`` rows with role ``reference`` (one per JPEG quality); check-codec jobs read them
as their ``reference`` input and code only their candidate. A reference (``lcc.codecs.gate``
:data:`~lcc.codecs.gate.REFERENCES`) is ``test`` (the dataset's first ``limit`` test images)
or ``tiny-2x`` (Tiny ImageNet's first ``limit`` validation images downsampled 2x to 32x32).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.registry import stage
from lcc.codecs import get
from lcc.codecs.gate import REFERENCES, downsample_2x, rd_point
from lcc.data import load

TABLE = "codec_gate"
NO_VERDICT = dict.fromkeys(
    (
        "jpeg_psnr",
        "jpeg_ssim",
        "psnr_margin",
        "ssim_margin",
        "psnr_margin_no_header",
        "ssim_margin_no_header",
    ),
    np.nan,
) | {"extrapolated": None, "passes": None}


def gate_images(config: dict) -> np.ndarray:
    """The uint8 images of a gate-reference job's ``config`` (its ``reference`` and
    ``dataset``: name, root, limit)."""
    ref, which = config["dataset"], config["reference"]
    if which not in REFERENCES:
        raise ValueError(f"unknown gate reference {which!r}; valid: {', '.join(REFERENCES)}")
    images = np.asarray(
        load(ref["name"], "test", root=ref.get("root"), limit=ref.get("limit")).images
    )
    return downsample_2x(images) if which == "tiny-2x" else images


@stage("gate-reference")
def gate_reference(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """JPEG at ``config.jpeg_qualities`` on the images of ``config.reference``."""
    cfg = ctx.config
    images = gate_images(cfg)
    rows = [
        {
            "codec": "jpeg",
            "level": float(q),
            "role": "reference",
            "reference": cfg["reference"],
            **rd_point(get("jpeg", q), images, chunk=cfg["batch_size"]),
            **NO_VERDICT,
        }
        for q in cfg["jpeg_qualities"]
    ]
    table = pd.DataFrame(rows)
    table.insert(0, "dataset", cfg["dataset"]["name"])
    return {TABLE: table.astype({"n_images": "int64"})}
