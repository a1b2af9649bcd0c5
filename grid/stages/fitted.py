"""The fitted codec a job reads: its fit-codec input's folder, checked to be complete."""

from __future__ import annotations

from pathlib import Path

from grid.context import JobContext


def fit_job_folder(ctx: JobContext) -> Path:
    """The folder of the fit-codec job filling role ``model``, checked to hold its model."""
    folders = [ctx.folder_of(job) for job in ctx.input_jobs("model")]
    if len(folders) != 1:
        raise ValueError(
            f"{ctx.job.stage} with learned codec {ctx.config['codec']!r} needs exactly one "
            f"'model' input (a fit-codec job), got {len(folders)}"
        )
    if not folders[0].model.is_file():
        raise FileNotFoundError(
            f"fit-codec output {folders[0].model} is missing (did the fit job finish?)"
        )
    return folders[0].path
