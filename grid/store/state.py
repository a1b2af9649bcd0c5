"""Job states, the time format markers compare by, and whether a process of this host runs.

The markers states are read from belong to :class:`grid.store.folder.JobFolder`; what Slurm
says of a job (alive, dead, or unknown when squeue does not answer) is
:mod:`grid.store.scheduler`'s business.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DONE, FAILED, RUNNING, PENDING, NEW = "done", "failed", "running", "pending", "new"
CANCELLED = "cancelled"
# A marker names a Slurm job and squeue did not answer: neither alive nor dead, so a launch
# neither reruns the job nor counts it done (docs/SLURM_STATES.md).
UNKNOWN = "unknown"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with microseconds (markers compare by this string)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs: it exists and is not a zombie (one that has
    ended but was not reaped: an orphan stays one where the init process reaps nothing, as in
    some containers)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self/stat").exists():  # not Linux: what kill() said
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()  # "pid (name) state ..."
    except OSError:  # gone meanwhile
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] not in (["Z"], ["X"])


def process_alive_here(marker: dict[str, Any] | None) -> bool:
    """Whether the marker names a process (``host``, ``pid``) of this host that still runs
    (the job process of a failed attempt that may still retry, grid.runner.run_with_retries)."""
    if not marker or marker.get("host") != socket.gethostname() or not marker.get("pid"):
        return False
    return _pid_alive(int(marker["pid"]))
