"""Where a sweep's rows came from: per stage, the jobs, commits, hosts, devices and times."""

from __future__ import annotations

import json

import pandas as pd

from analysis.load import Results


def provenance_summary(results: Results) -> pd.DataFrame:
    """One row per (table, stage): jobs, first start, last finish, commits, hosts, devices.

    Columns: table, stage, jobs, rows, started, finished, git_commits, hosts, devices,
    slurm_jobs (distinct Slurm ids; 0 outside Slurm).
    """
    rows = []
    for table, frame in results.tables.items():
        if frame.empty:
            continue
        for stage, part in frame.groupby("stage", observed=True):
            rows.append(
                {
                    "table": table,
                    "stage": stage,
                    "jobs": part["signature"].nunique(),
                    "rows": len(part),
                    "started": part["started_at"].min(),
                    "finished": part["finished_at"].max(),
                    "git_commits": _distinct(part["git_commit"]),
                    "hosts": _distinct(part["host"]),
                    "devices": _distinct(part["device"]),
                    "slurm_jobs": part["slurm_job_id"].nunique(),
                }
            )
    return pd.DataFrame(rows)


def package_versions(results: Results) -> pd.DataFrame:
    """Distinct package versions seen across all rows: columns package, versions."""
    seen: dict[str, set[str]] = {}
    for frame in results.tables.values():
        if frame.empty:
            continue
        for text in frame["package_versions"].dropna().unique():
            for package, version in json.loads(str(text)).items():
                seen.setdefault(package, set()).add(str(version))
    return pd.DataFrame(
        [(p, ", ".join(sorted(v))) for p, v in sorted(seen.items())],
        columns=["package", "versions"],
    )


def _distinct(column: pd.Series) -> str:
    return ", ".join(sorted(str(v) for v in column.dropna().unique()))
