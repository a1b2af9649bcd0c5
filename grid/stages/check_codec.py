"""Stage ``check-codec``: the codec quality gate (lcc.codecs.gate) of one fitted codec, or of a
``gated`` codec that is not learned (lcc.specs.codecs: HOG-guided JPEG, thesis §6.1).

Codes each gate image set of its ``reference`` inputs (gate-reference jobs: the held-out test
images, and Tiny ImageNet downsampled 2x where planned) with the codec (a learned one from its
``model`` input, a fit-codec job), reads JPEG's
curve on the same images from that job's rows, and writes one ``candidate`` row per reference
(column ``reference``) with JPEG's PSNR/SSIM at the codec's coded rate, the margins (also at
the header-free rate) and the verdict; the JPEG rows themselves are the reference job's. With
``gate.enforce=true`` a learned codec's encode jobs read this job and refuse a failed codec
(:func:`require_passed`), so no classifier is trained on it.
"""

from __future__ import annotations

import pandas as pd

import grid.stages.declared  # noqa: F401  (the declaration @stage checks this stage against)
from grid.context import JobContext
from grid.stages.fitted import fit_job_folder
from grid.stages.gate_reference import TABLE, gate_images
from grid.stages.registry import stage
from grid.store.folder import JobFolder
from lcc.codecs import get
from lcc.codecs.gate import describe, gate_verdict, rd_point
from lcc.specs.codecs import is_learned


class GateFailed(RuntimeError):
    """A learned codec did not beat JPEG at its rate and the sweep enforces the gate."""


@stage("check-codec")
def check_codec(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Gate ``config.codec`` at ``config.level`` against each ``reference`` input's JPEG curve,
    on that reference's images."""
    cfg = ctx.config
    references = ctx.input_jobs("reference")
    if not references:
        raise ValueError("check-codec needs at least one 'reference' input (a gate-reference job)")
    weights = fit_job_folder(ctx) if is_learned(cfg["codec"]) else None
    codec = get(cfg["codec"], cfg["level"], weights=weights, device=ctx.device)
    rows = []
    for job in references:
        jpeg = ctx.folder_of(job).read_rows(TABLE)
        if jpeg.empty:
            raise FileNotFoundError(f"gate reference {job.label} has no rows (did it finish?)")
        point = rd_point(codec, gate_images(job.config), chunk=cfg["batch_size"])
        verdict = gate_verdict(point, jpeg.to_dict("records"))
        rows.append(
            {
                "codec": cfg["codec"],
                "level": float(cfg["level"]),
                "role": "candidate",
                "reference": job.config["reference"],
                **point,
                **verdict,
            }
        )
    table = pd.DataFrame(rows)
    table.insert(0, "dataset", cfg["dataset"]["name"])
    return {TABLE: table.astype({"n_images": "int64"})}


def require_passed(gate: JobFolder) -> None:
    """Raise :class:`GateFailed` (one line, with the margins) unless the gate job's candidate
    row passed."""
    rows = gate.read_rows(TABLE)
    if rows.empty:
        raise FileNotFoundError(f"codec gate {gate.path} has no rows (did check-codec finish?)")
    row = rows[rows["role"] == "candidate"].iloc[0]  # the first reference: the test images
    if not row["passes"]:
        raise GateFailed(
            describe(row["codec"], row["level"], row.to_dict()) + " (gate.enforce=true)"
        )
