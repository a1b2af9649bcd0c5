"""How a Slurm submission loop stops before its last array: :class:`SubmissionStopped`, the one
line the launcher prints and its exit status. Apart from grid/executors/slurm.py, which raises
it, so the launcher catches it without importing the Slurm executor (grid/executors/__init__.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grid.executors.arrays import ArrayPlan
from grid.executors.interrupts import EXIT_INTERRUPTED
from grid.store.intents import OPEN, Intent

EXIT_REFUSED = 3  # the launcher's exit status when sbatch refused an array


class SubmissionStopped(Exception):
    """The submission loop stopped before its last array. ``str()`` is the one line the
    launcher prints (what was queued, what was not, how to go on); ``code`` its exit status:
    :data:`EXIT_REFUSED` (sbatch refused an array) or
    :data:`grid.executors.interrupts.EXIT_INTERRUPTED` (a signal)."""

    def __init__(self, line: str, code: int) -> None:
        super().__init__(line)
        self.code = code

    @classmethod
    def refused(
        cls, message: str, arrays: Sequence[ArrayPlan], index: int, log_path: Path
    ) -> SubmissionStopped:
        """sbatch refused ``arrays[index]`` with ``message``; the arrays before it are queued."""
        array = arrays[index]
        line = (
            f"sbatch refused the {array.stage} array ({len(array.jobs)} jobs): {message}; "
            f"{tally(arrays, index)}. Relaunch with the same arguments once the queue "
            "drains, or lower max_array_size in the cluster profile, or pack jobs with "
            f"pack.{array.stage}=N (traceback: {log_path})"
        )
        return cls(line, EXIT_REFUSED)

    @classmethod
    def interrupted(
        cls, name: str, arrays: Sequence[ArrayPlan], index: int, unknown: Intent | None = None
    ) -> SubmissionStopped:
        """Signal ``name`` arrived; the arrays before ``index`` are queued. ``unknown``: the
        intent of an array whose sbatch failed after the signal, if squeue could not confirm
        it either way (it stays open)."""
        line = f"{name}: {tally(arrays, index)}"
        if unknown is not None and unknown.state == OPEN:
            line += (
                f"; whether Slurm queued the {unknown.record['stage']} array in flight is "
                f"unknown (array intent {unknown.token}): the next launch asks squeue"
            )
        line += "; relaunch with the same arguments to submit the rest"
        return cls(line, EXIT_INTERRUPTED)


def tally(arrays: Sequence[ArrayPlan], index: int) -> str:
    """``queued 2 arrays (5 jobs), kept; not submitted: 20 jobs`` for a stop at ``index``."""
    queued = sum(len(a.jobs) for a in arrays[:index])
    rest = sum(len(a.jobs) for a in arrays[index:])
    return f"queued {index} arrays ({queued} jobs), kept; not submitted: {rest} jobs"
