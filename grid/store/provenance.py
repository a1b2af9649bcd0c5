"""Provenance stamped on every result row: who ran the job, where, when, with what code."""

from __future__ import annotations

import functools
import json
import os
import socket
from datetime import datetime
from importlib import metadata

PACKAGES = ("lcc-suite", "torch", "torchvision", "compressai", "numpy", "pandas", "pyarrow")


@functools.cache
def package_versions() -> str:
    """JSON ``{package: version}`` of the packages that shape results."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return json.dumps(versions, sort_keys=True)


def slurm_job_id() -> str | None:
    """``"<array job>_<task>"`` inside a Slurm array task, the job id in a plain job, else None."""
    array = os.environ.get("SLURM_ARRAY_JOB_ID")
    if array:
        return f"{array}_{os.environ.get('SLURM_ARRAY_TASK_ID', '0')}"
    return os.environ.get("SLURM_JOB_ID")


def device_name(device: str) -> str:
    """``"cpu"`` or ``"cuda:0 (<GPU name>)"``."""
    if device.startswith("cuda"):
        import torch

        return f"{device} ({torch.cuda.get_device_name(0)})"
    return device


def provenance(
    signature: str,
    sweep: str,
    device: str,
    started: datetime,
    finished: datetime,
    commit: str,
    code: str,
):
    """The provenance columns of one job's rows (see grid/store/schemas.py PROVENANCE):
    ``commit`` and ``code`` are :attr:`grid.code.CodeRecord.git_label` and its fingerprint."""
    return {
        "signature": signature,
        "sweep": sweep,
        "git_commit": commit,
        "code": code,
        "package_versions": package_versions(),
        "host": socket.gethostname(),
        "slurm_job_id": slurm_job_id(),
        "started_at": started,
        "finished_at": finished,
        "device": device_name(device),
    }
