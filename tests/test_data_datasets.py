"""Dataset type, registry, synthetic set, and the CIFAR-10 / Tiny ImageNet loaders."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lcc.data
from lcc.data import Dataset, dataset_info, load
from lcc.data.dataset import balanced_order


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_registry_names_and_info() -> None:
    assert set(lcc.data.DATASETS) == {"cifar10", "tinyimagenet", "synthetic", "synthetic-tiny"}
    assert dataset_info("cifar10") == (10, 32, False)
    assert dataset_info("synthetic-tiny").num_classes == 200
    assert dataset_info("synthetic").is_synthetic
    with pytest.raises(KeyError, match="valid names: cifar10"):
        dataset_info("mnist")


def test_bad_arguments_give_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a root"):
        load("cifar10", "train")
    with pytest.raises(ValueError, match="valid splits: train, test"):
        load("synthetic", "val")
    with pytest.raises(ValueError, match="root must be None"):
        load("synthetic", "test", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load("cifar10", "test", root=tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py"):
        load("cifar10", "test", root=tmp_path, cache_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"wnids\.txt"):
        load("tinyimagenet", "test", root=tmp_path, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="positive int"):
        load("synthetic", "test", limit=0)


def test_dataset_validates_arrays_and_fingerprints_content() -> None:
    images = np.zeros((4, 8, 8, 3), np.uint8)
    labels = np.array([0, 1, 0, 1])
    a = Dataset("x", "test", images, labels, ("a", "b"))
    b = Dataset("y", "train", images.copy(), labels.copy(), ("a", "b"))
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 16
    changed = images.copy()
    changed[2, 3, 4, 1] = 1
    assert Dataset("x", "test", changed, labels, ("a", "b")).fingerprint != a.fingerprint
    relabelled = Dataset("x", "test", images, np.array([0, 1, 1, 1]), ("a", "b"))
    assert relabelled.fingerprint != a.fingerprint
    with pytest.raises(ValueError, match="uint8"):
        Dataset("x", "test", images.astype(np.float32), labels, ("a", "b"))
    with pytest.raises(ValueError, match="int64"):
        Dataset("x", "test", images, labels.astype(np.int32), ("a", "b"))
    with pytest.raises(ValueError, match="out of range"):
        Dataset("x", "test", images, labels, ("a",))


def test_balanced_order_round_robins_classes_keeping_order() -> None:
    labels = np.array([2, 2, 0, 1, 0, 2, 1, 0])
    order = balanced_order(labels)
    assert order.tolist() == [2, 3, 0, 4, 6, 1, 7, 5]


def test_synthetic_is_deterministic_balanced_and_image_like() -> None:
    ds = load("synthetic", "test")
    again = load("synthetic", "test")
    assert ds.name == "synthetic" and ds.images.shape == (1000, 32, 32, 3)
    assert ds.fingerprint == again.fingerprint
    assert ds.fingerprint != load("synthetic", "train", limit=1000).fingerprint
    assert np.bincount(ds.labels).tolist() == [100] * 10
    assert len(set(ds.classes)) == 10
    # Natural-image statistics: a falling (roughly 1/f) amplitude spectrum and varied colour.
    grey = ds.images[:200].astype(np.float64).mean(-1)
    power = np.abs(np.fft.fft2(grey - grey.mean((1, 2), keepdims=True))) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(32), np.fft.fftfreq(32), indexing="ij")
    radius = np.hypot(fy, fx)
    low = power[:, (radius > 0.05) & (radius < 0.1)].mean()
    high = power[:, (radius > 0.3) & (radius < 0.45)].mean()
    slope = np.log(low / high) / np.log(0.375 / 0.075)
    assert 1.5 < slope < 4.0  # amplitude ~ 1/f^(slope/2): photographs have slope near 2
    assert ds.images.reshape(-1, 3).std(0).min() > 30
    tiny = load("synthetic-tiny", "train", limit=400)
    assert tiny.images.shape == (400, 64, 64, 3)
    assert np.bincount(tiny.labels, minlength=200).tolist() == [2] * 200


def test_limit_keeps_a_prefix_of_the_balanced_order() -> None:
    full = load("synthetic", "test")
    few = load("synthetic", "test", limit=25)
    keep = balanced_order(full.labels)[:25]
    np.testing.assert_array_equal(few.images, full.images[keep])
    assert np.bincount(few.labels).tolist() == [3] * 5 + [2] * 5


def _write_batches(folder: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """The official python-batch layout: 5 train batches + test batch + batches.meta."""
    folder.mkdir(parents=True)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer"]
    names += [b"dog", b"frog", b"horse", b"ship", b"truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names}))
    flat = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    parts = np.array_split(np.arange(len(images)), 6)
    for name, part in zip(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"], parts, strict=True
    ):
        batch = {b"data": flat[part], b"labels": labels[part].tolist()}
        (folder / name).write_bytes(pickle.dumps(batch))


def test_cifar10_python_batches_and_cache(tmp_path: Path, cache: Path) -> None:
    source = load("synthetic", "test", limit=60)
    _write_batches(tmp_path / "cifar-10-batches-py", source.images, source.labels)
    for root in (tmp_path, tmp_path / "cifar-10-batches-py"):
        test = load("cifar10", "test", root=root, cache_dir=cache)
        np.testing.assert_array_equal(test.images, source.images[50:])
        np.testing.assert_array_equal(test.labels, source.labels[50:])
    train = load("cifar10", "train", root=tmp_path, cache_dir=cache)
    np.testing.assert_array_equal(train.images, source.images[:50])
    assert train.classes[0] == "airplane" and len(train.classes) == 10
    assert isinstance(train.images, np.memmap)  # served from the cache
    assert len(list(cache.iterdir())) == 2  # one entry per (source, split)
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load("cifar10", "train", root=tmp_path, cache_dir=cache)


def test_cifar10_image_folders_real(cifar10_folder: Path, cache: Path) -> None:
    test = load("cifar10", "test", root=cifar10_folder, cache_dir=cache)
    assert test.images.shape == (200, 32, 32, 3) and test.labels.dtype == np.int64
    assert test.classes == (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    )
    first = sorted((cifar10_folder / "test" / "bird").glob("*.jpg"))[0]
    index = int(np.flatnonzero(test.labels == 2)[0])
    np.testing.assert_array_equal(test.images[index], np.asarray(Image.open(first).convert("RGB")))
    again = load("cifar10", "test", root=cifar10_folder, cache_dir=cache)
    assert again.fingerprint == test.fingerprint
    assert load(
        "cifar10", "train", root=cifar10_folder, limit=20, cache_dir=cache
    ).labels.tolist() == (list(range(10)) * 2)


def test_cache_entry_follows_source_changes(tmp_path: Path, cache: Path) -> None:
    source = load("synthetic", "test", limit=20)
    for i, (img, label) in enumerate(zip(source.images, source.labels, strict=True)):
        folder = tmp_path / "test" / source.classes[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i}.png")
    first = load("cifar10", "test", root=tmp_path, cache_dir=cache)
    np.testing.assert_array_equal(np.sort(first.labels), np.sort(source.labels))
    victim = next((tmp_path / "test" / source.classes[0]).iterdir())
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(victim)
    second = load("cifar10", "test", root=tmp_path, cache_dir=cache)
    assert second.fingerprint != first.fingerprint
    assert len(list(cache.iterdir())) == 2
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(victim)
    with pytest.raises(ValueError, match=r"expected \(32, 32\)"):
        load("cifar10", "test", root=tmp_path, cache_dir=cache)


def test_tinyimagenet_official_layout_real(tinyimagenet_folder: Path, cache: Path) -> None:
    train = load("tinyimagenet", "train", root=tinyimagenet_folder, cache_dir=cache)
    assert train.images.shape == (600, 64, 64, 3)
    assert np.bincount(train.labels).tolist() == [3] * 200
    wnids = (tinyimagenet_folder / "wnids.txt").read_text().split()
    assert train.classes == tuple(sorted(wnids))
    test = load("tinyimagenet", "test", root=tinyimagenet_folder.parent, cache_dir=cache)
    assert test.images.shape == (400, 64, 64, 3)
    line = (tinyimagenet_folder / "val" / "val_annotations.txt").read_text().splitlines()[0]
    name, wnid = line.split("\t")[:2]
    assert name == "val_0.JPEG" and test.labels[0] == test.classes.index(wnid)
    pixels = np.asarray(Image.open(tinyimagenet_folder / "val" / "images" / name).convert("RGB"))
    np.testing.assert_array_equal(test.images[0], pixels)


def test_tinyimagenet_missing_val_labels(tinyimagenet_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tiny-imagenet-200"
    (copy / "val").mkdir(parents=True)
    shutil.copy(tinyimagenet_folder / "wnids.txt", copy / "wnids.txt")
    with pytest.raises(FileNotFoundError, match=r"val_annotations\.txt"):
        load("tinyimagenet", "test", root=copy, cache_dir=tmp_path / "cache")
