"""Submission in waves: a sweep with more array tasks than the user may queue at once.

A site's ``MaxSubmitJobs`` (per user, counting every array task) is the profile's
``max_submit_jobs`` (grid/profiles.py; 0 = no limit). :func:`cut_waves` cuts the planned
arrays, upstream first, into consecutive waves of whole arrays: the first fits the room left
now (the limit minus the user's tasks in ``squeue --me``, :func:`queued_tasks`), each later
one the whole limit. As waves are prefixes of an upstream-first list, an array only ever
waits for arrays of its own or an earlier wave, never for one not yet submitted. The
launcher submits the first wave and exits (a relaunch with the same arguments submits the
next once there is room: it skips what is queued), or with ``follow=true`` polls ``squeue``
every ``poll_s`` seconds and submits each wave when room frees (grid/executors/slurm.py).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

# One line per array task (``--array``), job ids only, no header: ``wc -l`` of the queue.
SQUEUE_ME = ("squeue", "--me", "--noheader", "--array", "--format=%i")


class QueueUnknown(RuntimeError):
    """``squeue --me`` did not answer; the message is one line saying why."""


def cut_waves(tasks: Sequence[int], room: int, limit: int) -> list[range]:
    """Consecutive ranges of the arrays whose task counts are ``tasks``: the first holds the
    longest prefix of at most ``room`` tasks (it may be empty), each later one the longest of
    at most ``limit`` (at least one array). ``limit`` 0: no limit, one wave."""
    if not tasks:
        return []
    if limit <= 0:
        return [range(len(tasks))]
    if max(tasks) > limit:
        raise ValueError(f"an array of {max(tasks)} tasks exceeds max_submit_jobs={limit}")
    out, start, budget = [], 0, room
    while start < len(tasks):
        stop = start
        while stop < len(tasks) and tasks[stop] <= budget:
            budget -= tasks[stop]
            stop += 1
        out.append(range(start, stop))
        start, budget = stop, limit
    return out


def queued_tasks() -> int:
    """The user's array tasks and jobs in the queue now (pending or running): one
    ``squeue --me`` call. Raises :class:`QueueUnknown` when squeue fails."""
    try:
        done = subprocess.run(SQUEUE_ME, capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        line = next((x.strip() for x in detail.splitlines() if x.strip()), type(err).__name__)
        raise QueueUnknown(f"{' '.join(SQUEUE_ME)} failed: {line}") from err
    return sum(1 for line in done.stdout.splitlines() if line.strip())
