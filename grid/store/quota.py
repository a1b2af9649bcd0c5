"""The user's disk quota left where results go, when the system answers at once.

Asks ``lfs quota -u $USER <path>`` (Lustre) where ``lfs`` is on PATH, else ``quota -w -f
<mount point of path>`` where ``quota`` is, each within :data:`QUOTA_TIMEOUT_S`. No command, no
limit set, a slow, failing or unreadable answer: None, silently; the quota is optional.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
from pathlib import Path

QUOTA_TIMEOUT_S = 3.0


def quota_left(path: Path) -> int | None:
    """Bytes the user may still write under the quota of ``path``'s file system, or None."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    if shutil.which("lfs"):
        command = ["lfs", "quota", "-u", getpass.getuser(), str(path)]
    elif shutil.which("quota"):
        command = ["quota", "-w", "-f", str(mount_point(path))]
    else:
        return None
    try:
        answer = subprocess.run(
            command, capture_output=True, text=True, timeout=QUOTA_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_quota(answer.stdout)


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (an existing path)."""
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


def parse_quota(text: str) -> int | None:
    """Bytes left under the tighter of the soft and hard block limits of the first file system
    row after a ``Filesystem`` header of a ``quota -w`` or ``lfs quota`` answer (columns:
    file system, used, soft limit, hard limit, all in KiB; ``*`` marks a value over its limit,
    0 no limit); None when no such row sets a limit."""
    rows = text.splitlines()
    headers = [i for i, row in enumerate(rows) if "Filesystem" in row]
    if not headers:
        return None
    for row in rows[headers[0] + 1 :]:
        fields = row.split()
        try:
            used, soft, hard = (int(f.rstrip("*")) for f in fields[1:4])
        except ValueError:
            continue
        limits = [limit for limit in (soft, hard) if limit > 0]
        return max(0, min(limits) - used) * 1024 if limits else None
    return None
