"""Plugin module (``plugins=[tests.grid_disk_full_plugin]``) that fills the disk of one job
folder: with ``GRID_TEST_FULL_UNDER=<folder>`` set, every ``os.replace`` onto a file under it
(every atomic write: markers, rows) fails with ENOSPC, in the launcher and in each job; all
but the launcher's ``submitted.json``, written before the disk filled."""

import errno
import os

_FULL = os.environ.get("GRID_TEST_FULL_UNDER")
_replace = os.replace


def _replace_on_a_full_disk(src, dst, *args, **kwargs):
    if str(dst).startswith(f"{_FULL}{os.sep}") and os.path.basename(dst) != "submitted.json":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _replace(src, dst, *args, **kwargs)


if _FULL:
    os.replace = _replace_on_a_full_disk
