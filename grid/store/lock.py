"""The results folder's launch lock: one process at a time scans job states and claims jobs.

A launcher holds it while it reads every job's state and marks the jobs it takes
``submitted`` (grid/launch.py); the local executor holds it while it re-reads a job whose
launcher died and claims it (grid/executors/claims.py). Either way, no two processes ever
claim the same job.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".launch.lock"  # in the results root


@contextmanager
def launch_lock(root: Path) -> Iterator[None]:
    """Hold the lock of results root ``root`` (created if need be) until the block ends;
    blocks while another process holds it. Not reentrant: a process that holds it must not
    ask again (``flock`` on a second open of the file would wait for itself)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def launch_lock_if_free(root: Path) -> Iterator[bool]:
    """Hold the lock of ``root`` for the block if no other process holds it (yields True),
    else hold nothing (yields False): for readers (status, cancel) that must not wait on a
    launcher that is submitting."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
