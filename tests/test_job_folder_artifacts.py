"""JobFolder names every artifact of a job folder (one property each), with the names lcc's
readers use: a folder written through the properties is read back by lcc, and no name on disk
changed (results written before keep being read)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grid.store.folder import JobFolder
from lcc.codecs.encoded import load_encoded
from lcc.codecs.learned import weights_files

ON_DISK = {  # the names results folders already hold
    "images": "images.npy",
    "labels": "labels.npy",
    "meta": "meta.json",
    "model": "model.pt",
    "checkpoint": "checkpoint.pt",
    "best": "best.pt",
    "last": "last.pt",
    "cifar10c": "CIFAR-10-C",
    "heat_map": "heat_map.npy",
}


def test_each_artifact_keeps_its_name_on_disk(tmp_path: Path) -> None:
    folder = JobFolder(tmp_path, "encode", "abc123")
    for prop, name in ON_DISK.items():
        assert getattr(folder, prop) == tmp_path / "_jobs" / "encode" / "abc123" / name, prop


def test_an_encoded_split_written_through_the_properties_is_read_by_lcc(tmp_path: Path) -> None:
    folder = JobFolder(tmp_path, "encode", "abc123")
    folder.path.mkdir(parents=True)
    images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    np.save(folder.images, images)
    np.save(folder.labels, np.array([1, 0]))
    meta = {"dataset": "d", "split": "test", "codec": "jpeg", "level": 20, "classes": ["a", "b"]}
    folder.meta.write_text(json.dumps(meta))
    split = load_encoded(folder.path)
    assert np.array_equal(split.images, images) and split.labels.tolist() == [1, 0]
    assert split.name == "d[jpeg:20]"


def test_a_fit_folder_is_found_by_the_learned_codec_through_its_model(tmp_path: Path) -> None:
    folder = JobFolder(tmp_path, "fit-codec", "abc123")
    folder.path.mkdir(parents=True)
    folder.model.write_bytes(b"weights")
    folder.meta.write_text("{}")
    assert weights_files(folder.path) == (folder.model, folder.meta)
