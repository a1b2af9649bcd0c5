"""Stage ``check-codec``: the codec quality gate (lcc.codecs.gate) of one fitted codec.

Codes the held-out test images with the fitted codec and with JPEG at the thesis' qualities
and writes ``codec_gate`` rows: one ``reference`` row per JPEG quality and one ``candidate``
row with JPEG's PSNR/SSIM at the codec's coded rate, the margins and the verdict. With
``gate.enforce=true`` the codec's encode jobs read this job and refuse a failed codec
(:func:`require_passed`), so no classifier is trained on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grid.context import JobContext
from grid.disk import ROWS_FILE
from grid.stages.fitted import fit_job_folder
from grid.stages.registry import stage
from grid.store.folder import JobFolder
from lcc.codecs import get
from lcc.codecs.gate import describe, gate_verdict, rd_point
from lcc.data import load

TABLE = "codec_gate"
NO_VERDICT = dict.fromkeys(("jpeg_psnr", "jpeg_ssim", "psnr_margin", "ssim_margin"), np.nan) | {
    "extrapolated": None,
    "passes": None,
}


class GateFailed(RuntimeError):
    """A learned codec did not beat JPEG at its rate and the sweep enforces the gate."""


def check_codec_disk(config: dict) -> int:
    """Bytes one check-codec job writes: its few codec_gate rows, one small Parquet file."""
    return ROWS_FILE


@stage("check-codec", version=1, resources="gpu", disk=check_codec_disk)
def check_codec(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Gate ``config.codec`` at ``config.level`` on ``config.dataset`` (a test split)."""
    cfg = ctx.config
    ref = cfg["dataset"]
    images = np.asarray(
        load(ref["name"], "test", root=ref.get("root"), limit=ref.get("limit")).images
    )
    codec = get(cfg["codec"], cfg["level"], weights=fit_job_folder(ctx), device=ctx.device)
    point = rd_point(codec, images, chunk=cfg["batch_size"])
    jpeg = [
        rd_point(get("jpeg", q), images, chunk=cfg["batch_size"]) for q in cfg["jpeg_qualities"]
    ]
    verdict = gate_verdict(point, jpeg)
    rows = [
        {"codec": "jpeg", "level": float(q), "role": "reference", **p, **NO_VERDICT}
        for q, p in zip(cfg["jpeg_qualities"], jpeg, strict=True)
    ]
    rows.append(
        {
            "codec": cfg["codec"],
            "level": float(cfg["level"]),
            "role": "candidate",
            **point,
            **verdict,
        }
    )
    table = pd.DataFrame(rows)
    table.insert(0, "dataset", ref["name"])
    return {TABLE: table.astype({"n_images": "int64"})}


def require_passed(gate: JobFolder) -> None:
    """Raise :class:`GateFailed` (one line, with the margins) unless the gate job's candidate
    row passed."""
    rows = gate.read_rows(TABLE)
    if rows.empty:
        raise FileNotFoundError(f"codec gate {gate.path} has no rows (did check-codec finish?)")
    row = rows[rows["role"] == "candidate"].iloc[0]
    if not row["passes"]:
        raise GateFailed(
            describe(row["codec"], row["level"], row.to_dict()) + " (gate.enforce=true)"
        )
