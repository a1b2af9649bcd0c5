"""The one atomic writer (lcc.atomic.atomic_path) and the writers built on it: a writer that
raises midway leaves the target as it was (never a partial file) and no temporary behind."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from grid import code
from grid.store.files import atomic_write_bytes, atomic_write_parquet
from lcc.atomic import atomic_path
from lcc.data.cache import load_cached
from lcc.train.checkpoint import load, save_atomic


class Boom(RuntimeError):
    pass


class Unpicklable:
    """Raises when ``torch.save`` reaches it, after the tensors before it were pickled."""

    def __reduce__(self):
        raise Boom("midway")


def test_a_writer_raising_midway_leaves_the_old_target_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "record.bin"
    target.write_bytes(b"old")
    with pytest.raises(Boom), atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"half of the new")
        raise Boom("midway")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.bin"]


def test_a_writer_raising_midway_creates_no_target(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "record.bin"
    with pytest.raises(Boom), atomic_path(target) as tmp:
        tmp.write_bytes(b"partial")
        raise Boom("midway")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_writer_that_returns_replaces_the_target_whole(tmp_path: Path) -> None:
    target = tmp_path / "record.bin"
    target.write_bytes(b"old")
    for durable in (False, True):
        with atomic_path(target, durable=durable) as tmp:
            tmp.write_bytes(b"new" * 1000)
        assert target.read_bytes() == b"new" * 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.bin"]


def test_the_target_gets_the_permissions_a_plain_write_gives(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "file") as tmp:
            tmp.write_bytes(b"x")
        with atomic_path(tmp_path / "folder", folder=True) as tmp:
            (tmp / "x").write_bytes(b"x")
        (tmp_path / "plain").write_bytes(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "file").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o755


def test_a_folder_writer_raising_midway_leaves_no_folder(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    with pytest.raises(Boom), atomic_path(target, folder=True) as tmp:
        (tmp / "images.npy").write_bytes(b"partial")
        raise Boom("midway")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_writer_refuses_to_replace_a_full_folder(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    target.mkdir()
    (target / "classes.json").write_text("[]")
    with pytest.raises(OSError), atomic_path(target, folder=True) as tmp:
        (tmp / "classes.json").write_text('["other"]')
    assert (target / "classes.json").read_text() == "[]"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]


def test_a_checkpoint_whose_pickling_fails_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pt"
    save_atomic({"epoch": 1}, path)
    with pytest.raises(Boom):
        save_atomic({"weights": torch.zeros(1000), "bad": Unpicklable()}, path)
    assert load(path) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_grid_writers_failing_midway_leave_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    atomic_write_parquet(path, pa.table({"x": [1, 2]}))
    with pytest.raises(pa.ArrowException):  # a column Parquet cannot hold, found at writing
        atomic_write_parquet(path, pa.table({"x": pa.array([1], pa.int64()), "y": [{}]}))
    assert pq.read_table(path).column("x").to_pylist() == [1, 2]
    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "b.json", "not bytes")  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["rows.parquet"]


def test_a_cache_entry_written_first_by_another_process_is_kept(tmp_path: Path) -> None:
    source, cache = tmp_path / "source.bin", tmp_path / "cache"
    source.write_bytes(b"x")
    images = np.zeros((2, 4, 4, 3), np.uint8)

    def rival():
        return images, np.array([0, 1]), ("a", "b")

    def decode():  # while this process decodes, another one writes the same entry
        load_cached("t", [source], rival, cache_dir=cache)
        return images + 1, np.array([0, 1]), ("a", "b")

    got = load_cached("t", [source], decode, cache_dir=cache)
    assert np.array_equal(got[0], images) and got[2] == ("a", "b")  # the rival's entry
    assert len(list(cache.iterdir())) == 1  # and no temporary folder


def test_a_code_snapshot_made_first_by_another_launcher_is_kept(tmp_path: Path, monkeypatch):
    code.current()  # fills the cached manifest, so _files is next called for the copy itself
    files = code._files

    def rival_first(root: Path) -> list[Path]:  # another launcher copies while this one does
        monkeypatch.setattr(code, "_files", files)
        code.snapshot(tmp_path)
        return files(root)

    monkeypatch.setattr(code, "_files", rival_first)
    target = code.snapshot(tmp_path)
    assert json.loads((target / code.MANIFEST).read_text()) == code.manifest()
    assert [p.name for p in (tmp_path / code.SNAPSHOTS).iterdir()] == [target.name]
