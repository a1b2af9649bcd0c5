"""A result file that cannot be read: one line naming it, the job that wrote it and the rerun.

Raised by :func:`analysis.row_files.read_row_files` (so by :func:`analysis.load.load`).
"""

from __future__ import annotations

from pathlib import Path

from grid.plan import Plan
from grid.store.folder import JobFolder
from grid.store.rows import RowFile


class BadResultFile(ValueError):
    """A result file that is corrupt, truncated, of another schema version or short of a
    column. The message is one line: the file, its job (stage, signature, label) and how to
    rerun that job."""


def bad_file(
    results_dir: Path, plan: Plan | None, file: RowFile, problem: str, superseded: bool = False
) -> BadResultFile:
    """The error for ``file`` of the sweep at ``results_dir`` (``results/<sweep>``): ``problem``
    (one line), the job that wrote the file and how to rerun it; for a ``superseded`` file (its
    job is not in the launched plan, so a relaunch would not rewrite it) how to do without it.
    """
    results_dir = Path(results_dir)
    root = results_dir.parent
    folder = JobFolder(root, file.stage, file.signature)
    label = (folder.read_spec() or {}).get("label")
    if label is None and plan is not None:
        planned = plan.by_signature.get(file.signature)
        label = planned.label if planned else None
    job = f"{file.stage} job {file.signature} ({label or 'label unknown'})"
    if superseded:
        return BadResultFile(
            f"{file.path}: {problem}; written by {job}, which the sweep's launched plan no "
            "longer holds; load without include_superseded=True, or delete the file"
        )
    sweep = plan.sweep if plan is not None else results_dir.name
    return BadResultFile(
        f"{file.path}: {problem}; written by {job}; to rerun it, delete {folder.path} and "
        f"relaunch: python -m grid.launch sweep={sweep} results={root}"
    )
