"""The one atomic writer: a file (or a folder) is written under a temporary name beside its
target, then renamed over the target, so a reader sees the old target or the whole new one,
never part of one.

:func:`atomic_path` yields the temporary path (hidden: ``.<name>.<random>.tmp`` in the
target's folder, so the rename stays on one file system and dataset readers skip it); when the
``with`` body returns, the temporary is renamed over the target; when it raises, or the rename
fails, the temporary is removed and the error propagates. Every writer of the suite goes
through it: checkpoints (``torch.save`` to the yielded path), arrays, cache entries and the
job-folder files of :mod:`grid.store.files`. Imports nothing heavy (no numpy, no torch), so
the torch-free layers may use it (docs/ARCHITECTURE.md, "Layering").
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_NAME_TRIES = 100  # random temporary names tried before giving up (a clash is ~1 in 4e9)


@contextmanager
def atomic_path(target: Path | str, durable: bool = False, folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` to write; rename it over ``target`` on
    success, remove it on error.

    ``folder``: the temporary is an empty folder (created) rather than an empty file, and the
    rename fails (the error propagates, the temporary is removed) when ``target`` is a folder
    already holding files. ``durable`` (files only): the temporary file is fsynced before the
    rename and the folder after it, so the new file survives a crash of the host. The target's
    parent folders are created."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_beside(target, folder)
    try:
        yield tmp
        if durable and not folder:
            _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    if durable and not folder:
        _fsync_folder(target.parent)


def _create_beside(target: Path, folder: bool) -> Path:
    """A new empty file (or folder) ``.<name>.<8 hex>.tmp`` beside ``target``, created as
    ``open``/``mkdir`` would (permissions from the umask, unlike ``tempfile``'s 0600/0700), so
    the target gets the permissions a plain write would give it."""
    for _ in range(_NAME_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            if folder:
                tmp.mkdir()
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {target} in {_NAME_TRIES} tries")


def _fsync_file(path: Path) -> None:
    """Flush the written data of file ``path`` to disk (an error propagates)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    """Remove a temporary file or folder, whatever it holds; no error if it is gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
